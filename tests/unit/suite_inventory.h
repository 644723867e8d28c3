/* suite_inventory.h: the client inventory's suites every store
 * implementation passes (store_inventory.h), included by test_inventory.c
 * (SQLite) and test_store_pg.c (PostgreSQL). suite_inventory(open) runs
 * them, each on a fresh empty store from open (NULL: a failure). */
#ifndef SUITE_INVENTORY_H
#define SUITE_INVENTORY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_inventory.h"
#include "t.h"

/* The time the store is told it is; the store never reads a clock. */
#ifndef T_NOW
#define T_NOW 1700000000LL
#endif

static long long
add_account(struct store *s, const char *tp)
{
	struct store_account a;
	long long id;

	memset(&a, 0, sizeof(a));
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", tp);
	a.jwk = "{}";
	a.v2_key_pem = "pem";
	a.status = ACCOUNT_VALID;
	a.created_at = 100;
	if (store_account_insert(s, &a) != 0)
		return -1;
	id = a.id;
	return id;
}

static int
add_cert(struct store *s, long long account, const char *serial,
    long long not_after, int revoked)
{
	struct store_cert c;

	memset(&c, 0, sizeof(c));
	c.account_id = account;
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	c.der = (unsigned char *)"x";
	c.der_len = 1;
	c.not_after = not_after;
	c.created_at = 100;
	if (store_cert_insert(s, &c) != 0)
		return -1;
	return revoked ? store_cert_set_revoked(s, c.id) : 0;
}

static int
seen(struct store *s, long long acct, const char *addr, const char *ua,
    const char *names, int status, const char *etype, long long now)
{
	struct inventory_seen v;

	memset(&v, 0, sizeof(v));
	v.account_id = acct;
	v.addr = addr;
	v.user_agent = ua;
	v.names = names;
	v.status = status;
	v.error_type = etype;
	v.error_detail = etype ? "Authorizations for these names not found "
	    "or expired: x.example" : NULL;
	v.resource = "new-cert";
	v.content_type = ua && ua[0] ? "application/x-www-form-urlencoded" :
	    "application/json";
	return inventory_record(s, &v, now);
}

