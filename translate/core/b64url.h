/* b64url.h: strict base64url without padding (RFC 7515 section 2). */
#ifndef B64URL_H
#define B64URL_H

/* The base64url length of a SHA-256 digest, unpadded (thumbprints, dns-01). */
#define B64URL_SHA256_LEN 43

#include <stddef.h>

/* Encode len bytes; returns a malloc'd NUL-terminated string or NULL. */
char *b64url_encode(const unsigned char *in, size_t len);

/* Decode inlen characters. Strict: only [A-Za-z0-9_-], no padding, no
 * whitespace, no impossible lengths (len % 4 == 1), and unused trailing bits
 * must be zero. Returns malloc'd bytes (NUL-terminated for convenience, the
 * NUL not counted in *outlen) or NULL on any error. */
unsigned char *b64url_decode(const char *in, size_t inlen, size_t *outlen);

#endif
