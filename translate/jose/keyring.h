/* keyring.h: the signing boundary. The keyring owns every private key the
 * bridge holds (its v2 account keys): each is parsed once from PEM text in
 * memory, named by its RFC 7638 JWK thumbprint (the key id), used to sign by
 * id, and freed when evicted or when the keyring is freed. Nothing outside
 * keyring.c keeps an EVP_PKEY of the bridge's; callers keep key ids.
 *
 * Bounded: at most cap keys. Importing into a full keyring evicts the least
 * recently used key that nobody holds; a held key (an in-flight request's,
 * keyring_hold) is never evicted. An evicted key is imported again from its
 * stored PEM on next need. Pure: no files; EVP_* only. */
#ifndef KEYRING_H
#define KEYRING_H

#include <stddef.h>
#include <jansson.h>

#include "jwk.h"

#define KEYRING_ID_LEN JWK_THUMBPRINT_LEN
#define KEYRING_DEFAULT_CAP 1024

struct keyring;

/* A keyring for at most cap keys (cap >= 1), or NULL. */
struct keyring *keyring_new(size_t cap);
/* Frees every key (held or not); NULL is fine. */
void keyring_free(struct keyring *kr);

/* Parse the private key in pem[0..len) (RSA or EC P-256/P-384, the JWS
 * algorithms RS256/ES256/ES384) and put its id in id. The same key imported
 * again gives the same id and is parsed only to be recognised. The keyring
 * keeps no reference to pem. 0; -2 when pem is a private key of another
 * type; -1 when it is no private key, out of memory, or the keyring is full
 * of held keys. */
int keyring_import_pem(struct keyring *kr, const char *pem, size_t len,
    char id[KEYRING_ID_LEN + 1]);

/* A new ECDSA P-256 key (the bridge's v2 account keys) into the keyring
 * and its id. 0 or -1. */
int keyring_generate(struct keyring *kr, char id[KEYRING_ID_LEN + 1]);

/* The PKCS#8 PEM of key id, to store it (malloc'd, free it with
 * keyring_pem_free, which wipes it). NULL when unknown or on error. */
char *keyring_private_pem(struct keyring *kr, const char *id);
void keyring_pem_free(char *pem);

/* 1 when id is in the keyring, else 0. */
int keyring_has(const struct keyring *kr, const char *id);

/* Keep key id from eviction until the matching keyring_release (counted).
 * 0, or -1 when id is not in the keyring. */
int keyring_hold(struct keyring *kr, const char *id);
void keyring_release(struct keyring *kr, const char *id);

/* jws_v2_sign with key id: the flattened RFC 8555 JWS (malloc'd JSON) of
 * payload for url with nonce, signed by kid, or by the embedded public jwk
 * when kid is NULL. NULL when id is unknown or on error. */
char *keyring_sign_jws(struct keyring *kr, const char *id, const char *kid,
    const char *nonce, const char *url, const char *payload);

/* The raw JWS signature of msg with key id (jws_sign_raw: RSA PKCS#1 v1.5,
 * ECDSA as raw R||S). 0 or -1. */
int keyring_sign(struct keyring *kr, const char *id, const unsigned char *msg,
    size_t len, unsigned char **sig, size_t *siglen);

/* The public JWK of key id (RFC 7638 members only): new reference or NULL.
 * Its thumbprint is id. */
json_t *keyring_jwk(struct keyring *kr, const char *id);

/* The JWS alg of key id ("RS256", "ES256", "ES384") or NULL. */
const char *keyring_alg(const struct keyring *kr, const char *id);

/* Keys in the keyring now. */
size_t keyring_count(const struct keyring *kr);

#endif