static void
test_record_list(struct store *s, long long a1, long long a2)
{
	struct inventory_list l;

	CHECK(seen(s, a1, "127.0.0.1", "dehydrated/0.7.0 curl/7.88.1",
	    "a.example,b.example", 201, NULL, 1000) == 0);
	CHECK(seen(s, a2, "127.0.0.1", "", "node.example", 201, NULL,
	    2000) == 0);
	/* a1 again, from a new address, a name in capitals, a failure */
	CHECK(seen(s, a1, "192.0.2.7", "dehydrated/0.7.0 curl/7.88.1",
	    "A.example", 403, "unauthorized", 3000) == 0);
	/* an older timestamp does not move last_seen back */
	CHECK(seen(s, a2, "127.0.0.1", "", "node.example", 200, NULL,
	    1500) == 0);

	CHECK(inventory_list(s, 0, T_NOW, &l) == 0);
	CHECK(l.n == 2);
	if (l.n == 2) {
		CHECK(l.rows[0].account_id == a1);
		CHECK_STR(l.rows[0].thumbprint, "tp-1");
		CHECK_STR(l.rows[0].family, "dehydrated");
		CHECK_STR(l.rows[0].version, "0.7.0");
		CHECK_STR(l.rows[0].user_agent, "dehydrated/0.7.0 curl/7.88.1");
		CHECK_STR(l.rows[0].addresses, "192.0.2.7,127.0.0.1");
		CHECK_STR(l.rows[0].names, "a.example,b.example");
		CHECK(l.rows[0].first_seen == 1000);
		CHECK(l.rows[0].last_seen == 3000);
		CHECK(l.rows[0].last_error != NULL &&
		    strncmp(l.rows[0].last_error, "unauthorized: Authoriz", 22)
		    == 0);
		CHECK(l.rows[0].last_error_at == 3000);
		CHECK(l.rows[1].account_id == a2);
		CHECK_STR(l.rows[1].family, "acme-client");
		CHECK_STR(l.rows[1].version, "1.0.0");
		CHECK_STR(l.rows[1].addresses, "127.0.0.1");
		CHECK_STR(l.rows[1].names, "node.example");
		CHECK(l.rows[1].first_seen == 1500);
		CHECK(l.rows[1].last_seen == 2000);
		CHECK(l.rows[1].last_error == NULL);
		CHECK(l.rows[1].certs == 0 && l.rows[1].next_expiry == 0);
	}
	inventory_list_free(&l);
	CHECK(l.rows == NULL && l.n == 0);

	/* since */
	CHECK(inventory_list(s, 2500, T_NOW, &l) == 0);
	CHECK(l.n == 1 && l.rows[0].account_id == a1);
	inventory_list_free(&l);
	CHECK(inventory_list(s, 3000, T_NOW, &l) == 0);
	CHECK(l.n == 1);
	inventory_list_free(&l);
	CHECK(inventory_list(s, 3001, T_NOW, &l) == 0);
	CHECK(l.n == 0 && l.rows == NULL);
	inventory_list_free(&l);

	/* a failure of no known account goes to the failures list only; a
	 * success of no known account is not kept */
	CHECK(seen(s, 0, "198.51.100.1", "curl/7.88.1", "", 403,
	    "unauthorized", 3100) == 0);
	CHECK(seen(s, 0, "198.51.100.1", "curl/7.88.1", "", 200, NULL,
	    3200) == 0);
	CHECK(inventory_list(s, 0, T_NOW, &l) == 0);
	CHECK(l.n == 2);
	inventory_list_free(&l);

	/* 409 to new-reg (the key is registered: acme-client finds its
	 * account so) is no failure; 409 elsewhere is */
	CHECK(inventory_failed("new-reg", "POST", 409) == 0);
	CHECK(inventory_failed("new-reg", "POST", 400) == 1);
	CHECK(inventory_failed("reg", "POST", 409) == 1);
	CHECK(inventory_failed(NULL, "POST", 409) == 1);
	CHECK(inventory_failed("new-cert", "POST", 201) == 0);
	CHECK(inventory_failed("", NULL, 500) == 1);
	/* a HEAD or GET answered 405 only fetched a nonce (v1 clients HEAD
	 * the URL they are about to POST to, as Boulder allowed) */
	CHECK(inventory_nonce_only("HEAD", 405) == 1);
	CHECK(inventory_nonce_only("GET", 405) == 1);
	CHECK(inventory_nonce_only("POST", 405) == 0);
	CHECK(inventory_nonce_only("PUT", 405) == 0);
	CHECK(inventory_nonce_only(NULL, 405) == 0);
	CHECK(inventory_nonce_only("HEAD", 404) == 0);
	CHECK(inventory_failed("new-reg", "HEAD", 405) == 0);
	CHECK(inventory_failed("new-cert", "GET", 405) == 0);
	CHECK(inventory_failed("new-cert", "PUT", 405) == 1);
	CHECK(inventory_failed("new-cert", "HEAD", 404) == 1);
	{
		struct inventory_seen v;

		memset(&v, 0, sizeof(v));
		v.account_id = a2;
		v.status = 409;
		v.resource = "new-reg";
		v.user_agent = "";
		v.content_type = "application/json";
		v.error_type = "malformed";
		v.error_detail = "Registration key is already in use";
		CHECK(inventory_record(s, &v, 2100) == 0);
	}
	{
		/* a HEAD nonce fetch: seen, but no last error */
		struct inventory_seen v;

		memset(&v, 0, sizeof(v));
		v.account_id = a2;
		v.status = 405;
		v.method = "HEAD";
		v.resource = "new-authz";
		v.user_agent = "";
		v.content_type = "application/json";
		v.error_type = "malformed";
		v.error_detail = "Method not allowed";
		CHECK(inventory_record(s, &v, 2100) == 0);
	}
	CHECK(inventory_list(s, 2001, T_NOW, &l) == 0);
	CHECK(l.n == 2 && l.rows[1].account_id == a2 &&
	    l.rows[1].last_seen == 2100 && l.rows[1].last_error == NULL);
	if (l.n == 2)
		CHECK_STR(l.rows[1].family, "acme-client");
	inventory_list_free(&l);
}

