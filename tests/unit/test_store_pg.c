/* test_store_pg.c: the PostgreSQL store (store_pg*.c) on a real server:
 * the suites every implementation passes (suite_store.h,
 * suite_inventory.h), then what only a shared server asks: the schema
 * made once by instances opening together, ids unique across handles, a
 * transaction unseen by another handle until it commits, a newer schema
 * refused, a bad password named in the error. tests/unit/run.sh starts a
 * throwaway server (tests/pg_cluster.sh) and passes its URI in
 * ACME_BRIDGE_TEST_PG; without it this test fails, it never skips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <uv.h>

#include "fiber.h"
#include "store.h"
#include "store_inventory.h"
#include "store_pg_loop.h"
#include "suite_inventory.h"
#include "suite_store.h"
#include "t.h"

static const char *uri;

/* The suites' error paths make the store log (a refused duplicate, a
 * missing account): counted, and the last one kept for a failing check
 * to show, not printed. */
static int nlogged;
static char logged[512];

static void
pg_test_log(void *arg, const char *fn, const char *msg)
{
	(void)arg;
	nlogged++;
	snprintf(logged, sizeof(logged), "%s: %s", fn, msg);
}

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Run sql on a connection of the test's own: 0 or -1. */
static int
admin_sql(const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "admin: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PQsetNoticeProcessor(c, quiet, NULL); /* "drop cascades to ..." */
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "admin: %s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

static int
reset_schema(void)
{
	return admin_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
}

static struct store *
open_pg(void)
{
	char err[512] = "";
	struct store *s;

	if ((s = store_open_pg(uri, pg_test_log, NULL, err, sizeof(err))) ==
	    NULL)
		fprintf(stderr, "store_open_pg: %s\n", err);
	return s;
}

/* A fresh empty database for each suite. */
static struct store *
open_fresh(void)
{
	return reset_schema() == 0 ? open_pg() : NULL;
}

/* Instances starting together on an empty database: every one opens
 * (the advisory lock makes one create the schema, the others find it). */
static void
test_open_together(void)
{
	enum { N = 4 };
	pid_t pid[N];
	int ok = 0, st;

	CHECK(reset_schema() == 0);
	for (int i = 0; i < N; i++) {
		if ((pid[i] = fork()) == 0) {
			struct store *s = open_pg();

			store_close(s);
			_exit(s != NULL ? 0 : 1);
		}
	}
	for (int i = 0; i < N; i++)
		if (pid[i] > 0 && waitpid(pid[i], &st, 0) == pid[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	CHECK(ok == N);
}

static long long
insert_account(struct store *s, const char *tp)
{
	struct store_account a;

	memset(&a, 0, sizeof(a));
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", tp);
	a.jwk = "{}";
	a.v2_key_pem = "pem";
	a.status = ACCOUNT_VALID;
	return store_account_insert(s, &a) == 0 ? a.id : -1;
}

/* Two handles (two instances): ids unique and growing across both; a
 * transaction of one is unseen by the other until it commits, and gone
 * after a rollback. */
static void
test_two_handles(void)
{
	struct store *a = open_fresh(), *b = open_pg();
	struct store_account out;
	long long i1, i2, i3;

	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		goto out;
	i1 = insert_account(a, "tp-a1");
	i2 = insert_account(b, "tp-b1");
	i3 = insert_account(a, "tp-a2");
	CHECK(i1 > 0 && i2 > i1 && i3 > i2);
	CHECK(insert_account(b, "tp-a1") == -1); /* unique at the upstream */
	CHECK(store_begin(a) == 0);
	CHECK(insert_account(a, "tp-tx") > i3);
	CHECK(store_account_by_thumbprint(b, "", "tp-tx", &out) == 1);
	CHECK(store_commit(a) == 0);
	CHECK(store_account_by_thumbprint(b, "", "tp-tx", &out) == 0);
	store_account_clear(&out);
	CHECK(store_begin(b) == 0);
	CHECK(insert_account(b, "tp-gone") > 0);
	CHECK(store_rollback(b) == 0);
	CHECK(store_account_by_thumbprint(a, "", "tp-gone", &out) == 1);
	CHECK(store_begin(a) == 0 && store_begin(a) == -1); /* no nesting */
	CHECK(store_rollback(a) == 0 && store_commit(a) == -1);
out:
	store_close(a);
	store_close(b);
}

static void
test_refused(void)
{
	char err[512] = "", bad[1024];
	const char *q;

	CHECK(reset_schema() == 0);
	CHECK(admin_sql("CREATE TABLE store_meta(version INTEGER NOT NULL);"
			"INSERT INTO store_meta VALUES(99)") == 0);
	CHECK(store_open_pg(uri, NULL, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "newer than this program") != NULL);
	/* a wrong password, given in the URI (it wins over the file) */
	q = strchr(uri, '@');
	snprintf(bad, sizeof(bad), "postgresql://bridge:wrong%s", q ? q : "");
	err[0] = '\0';
	CHECK(store_open_pg(bad, NULL, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "password authentication failed") != NULL);
	CHECK(strchr(err, '\n') == NULL); /* one line */
	CHECK_STR(store_state_shown(
		      "postgresql://u:secret@h:5/db?x=1", bad, sizeof(bad)),
	    "postgresql://u:***@h:5/db?x=1");
	CHECK_STR(store_state_shown("postgresql://u@h/db", bad, sizeof(bad)),
	    "postgresql://u@h/db");
	CHECK_STR(store_state_shown("postgresql://h/db?application_name=a:b@c",
		      bad, sizeof(bad)),
	    "postgresql://h/db?application_name=a:b@c");
	CHECK_STR(store_state_shown("/var/lib/s.db", bad, sizeof(bad)),
	    "/var/lib/s.db");
	CHECK(store_is_pg(uri) && store_is_pg("postgres://x/y") &&
	    !store_is_pg("/var/lib/acme-bridge/state.db") &&
	    !store_is_pg(NULL));
}

/* What instances share (store_pg_shared.c): a nonce is used once across
 * handles, expired ones go, and the first key made is everyone's. */
static void
test_shared(void)
{
	struct store *a = open_fresh(), *b = open_pg();
	unsigned char k1[32], k2[32], out[32];

	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		goto out;
	CHECK(store_shared(a) == 1);
	CHECK(store_nonce_use(a, "n1", 100) == 0);
	CHECK(store_nonce_use(b, "n1", 100) == 1); /* another instance */
	CHECK(store_nonce_use(b, "n2", 300) == 0);
	CHECK(store_nonce_expire(a, 200) == 1);
	CHECK(store_nonce_use(a, "n2", 300) == 1); /* not expired: kept */
	memset(k1, 1, sizeof(k1));
	memset(k2, 2, sizeof(k2));
	CHECK(store_shared_key(a, "v1-nonce", k1, 32, out) == 0);
	CHECK(memcmp(out, k1, 32) == 0);
	CHECK(store_shared_key(b, "v1-nonce", k2, 32, out) == 0);
	CHECK(memcmp(out, k1, 32) == 0); /* the first one's */
	CHECK(store_shared_key(b, "v1-nonce", k2, 16, out) == -1);
	/* a lock across handles (instances): one at a time, free again
	 * when let go, and when its holder's connection ends */
	CHECK(store_lock_try(a, "upstream account: account 1") == 0);
	CHECK(store_lock_try(b, "upstream account: account 1") == 1);
	CHECK(store_lock_try(b, "upstream account: account 2") == 0);
	CHECK(store_unlock(a, "upstream account: account 1") == 0);
	CHECK(store_lock_try(b, "upstream account: account 1") == 0);
	store_close(b);
	b = open_pg();
	CHECK(
	    b != NULL && store_lock_try(a, "upstream account: account 2") == 0);
out:
	store_close(a);
	store_close(b);
}

/* ---- on the loop: every call waits on a fiber (store_pg_loop.c) ---- */

static uv_loop_t *loop;

static struct store *
open_on_loop(void)
{
	char err[512] = "";
	struct store *s = open_fresh();

	if (s != NULL && store_pg_on_loop(s, loop, err, sizeof(err)) == -1) {
		fprintf(stderr, "store_pg_on_loop: %s\n", err);
		store_close(s);
		return NULL;
	}
	return s;
}

static void
suites_on_loop(void *arg)
{
	suite_store(open_on_loop);
	suite_inventory(open_on_loop);
	*(int *)arg = 1;
}

/* Two fibers on one store: B's write waits while A holds the connection
 * for its transaction, so A's rollback does not take B's row with it. */
static struct store *shared;
static char order[8];

/* One step's letter at the end of order (bounded). */
static void
note_order(char c)
{
	size_t n = strlen(order);

	if (n + 1 < sizeof(order)) {
		order[n] = c;
		order[n + 1] = '\0';
	}
}

static struct fiber *parked_a;

static void
fiber_a(void *arg)
{
	(void)arg;
	CHECK(store_begin(shared) == 0);
	note_order('A');
	CHECK(insert_account(shared, "tp-in-a") > 0);
	/* inside its transaction until the timer has started B */
	parked_a = fiber_self();
	fiber_wait();
	CHECK(store_rollback(shared) == 0);
	note_order('a');
}

static void
fiber_b(void *arg)
{
	(void)arg;
	note_order('B');
	CHECK(insert_account(shared, "tp-in-b") > 0);
	note_order('b');
}

/* B starts while A is inside its transaction, then A goes on. */
static void
on_start_b(uv_timer_t *t)
{
	if (parked_a == NULL) { /* A not inside its transaction yet */
		uv_timer_start(t, on_start_b, 5, 0);
		return;
	}
	fiber_run(fiber_b, NULL, NULL, NULL);
	fiber_wake(parked_a);
}

static void
test_on_loop(void)
{
	uv_timer_t t;
	struct store_account out;
	int done = 0;

	loop = uv_default_loop();
	fiber_enable();
	fiber_run(suites_on_loop, &done, NULL, NULL);
	CHECK(done == 0); /* back here at its first statement's wait */
	CHECK(uv_run(loop, UV_RUN_DEFAULT) == 0);
	CHECK(done == 1 && fiber_waiting() == 0);

	CHECK((shared = open_on_loop()) != NULL);
	if (shared == NULL)
		return;
	fiber_run(fiber_a, NULL, NULL, NULL);
	uv_timer_init(loop, &t);
	uv_timer_start(&t, on_start_b, 5, 0);
	CHECK(uv_run(loop, UV_RUN_DEFAULT) == 0);
	/* B's write waited for A's rollback, and was not part of it */
	CHECK_STR(order, "ABab");
	uv_close((uv_handle_t *)&t, NULL);
	CHECK(store_account_by_thumbprint(shared, "", "tp-in-a", &out) == 1);
	CHECK(store_account_by_thumbprint(shared, "", "tp-in-b", &out) == 0);
	store_account_clear(&out);
	store_close(shared);
	CHECK(uv_run(loop, UV_RUN_DEFAULT) == 0); /* its handles closed */
	CHECK(uv_loop_close(loop) == 0);
	fiber_cleanup();
}

int
main(void)
{
	uri = getenv("ACME_BRIDGE_TEST_PG");
	CHECK(uri != NULL && uri[0] != '\0');
	if (uri == NULL || uri[0] == '\0') {
		fprintf(stderr,
		    "ACME_BRIDGE_TEST_PG is not set: run this test "
		    "through tests/unit/run.sh (make unit), which "
		    "starts a PostgreSQL server\n");
		return T_DONE();
	}
	suite_store(open_fresh);
	suite_inventory(open_fresh);
	test_open_together();
	test_two_handles();
	test_refused();
	test_shared();
	test_on_loop();
	CHECK(nlogged > 0); /* the error paths reached the log callback */
	if (t_fail > 0)
		fprintf(stderr, "last store log: %s\n", logged);
	return T_DONE();
}
