/* store_pg.c: the PostgreSQL store (store.h, store_pg.h): open and close,
 * transactions, the helpers the other store_pg*.c share and the
 * operations table. Accounts and groups: store_pg_accounts.c;
 * authorizations, http-01, certificates, issuers: store_pg_objects.c; the
 * inventory: store_pg_inventory.c; the schema: store_pg_schema.c.
 *
 * The connection string is libpq's (a postgresql:// URI or key=value
 * words); the password comes from it, from a password file (passfile=,
 * PGPASSFILE, ~/.pgpass) or from the PG* environment, as libpq reads
 * them. Every value travels as a bound parameter, never in the SQL. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_handle.h"
#include "fiber.h"
#include "store_pg.h"

#define PG_ARGS_MAX 16
#define PG_INT_LEN 24

void
pg_seterr(char *err, size_t errlen, const char *what, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, why);
}

/* libpq's messages end in a newline and may span lines: one line kept. */
static void
one_line(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *c = s; *c != '\0'; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
}

void
pg_log(const struct pg *p, const char *fn, const char *msg)
{
	char buf[512];

	if (p->log == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s",
	    msg != NULL ? msg : PQerrorMessage(p->conn));
	one_line(buf);
	p->log(p->log_arg, fn, buf);
}

/* The parameters in libpq's arrays; ints written into num. */
struct pg_params {
	const char *v[PG_ARGS_MAX];
	int len[PG_ARGS_MAX], fmt[PG_ARGS_MAX];
	char num[PG_ARGS_MAX][PG_INT_LEN];
};

static void
params_fill(struct pg_params *pp, const struct store_arg *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pp->len[i] = 0;
		pp->fmt[i] = 0;
		if (a[i].type == ARG_INT) {
			snprintf(pp->num[i], PG_INT_LEN, "%lld", a[i].i);
			pp->v[i] = pp->num[i];
		} else if (a[i].type == ARG_TEXT) {
			pp->v[i] = a[i].s;
		} else {
			/* bytes: binary, "" for none (an empty BYTEA) */
			pp->v[i] = a[i].b != NULL ? a[i].b : "";
			pp->len[i] = a[i].b != NULL ? (int)a[i].len : 0;
			pp->fmt[i] = 1;
		}
	}
}

PGresult *
pg_run(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    const char *fn)
{
	struct pg_params pp;
	PGresult *res;
	ExecStatusType st;

	if (n > PG_ARGS_MAX) {
		pg_log(p, fn, "too many parameters");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i].type == ARG_BLOB && a[i].len > INT32_MAX) {
			pg_log(p, fn, "value too large");
			return NULL;
		}
	params_fill(&pp, a, n);
	if (pg_hold(p, fn) == -1)
		return NULL;
	res = pg_exec_params(p, sql, (int)n, pp.v, pp.len, pp.fmt);
	pg_unhold(p);
	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	pg_log(p, fn, res != NULL ? PQresultErrorMessage(res) : NULL);
	PQclear(res);
	return NULL;
}

long long
pg_exec(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    const char *fn)
{
	PGresult *res = pg_run(p, sql, a, n, fn);
	long long changed;

	if (res == NULL)
		return -1;
	changed = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return changed;
}

int
pg_update(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    const char *fn)
{
	long long changed = pg_exec(p, sql, a, n, fn);

	if (changed == 0)
		pg_log(p, fn, "no such row");
	return changed > 0 ? 0 : -1;
}

int
pg_insert(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    long long *id, const char *fn)
{
	PGresult *res = pg_run(p, sql, a, n, fn);
	int rc = -1;

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1 && PQnfields(res) >= 1) {
		*id = pg_col_int(res, 0, 0);
		rc = 0;
	} else {
		pg_log(p, fn, "no id returned");
	}
	PQclear(res);
	return rc;
}