static void
test_failures(struct store *s)
{
	struct inventory_failure *f = NULL;
	struct inventory_seen v;
	size_t n = 0, i;
	int ok = 1;

	/* nonce fetches of no known account leave no failure row */
	memset(&v, 0, sizeof(v));
	v.addr = "203.0.113.9";
	v.status = 405;
	v.method = "HEAD";
	v.error_type = "malformed";
	v.error_detail = "Method not allowed";
	v.resource = "new-reg";
	CHECK(inventory_record(s, &v, 3200) == 0);
	v.method = "GET";
	v.resource = "new-cert";
	CHECK(inventory_record(s, &v, 3201) == 0);
	CHECK(inventory_failures(s, 10, &f, &n) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK(f[0].at == 3100 && f[0].account_id == 0);
		CHECK_STR(f[0].addr, "198.51.100.1");
		CHECK_STR(f[0].error_type, "unauthorized");
		CHECK_STR(f[0].resource, "new-cert");
		CHECK(f[1].at == 3000 && f[1].account_id != 0);
	}
	inventory_failures_free(f, n);

	/* bounded: the newest INVENTORY_FAILURES_MAX are kept */
	memset(&v, 0, sizeof(v));
	v.addr = "203.0.113.5";
	v.status = 400;
	v.error_type = "malformed";
	v.error_detail = "bad\r\nthing";	/* control characters replaced */
	v.resource = "new-reg";
	for (i = 0; i < INVENTORY_FAILURES_MAX + 5; i++)
		if (inventory_record(s, &v, 10000 + (long long)i) != 0)
			ok = 0;
	CHECK(ok);
	CHECK(inventory_failures(s, 5000, &f, &n) == 0);
	CHECK(n == INVENTORY_FAILURES_MAX);
	if (n == INVENTORY_FAILURES_MAX) {
		CHECK(f[0].at == 10000 + INVENTORY_FAILURES_MAX + 4);
		CHECK(f[n - 1].at == 10005);
		CHECK_STR(f[0].detail, "bad??thing");
	}
	inventory_failures_free(f, n);
	CHECK(inventory_failures(s, 3, &f, &n) == 0);
	CHECK(n == 3 && f[2].at == 10000 + INVENTORY_FAILURES_MAX + 2);
	inventory_failures_free(f, n);
	CHECK(inventory_failures(s, 0, &f, &n) == 0 && n == 0 && f == NULL);

	/* no nonce nor signature-like value is kept from a detail */
	v.error_type = "badNonce";
	v.error_detail = "JWS has invalid anti-replay nonce Xy7_q-8Rt";
	CHECK(inventory_record(s, &v, 20000) == 0);
	v.error_type = "malformed";
	v.error_detail = "bad value eyJhbGciOiJSUzI1NiJ9abcdefGHIJKLmnop here; "
	    "name a-very-long-but-lower-case-dns-label-of-forty.example ok";
	CHECK(inventory_record(s, &v, 20001) == 0);
	/* UTF-8 kept; invalid bytes, a C1 control (CSI) and a cut
	 * sequence replaced */
	v.error_type = "caa";
	v.error_detail = "CAA \xe2\x80\x9cissue\xe2\x80\x9d \xff\xc2\x9b[31m "
	    "x\xe2\x80";
	CHECK(inventory_record(s, &v, 20002) == 0);
	CHECK(inventory_failures(s, 3, &f, &n) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(f[0].detail, "CAA \xe2\x80\x9cissue\xe2\x80\x9d "
		    "???[31m x??");
		CHECK_STR(f[1].detail, "bad value [value not shown] here; name "
		    "a-very-long-but-lower-case-dns-label-of-forty.example ok");
		CHECK_STR(f[2].detail, "JWS has invalid anti-replay nonce "
		    "[value not shown]");
		CHECK_STR(f[2].error_type, "badNonce");
	}
	inventory_failures_free(f, n);
}

