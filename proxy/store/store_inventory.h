/* store_inventory.h: the client inventory in the store (types and pure
 * rules in translate/observe/inventory.h): written by proxy/admin/observe.c,
 * read by `acme-bridge report` and the admin migration page. Returns and
 * ownership as for every store function (store.h): 0, -1 (logged through
 * the store's callback); the lists are malloc'd, freed by their *_free.
 * Strings from the request are cleaned and cut here (store_inventory.c)
 * before any implementation sees them. */
#ifndef STORE_INVENTORY_H
#define STORE_INVENTORY_H

#include <stddef.h>

#include "inventory.h"

struct store;

/* A failure (inventory_failed) also sets the account's last error and is
 * kept in the failures list. account_id 0 (no known account): only a
 * failure of a named v1 resource is kept, in the failures list. */
int inventory_record(
    struct store *s, const struct inventory_seen *v, long long now);

/* Any v1 request (known account or not): traffic per hour; failed as
 * inventory_failed() says. */
int inventory_count(struct store *s, int failed, long long now);
/* requests of them (failures failed) at once, in the hour of now: the
 * in-memory counts flushed (issue 10 item 4). Nothing for requests < 1. */
int inventory_count_n(
    struct store *s, long long requests, long long failures, long long now);
int inventory_issued(struct store *s, long long account_id, const char *serial,
    long long not_after, long long now);

/* Rows seen since `since` (0 = all), sorted by last_seen, newest first
 * (then the larger account id). next_expiry is the earliest not_after
 * after now of the account's certificates that are not revoked. */
int inventory_list(struct store *s, long long since, long long now,
    struct inventory_list *out);
void inventory_list_free(struct inventory_list *l);

/* v1 requests per hour for the hours [from, to) (unix seconds, aligned to
 * the hour): counts[i] and failures[i] for hour from + i*3600 (0 for an
 * hour without requests). n = hours, at most ten years. */
int inventory_traffic(struct store *s, long long from, size_t n,
    long long *counts, long long *failures);

/* The newest failures first, at most max (cut to INVENTORY_FAILURES_MAX):
 * *out malloc'd (NULL when none), *n entries. */
int inventory_failures(
    struct store *s, size_t max, struct inventory_failure **out, size_t *n);
void inventory_failures_free(struct inventory_failure *f, size_t n);

/* v1 accounts per client family and version (one query; for the metrics
 * gauge): cb(arg, family, version, count) per pair. 0 or -1. */
int inventory_versions(struct store *s,
    void (*cb)(void *arg, const char *family, const char *version, long long n),
    void *arg);

int inventory_summary(struct store *s, long long since, long long now,
    long long within, struct inventory_summary *out);

#endif
