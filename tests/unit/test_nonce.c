/* test_nonce.c: v1 nonce set and upstream nonce pool. */
#include <stdlib.h>
#include <string.h>

#include "nonce.h"
#include "nonce_sealed.h"
#include "t.h"

static int
all_b64url(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			(*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static void
test_set_basic(void)
{
	struct nonce_set *s;
	char n[NONCE_LEN + 1], m[NONCE_LEN + 1];

	CHECK(nonce_set_new(0) == NULL);
	s = nonce_set_new(4);
	CHECK(s != NULL);
	CHECK(nonce_set_count(s) == 0);
	CHECK(nonce_set_issue(s, n) == 0);
	CHECK(strlen(n) == NONCE_LEN);
	CHECK(all_b64url(n));
	CHECK(nonce_set_count(s) == 1);
	CHECK(nonce_set_issue(s, m) == 0);
	CHECK(strcmp(n, m) != 0);
	CHECK(nonce_set_consume(s, n) == 0);
	CHECK(nonce_set_consume(s, n) == -1);
	CHECK(nonce_set_count(s) == 1);
	CHECK(nonce_set_consume(
		  s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == -1);
	CHECK(nonce_set_consume(s, "") == -1);
	CHECK(nonce_set_consume(s, NULL) == -1);
	/* a prefix or an extension of a live nonce is not that nonce */
	memcpy(n, m, sizeof(n));
	n[NONCE_LEN - 1] = '\0';
	CHECK(nonce_set_consume(s, n) == -1);
	CHECK(nonce_set_consume(s, m) == 0);
	CHECK(nonce_set_count(s) == 0);
	nonce_set_free(s);
	nonce_set_free(NULL);
}

static void
test_set_evict(void)
{
	enum { CAP = 16 };
	struct nonce_set *s;
	char(*ns)[NONCE_LEN + 1];
	size_t i, ok;

	s = nonce_set_new(CAP);
	ns = calloc(CAP + 1, sizeof(*ns));
	for (i = 0; i < CAP + 1; i++)
		CHECK(nonce_set_issue(s, ns[i]) == 0);
	CHECK(nonce_set_count(s) == CAP);
	CHECK(nonce_set_consume(s, ns[0]) == -1);  /* evicted */
	CHECK(nonce_set_consume(s, ns[CAP]) == 0); /* newest works */
	for (i = 1, ok = 0; i < CAP; i++)
		ok += nonce_set_consume(s, ns[i]) == 0;
	CHECK(ok == CAP - 1);
	CHECK(nonce_set_count(s) == 0);

	/* consuming frees a slot: no eviction until full again */
	for (i = 0; i < CAP; i++)
		nonce_set_issue(s, ns[i]);
	CHECK(nonce_set_consume(s, ns[3]) == 0);
	nonce_set_issue(s, ns[CAP]);
	CHECK(nonce_set_count(s) == CAP);
	CHECK(nonce_set_consume(s, ns[0]) == 0); /* oldest still there */
	nonce_set_issue(s, ns[3]);
	nonce_set_issue(s, ns[0]); /* full: evicts ns[1] */
	CHECK(nonce_set_consume(s, ns[1]) == -1);
	CHECK(nonce_set_consume(s, ns[2]) == 0);
	free(ns);
	nonce_set_free(s);
}

static void
test_set_churn(void)
{
	enum { CAP = 64 };
	struct nonce_set *s;
	char n[NONCE_LEN + 1], keep[CAP][NONCE_LEN + 1];
	size_t i, bad = 0, ok = 0;

	s = nonce_set_new(CAP);
	for (i = 0; i < 10 * CAP; i++) {
		if (nonce_set_issue(s, n) != 0 || strlen(n) != NONCE_LEN ||
		    !all_b64url(n))
			bad++;
		if (nonce_set_count(s) > CAP)
			bad++;
		/* consume every third to exercise deletes in the table */
		if (i % 3 == 0 && nonce_set_consume(s, n) != 0)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(nonce_set_count(s) <= CAP);
	/* after churn the table still finds every live nonce */
	for (i = 0; i < CAP; i++)
		nonce_set_issue(s, keep[i]);
	CHECK(nonce_set_count(s) == CAP);
	for (i = 0; i < CAP; i++)
		ok += nonce_set_consume(s, keep[i]) == 0;
	CHECK(ok == CAP);
	CHECK(nonce_set_count(s) == 0);
	nonce_set_free(s);
}

static void
test_pool(void)
{
	struct nonce_pool *p;
	char out[NONCE_UPSTREAM_MAX + 1], big[NONCE_UPSTREAM_MAX + 2];

	CHECK(nonce_pool_new(0) == NULL);
	p = nonce_pool_new(3);
	CHECK(p != NULL);
	CHECK(nonce_pool_take(p, out) == -1);
	nonce_pool_put(p, "a1");
	nonce_pool_put(p, "b2");
	nonce_pool_put(p, "c3");
	CHECK(nonce_pool_count(p) == 3);
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "c3");
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "b2");
	nonce_pool_put(p, "d4");
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "d4");
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "a1");
	CHECK(nonce_pool_take(p, out) == -1);
	CHECK(nonce_pool_count(p) == 0);

	/* cap: the oldest is dropped */
	nonce_pool_put(p, "n1");
	nonce_pool_put(p, "n2");
	nonce_pool_put(p, "n3");
	nonce_pool_put(p, "n4");
	nonce_pool_put(p, "n5");
	CHECK(nonce_pool_count(p) == 3);
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "n5");
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "n4");
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "n3");
	CHECK(nonce_pool_take(p, out) == -1);

	/* bad strings are ignored */
	nonce_pool_put(p, NULL);
	nonce_pool_put(p, "");
	nonce_pool_put(p, "has space");
	nonce_pool_put(p, "pad=");
	nonce_pool_put(p, "plus+slash/");
	nonce_pool_put(p, "new\nline");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0'; /* NONCE_UPSTREAM_MAX + 1 chars */
	nonce_pool_put(p, big);
	CHECK(nonce_pool_count(p) == 0);
	big[NONCE_UPSTREAM_MAX] = '\0'; /* exactly the max: kept */
	nonce_pool_put(p, big);
	CHECK(nonce_pool_count(p) == 1);
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK(strlen(out) == NONCE_UPSTREAM_MAX);
	nonce_pool_put(p, "Ok-_09zZ");
	CHECK(nonce_pool_take(p, out) == 0);
	CHECK_STR(out, "Ok-_09zZ");
	nonce_pool_free(p);
	nonce_pool_free(NULL);
}

