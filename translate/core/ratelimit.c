/* ratelimit.c: per-address token buckets in a bounded table (ratelimit.h).
 *
 * A bucket is the generic cell rate algorithm's "theoretical arrival time":
 * the time at which the bucket is full again. Time counts in ticks of
 * 1/per_minute ms, so that one token is exactly 60000 ticks and the
 * arithmetic stays in integers. Taking a token moves tat one token later;
 * the bucket refuses when that would put tat more than burst tokens ahead
 * of now. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include "ratelimit.h"
#include "str.h"

#define TICKS_PER_TOKEN 60000LL /* ms per minute */

struct rate_entry {
	char key[RATE_KEY_LEN];
	long long tat; /* ticks: the bucket is full from then on */
	LIST_ENTRY(rate_entry) chain;
	TAILQ_ENTRY(rate_entry) lru;
};

LIST_HEAD(rate_chain, rate_entry);

struct rate_table {
	long long per_minute, burst;
	unsigned long long seed;
	size_t cap, used, nchains;
	unsigned long long evicted;
	struct rate_entry *entries;
	struct rate_chain *chains;
	TAILQ_HEAD(rate_lru, rate_entry) lru; /* most recently used first */
};

struct rate_table *
rate_table_new(size_t cap, long per_minute, long burst, unsigned long long seed)
{
	struct rate_table *t;
	size_t n = 1;

	if (cap == 0 || cap > SIZE_MAX / 4 / sizeof(struct rate_entry) ||
	    per_minute < 1 || per_minute > RATE_PER_MINUTE_MAX || burst < 1 ||
	    burst > RATE_BURST_MAX)
		return NULL;
	while (n < cap)
		n <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->entries = calloc(cap, sizeof(*t->entries));
	t->chains = calloc(n, sizeof(*t->chains));
	if (t->entries == NULL || t->chains == NULL) {
		rate_table_free(t);
		return NULL;
	}
	t->per_minute = per_minute;
	t->burst = burst;
	t->seed = seed;
	t->cap = cap;
	t->nchains = n;
	TAILQ_INIT(&t->lru);
	return t;
}

void
rate_table_free(struct rate_table *t)
{
	if (t == NULL)
		return;
	free(t->entries);
	free(t->chains);
	free(t);
}

/* FNV-1a, started from the seed. */
static size_t
chain_of(const struct rate_table *t, const char *key)
{
	unsigned long long h = 14695981039346656037ULL ^ t->seed;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return (size_t)(h & (t->nchains - 1));
}

static struct rate_entry *
find(struct rate_chain *c, const char *key)
{
	struct rate_entry *e;

	LIST_FOREACH(e, c, chain)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* A bucket for key, full at now: a free slot, else the least recently
 * used bucket, taken away from its key. */
static struct rate_entry *
add(struct rate_table *t, struct rate_chain *c, const char *key, long long now)
{
	struct rate_entry *e;

	if (t->used < t->cap)
		e = &t->entries[t->used++];
	else {
		e = TAILQ_LAST(&t->lru, rate_lru);
		if (e->tat > now)
			t->evicted++;
		LIST_REMOVE(e, chain);
		TAILQ_REMOVE(&t->lru, e, lru);
	}
	str_copy(e->key, sizeof(e->key), key);
	e->tat = now;
	LIST_INSERT_HEAD(c, e, chain);
	TAILQ_INSERT_HEAD(&t->lru, e, lru);
	return e;
}

long
rate_take(struct rate_table *t, const char *key, long long now_ms)
{
	struct rate_chain *c;
	struct rate_entry *e;
	long long now, tat, ahead, wait_ms;

	if (t == NULL)
		return 0;
	if (key == NULL)
		key = "";
	now = (now_ms < 0 ? 0 : now_ms) * t->per_minute;
	c = &t->chains[chain_of(t, key)];
	if ((e = find(c, key)) == NULL)
		e = add(t, c, key, now);
	else if (e != TAILQ_FIRST(&t->lru)) {
		TAILQ_REMOVE(&t->lru, e, lru);
		TAILQ_INSERT_HEAD(&t->lru, e, lru);
	}
	tat = (e->tat > now ? e->tat : now) + TICKS_PER_TOKEN;
	ahead = tat - now - t->burst * TICKS_PER_TOKEN;
	if (ahead > 0) {
		/* ticks -> ms -> whole seconds, each rounded up */
		wait_ms = (ahead + t->per_minute - 1) / t->per_minute;
		return (long)((wait_ms + 999) / 1000);
	}
	e->tat = tat;
	return 0;
}

size_t
rate_table_count(const struct rate_table *t)
{
	return t != NULL ? t->used : 0;
}

unsigned long long
rate_table_evicted(const struct rate_table *t)
{
	return t != NULL ? t->evicted : 0;
}

int
rate_key(const char *peer, char *key, size_t keylen)
{
	struct in6_addr a6;
	unsigned char *a = a6.s6_addr;
	char txt[INET6_ADDRSTRLEN];
	int n;

	if (peer == NULL)
		peer = "";
	if (inet_pton(AF_INET, peer, a) == 1)
		return inet_ntop(AF_INET, a, key, (socklen_t)keylen) ? 0 : -1;
	if (inet_pton(AF_INET6, peer, a) != 1) {
		str_copy(key, keylen, peer);
		return -1;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return inet_ntop(AF_INET, a + 12, key, (socklen_t)keylen) ? 0
									  : -1;
	memset(a + 8, 0, 8);
	if (inet_ntop(AF_INET6, a, txt, sizeof(txt)) == NULL)
		return -1;
	n = snprintf(key, keylen, "%s/64", txt);
	return n < 0 || (size_t)n >= keylen ? -1 : 0;
}
