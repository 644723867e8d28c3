/* fuzz_chain.c: the CA's PEM certificate chain through chain_parse, and the
 * DER of a revoke-cert request's certificate through chain_der_serial. The
 * first byte picks which. */
#include <openssl/evp.h>

#include "chain.h"
#include "fuzz.h"

static void
check_chain(const uint8_t *data, size_t size)
{
	struct chain c;
	char *pem = fuzz_text(data, size);
	size_t i;

	if (pem == NULL)
		return;
	memset(&c, 0, sizeof(c));
	if (chain_parse(pem, size, &c) == 0) {
		FUZZ_ASSERT(c.n >= 1 && c.n <= CHAIN_MAX);
		FUZZ_ASSERT(strlen(c.serial) < CHAIN_SERIAL_MAX);
		for (i = 0; i < c.n; i++)
			FUZZ_ASSERT(c.der[i] != NULL && c.len[i] > 0);
		chain_clear(&c);
	}
	free(pem);
}

static void
check_der(const uint8_t *data, size_t size)
{
	char serial[CHAIN_SERIAL_MAX];
	EVP_PKEY *pk = NULL;

	if (chain_der_serial(data, size, serial, &pk) == 0) {
		FUZZ_ASSERT(strlen(serial) > 0 && pk != NULL);
		EVP_PKEY_free(pk);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		check_der(data + 1, size - 1);
	else
		check_chain(data + 1, size - 1);
	return 0;
}
