/* fuzz.h: what the libFuzzer drivers share. Each driver is one file,
 * tests/fuzz/fuzz_<name>.c, defining LLVMFuzzerTestOneInput; its seeds are
 * tests/fuzz/corpus/fuzz_<name>/ (see README.md). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, as the server hands bodies and
 * headers over (server_req.body is NUL-terminated); NULL without memory. */
static inline char *
fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A property every answer must have: abort (a crash the fuzzer reports)
 * when it does not hold. */
#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
			__builtin_trap(); \
	} while (0)

#endif
