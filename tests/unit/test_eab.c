/* test_eab.c: the External Account Binding JWS (RFC 8555 7.3.4), checked
 * against an HMAC-SHA256 computed here by a different EVP path. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64url.h"
#include "eab.h"
#include "jwk.h"
#include "t.h"

/* base64url-decoded text of member m of o (malloc'd) or NULL. */
static char *
member_text(const json_t *o, const char *m)
{
	const char *s = json_string_value(json_object_get(o, m));
	size_t n;

	return s ? (char *)b64url_decode(s, strlen(s), &n) : NULL;
}

/* HMAC-SHA256 by EVP_DigestSign with an HMAC EVP_PKEY (not EVP_MAC, as
 * eab.c uses), base64url. */
static char *
expect_sig(const unsigned char *key, size_t keylen, const char *msg)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(
	    EVP_PKEY_HMAC, NULL, key, keylen);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char out[64];
	size_t outlen = sizeof(out);
	char *res = NULL;

	if (pk != NULL && md != NULL &&
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
	    EVP_DigestSign(md, out, &outlen, (const unsigned char *)msg,
		strlen(msg)) == 1 &&
	    outlen == 32)
		res = b64url_encode(out, outlen);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	return res;
}

static void
test_known_answer(void)
{
	/* A key as a CA hands it out: base64url. */
	const char *key_b64 =
	    "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3"
	    "MUAsUDkMTQ12W";
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	json_t *jwk = pk ? jwk_from_pkey(pk) : NULL, *j, *h, *p;
	unsigned char *key;
	size_t keylen;
	char *prot, *pay, *msg, *want;
	const char *ps, *ys;

	key = b64url_decode(key_b64, strlen(key_b64), &keylen);
	CHECK(jwk != NULL && key != NULL);
	j = eab_jws("kid-1", key, keylen, "https://ca/new-acct", jwk);
	CHECK(j != NULL);
	prot = member_text(j, "protected");
	pay = member_text(j, "payload");
	h = prot ? json_loads(prot, 0, NULL) : NULL;
	p = pay ? json_loads(pay, 0, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(h, "alg")), "HS256");
	CHECK_STR(json_string_value(json_object_get(h, "kid")), "kid-1");
	CHECK_STR(json_string_value(json_object_get(h, "url")),
	    "https://ca/new-acct");
	CHECK(json_object_size(h) == 3); /* no nonce (RFC 8555 7.3.4) */
	CHECK(p != NULL && json_equal(p, jwk));
	ps = json_string_value(json_object_get(j, "protected"));
	ys = json_string_value(json_object_get(j, "payload"));
	msg = malloc(strlen(ps) + strlen(ys) + 2);
	CHECK(msg != NULL);
	snprintf(msg, strlen(ps) + strlen(ys) + 2, "%s.%s", ps, ys);
	want = expect_sig(key, keylen, msg);
	CHECK(want != NULL);
	CHECK_STR(json_string_value(json_object_get(j, "signature")), want);
	free(want);
	/* A different key gives a different signature. */
	key[0] ^= 1;
	want = expect_sig(key, keylen, msg);
	CHECK(want != NULL &&
	    strcmp(json_string_value(json_object_get(j, "signature")), want));
	free(want);
	free(msg);
	free(prot);
	free(pay);
	json_decref(h);
	json_decref(p);
	json_decref(j);
	json_decref(jwk);
	free(key);
	EVP_PKEY_free(pk);
}

static void
test_refusals(void)
{
	const unsigned char k[4] = { 1, 2, 3, 4 };
	json_t *jwk = json_pack("{s:s}", "kty", "EC");

	CHECK(eab_jws(NULL, k, 4, "u", jwk) == NULL);
	CHECK(eab_jws("", k, 4, "u", jwk) == NULL);
	CHECK(eab_jws("kid", NULL, 4, "u", jwk) == NULL);
	CHECK(eab_jws("kid", k, 0, "u", jwk) == NULL);
	CHECK(eab_jws("kid", k, 4, NULL, jwk) == NULL);
	CHECK(eab_jws("kid", k, 4, "u", NULL) == NULL);
	json_decref(jwk);
}

int
main(void)
{
	test_known_answer();
	test_refusals();
	return T_DONE();
}
