/* test_ratelimit.c: token buckets (burst, refill, Retry-After), the bounded
 * table and its eviction, and the address keys (translate/core/ratelimit). */
#include <stdio.h>

#include "ratelimit.h"
#include "t.h"

/* burst tokens at once, then a refusal naming the wait */
static void
test_burst(void)
{
	struct rate_table *t = rate_table_new(8, 60, 3, 1);
	int i;

	CHECK(t != NULL);
	for (i = 0; i < 3; i++)
		CHECK(rate_take(t, "a", 0) == 0);
	CHECK(rate_take(t, "a", 0) == 1); /* one token a second */
	CHECK(rate_take(t, "a", 0) == 1); /* a refusal takes nothing */
	CHECK(rate_take(t, "b", 0) == 0); /* another key: its own bucket */
	rate_table_free(t);
}

static void
test_refill(void)
{
	struct rate_table *t = rate_table_new(8, 60, 3, 1);
	int i, ok;

	CHECK(t != NULL);
	for (i = 0; i < 3; i++)
		CHECK(rate_take(t, "a", 1000) == 0);
	CHECK(rate_take(t, "a", 1999) == 1);
	CHECK(rate_take(t, "a", 2000) == 0); /* one token back */
	CHECK(rate_take(t, "a", 2000) == 1);
	CHECK(rate_take(t, "a", 4000) == 0); /* two more by 4 s */
	CHECK(rate_take(t, "a", 4000) == 0);
	CHECK(rate_take(t, "a", 4000) == 1);
	/* a long pause refills to the burst, never beyond it */
	for (ok = 0, i = 0; i < 10; i++)
		ok += rate_take(t, "a", 3600000) == 0;
	CHECK(ok == 3);
	rate_table_free(t);
}

/* Retry-After: whole seconds rounded up, never 0 when refused */
static void
test_retry_after(void)
{
	struct rate_table *t = rate_table_new(8, 10, 2, 1);

	CHECK(t != NULL);
	CHECK(rate_take(t, "a", 0) == 0);
	CHECK(rate_take(t, "a", 0) == 0);
	CHECK(rate_take(t, "a", 0) == 6); /* 10/min: a token per 6 s */
	CHECK(rate_take(t, "a", 1) == 6); /* 5.999 s -> 6 */
	CHECK(rate_take(t, "a", 5000) == 1);
	CHECK(rate_take(t, "a", 5999) == 1); /* 1 ms -> 1 s */
	CHECK(rate_take(t, "a", 6000) == 0);
	rate_table_free(t);
	/* 7/min: 8571.43 ms a token, in integer ticks */
	t = rate_table_new(8, 7, 1, 1);
	CHECK(t != NULL);
	CHECK(rate_take(t, "a", 0) == 0);
	CHECK(rate_take(t, "a", 0) == 9);
	CHECK(rate_take(t, "a", 8571) == 1);
	CHECK(rate_take(t, "a", 8572) == 0);
	rate_table_free(t);
	/* the largest rates with a clock of today's Unix milliseconds */
	t = rate_table_new(8, RATE_PER_MINUTE_MAX, RATE_BURST_MAX, 1);
	CHECK(t != NULL);
	CHECK(rate_take(t, "a", 1800000000000LL) == 0);
	rate_table_free(t);
}

/* The table never holds more than cap; the least recently used goes. */
static void
test_eviction(void)
{
	struct rate_table *t = rate_table_new(2, 60, 1, 7);
	char key[32];
	int i, taken = 0, refused = 0;

	CHECK(t != NULL);
	CHECK(rate_take(t, "a", 0) == 0);
	CHECK(rate_take(t, "b", 0) == 0);
	CHECK(rate_take(t, "a", 0) == 1); /* a is the most recent now */
	CHECK(rate_take(t, "c", 0) == 0); /* b (not full) goes */
	CHECK(rate_table_count(t) == 2);
	CHECK(rate_table_evicted(t) == 1);
	CHECK(rate_take(t, "a", 0) == 1); /* a kept its state */
	CHECK(rate_take(t, "b", 0) == 0); /* b came back with a fresh burst */
	rate_table_free(t);

	/* full buckets go without counting as evictions */
	t = rate_table_new(2, 60, 1, 7);
	CHECK(t != NULL);
	CHECK(rate_take(t, "a", 0) == 0);
	CHECK(rate_take(t, "b", 0) == 0);
	CHECK(rate_take(t, "c", 5000) == 0);
	CHECK(rate_table_evicted(t) == 0);
	rate_table_free(t);

	/* a flood of 100000 keys: memory stays at cap, and an address that
	 * keeps asking stays limited (it is never the least recently used) */
	t = rate_table_new(64, 60, 2, 99);
	CHECK(t != NULL);
	CHECK(rate_take(t, "victim", 0) == 0);
	CHECK(rate_take(t, "victim", 0) == 0);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.%d", (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		taken += rate_take(t, key, 0) == 0;
		refused += rate_take(t, "victim", 0) != 0;
	}
	CHECK(taken == 100000);
	CHECK(refused == 100000);
	CHECK(rate_table_count(t) == 64);
	rate_table_free(t);
}

static void
test_new_and_off(void)
{
	CHECK(rate_take(NULL, "a", 0) == 0); /* a limit that is off */
	CHECK(rate_table_new(0, 10, 1, 0) == NULL);
	CHECK(rate_table_new(8, 0, 1, 0) == NULL);
	CHECK(rate_table_new(8, 10, 0, 0) == NULL);
	CHECK(rate_table_new(8, RATE_PER_MINUTE_MAX + 1, 1, 0) == NULL);
	CHECK(rate_table_new(8, 10, RATE_BURST_MAX + 1, 0) == NULL);
	rate_table_free(NULL);
}

static void
test_key(void)
{
	char k[RATE_KEY_LEN];

	CHECK(rate_key("127.0.0.2", k, sizeof(k)) == 0);
	CHECK_STR(k, "127.0.0.2");
	CHECK(rate_key("::ffff:10.1.2.3", k, sizeof(k)) == 0);
	CHECK_STR(k, "10.1.2.3");
	CHECK(rate_key("2001:db8:1:2:3:4:5:6", k, sizeof(k)) == 0);
	CHECK_STR(k, "2001:db8:1:2::/64");
	CHECK(rate_key("2001:DB8:1:2::9", k, sizeof(k)) == 0);
	CHECK_STR(k, "2001:db8:1:2::/64");
	CHECK(rate_key("2001:db8:1:3::9", k, sizeof(k)) == 0);
	CHECK_STR(k, "2001:db8:1:3::/64");
	CHECK(rate_key("::1", k, sizeof(k)) == 0);
	CHECK_STR(k, "::/64");
	CHECK(rate_key("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", k,
		  sizeof(k)) == 0);
	CHECK_STR(k, "ffff:ffff:ffff:ffff::/64");
	CHECK(rate_key("not an address", k, sizeof(k)) == -1);
	CHECK_STR(k, "not an address");
	CHECK(rate_key(NULL, k, sizeof(k)) == -1);
	CHECK_STR(k, "");
}

int
main(void)
{
	test_burst();
	test_refill();
	test_retry_after();
	test_eviction();
	test_new_and_off();
	test_key();
	return T_DONE();
}
