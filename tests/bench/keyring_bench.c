/* keyring_bench.c: the cost of signing one upstream request, before the
 * keyring (parse the stored PEM, compute the key's thumbprint, sign: what
 * every v1 request and its POSTs did) and with it (look the stored PEM up in
 * a full keyring, hold, sign, release). Run by hand, not by make test:
 *
 *   make build/acme-bridge
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Itranslate/core -Itranslate/jose \
 *       tests/bench/keyring_bench.c \
 *       $(find build/obj/translate/core build/obj/translate/jose -name '*.o') \
 *       $(pkg-config --libs jansson openssl) -o build/keyring_bench
 *   ./build/keyring_bench [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "jwk.h"
#include "jws.h"
#include "keyring.h"

#define URL "https://ca.example/acme/order/1234567890"
#define KID "https://ca.example/acme/acct/1234567890"
#define NONCE "zRLs6M0bGp8fSq2Cl0U4h-JfkXGtN8yD5eE3b1aQ"

static double
now_us(void)
{
	struct timespec ts;

	/* CPU time of this process: the machine may be shared. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Before: what accounts.c's load_v2key and acme2's post did each time
 * (thumb: with load_v2key's thumbprint). */
static int
sign_before(const char *pem, int thumb)
{
	char tp[JWK_THUMBPRINT_LEN + 1], *js;
	EVP_PKEY *pk = jwk_private_from_pem(pem);
	json_t *jwk = pk && thumb ? jwk_from_pkey(pk) : NULL;
	int rc = -1;

	if (pk != NULL &&
	    (!thumb || (jwk != NULL && jwk_thumbprint(jwk, tp) == 0)) &&
	    (js = jws_v2_sign(pk, KID, NONCE, URL, "")) != NULL) {
		free(js);
		rc = 0;
	}
	json_decref(jwk);
	EVP_PKEY_free(pk);
	return rc;
}

/* After: the stored PEM is a digest and a lookup; the key stays. */
static int
sign_after(struct keyring *kr, const char *pem)
{
	char id[KEYRING_ID_LEN + 1], *js;
	int rc = -1;

	if (keyring_import_pem(kr, pem, strlen(pem), id) != 0 ||
	    keyring_hold(kr, id) != 0)
		return -1;
	if ((js = keyring_sign_jws(kr, id, KID, NONCE, URL, "")) != NULL) {
		free(js);
		rc = 0;
	}
	keyring_release(kr, id);
	return rc;
}

static void
bench(const char *what, EVP_PKEY *pk, int n)
{
	struct keyring *kr = keyring_new(KEYRING_DEFAULT_CAP);
	char id[KEYRING_ID_LEN + 1], *pem = jwk_private_pem(pk), *js;
	double t0, before, parse_sign, after, sign_only;
	int i, bad = 0;

	/* A full keyring: the lookup is among 1024 keys. */
	for (i = 0; kr != NULL && i < KEYRING_DEFAULT_CAP - 1; i++)
		bad += keyring_generate(kr, id) != 0;
	bad += pem == NULL || kr == NULL || sign_after(kr, pem) != 0;
	t0 = now_us();
	for (i = 0; i < n; i++)
		bad += sign_before(pem, 1) != 0;
	before = (now_us() - t0) / n;
	t0 = now_us();
	for (i = 0; i < n; i++)
		bad += sign_before(pem, 0) != 0;
	parse_sign = (now_us() - t0) / n;
	t0 = now_us();
	for (i = 0; i < n; i++)
		bad += sign_after(kr, pem) != 0;
	after = (now_us() - t0) / n;
	keyring_import_pem(kr, pem, strlen(pem), id);
	t0 = now_us();
	for (i = 0; i < n; i++) {
		js = keyring_sign_jws(kr, id, KID, NONCE, URL, "");
		bad += js == NULL;
		free(js);
	}
	sign_only = (now_us() - t0) / n;
	printf("%s (%d iterations, %zu keys in the keyring):\n"
	       "  before  PEM parse + thumbprint + sign   %8.1f us\n"
	       "  before  PEM parse + sign                %8.1f us\n"
	       "  after   PEM lookup + hold + sign        %8.1f us\n"
	       "  after   sign by id (a retry, a POST)    %8.1f us\n"
	       "  speed-up (before / after)               %8.2fx%s\n",
	    what, n, keyring_count(kr), before, parse_sign, after, sign_only,
	    before / after, bad ? "  (ERRORS)" : "");
	keyring_pem_free(pem);
	keyring_free(kr);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	EVP_PKEY *ec = jwk_generate_p256();
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	if (n <= 0 || ec == NULL || rsa == NULL)
		return 1;
	bench("ES256 (P-256, the bridge's own keys)", ec, n);
	bench("RS256 (RSA 2048, an imported key)", rsa, n / 4 > 0 ? n / 4 : 1);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	return 0;
}