int
pg_get(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    int (*row)(const PGresult *, int, void *), void *out, size_t size,
    const char *fn)
{
	PGresult *res;
	int rc = 1;

	memset(out, 0, size);
	if ((res = pg_run(p, sql, a, n, fn)) == NULL)
		return -1;
	if (PQntuples(res) > 0 && row(res, 0, out) == -1) {
		memset(out, 0, size);
		pg_log(p, fn, "value too long or out of memory");
		rc = -1;
	} else if (PQntuples(res) > 0) {
		rc = 0;
	}
	PQclear(res);
	return rc;
}

int
pg_each(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    int (*row)(const PGresult *, int, void *), void *arg, const char *fn)
{
	PGresult *res = pg_run(p, sql, a, n, fn);
	int rc = 0, r;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if ((r = row(res, i, arg)) == 1)
			break;
		if (r == -1) {
			pg_log(p, fn, "out of memory");
			rc = -1;
			break;
		}
	}
	PQclear(res);
	return rc;
}

int
pg_ints(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    long long *out, size_t ncols, const char *fn)
{
	PGresult *res = pg_run(p, sql, a, n, fn);
	int rc = -1;

	if (res == NULL)
		return -1;
	if (PQntuples(res) >= 1 && (size_t)PQnfields(res) >= ncols) {
		for (size_t c = 0; c < ncols; c++)
			out[c] = pg_col_int(res, 0, (int)c);
		rc = 0;
	} else {
		pg_log(p, fn, "no row");
	}
	PQclear(res);
	return rc;
}

/* ---- columns ---- */

long long
pg_col_int(const PGresult *res, int r, int c)
{
	if (PQgetisnull(res, r, c))
		return 0;
	return strtoll(PQgetvalue(res, r, c), NULL, 10);
}

int
pg_col_null(const PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c);
}

int
pg_col_copy(const PGresult *res, int r, int c, char *buf, size_t n)
{
	size_t len = (size_t)PQgetlength(res, r, c);

	if (len >= n)
		return -1;
	memcpy(buf, PQgetvalue(res, r, c), len);
	buf[len] = '\0';
	return 0;
}

int
pg_col_dup(const PGresult *res, int r, int c, char **out)
{
	*out = NULL;
	if (PQgetisnull(res, r, c))
		return 0;
	return (*out = strdup(PQgetvalue(res, r, c))) != NULL ? 0 : -1;
}

int
pg_col_str(const PGresult *res, int r, int c, char **out)
{
	*out = strdup(PQgetisnull(res, r, c) ? "" : PQgetvalue(res, r, c));
	return *out != NULL ? 0 : -1;
}

int
pg_col_blob(const PGresult *res, int r, int c, unsigned char **out, size_t *len)
{
	unsigned char *tmp;
	size_t n = 0;

	*out = NULL;
	*len = 0;
	if (PQgetisnull(res, r, c) || PQgetlength(res, r, c) == 0)
		return 0;
	/* text results: BYTEA comes hex-escaped ("\x0102..") */
	if ((tmp = PQunescapeBytea(
		 (const unsigned char *)PQgetvalue(res, r, c), &n)) == NULL)
		return -1;
	if (n > 0 && (*out = malloc(n)) == NULL) {
		PQfreemem(tmp);
		return -1;
	}
	if (n > 0)
		memcpy(*out, tmp, n);
	*len = n;
	PQfreemem(tmp);
	return 0;
}

/* ---- transactions ---- */

/* In a transaction of the caller's: with fibers, in_tx is the holder's
 * (another fiber's transaction is not this one's, whose statements wait
 * in pg_hold for it to end). */
int
pg_my_tx(const struct pg *p)
{
	return p->in_tx && (p->io == NULL || p->holder == fiber_self());
}

static int
pg_simple(struct pg *p, const char *sql, const char *fn)
{
	return pg_exec(p, sql, NULL, 0, fn) == -1 ? -1 : 0;
}

