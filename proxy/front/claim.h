/* claim.h: work done once across the instances that share a store (issue
 * 11), such as creating an upstream account. The claim takes the store's
 * lock called name (store_lock_try; a store of one process always gives
 * it). While another instance holds it, the claim asks done(arg) every
 * CLAIM_POLL_MS whether that instance finished the work, and tries the
 * lock again, until CLAIM_WAIT_MS have passed. Then go(arg, outcome) runs
 * once, on a fiber (it may use the store):
 *   CLAIM_MINE     the lock is ours: do the work, then claim_release
 *   CLAIM_DONE     another instance did it (done said so)
 *   CLAIM_TIMEOUT  the other instance neither finished nor let go
 *   CLAIM_ERROR    the store failed (logged)
 * An instance that dies lets go of its locks (its connection ends). */
#ifndef CLAIM_H
#define CLAIM_H

#include "bridge.h"

#define CLAIM_POLL_MS 250
#define CLAIM_WAIT_MS 30000
#define CLAIM_NAME_MAX 300

enum claim_outcome { CLAIM_MINE, CLAIM_DONE, CLAIM_TIMEOUT, CLAIM_ERROR };

typedef int claim_done_fn(void *arg); /* 1: finished elsewhere */
typedef void claim_go_fn(void *arg, enum claim_outcome outcome);

/* go may run before claim_start returns (the lock was free). 0, or -1
 * out of memory (go does not run). */
int claim_start(struct bridge *b, const char *name, claim_done_fn *done,
    claim_go_fn *go, void *arg);
void claim_release(struct bridge *b, const char *name);

#endif
