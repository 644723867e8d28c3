/* fairq.h: a bounded queue that is fair between keys (issue 10 item 5): work
 * waiting for an upstream CA is taken one key (v1 account) at a time, in
 * turn, each key's own items in arrival order, so that one host with many
 * requests waits behind its own, not in front of everyone else's. Items are
 * the caller's pointers; nothing here knows what they are. */
#ifndef FAIRQ_H
#define FAIRQ_H

#include <stddef.h>

struct fairq;

/* A queue holding at most max items (0 < max). NULL out of memory. */
struct fairq *fairq_new(size_t max);
void fairq_free(struct fairq *q); /* the items are not touched */

/* Add item (not NULL, not queued already) for key. 0, or -1 when the
 * queue is full or out of memory (nothing added). */
int fairq_push(struct fairq *q, long long key, void *item);
/* The next item in turn: the oldest of the key after the one served last
 * (keys in the order they first queued). NULL when empty. */
void *fairq_pop(struct fairq *q);
/* Take item out wherever it is (it gave up waiting). 0, or -1 if absent. */
int fairq_remove(struct fairq *q, void *item);
size_t fairq_len(const struct fairq *q);
/* How many keys have items waiting. */
size_t fairq_keys(const struct fairq *q);

#endif