static int
pg_begin(void *impl)
{
	struct pg *p = impl;

	if (pg_my_tx(p)) {
		pg_log(p, "store_begin", "already in a transaction");
		return -1;
	}
	/* the connection is this fiber's until commit or rollback */
	if (pg_hold(p, "store_begin") == -1)
		return -1;
	/* READ COMMITTED (store.h): every write in a transaction is one
	 * atomic statement (an upsert computes in SQL), no caller writes on
	 * what it read earlier in it, and instances writing the same rows
	 * then wait for each other instead of failing to serialise */
	if (pg_simple(p, "BEGIN ISOLATION LEVEL READ COMMITTED",
		"store_begin") == -1) {
		pg_unhold(p);
		return -1;
	}
	p->in_tx = 1;
	return 0;
}

/* COMMIT of a transaction that an error aborted rolls it back and still
 * succeeds, tagged ROLLBACK: for the store that is a failed commit. */
static int
pg_commit_tx(struct pg *p, const char *fn)
{
	PGresult *res = pg_run(p, "COMMIT", NULL, 0, fn);
	int rc = -1;

	if (res == NULL)
		return -1;
	if (strcmp(PQcmdStatus(res), "COMMIT") == 0)
		rc = 0;
	else
		pg_log(p, fn, "transaction aborted by an earlier error");
	PQclear(res);
	return rc;
}

