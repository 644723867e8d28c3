/* jwk.h: JSON Web Keys: client JWK parsing and checks, RFC 7638 thumbprints,
 * the bridge's own ECDSA P-256 v2 account keys. EVP_* only. */
#ifndef JWK_H
#define JWK_H

#include <jansson.h>
#include <openssl/evp.h>

#include "b64url.h"

#define JWK_THUMBPRINT_LEN B64URL_SHA256_LEN /* base64url of SHA-256 */

struct problem;

/* Public key from a client JWK: RSA (n, e; modulus >= 2048 bits, <= 8192) or
 * EC (P-256, P-384). Any other kty/crv, a short RSA key or a point not on the
 * curve fills p (badPublicKey or malformed, 400) and returns NULL. */
EVP_PKEY *jwk_to_pkey(const json_t *jwk, struct problem *p);

/* RFC 7638 thumbprint of a public JWK into out (43 chars + NUL), over the
 * canonical key: RSA n and e as minimal big-endian integers (a zero-padded
 * spelling of a key has the key's thumbprint), EC x and y exactly the field
 * size of a known crv (P-256, P-384; any other length or crv: -1). 0 or -1. */
int jwk_thumbprint(const json_t *jwk, char out[JWK_THUMBPRINT_LEN + 1]);

/* The public JWK of pk with only the RFC 7638 required members
 * (RSA: e, kty, n; EC: crv, kty, x, y). New reference or NULL. */
json_t *jwk_from_pkey(EVP_PKEY *pk);

/* JWS alg for a key: "RS256", "ES256", "ES384", or NULL. */
const char *jwk_alg(EVP_PKEY *pk);

/* A new ECDSA P-256 key (the bridge's v2 account keys). NULL on error. */
EVP_PKEY *jwk_generate_p256(void);

/* PKCS#8 PEM of a private key (malloc'd) and back. NULL on error. */
char *jwk_private_pem(EVP_PKEY *pk);
EVP_PKEY *jwk_private_from_pem(const char *pem);

/* 1 when both JWKs describe the same public key (compared by canonical
 * thumbprint, so a padded spelling equals the key). */
int jwk_equal(const json_t *a, const json_t *b);

#endif
