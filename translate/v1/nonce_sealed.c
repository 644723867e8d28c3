/* nonce_sealed.c: sealed v1 nonces (nonce_sealed.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "nonce_sealed.h"

#define BODY_LEN (8 + NONCE_RANDOM_LEN)
#define TAG_LEN 8
#define RAW_LEN (BODY_LEN + TAG_LEN) /* 32 bytes: 43 base64url chars */

/* The first TAG_LEN bytes of HMAC-SHA256(key, body). 0 or -1. */
static int
tag(const unsigned char key[NONCE_KEY_LEN], const unsigned char *body,
    unsigned char out[TAG_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t len = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, NONCE_KEY_LEN,
		body, BODY_LEN, mac, sizeof(mac), &len) == NULL ||
	    len < TAG_LEN)
		return -1;
	memcpy(out, mac, TAG_LEN);
	return 0;
}

int
nonce_seal(const unsigned char key[NONCE_KEY_LEN], long long expires,
    const unsigned char rnd[NONCE_RANDOM_LEN], char out[NONCE_LEN + 1])
{
	unsigned char raw[RAW_LEN];
	unsigned long long e = (unsigned long long)expires;
	char *enc;

	for (int i = 7; i >= 0; i--, e >>= 8)
		raw[i] = (unsigned char)(e & 0xff);
	memcpy(raw + 8, rnd, NONCE_RANDOM_LEN);
	if (tag(key, raw, raw + BODY_LEN) == -1 ||
	    (enc = b64url_encode(raw, sizeof(raw))) == NULL)
		return -1;
	if (strlen(enc) != NONCE_LEN) {
		free(enc);
		return -1;
	}
	memcpy(out, enc, NONCE_LEN + 1);
	free(enc);
	return 0;
}

int
nonce_unseal(const unsigned char key[NONCE_KEY_LEN], const char *nonce,
    long long now, long long *expires)
{
	unsigned char want[TAG_LEN], *raw;
	unsigned long long e = 0;
	size_t len = 0;
	int ok;

	if (nonce == NULL || strnlen(nonce, NONCE_LEN + 1) != NONCE_LEN ||
	    (raw = b64url_decode(nonce, NONCE_LEN, &len)) == NULL)
		return -1;
	ok = len == RAW_LEN && tag(key, raw, want) == 0 &&
	    CRYPTO_memcmp(want, raw + BODY_LEN, TAG_LEN) == 0;
	for (int i = 0; ok && i < 8; i++)
		e = (e << 8) | raw[i];
	free(raw);
	if (!ok || e > (unsigned long long)INT64_MAX || (long long)e <= now)
		return -1;
	*expires = (long long)e;
	return 0;
}