/* Addresses and names per account are bounded, newest kept. */
static void
test_bounds(struct store *s, long long a3)
{
	struct inventory_list l;
	char addr[32], names[64];
	size_t i, commas;
	const char *p;
	int ok = 1;

	for (i = 0; i < INVENTORY_ADDRS_MAX + 4; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%zu", i);
		snprintf(names, sizeof(names), "n%zu.example, m%zu.example", i,
		    i);
		if (seen(s, a3, addr, "MyTool/1.2.3", names, 200, NULL,
		    20000 + (long long)i) != 0)
			ok = 0;
	}
	for (i = 0; i < INVENTORY_NAMES_MAX; i++) {
		snprintf(names, sizeof(names), "k%zu.example", i);
		if (seen(s, a3, "10.0.0.19", "MyTool/1.2.3", names, 200, NULL,
		    30000 + (long long)i) != 0)
			ok = 0;
	}
	CHECK(ok);
	CHECK(inventory_list(s, 20000, T_NOW, &l) == 0);
	CHECK(l.n == 1);
	if (l.n == 1) {
		CHECK_STR(l.rows[0].family, "MyTool");
		/* the newest address first; the oldest four gone */
		CHECK(strncmp(l.rows[0].addresses, "10.0.0.19,", 10) == 0);
		CHECK(strstr(l.rows[0].addresses, "10.0.0.3,") == NULL);
		CHECK(strstr(l.rows[0].addresses, "10.0.0.4") != NULL);
		for (commas = 0, p = l.rows[0].addresses; *p; p++)
			commas += *p == ',';
		CHECK(commas + 1 == INVENTORY_ADDRS_MAX);
		for (commas = 0, p = l.rows[0].names; *p; p++)
			commas += *p == ',';
		CHECK(commas + 1 == INVENTORY_NAMES_MAX);
		CHECK(strstr(l.rows[0].names, "n0.example") == NULL);
		CHECK(strstr(l.rows[0].names, "k255.example") != NULL);
	}
	inventory_list_free(&l);
}

static void
test_traffic(struct store *s)
{
	long long c[4], f[4], base = 1700000000LL - 1700000000LL % 3600;

	CHECK(inventory_count(s, 0, base + 5) == 0);
	CHECK(inventory_count(s, 1, base + 3599) == 0);
	CHECK(inventory_count(s, 0, base + 3600) == 0);
	CHECK(inventory_count(s, 1, base + 3 * 3600 + 1) == 0);
	CHECK(inventory_traffic(s, base, 4, c, f) == 0);
	CHECK(c[0] == 2 && f[0] == 1);
	CHECK(c[1] == 1 && f[1] == 0);
	CHECK(c[2] == 0 && f[2] == 0);
	CHECK(c[3] == 1 && f[3] == 1);
	CHECK(inventory_traffic(s, base + 3600, 2, c, f) == 0);
	CHECK(c[0] == 1 && c[1] == 0);
	/* issue 10 item 4: counts gathered in memory, added at once */
	CHECK(inventory_count_n(s, 5, 2, base + 3600 + 7) == 0);
	CHECK(inventory_count_n(s, 0, 0, base + 3600) == 0); /* nothing */
	CHECK(inventory_count_n(s, 1, 2, base + 3600) == 0); /* refused */
	CHECK(inventory_count_n(s, 3, 0, base + 2 * 3600) == 0); /* new hour */
	CHECK(inventory_traffic(s, base + 3600, 2, c, f) == 0);
	CHECK(c[0] == 6 && f[0] == 2 && c[1] == 3 && f[1] == 0);
	/* hours older than INVENTORY_TRAFFIC_KEEP go */
	CHECK(inventory_count(s, 0, base + INVENTORY_TRAFFIC_KEEP + 3600) == 0);
	CHECK(inventory_traffic(s, base, 4, c, f) == 0);
	CHECK(c[0] == 0 && c[1] == 6 && c[2] == 3 && c[3] == 1);
}

