/* v1_nonce.h: the v1 nonces the bridge hands out and checks. One
 * instance (SQLite): its own table in memory (nonce.h). Instances sharing
 * a PostgreSQL database (issue 11): sealed nonces (nonce_sealed.h) that any
 * of them can check, used once as the shared store records it. */
#ifndef V1_NONCE_H
#define V1_NONCE_H

#include "bridge.h"
#include "nonce.h"

/* How long a sealed nonce is good for. */
#define V1_NONCE_SHARED_TTL 3600

/* When b->store is shared: its nonce key (made by the first instance).
 * Blocking: call it before the store is put on the loop. 0, or -1 after
 * logging why. */
int v1_nonce_init(struct bridge *b);
/* A fresh nonce for a reply: 0, or -1 (none sent). */
int v1_nonce_issue(struct bridge *b, char out[NONCE_LEN + 1]);
/* jws_nonce_fn (jws.h) with arg = b: 0 when nonce is good and unused
 * (it is used now), -1 otherwise. */
int v1_nonce_check(void *b, const char *nonce);

#endif
