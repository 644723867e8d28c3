/* inv_queue.h: the client inventory's writes, kept in memory and written
 * together (issue 10 item 3). Each v1 request of a known account, and
 * each issuance, is one entry; invq_write hands them to the store in the
 * order they came, inside the caller's transaction, so a batch costs one
 * commit instead of one per request. observe.c owns the queue and decides
 * when to write it (its flush timer, a full queue, SIGHUP, the page, the
 * exit). */
#ifndef INV_QUEUE_H
#define INV_QUEUE_H

#include <stddef.h>

#include "inventory.h"
#include "store.h"

/* Entries held before the queue asks to be written at once. */
#define INVQ_MAX 256

struct inv_queue;

struct inv_queue *invq_new(void);
void invq_free(struct inv_queue *q);
/* Queue a copy of v (every string copied; v may go after the call), seen
 * at now. 0, or -1 when out of memory (the entry is lost: the inventory
 * is an observation, the request is answered anyway). */
int invq_add_seen(
    struct inv_queue *q, const struct inventory_seen *v, long long now);
/* Queue an issuance of account_id (0 is ignored) at now. */
int invq_add_issued(struct inv_queue *q, long long account_id, long long now);
size_t invq_len(const struct inv_queue *q);
/* Every entry to s in order (inventory_record / inventory_issued), then
 * the queue is empty. The number of entries the store refused. */
size_t invq_write(struct inv_queue *q, struct store *s);

#endif
