/* nonce_sealed.h: v1 nonces that any instance of a bridge can check
 * (issue 11): 24 bytes (the time the nonce expires, 8 bytes big-endian,
 * then 16 random bytes) and the first 8 bytes of their HMAC-SHA256 under a
 * key every instance shares, base64url: NONCE_LEN characters like the
 * single-instance nonces (nonce.h). A sealed nonce proves where it came
 * from and until when it is good; that it is used once is the store's
 * part (store_nonce_use), since any instance may see it. No clock, no
 * I/O: the time and the random bytes are passed in. */
#ifndef NONCE_SEALED_H
#define NONCE_SEALED_H

#include "nonce.h"

#define NONCE_KEY_LEN 32
#define NONCE_RANDOM_LEN 16

/* out (NONCE_LEN + 1) from key, expires and rnd. 0, or -1 (no HMAC). */
int nonce_seal(const unsigned char key[NONCE_KEY_LEN], long long expires,
    const unsigned char rnd[NONCE_RANDOM_LEN], char out[NONCE_LEN + 1]);
/* 0 with *expires set when nonce was sealed under key and expires > now;
 * -1 otherwise (another key, altered, expired, not a nonce at all). */
int nonce_unseal(const unsigned char key[NONCE_KEY_LEN], const char *nonce,
    long long now, long long *expires);

#endif
