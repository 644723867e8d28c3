/* store_copy.c: `acme-bridge store copy` (issue 11 item 4): every row of
 * a SQLite state file into an empty PostgreSQL store, column for column
 * (both schemas have the same tables and columns at STORE_SCHEMA_VERSION),
 * ids kept, so authorizations, certificates and the inventory still point
 * at their accounts, and v1 URLs (public ids, certificate serials) stay
 * valid. The source is read in one read transaction (a consistent
 * snapshot, while a bridge may still write: WAL); the target is written
 * in one transaction (all or nothing), then its id sequences are moved
 * past the copied ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_copy.h"
#include "store_pg.h"
#include "store_sqlite.h"

#define COPY_COLS_MAX 16

/* Parents before children (authzs.account_id references accounts). */
static const struct {
	const char *table;
	int has_id; /* an identity column to move past the copied ids */
} tables[] = {
	{ "accounts", 1 },
	{ "groups", 0 },
	{ "authzs", 1 },
	{ "http01", 0 },
	{ "certs", 1 },
	{ "issuers", 0 },
	{ "clients", 0 },
	{ "client_addrs", 0 },
	{ "client_names", 0 },
	{ "traffic", 0 },
	{ "failures", 1 },
};

/* "INSERT INTO t(c1, ...) VALUES($1, ...)" for st's columns. */
static int
insert_sql(sqlite3_stmt *st, const char *table, char *out, size_t n)
{
	int cols = sqlite3_column_count(st), len;
	size_t off;

	if (cols < 1 || cols > COPY_COLS_MAX)
		return -1;
	len = snprintf(out, n, "INSERT INTO %s(", table);
	off = (size_t)len;
	for (int c = 0; c < cols && off < n; c++) {
		len = snprintf(out + off, n - off, "%s%s", c ? ", " : "",
		    sqlite3_column_name(st, c));
		off += (size_t)len;
	}
	for (int c = 0; c < cols && off < n; c++) {
		len = snprintf(
		    out + off, n - off, "%s$%d", c ? ", " : ") VALUES(", c + 1);
		off += (size_t)len;
	}
	if (off + 2 > n)
		return -1;
	memcpy(out + off, ")", 2);
	return 0;
}

/* The current row of st as parameters (NULL stays NULL). */
static void
row_args(sqlite3_stmt *st, struct store_arg *a, int cols)
{
	for (int c = 0; c < cols; c++) {
		memset(&a[c], 0, sizeof(a[c]));
		switch (sqlite3_column_type(st, c)) {
		case SQLITE_INTEGER:
			a[c].type = ARG_INT;
			a[c].i = sqlite3_column_int64(st, c);
			break;
		case SQLITE_BLOB:
			a[c].type = ARG_BLOB;
			a[c].b = sqlite3_column_blob(st, c);
			a[c].len = (size_t)sqlite3_column_bytes(st, c);
			break;
		case SQLITE_NULL:
			a[c].type = ARG_TEXT; /* s NULL: SQL NULL */
			break;
		default:
			a[c].type = ARG_TEXT;
			a[c].s = (const char *)sqlite3_column_text(st, c);
		}
	}
}

/* One table's rows: the number copied, or -1 with err set. */
static long long
copy_table(
    struct sq *q, struct pg *p, const char *table, char *err, size_t errlen)
{
	char sql[1024];
	struct store_arg a[COPY_COLS_MAX];
	sqlite3_stmt *st = NULL;
	long long n = 0;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    insert_sql(st, table, sql, sizeof(sql)) == -1) {
		sq_seterr(err, errlen, table, sqlite3_errmsg(q->db));
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_args(st, a, sqlite3_column_count(st));
		if (pg_exec(p, sql, a, (size_t)sqlite3_column_count(st),
			table) == -1) {
			sq_seterr(
			    err, errlen, table, "insert refused (see above)");
			sqlite3_finalize(st);
			return -1;
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		sq_seterr(err, errlen, table, sqlite3_errmsg(q->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

/* The target must hold nothing yet: a copy never merges two states. */
static int
target_empty(struct pg *p, char *err, size_t errlen)
{
	char sql[128];
	long long n = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
		    tables[i].table);
		if (pg_ints(p, sql, NULL, 0, &n, 1, "store copy") == -1)
			return -1;
		if (n > 0) {
			snprintf(sql, sizeof(sql),
			    "holds %lld rows in %s; copy needs an empty "
			    "database",
			    n, tables[i].table);
			pg_seterr(err, errlen, "target", sql);
			return -1;
		}
	}
	return 0;
}

/* New ids on the target continue after the copied ones. */
static int
move_sequences(struct pg *p)
{
	char sql[256];

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (!tables[i].has_id)
			continue;
		snprintf(sql, sizeof(sql),
		    "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
		    "coalesce((SELECT max(id) FROM %s), 0) + 1, false)",
		    tables[i].table, tables[i].table);
		if (pg_exec(p, sql, NULL, 0, "store copy") == -1)
			return -1;
	}
	return 0;
}

static int
copy_all(struct sq *q, struct pg *p, store_copy_cb *cb, void *arg, char *err,
    size_t errlen)
{
	long long n;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if ((n = copy_table(q, p, tables[i].table, err, errlen)) == -1)
			return -1;
		if (cb != NULL)
			cb(arg, tables[i].table, n);
	}
	if (move_sequences(p) == -1) {
		pg_seterr(
		    err, errlen, "target", "cannot move the id sequences");
		return -1;
	}
	return 0;
}

/* Both ends open, the copy run, both closed. */
static int
copy_between(struct store *from, struct store *to, store_copy_cb *cb, void *arg,
    char *err, size_t errlen)
{
	void *qi = NULL, *pi = NULL;
	struct sq *q;
	struct pg *p;
	int rc;

	(void)store_ops_of(from, &qi);
	(void)store_ops_of(to, &pi);
	q = qi;
	p = pi;
	if (target_empty(p, err, errlen) == -1 || store_begin(to) == -1)
		return -1;
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sq_seterr(err, errlen, "source", sqlite3_errmsg(q->db));
		(void)store_rollback(to);
		return -1;
	}
	rc = copy_all(q, p, cb, arg, err, errlen);
	(void)sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	if (rc == -1) {
		(void)store_rollback(to);
		return -1;
	}
	if (store_commit(to) == -1) {
		pg_seterr(err, errlen, "target", "commit failed (see above)");
		return -1;
	}
	return 0;
}

int
store_copy(const char *sqlite_path, const char *conninfo, store_log_fn *log,
    void *log_arg, store_copy_cb *cb, void *arg, char *err, size_t errlen)
{
	char why[512] = "";
	struct store *from, *to;
	int rc;

	if ((from = store_open_sqlite(
		 sqlite_path, log, log_arg, why, sizeof(why))) == NULL) {
		pg_seterr(err, errlen, "source", why);
		return -1;
	}
	if ((to = store_open_pg(conninfo, log, log_arg, why, sizeof(why))) ==
	    NULL) {
		pg_seterr(err, errlen, "target", why);
		store_close(from);
		return -1;
	}
	rc = copy_between(from, to, cb, arg, err, errlen);
	store_close(to);
	store_close(from);
	return rc;
}