static void
test_summary(struct store *s, long long a1, long long a2, long long a3)
{
	struct inventory_summary sum;
	struct inventory_list l;
	long long now = T_NOW, d = 86400;

	CHECK(add_cert(s, a1, "01", now + 10 * d, 0) == 0);
	CHECK(add_cert(s, a1, "02", now + 60 * d, 0) == 0);
	CHECK(add_cert(s, a2, "03", now + 5 * d, 1) == 0);	/* revoked */
	CHECK(add_cert(s, a2, "04", now - d, 0) == 0);		/* expired */
	CHECK(add_cert(s, a3, "05", now + 29 * d, 0) == 0);
	CHECK(inventory_summary(s, 0, now, 30 * d, &sum) == 0);
	CHECK(sum.hosts == 3);
	CHECK(sum.versions == 3);	/* dehydrated, acme-client, MyTool */
	CHECK(sum.expiring == 2);	/* 01 and 05 */
	CHECK(inventory_summary(s, 2500, now, 30 * d, &sum) == 0);
	CHECK(sum.hosts == 2 && sum.versions == 2);
	CHECK(inventory_summary(s, now + d, now, 15 * d, &sum) == 0);
	CHECK(sum.hosts == 0 && sum.versions == 0 && sum.expiring == 1);

	CHECK(inventory_list(s, 0, T_NOW, &l) == 0);
	CHECK(l.n == 3);
	if (l.n == 3) {
		CHECK(l.rows[0].account_id == a3 && l.rows[0].certs == 1);
		CHECK(l.rows[1].account_id == a1 && l.rows[1].certs == 2);
		CHECK(l.rows[1].next_expiry == now + 10 * d);
		CHECK(l.rows[2].account_id == a2 && l.rows[2].certs == 2);
		CHECK(l.rows[2].next_expiry == 0);
	}
	inventory_list_free(&l);
}

/* inventory_issued before any request of the account makes its row. */
static void
test_issued(struct store *s)
{
	struct inventory_list l;
	long long a4 = add_account(s, "tp-4");

	CHECK(a4 > 0);
	CHECK(inventory_issued(s, a4, "0a", 1, 50000) == 0);
	CHECK(inventory_issued(s, 0, "0b", 1, 50000) == 0);	/* ignored */
	CHECK(inventory_list(s, 50000, T_NOW, &l) == 0);
	CHECK(l.n == 1 && l.rows[0].account_id == a4);
	if (l.n == 1) {
		CHECK(l.rows[0].first_seen == 50000);
		CHECK_STR(l.rows[0].family, "");
		CHECK_STR(l.rows[0].addresses, "");
		CHECK_STR(l.rows[0].names, "");
	}
	inventory_list_free(&l);
	CHECK(seen(s, a4, "127.0.0.1", "acme.sh/2.8.5 (https://x)", "z.example",
	    201, NULL, 50001) == 0);
	CHECK(inventory_list(s, 50000, T_NOW, &l) == 0);
	CHECK(l.n == 1 && l.rows[0].first_seen == 50000);
	if (l.n == 1)
		CHECK_STR(l.rows[0].family, "acme.sh");
	inventory_list_free(&l);
}

/* Inside a caller's transaction the writes are the caller's: a rollback
 * takes them back. */
