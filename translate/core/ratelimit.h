/* ratelimit.h: per-address token buckets (issue 8 item 6). One table per
 * limit: every key (a client address, rate_key) has a bucket of `burst`
 * tokens refilled at `per_minute`; a request takes one token or is refused
 * with the seconds until one is there (Retry-After). Time is passed in
 * (milliseconds of a monotonic clock), so the table is pure.
 *
 * Memory is bounded: the table holds at most `cap` buckets, allocated once.
 * A bucket is kept as the time it is full again (GCRA), so a full bucket is
 * the same as no entry at all; when the table is full the least recently
 * used bucket is reused, which is nearly always a full one. Reusing one
 * that is not full only gives that address a fresh burst (it errs towards
 * letting a client through, never towards refusing one). */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stddef.h>

#define RATE_KEY_LEN 64		     /* an IPv6 /64 prefix with "/64" fits */
#define RATE_PER_MINUTE_MAX 1000000L /* keeps ms * rate below 2^62 */
#define RATE_BURST_MAX 1000000L

struct rate_table;

/* A table of at most cap (>= 1) buckets of burst (1..RATE_BURST_MAX)
 * tokens refilled at per_minute (1..RATE_PER_MINUTE_MAX); seed varies the
 * hash so that addresses cannot be picked to collide. NULL when out of
 * memory or an argument is out of range. */
struct rate_table *rate_table_new(
    size_t cap, long per_minute, long burst, unsigned long long seed);
/* NULL is a no-op. */
void rate_table_free(struct rate_table *t);

/* Take one token from key's bucket at now_ms. 0 when taken; otherwise
 * nothing is taken and the answer is the whole seconds (>= 1) until a
 * token is there. A NULL table is a limit that is off: always 0. */
long rate_take(struct rate_table *t, const char *key, long long now_ms);

/* Buckets in the table (<= cap), and how many buckets that were not full
 * were reused for another key since the table was made. */
size_t rate_table_count(const struct rate_table *t);
unsigned long long rate_table_evicted(const struct rate_table *t);

/* The bucket key of a peer address into key (keylen >= RATE_KEY_LEN):
 * IPv4 as it is, an IPv4-mapped IPv6 address as the IPv4 one, any other
 * IPv6 address as its /64 ("2001:db8:1:2::/64"): one host usually holds a
 * whole /64 and could walk through it. 0, or -1 when peer is not an
 * address (key is then peer, cut to fit: all such peers share a bucket
 * per spelling). */
int rate_key(const char *peer, char *key, size_t keylen);

#endif
