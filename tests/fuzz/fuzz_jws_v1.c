/* fuzz_jws_v1.c: a v1 request body through jws_v1_verify, the JWS and JWK
 * checks every signed v1 request passes first. The first byte picks the
 * resource the payload must name; the nonce check accepts every nonce (so
 * the fuzzer reaches the signature and payload checks). */
#include "fuzz.h"
#include "jws.h"
#include "problem.h"

static int
nonce_any(void *arg, const char *nonce)
{
	(void)arg;
	return nonce != NULL ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const res[] = { "new-reg", "reg", "new-authz",
		"challenge", "authz", "new-cert", "revoke-cert", "key-change" };
	struct jws_v1 j;
	struct problem p;
	char *body;

	if (size < 1 || (body = fuzz_text(data + 1, size - 1)) == NULL)
		return 0;
	memset(&j, 0, sizeof(j));
	memset(&p, 0, sizeof(p));
	if (jws_v1_verify(body, size - 1,
		res[data[0] % (sizeof(res) / sizeof(res[0]))], nonce_any, NULL,
		&j, &p) == 0) {
		/* what the front reads of a verified request */
		FUZZ_ASSERT(
		    j.jwk != NULL && j.payload != NULL && j.key != NULL);
		FUZZ_ASSERT(strlen(j.thumbprint) == JWK_THUMBPRINT_LEN);
		jws_v1_free(&j);
	} else {
		/* a refusal says why, and leaves nothing to free */
		FUZZ_ASSERT(p.status >= 400 && p.detail[0] != '\0');
		FUZZ_ASSERT(
		    j.jwk == NULL && j.payload == NULL && j.key == NULL);
	}
	free(body);
	return 0;
}
