/* test_inv_queue.c: the inventory's writes held in memory
 * (proxy/admin/inv_queue.h) and written to an in-memory SQLite store in
 * one transaction: what was queued reaches the store as inventory_record
 * would have written it, after the caller's strings are gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_queue.h"
#include "store_inventory.h"
#include "t.h"

#define T_NOW 1700000000LL

static void
show_log(void *arg, const char *fn, const char *msg)
{
	(void)arg;
	fprintf(stderr, "store log: %s: %s\n", fn, msg);
}

static long long
add_account(struct store *s)
{
	struct store_account a;

	memset(&a, 0, sizeof(a));
	snprintf(a.thumbprint, sizeof(a.thumbprint), "tp-q");
	a.jwk = "{}";
	a.v2_key_pem = "pem";
	a.status = ACCOUNT_VALID;
	a.created_at = 100;
	return store_account_insert(s, &a) == 0 ? a.id : -1;
}

/* One request of acct, its strings in a heap block scribbled over as soon
 * as the queue has them: the queue must have copied every one. */
static int
queue_request(struct inv_queue *q, long long acct, const char *names,
    int status, long long now)
{
	static const char *const src[] = { "192.0.2.9",
		"dehydrated/0.7.0 curl/7.88.1", "unauthorized",
		"Authorizations for these names not found", "new-cert",
		"POST", "application/jose+json", "" };
	char *buf[8];
	struct inventory_seen v;
	int rc;

	for (size_t i = 0; i < 8; i++)
		if ((buf[i] = strdup(src[i])) == NULL)
			return -1;
	memset(&v, 0, sizeof(v));
	v.account_id = acct;
	v.addr = buf[0];
	v.user_agent = buf[1];
	v.names = names;
	v.status = status;
	v.error_type = status >= 400 ? buf[2] : NULL;
	v.error_detail = status >= 400 ? buf[3] : NULL;
	v.resource = buf[4];
	v.method = buf[5];
	v.content_type = buf[6];
	v.upstream = buf[7];
	rc = invq_add_seen(q, &v, now);
	for (size_t i = 0; i < 8; i++) {
		memset(buf[i], 'X', strlen(buf[i]));
		free(buf[i]);
	}
	return rc;
}

static void
check_written(struct store *s, long long acct)
{
	struct inventory_list l;
	struct inventory_failure *f = NULL;
	size_t n = 0;

	CHECK(inventory_list(s, 0, T_NOW, &l) == 0 && l.n == 1);
	if (l.n == 1) {
		CHECK(l.rows[0].account_id == acct);
		CHECK_STR(l.rows[0].family, "dehydrated");
		CHECK_STR(l.rows[0].version, "0.7.0");
		CHECK_STR(l.rows[0].addresses, "192.0.2.9");
		CHECK_STR(l.rows[0].names, "a.example,b.example");
		CHECK(l.rows[0].first_seen == 1000);
		CHECK(l.rows[0].last_seen == 3000); /* the issuance's time */
		CHECK(l.rows[0].last_error != NULL &&
		    strstr(l.rows[0].last_error, "unauthorized: ") ==
			l.rows[0].last_error);
	}
	inventory_list_free(&l);
	CHECK(inventory_failures(s, 10, &f, &n) == 0 && n == 1);
	if (n == 1)
		CHECK(f[0].at == 2000 && f[0].account_id == acct);
	inventory_failures_free(f, n);
}

static void
test_write(void)
{
	char err[256] = "";
	struct store *s = store_open_sqlite(":memory:", show_log, NULL, err,
	    sizeof(err));
	struct inv_queue *q = invq_new();
	long long acct;

	CHECK(s != NULL && q != NULL);
	if (s == NULL || q == NULL)
		goto out;
	acct = add_account(s);
	CHECK(acct > 0);
	CHECK(queue_request(q, acct, "a.example", 201, 1000) == 0);
	CHECK(queue_request(q, acct, "B.example", 403, 2000) == 0);
	CHECK(invq_add_issued(q, acct, 3000) == 0);
	CHECK(invq_add_issued(q, 0, 3000) == 0); /* no account: nothing */
	CHECK(invq_len(q) == 3);
	/* nothing reaches the store before the write */
	{
		struct inventory_list l;

		CHECK(inventory_list(s, 0, T_NOW, &l) == 0 && l.n == 0);
		inventory_list_free(&l);
	}
	CHECK(store_begin(s) == 0);
	CHECK(invq_write(q, s) == 0);
	CHECK(store_commit(s) == 0);
	CHECK(invq_len(q) == 0);
	check_written(s, acct);
	CHECK(invq_write(q, s) == 0); /* empty: a no-op */
out:
	invq_free(q);
	if (s != NULL)
		store_close(s);
}

/* The queue holds INVQ_MAX entries and refuses the next (observe.c writes
 * it when it is full, so that is never reached). */
static void
test_full(void)
{
	struct inv_queue *q = invq_new();
	size_t ok = 0;

	CHECK(q != NULL);
	if (q == NULL)
		return;
	for (size_t i = 0; i < INVQ_MAX; i++)
		ok += queue_request(q, 1, "x.example", 200, 10) == 0;
	CHECK(ok == INVQ_MAX && invq_len(q) == INVQ_MAX);
	CHECK(queue_request(q, 1, "x.example", 200, 11) == -1);
	CHECK(invq_add_issued(q, 1, 11) == -1);
	CHECK(invq_len(q) == INVQ_MAX);
	invq_free(q); /* frees the queued copies (ASan: no leak) */
}

/* What is queued at all (inventory_kept): the hot path's GET /directory
 * and a nonce fetch are traffic only; a known account's request and a
 * named failure are kept. */
static void
test_kept(void)
{
	struct inventory_seen v;

	memset(&v, 0, sizeof(v));
	v.status = 200;
	v.method = "GET";
	v.resource = "directory";
	CHECK(inventory_kept(&v) == 0);
	v.account_id = 5;
	CHECK(inventory_kept(&v) == 1);
	v.account_id = 0;
	v.method = "HEAD";
	v.resource = "new-authz";
	v.status = 405; /* a nonce fetch */
	CHECK(inventory_kept(&v) == 0);
	v.method = "POST";
	v.status = 403;
	CHECK(inventory_kept(&v) == 1);
	v.resource = "";
	CHECK(inventory_kept(&v) == 0);
}

int
main(void)
{
	test_kept();
	test_write();
	test_full();
	return T_DONE();
}
