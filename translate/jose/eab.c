/* eab.c: the External Account Binding JWS (RFC 8555 7.3.4), HS256 by
 * EVP_MAC. Pure: the MAC key comes in as bytes, nothing is logged. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "b64url.h"
#include "eab.h"

/* HMAC-SHA256 of msg with key into out (32 bytes). 0 or -1. */
static int
eab_hmac(const unsigned char *key, size_t keylen, const char *msg,
    unsigned char out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;
	int rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (mac != NULL && (ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)msg, strlen(msg)) == 1 &&
	    EVP_MAC_final(ctx, out, &outlen, 32) == 1 && outlen == 32)
		rc = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

/* base64url of the compact JSON text of j, or NULL. */
static char *
eab_b64_json(const json_t *j)
{
	char *s, *b;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		return NULL;
	b = b64url_encode((const unsigned char *)s, strlen(s));
	free(s);
	return b;
}

/* "protected.payload", both base64url, into *prot and *pay. */
static char *
eab_input(const char *kid, const char *url, const json_t *jwk, char **prot,
    char **pay)
{
	json_t *h = json_pack(
	    "{s:s, s:s, s:s}", "alg", "HS256", "kid", kid, "url", url);
	char *in = NULL;
	size_t a, b;

	*prot = h != NULL ? eab_b64_json(h) : NULL;
	json_decref(h);
	*pay = eab_b64_json(jwk);
	if (*prot == NULL || *pay == NULL)
		return NULL;
	a = strlen(*prot);
	b = strlen(*pay);
	if ((in = malloc(a + b + 2)) == NULL)
		return NULL;
	memcpy(in, *prot, a);
	in[a] = '.';
	memcpy(in + a + 1, *pay, b + 1);
	return in;
}

json_t *
eab_jws(const char *kid, const unsigned char *key, size_t keylen,
    const char *url, const json_t *jwk)
{
	char *prot = NULL, *pay = NULL, *in = NULL, *sig = NULL;
	unsigned char mac[32];
	json_t *res = NULL;

	if (kid == NULL || kid[0] == '\0' || key == NULL || keylen == 0 ||
	    url == NULL || !json_is_object(jwk))
		return NULL;
	if ((in = eab_input(kid, url, jwk, &prot, &pay)) != NULL &&
	    eab_hmac(key, keylen, in, mac) == 0 &&
	    (sig = b64url_encode(mac, sizeof(mac))) != NULL)
		res = json_pack("{s:s, s:s, s:s}", "protected", prot, "payload",
		    pay, "signature", sig);
	OPENSSL_cleanse(mac, sizeof(mac));
	free(prot);
	free(pay);
	free(in);
	free(sig);
	return res;
}