static int
pg_end(struct pg *p, int commit, const char *fn)
{
	int rc;

	if (!pg_my_tx(p)) {
		pg_log(p, fn, "not in a transaction");
		return -1;
	}
	rc = commit ? pg_commit_tx(p, fn) : pg_simple(p, "ROLLBACK", fn);
	if (rc == -1 && PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		(void)pg_simple(p, "ROLLBACK", fn);
	/* As with SQLite, a failed commit leaves the handle in its
	 * transaction until the caller's store_rollback (which then finds
	 * nothing left to undo: PostgreSQL ended it already). */
	p->in_tx = commit && rc == -1;
	if (!pg_my_tx(p))
		pg_unhold(p);
	return rc;
}

static int
pg_commit(void *impl)
{
	return pg_end(impl, 1, "store_commit");
}

static int
pg_rollback(void *impl)
{
	return pg_end(impl, 0, "store_rollback");
}

int
pg_atomic_begin(struct pg *p, const char *fn)
{
	if (pg_my_tx(p))
		return pg_simple(p, "SAVEPOINT store_call", fn);
	/* held to pg_atomic_end: no one else's statement inside */
	if (pg_hold(p, fn) == -1)
		return -1;
	if (pg_simple(p, "BEGIN", fn) == -1) {
		pg_unhold(p);
		return -1;
	}
	return 0;
}

int
pg_atomic_end(struct pg *p, int ok, const char *fn)
{
	int rc;

	if (pg_my_tx(p) && ok)
		return pg_simple(p, "RELEASE SAVEPOINT store_call", fn);
	if (pg_my_tx(p)) {
		/* the caller's transaction stays open, this call undone */
		rc = pg_simple(p, "ROLLBACK TO SAVEPOINT store_call", fn);
		return rc == 0
		    ? pg_simple(p, "RELEASE SAVEPOINT store_call", fn)
		    : -1;
	}
	rc = ok ? pg_commit_tx(p, fn) : pg_simple(p, "ROLLBACK", fn);
	pg_unhold(p);
	return rc;
}

/* A write inside the caller's transaction (store_begin) runs in a
 * savepoint: PostgreSQL aborts the whole transaction at its first error,
 * where store.h undoes only the failed call's writes and leaves the
 * transaction usable. Outside one the statement is its own transaction. */
long long
pg_tx_write(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    long long *id, const char *fn)
{
	long long rc;

	if (pg_my_tx(p) && pg_atomic_begin(p, fn) == -1)
		return -1;
	if (id != NULL)
		rc = pg_insert(p, sql, a, n, id, fn) == -1 ? -1 : 1;
	else
		rc = pg_exec(p, sql, a, n, fn);
	if (pg_my_tx(p) && pg_atomic_end(p, rc != -1, fn) == -1)
		return -1;
	return rc;
}

int
pg_tx_update(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    const char *fn)
{
	long long changed = pg_tx_write(p, sql, a, n, NULL, fn);

	if (changed == 0)
		pg_log(p, fn, "no such row");
	return changed > 0 ? 0 : -1;
}

/* ---- open, close, the table ---- */

static void
pg_close(void *impl)
{
	struct pg *p = impl;

	if (p == NULL)
		return;
	pg_loop_free(p);
	PQfinish(p->conn);
	free(p);
}

static const struct store_ops pg_ops = {
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.account_insert = pg_account_insert,
	.account_update = pg_account_update,
	.account_set_mode = pg_account_set_mode,
	.account_set_upstream = pg_account_set_upstream,
	.account_set_not_before = pg_account_set_not_before,
	.account_count_group = pg_account_count_group,
	.account_by_thumbprint = pg_account_by_thumbprint,
	.account_by_id = pg_account_by_id,
	.group_get = pg_group_get,
	.group_insert = pg_group_insert,
	.group_set_upstream = pg_group_set_upstream,
	.group_set_not_before = pg_group_set_not_before,
	.authz_insert = pg_authz_insert,
	.authz_update = pg_authz_update,
	.authz_by_id = pg_authz_by_id,
	.authz_by_public_id = pg_authz_by_public_id,
	.authz_find = pg_authz_find,
	.authz_deactivate_account = pg_authz_deactivate_account,
	.http01_put = pg_http01_put,
	.http01_get = pg_http01_get,
	.http01_delete = pg_http01_delete,
	.http01_expire = pg_http01_expire,
	.cert_insert = pg_cert_insert,
	.cert_by_serial = pg_cert_by_serial,
	.cert_set_revoked = pg_cert_set_revoked,
	.issuer_put = pg_issuer_put,
	.issuer_get = pg_issuer_get,
	.inventory_record = pg_inventory_record,
	.inventory_count = pg_inventory_count,
	.inventory_issued = pg_inventory_issued,
	.inventory_list = pg_inventory_list,
	.inventory_traffic = pg_inventory_traffic,
	.inventory_failures = pg_inventory_failures,
	.inventory_versions = pg_inventory_versions,
	.inventory_summary = pg_inventory_summary,
	.nonce_use = pg_nonce_use,
	.nonce_expire = pg_nonce_expire,
	.shared_key = pg_shared_key,
	.usable = pg_usable,
	.lock_try = pg_lock_try,
	.unlock = pg_unlock,
};

/* The connection, checked and quiet: libpq's notices (NOTICE: relation
 * exists...) would go to stderr, which a store never writes to. */
static void
no_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *
pg_connect(const char *conninfo, char *err, size_t errlen)
{
	char why[512];
	PGconn *conn = PQconnectdb(conninfo);

	if (conn == NULL) {
		pg_seterr(err, errlen, "store_open_pg", "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		snprintf(why, sizeof(why), "%s", PQerrorMessage(conn));
		one_line(why);
		pg_seterr(err, errlen, "store_open_pg", why);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, no_notice, NULL);
	return conn;
}

struct store *
store_open_pg(const char *conninfo, store_log_fn *log, void *log_arg, char *err,
    size_t errlen)
{
	struct pg *p = NULL;
	struct store *s;
	PGconn *conn = pg_connect(conninfo, err, errlen);

	if (conn == NULL)
		return NULL;
	if (pg_setup(conn, err, errlen) == -1)
		goto fail;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto oom;
	p->conn = conn;
	p->log = log;
	p->log_arg = log_arg;
	if ((s = store_new(&pg_ops, p, log, log_arg)) == NULL)
		goto oom;
	return s;
oom:
	pg_seterr(err, errlen, "store_open_pg", "out of memory");
fail:
	free(p);
	PQfinish(conn);
	return NULL;
}
