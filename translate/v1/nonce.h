/* nonce.h: the bridge's own v1 nonces (single use, bounded memory) and the
 * pool of upstream v2 nonces. No clock, no I/O. */
#ifndef NONCE_H
#define NONCE_H

#include <stddef.h>

#define NONCE_LEN 43	       /* base64url of 32 random bytes */
#define NONCE_UPSTREAM_MAX 256 /* longest upstream nonce we keep */

struct nonce_set;

/* A set remembering at most cap outstanding nonces; when full, issuing a new
 * one forgets the oldest (which then fails as a bad nonce, as Boulder's did). */
struct nonce_set *nonce_set_new(size_t cap);
void nonce_set_free(struct nonce_set *s);
/* Fill out with a fresh random nonce and remember it. 0 or -1. */
int nonce_set_issue(struct nonce_set *s, char out[NONCE_LEN + 1]);
/* 0 and forget it when s issued nonce and it is outstanding; else -1. */
int nonce_set_consume(struct nonce_set *s, const char *nonce);
size_t nonce_set_count(const struct nonce_set *s);
/* Slots allocated: 64 at first, doubling as nonces are outstanding, never
 * more than cap (issue 10 item 6). */
size_t nonce_set_slots(const struct nonce_set *s);

/* Upstream nonces: a LIFO of at most cap strings (newest first). */
struct nonce_pool;
struct nonce_pool *nonce_pool_new(size_t cap);
void nonce_pool_free(struct nonce_pool *p);
/* Keep a copy of nonce (ignored when empty, too long or not base64url);
 * drops the oldest when full. */
void nonce_pool_put(struct nonce_pool *p, const char *nonce);
/* Take the newest into out; 0, or -1 when empty. */
int nonce_pool_take(struct nonce_pool *p, char out[NONCE_UPSTREAM_MAX + 1]);
size_t nonce_pool_count(const struct nonce_pool *p);

#endif
