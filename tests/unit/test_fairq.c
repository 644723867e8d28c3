/* test_fairq.c: translate/core/fairq.c (issue 10 item 5). */
#include <stdlib.h>

#include "fairq.h"
#include "t.h"

static int items[64];

/* A busy key does not starve the others: keys in turn, each in order. */
static void
test_turns(void)
{
	struct fairq *q = fairq_new(16);
	int i;

	CHECK(q != NULL);
	if (q == NULL)
		return;
	CHECK(fairq_pop(q) == NULL);
	/* key 1 queues five, then keys 2 and 3 one each */
	for (i = 0; i < 5; i++)
		CHECK(fairq_push(q, 1, &items[i]) == 0);
	CHECK(fairq_push(q, 2, &items[10]) == 0);
	CHECK(fairq_push(q, 3, &items[20]) == 0);
	CHECK(fairq_len(q) == 7 && fairq_keys(q) == 3);
	CHECK(fairq_pop(q) == &items[0]);
	CHECK(fairq_pop(q) == &items[10]);
	CHECK(fairq_pop(q) == &items[20]);
	CHECK(fairq_keys(q) == 1);
	CHECK(fairq_pop(q) == &items[1]);
	/* a key that comes back waits its turn after the ones queued */
	CHECK(fairq_push(q, 2, &items[11]) == 0);
	CHECK(fairq_pop(q) == &items[2]);
	CHECK(fairq_pop(q) == &items[11]);
	CHECK(fairq_pop(q) == &items[3]);
	CHECK(fairq_pop(q) == &items[4]);
	CHECK(fairq_pop(q) == NULL);
	CHECK(fairq_len(q) == 0 && fairq_keys(q) == 0);
	fairq_free(q);
}

/* Bounded; removal from anywhere; freeing with items inside. */
static void
test_bounds_remove(void)
{
	struct fairq *q = fairq_new(3);

	CHECK(fairq_new(0) == NULL);
	if (q == NULL)
		return;
	CHECK(fairq_push(q, 1, NULL) == -1);
	CHECK(fairq_push(q, 1, &items[0]) == 0);
	CHECK(fairq_push(q, 1, &items[1]) == 0);
	CHECK(fairq_push(q, 2, &items[2]) == 0);
	CHECK(fairq_push(q, 3, &items[3]) == -1); /* full */
	CHECK(fairq_len(q) == 3);
	CHECK(fairq_remove(q, &items[1]) == 0); /* tail of key 1 */
	CHECK(fairq_remove(q, &items[1]) == -1);
	CHECK(fairq_remove(q, &items[2]) == 0); /* key 2 empties */
	CHECK(fairq_keys(q) == 1);
	CHECK(fairq_push(q, 4, &items[4]) == 0);
	CHECK(fairq_pop(q) == &items[0]);
	CHECK(fairq_pop(q) == &items[4]);
	CHECK(fairq_remove(q, &items[4]) == -1);
	CHECK(fairq_push(q, 5, &items[5]) == 0);
	CHECK(fairq_push(q, 5, &items[6]) == 0);
	fairq_free(q); /* two left inside: freed, not leaked (ASan) */
	fairq_free(NULL);
}

/* Many keys, many items: every item comes out exactly once. */
static void
test_many(void)
{
	struct fairq *q = fairq_new(64);
	int seen[64] = { 0 }, i, ok = 1;
	int *p;

	if (q == NULL)
		return;
	for (i = 0; i < 64; i++)
		if (fairq_push(q, i % 7, &items[i]) != 0)
			ok = 0;
	CHECK(ok);
	/* the first seven are one of each key */
	for (i = 0; i < 7; i++) {
		p = fairq_pop(q);
		CHECK(p == &items[i]);
		if (p != NULL)
			seen[p - items]++;
	}
	while ((p = fairq_pop(q)) != NULL)
		seen[p - items]++;
	for (i = 0; i < 64; i++)
		if (seen[i] != 1)
			ok = 0;
	CHECK(ok);
	fairq_free(q);
}

int
main(void)
{
	test_turns();
	test_bounds_remove();
	test_many();
	return T_DONE();
}