/* Issue 10 item 6: the set grows with the nonces outstanding (a huge cap
 * costs nothing up front); every nonce stays usable across growth; at cap
 * the oldest goes. */
static void
test_grows(void)
{
	struct nonce_set *s = nonce_set_new(1000);
	struct nonce_set *big = nonce_set_new(10000000);
	static char n[1100][NONCE_LEN + 1];
	size_t i, ok = 1;

	CHECK(s != NULL && big != NULL);
	if (s == NULL || big == NULL)
		goto out;
	CHECK(nonce_set_slots(big) == 64);
	CHECK(nonce_set_slots(s) == 64);
	for (i = 0; i < 100; i++)
		if (nonce_set_issue(s, n[i]) != 0)
			ok = 0;
	CHECK(ok && nonce_set_slots(s) == 128 && nonce_set_count(s) == 100);
	for (i = 0; i < 100; i += 2)
		if (nonce_set_consume(s, n[i]) != 0)
			ok = 0;
	CHECK(ok && nonce_set_count(s) == 50);
	for (i = 100; i < 1100; i++)
		if (nonce_set_issue(s, n[i]) != 0)
			ok = 0;
	CHECK(ok && nonce_set_slots(s) == 1000 && nonce_set_count(s) == 1000);
	/* the 50 odd early ones were the oldest: gone first */
	CHECK(nonce_set_consume(s, n[1]) == -1);
	CHECK(nonce_set_consume(s, n[99]) == -1);
	CHECK(nonce_set_consume(s, n[1099]) == 0);
	CHECK(nonce_set_consume(s, n[150]) == 0);
	CHECK(nonce_set_consume(s, n[150]) == -1);
out:
	nonce_set_free(s);
	nonce_set_free(big);
}

/* Sealed nonces (issue 11): good under their key until they expire, and
 * nothing else is: another key, one character changed, a cut or padded
 * string, an expired one. */
static void
test_sealed(void)
{
	unsigned char key[NONCE_KEY_LEN], other[NONCE_KEY_LEN];
	unsigned char rnd[NONCE_RANDOM_LEN];
	char n[NONCE_LEN + 1], bad[NONCE_LEN + 2];
	long long exp = 0;

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	memset(rnd, 1, sizeof(rnd));
	CHECK(nonce_seal(key, 2000, rnd, n) == 0);
	CHECK(strlen(n) == NONCE_LEN);
	CHECK(nonce_unseal(key, n, 1999, &exp) == 0 && exp == 2000);
	CHECK(nonce_unseal(key, n, 2000, &exp) == -1); /* expired */
	CHECK(nonce_unseal(other, n, 1000, &exp) == -1);
	memcpy(bad, n, sizeof(n));
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	CHECK(nonce_unseal(key, bad, 1000, &exp) == -1);
	memcpy(bad, n, sizeof(n));
	bad[NONCE_LEN - 1] = '\0';
	CHECK(nonce_unseal(key, bad, 1000, &exp) == -1);
	memcpy(bad, n, sizeof(n));
	bad[NONCE_LEN] = 'A';
	bad[NONCE_LEN + 1] = '\0';
	CHECK(nonce_unseal(key, bad, 1000, &exp) == -1);
	CHECK(nonce_unseal(key, NULL, 1000, &exp) == -1);
	CHECK(nonce_unseal(key, "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
		  1000, &exp) == -1);
	rnd[0] = 2; /* other random bytes: another nonce, as good */
	CHECK(nonce_seal(key, 2000, rnd, bad) == 0 && strcmp(bad, n) != 0);
	CHECK(nonce_unseal(key, bad, 1000, &exp) == 0);
}

int
main(void)
{
	test_grows();
	test_set_basic();
	test_set_evict();
	test_set_churn();
	test_pool();
	test_sealed();
	return T_DONE();
}