static void
test_nested(struct store *s, long long a1)
{
	struct inventory_list l;

	CHECK(store_begin(s) == 0);
	CHECK(seen(s, a1, "127.0.0.1", "dehydrated/0.7.0", "", 200, NULL,
	    60000) == 0);
	CHECK(store_rollback(s) == 0);
	CHECK(inventory_list(s, 60000, T_NOW, &l) == 0);
	CHECK(l.n == 0);
	inventory_list_free(&l);
	CHECK(store_begin(s) == 0);
	CHECK(seen(s, a1, "127.0.0.1", "dehydrated/0.7.0", "", 200, NULL,
	    60000) == 0);
	CHECK(store_commit(s) == 0);
	CHECK(inventory_list(s, 60000, T_NOW, &l) == 0);
	CHECK(l.n == 1);
	inventory_list_free(&l);
}

/* Issue 9 item 1: a row names its account's upstream, a failure the
 * request's (also of no known account); the same key at two upstreams is
 * two rows. */
static void
test_upstreams(struct store *(*open)(void))
{
	struct store *s;
	struct store_account a;
	struct inventory_list l;
	struct inventory_failure *f = NULL;
	struct inventory_seen v;
	size_t n = 0;
	long long root, staging;

	if ((s = open()) == NULL) {
		CHECK(s != NULL);
		return;
	}
	root = add_account(s, "tp-u");
	memset(&a, 0, sizeof(a));
	snprintf(a.thumbprint, sizeof(a.thumbprint), "tp-u");
	snprintf(a.upstream, sizeof(a.upstream), "/staging");
	a.jwk = "{}";
	a.v2_key_pem = "pem";
	a.status = ACCOUNT_VALID;
	CHECK(store_account_insert(s, &a) == 0);
	staging = a.id;
	CHECK(root > 0 && staging > root);
	CHECK(seen(s, root, "192.0.2.1", "dehydrated/0.7.0", "r.example", 201,
	    NULL, 1000) == 0);
	CHECK(seen(s, staging, "192.0.2.1", "dehydrated/0.7.0", "s.example",
	    201, NULL, 2000) == 0);
	CHECK(inventory_list(s, 0, T_NOW, &l) == 0 && l.n == 2);
	if (l.n == 2) {
		CHECK(l.rows[0].account_id == staging);
		CHECK_STR(l.rows[0].upstream, "/staging");
		CHECK_STR(l.rows[1].upstream, "");
		CHECK_STR(inventory_upstream_name(l.rows[1].upstream), "/");
		CHECK_STR(inventory_upstream_name(l.rows[0].upstream),
		    "/staging");
	}
	inventory_list_free(&l);
	memset(&v, 0, sizeof(v));
	v.addr = "192.0.2.2";
	v.status = 400;
	v.error_type = "malformed";
	v.resource = "new-reg";
	v.upstream = "/staging";
	CHECK(inventory_record(s, &v, 3000) == 0);
	v.upstream = NULL; /* the root */
	CHECK(inventory_record(s, &v, 3001) == 0);
	CHECK(inventory_failures(s, 10, &f, &n) == 0 && n == 2);
	if (n == 2) {
		CHECK_STR(f[0].upstream, "");
		CHECK_STR(f[1].upstream, "/staging");
	}
	inventory_failures_free(f, n);
	store_close(s);
}

static void
suite_inventory(struct store *(*open)(void))
{
	struct store *s;
	long long a1, a2, a3;

	s = open();
	CHECK(s != NULL);
	if (s == NULL)
		return;
	a1 = add_account(s, "tp-1");
	a2 = add_account(s, "tp-2");
	a3 = add_account(s, "tp-3");
	CHECK(a1 > 0 && a2 > a1 && a3 > a2);
	test_record_list(s, a1, a2);
	test_failures(s);
	test_bounds(s, a3);
	test_traffic(s);
	test_summary(s, a1, a2, a3);
	test_issued(s);
	test_nested(s, a1);
	store_close(s);
	test_upstreams(open);
}

#endif
