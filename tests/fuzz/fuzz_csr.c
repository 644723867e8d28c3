/* fuzz_csr.c: the DER of a new-cert CSR through csr_names_get (parse,
 * self-signature, CN and SAN names). */
#include "csr.h"
#include "fuzz.h"
#include "problem.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct csr_names out; /* 25 KB: not on the stack */
	struct problem p;
	size_t i;

	memset(&p, 0, sizeof(p));
	if (csr_names_get(data, size, &out, &p) != 0) {
		FUZZ_ASSERT(p.status == 400 && p.detail[0] != '\0');
		return 0;
	}
	/* lower-cased, unique, sorted, each a name we may ask for */
	FUZZ_ASSERT(out.n >= 1 && out.n <= CSR_MAX_NAMES);
	for (i = 0; i < out.n; i++) {
		FUZZ_ASSERT(csr_name_valid(out.names[i]));
		FUZZ_ASSERT(
		    i == 0 || strcmp(out.names[i - 1], out.names[i]) < 0);
	}
	return 0;
}
