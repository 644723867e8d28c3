/* jws.h: verify a client's ACME v1 JWS; sign the bridge's RFC 8555 JWS. */
#ifndef JWS_H
#define JWS_H

#include <stddef.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "jwk.h"

struct problem;

/* Returns 0 when nonce is one this server issued and has not seen, consuming
 * it; -1 otherwise. */
typedef int (*jws_nonce_fn)(void *arg, const char *nonce);

struct jws_v1 {
	json_t *jwk;	 /* the signer's JWK (merged header), owned */
	json_t *payload; /* the payload JSON object, owned */
	EVP_PKEY *key;	 /* the signer's public key, owned */
	char thumbprint[JWK_THUMBPRINT_LEN + 1];
	char alg[8];
};

/* Verify a v1 request body as Boulder's WFE1 did: flattened (or compact)
 * JSON serialization; header = protected merged with the unprotected `header`
 * member (protected wins); jwk required; alg in RS256/ES256/ES384 and matching
 * the key; RSA >= 2048 bits; nonce in the protected header, checked with
 * nonce_fn; signature over protected "." payload; payload a JSON object whose
 * "resource" equals `resource`. On failure fills p (malformed 400, badNonce
 * 400, badPublicKey 400) and returns -1; *out is then empty. */
int jws_v1_verify(const char *body, size_t len, const char *resource,
    jws_nonce_fn nonce_fn, void *nonce_arg, struct jws_v1 *out,
    struct problem *p);

/* Like jws_v1_verify for a JWS embedded as a JSON object (the inner JWS of a
 * v1 key-change): no nonce and no resource check. */
int
jws_v1_verify_object(const json_t *jws, struct jws_v1 *out, struct problem *p);

void jws_v1_free(struct jws_v1 *j);

/* Sign an RFC 8555 request with the bridge's key: protected header
 * {"alg", "kid"|"jwk", "nonce", "url"}; kid NULL puts the public jwk in;
 * payload "" makes a POST-as-GET. Returns the flattened JWS as a malloc'd
 * JSON string, or NULL. ES256 signatures are raw R||S (RFC 7518 3.4). */
char *jws_v2_sign(EVP_PKEY *key, const char *kid, const char *nonce,
    const char *url, const char *payload);

/* Raw JWS signature helpers (exposed for tests). */
int jws_sign_raw(EVP_PKEY *key, const unsigned char *msg, size_t len,
    unsigned char **sig, size_t *siglen);
int jws_verify_raw(EVP_PKEY *key, const char *alg, const unsigned char *msg,
    size_t len, const unsigned char *sig, size_t siglen);

#endif
