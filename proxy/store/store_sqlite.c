/* store_sqlite.c: the SQLite store (store.h), the one implementation of
 * struct store_ops today. Every statement is a fixed string with bound
 * parameters, prepared once on first use and kept until the store is
 * closed. Here: the SQL, open and close, transactions, the statement cache
 * and the helpers the other store_sqlite*.c share (store_sqlite.h), and
 * the operations table. Accounts and groups: store_sqlite_accounts.c;
 * authorizations, http-01, certificates, issuers: store_sqlite_objects.c;
 * the inventory: store_sqlite_inventory.c; the schema:
 * store_sqlite_schema.c. This file never creates, chmods or logs by
 * itself: the caller prepares the file (store_file_prepare) and errors go
 * to the log callback given at open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_cols.h"
#include "store_sqlite.h"

static const char *const sqls[ST_MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[ST_SYNC_FULL] = "PRAGMA synchronous=FULL",
	[ST_ACC_INS] =
	    "INSERT INTO accounts(thumbprint, jwk, contact, "
	    "agreement, initial_ip, created_at, status, v2_key_pem, "
	    "v2_account_url, mode, group_name, not_before, upstream) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_ACC_UPD] =
	    "UPDATE accounts SET thumbprint = ?1, jwk = ?2, "
	    "contact = ?3, agreement = ?4, status = ?5, v2_key_pem = ?6 "
	    "WHERE id = ?7",
	[ST_ACC_BY_TP] = "SELECT " ACC_COLS " FROM accounts "
			 "WHERE thumbprint = ?1 AND upstream = ?2",
	[ST_ACC_BY_ID] = "SELECT " ACC_COLS " FROM accounts WHERE id = ?1",
	[ST_ACC_MODE] = "UPDATE accounts SET mode = ?1, group_name = ?2 "
			"WHERE id = ?3",
	[ST_ACC_URL] = "UPDATE accounts SET v2_account_url = ?1 WHERE id = ?2",
	[ST_ACC_NB] = "UPDATE accounts SET not_before = ?1 WHERE id = ?2",
	[ST_ACC_COUNT_G] =
	    "SELECT count(*) FROM accounts WHERE mode = 'shared' "
	    "AND group_name = ?1 AND upstream = ?2",
	[ST_G_GET] = "SELECT " G_COLS " FROM groups "
		     "WHERE name = ?1 AND upstream = ?2",
	[ST_G_INS] = "INSERT INTO groups(" G_COLS ") "
		     "VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
		     "ON CONFLICT(upstream, name) DO NOTHING",
	[ST_G_URL] = "UPDATE groups SET v2_account_url = ?1 "
		     "WHERE name = ?2 AND upstream = ?3",
	[ST_G_NB] = "UPDATE groups SET not_before = ?1 "
		    "WHERE name = ?2 AND upstream = ?3",
	[ST_AZ_INS] = "INSERT INTO authzs(account_id, name, status, expires, "
		      "token, v2_order_url, v2_authz_url, v2_chall_url, error, "
		      "key_authorization, created_at, v2_finalize_url, "
		      "public_id) "
		      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		      "?12, ?13)",
	[ST_AZ_UPD] =
	    "UPDATE authzs SET account_id = ?1, name = ?2, "
	    "status = ?3, expires = ?4, token = ?5, v2_order_url = ?6, "
	    "v2_authz_url = ?7, v2_chall_url = ?8, error = ?9, "
	    "key_authorization = ?10, created_at = ?11, "
	    "v2_finalize_url = ?12 WHERE id = ?13",
	[ST_AZ_BY_ID] = "SELECT " AZ_COLS " FROM authzs WHERE id = ?1",
	[ST_AZ_BY_PID] = "SELECT " AZ_COLS " FROM authzs WHERE public_id = ?1 "
			 "AND account_id IN "
			 "(SELECT id FROM accounts WHERE upstream = ?2)",
	[ST_AZ_FIND] = "SELECT " AZ_COLS " FROM authzs WHERE account_id = ?1 "
		       "AND name = ?2 AND status = ?3 AND expires > ?4 "
		       "ORDER BY id DESC LIMIT 1",
	[ST_AZ_DEACT] =
	    "UPDATE authzs SET status = 'deactivated' "
	    "WHERE account_id = ?1 AND status IN ('pending', 'valid')",
	[ST_H_PUT] = "INSERT INTO http01(token, keyauth, expires) "
		     "VALUES(?1, ?2, ?3) ON CONFLICT(token) DO UPDATE SET "
		     "keyauth = excluded.keyauth, expires = excluded.expires",
	[ST_H_GET] = "SELECT keyauth FROM http01 "
		     "WHERE token = ?1 AND expires > ?2",
	[ST_H_DEL] = "DELETE FROM http01 WHERE token = ?1",
	[ST_H_EXP] = "DELETE FROM http01 WHERE expires <= ?1",
	[ST_C_INS] = "INSERT INTO certs(account_id, serial, der, chain_pem, "
		     "issuer_id, not_after, created_at, v2_cert_url, revoked) "
		     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_C_BY_SERIAL] = "SELECT " C_COLS " FROM certs WHERE serial = ?1 "
			   "AND account_id IN "
			   "(SELECT id FROM accounts WHERE upstream = ?2)",
	[ST_C_REVOKE] = "UPDATE certs SET revoked = 1 WHERE id = ?1",
	[ST_I_PUT] = "INSERT INTO issuers(id, der, up_id) VALUES(?1, ?2, ?3) "
		     "ON CONFLICT(id) DO UPDATE SET der = excluded.der, "
		     "up_id = excluded.up_id",
	[ST_I_GET] = "SELECT der, up_id FROM issuers WHERE id = ?1",
	/* the client inventory (inventory.c; schema version 3) */
	[ST_INV_SP] = "SAVEPOINT inventory",
	[ST_INV_RELEASE] = "RELEASE inventory",
	[ST_INV_ROLLBACK_TO] = "ROLLBACK TO inventory",
	[ST_INV_CLIENT] =
	    "INSERT INTO clients(account_id, first_seen, "
	    "last_seen, user_agent, family, version, requests) "
	    "VALUES(?1, ?2, ?2, ?3, ?4, ?5, 1) ON CONFLICT(account_id) DO "
	    "UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
	    "last_seen = max(last_seen, excluded.last_seen), "
	    "user_agent = excluded.user_agent, family = excluded.family, "
	    "version = excluded.version, requests = requests + 1",
	[ST_INV_CLIENT_ERR] = "UPDATE clients SET last_error = ?2, "
			      "last_error_at = ?3 WHERE account_id = ?1",
	[ST_INV_CLIENT_ISSUED] =
	    "INSERT INTO clients(account_id, first_seen, "
	    "last_seen, issued) VALUES(?1, ?2, ?2, 1) "
	    "ON CONFLICT(account_id) DO UPDATE SET issued = issued + 1, "
	    "last_seen = max(last_seen, excluded.last_seen)",
	[ST_INV_ADDR_UPD] = "UPDATE client_addrs SET "
			    "last_seen = max(last_seen, ?3) WHERE account_id = "
			    "?1 AND addr = ?2",
	[ST_INV_ADDR_INS] = "INSERT INTO client_addrs(account_id, addr, "
			    "last_seen) VALUES(?1, ?2, ?3)",
	[ST_INV_ADDR_TRIM] =
	    "DELETE FROM client_addrs WHERE account_id = ?1 "
	    "AND addr NOT IN (SELECT addr FROM client_addrs "
	    "WHERE account_id = ?1 ORDER BY last_seen DESC, addr LIMIT ?2)",
	[ST_INV_NAME_UPD] = "UPDATE client_names SET "
			    "last_seen = max(last_seen, ?3) WHERE account_id = "
			    "?1 AND name = ?2",
	[ST_INV_NAME_INS] = "INSERT INTO client_names(account_id, name, "
			    "last_seen) VALUES(?1, ?2, ?3)",
	[ST_INV_NAME_TRIM] =
	    "DELETE FROM client_names WHERE account_id = ?1 "
	    "AND name NOT IN (SELECT name FROM client_names "
	    "WHERE account_id = ?1 ORDER BY last_seen DESC, name LIMIT ?2)",
	[ST_INV_TRAFFIC] = "UPDATE traffic SET requests = requests + ?3, "
			   "failures = failures + ?2 WHERE hour = ?1",
	[ST_INV_TRAFFIC_INS] = "INSERT INTO traffic(hour, requests, failures) "
			       "VALUES(?1, ?3, ?2)",
	[ST_INV_TRAFFIC_TRIM] = "DELETE FROM traffic WHERE hour < ?1",
	[ST_INV_TRAFFIC_GET] = "SELECT hour, requests, failures FROM traffic "
			       "WHERE hour >= ?1 AND hour < ?2",
	[ST_INV_FAIL_INS] = "INSERT INTO failures(at, account_id, resource, "
			    "error_type, detail, addr, upstream) "
			    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_INV_FAIL_TRIM] = "DELETE FROM failures "
			     "WHERE id <= (SELECT max(id) FROM failures) - ?1",
	[ST_INV_FAILS] = "SELECT at, account_id, resource, error_type, detail, "
			 "addr, upstream FROM failures ORDER BY id DESC "
			 "LIMIT ?1",
	[ST_INV_LIST] =
	    "SELECT c.account_id, a.thumbprint, c.user_agent, "
	    "c.family, c.version, c.first_seen, c.last_seen, c.last_error, "
	    "c.last_error_at, (SELECT count(*) FROM certs "
	    "WHERE account_id = c.account_id), (SELECT min(not_after) FROM "
	    "certs "
	    "WHERE account_id = c.account_id AND revoked = 0 AND not_after > "
	    "?2), a.upstream "
	    "FROM clients c LEFT JOIN accounts a ON a.id = c.account_id "
	    "WHERE c.last_seen >= ?1 ORDER BY c.last_seen DESC, c.account_id "
	    "DESC",
	[ST_INV_ADDRS] = "SELECT addr FROM client_addrs WHERE account_id = ?1 "
			 "ORDER BY last_seen DESC, addr",
	[ST_INV_NAMES] = "SELECT name FROM client_names WHERE account_id = ?1 "
			 "ORDER BY name",
	[ST_INV_VERSIONS] =
	    "SELECT coalesce(family, ''), coalesce(version, ''), "
	    "count(*) FROM clients GROUP BY 1, 2",
	[ST_INV_SUM_HOSTS] =
	    "SELECT count(*), count(DISTINCT "
	    "coalesce(family, '') || '/' || coalesce(version, '')) "
	    "FROM clients WHERE last_seen >= ?1",
	[ST_INV_SUM_EXPIRING] = "SELECT count(*) FROM certs WHERE revoked = 0 "
				"AND not_after > ?1 AND not_after <= ?2",
};

void
sq_log(const struct sq *q, const char *fn, const char *msg)
{
	if (q->log != NULL)
		q->log(q->log_arg, fn, msg);
}

void
sq_err(const struct sq *q, const char *fn)
{
	sq_log(q, fn, sqlite3_errmsg(q->db));
}

/* The cached statement id, prepared on first use; NULL (logged) on error. */
static sqlite3_stmt *
stmt(struct sq *q, enum st id, const char *fn)
{
	if (q->st[id] == NULL &&
	    sqlite3_prepare_v2(q->db, sqls[id], -1, &q->st[id], NULL) !=
		SQLITE_OK) {
		sq_err(q, fn);
		q->st[id] = NULL;
	}
	return q->st[id];
}

static int
bind_one(sqlite3_stmt *st, int i, const struct store_arg *a)
{
	switch (a->type) {
	case ARG_INT:
		return sqlite3_bind_int64(st, i, a->i);
	case ARG_TEXT:
		return sqlite3_bind_text(st, i, a->s, -1, SQLITE_TRANSIENT);
	case ARG_BLOB:
		/* an empty blob, not NULL: a certificate always has bytes */
		if (a->b == NULL || a->len == 0)
			return sqlite3_bind_zeroblob(st, i, 0);
		return sqlite3_bind_blob64(
		    st, i, a->b, (sqlite3_uint64)a->len, SQLITE_TRANSIENT);
	}
	return SQLITE_MISUSE;
}

void
sq_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

sqlite3_stmt *
sq_bound(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    const char *fn)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if ((st = stmt(q, id, fn)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((rc = bind_one(st, (int)i + 1, &a[i])) != SQLITE_OK) {
			/* a bind error is not always the connection's last
			 * error: name it from its code */
			sq_log(q, fn, sqlite3_errstr(rc));
			sq_done(st);
			return NULL;
		}
	return st;
}

long long
sq_exec(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    const char *fn)
{
	sqlite3_stmt *st;
	long long changed = -1;

	if ((st = sq_bound(q, id, a, n, fn)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_DONE)
		changed = sqlite3_changes(q->db);
	else
		sq_err(q, fn);
	sq_done(st);
	return changed;
}

int
sq_update(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    const char *fn)
{
	long long changed;

	if ((changed = sq_exec(q, id, a, n, fn)) == -1)
		return -1;
	if (changed == 0) {
		sq_log(q, fn, "no such row");
		return -1;
	}
	return 0;
}

int
sq_insert(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    long long *rowid, const char *fn)
{
	if (sq_exec(q, id, a, n, fn) == -1)
		return -1;
	*rowid = sqlite3_last_insert_rowid(q->db);
	return 0;
}

int
sq_get(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    int (*row)(sqlite3_stmt *, void *), void *out, size_t size, const char *fn)
{
	sqlite3_stmt *st;
	int rc = -1;

	memset(out, 0, size);
	if ((st = sq_bound(q, id, a, n, fn)) == NULL)
		return -1;
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		rc = 1;
		break;
	case SQLITE_ROW:
		if ((rc = row(st, out)) == -1)
			sq_log(q, fn, "column too long or out of memory");
		break;
	default:
		sq_err(q, fn);
	}
	sq_done(st);
	return rc;
}

int
sq_each(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    int (*row)(sqlite3_stmt *, void *), void *arg, const char *fn)
{
	sqlite3_stmt *st;
	int step, rc = 0;

	if ((st = sq_bound(q, id, a, n, fn)) == NULL)
		return -1;
	while (
	    (step = sqlite3_step(st)) == SQLITE_ROW && (rc = row(st, arg)) == 0)
		;
	if (rc == -1)
		sq_log(q, fn, "out of memory");
	else if (step != SQLITE_DONE && step != SQLITE_ROW) {
		sq_err(q, fn);
		rc = -1;
	}
	sq_done(st);
	return rc == -1 ? -1 : 0;
}

int
sq_ints(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    long long *out, size_t ncols, const char *fn)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = -1;

	if ((st = sq_bound(q, id, a, n, fn)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < ncols; i++)
			out[i] = sqlite3_column_int64(st, (int)i);
		rc = 0;
	} else
		sq_err(q, fn);
	sq_done(st);
	return rc;
}

int
sq_col_copy(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const unsigned char *t;
	size_t len;

	buf[0] = '\0';
	if ((t = sqlite3_column_text(st, i)) == NULL)
		return 0;
	len = (size_t)sqlite3_column_bytes(st, i);
	if (len >= n)
		return -1;
	memcpy(buf, t, len);
	buf[len] = '\0';
	return 0;
}

int
sq_col_dup(sqlite3_stmt *st, int i, char **out)
{
	const unsigned char *t;

	*out = NULL;
	if ((t = sqlite3_column_text(st, i)) == NULL)
		return 0;
	if ((*out = strdup((const char *)t)) == NULL)
		return -1;
	return 0;
}

int
sq_col_str(sqlite3_stmt *st, int i, char **out)
{
	if (sq_col_dup(st, i, out) == -1)
		return -1;
	if (*out == NULL && (*out = strdup("")) == NULL)
		return -1;
	return 0;
}

int
sq_col_blob(sqlite3_stmt *st, int i, unsigned char **out, size_t *len)
{
	const void *b;
	int n;

	*out = NULL;
	*len = 0;
	b = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	if (b == NULL || n <= 0)
		return 0;
	if ((*out = malloc((size_t)n)) == NULL)
		return -1;
	memcpy(*out, b, (size_t)n);
	*len = (size_t)n;
	return 0;
}

void
sq_seterr(char *err, size_t errlen, const char *what, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, why);
}

/* transactions */

static int
sq_begin(void *impl)
{
	return sq_exec(impl, ST_BEGIN, NULL, 0, __func__) == -1 ? -1 : 0;
}

static int
sq_commit(void *impl)
{
	return sq_exec(impl, ST_COMMIT, NULL, 0, __func__) == -1 ? -1 : 0;
}

static int
sq_rollback(void *impl)
{
	return sq_exec(impl, ST_ROLLBACK, NULL, 0, __func__) == -1 ? -1 : 0;
}

/* open and close */

static void
sq_close(void *impl)
{
	struct sq *q = impl;
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q);
}

/* The inventory (statistics that no client is told about) and the http-01
 * answers (of use for minutes, to a CA that retries a failed validation)
 * are written with commits that skip the fsync synchronous=FULL gives
 * every other write (sq_setup). They survive a crash or restart of the
 * bridge (WAL); a power loss can lose the latest ones, and the next FULL
 * commit makes them durable with it. Inside a caller's transaction its
 * commit decides, so nothing is switched. */
int
sq_relaxed(struct sq *q, int on)
{
	/* prepared once: these run twice per relaxed write, on the hot path */
	if (!sqlite3_get_autocommit(q->db))
		return 0;
	return sq_exec(q, on ? ST_SYNC_NORMAL : ST_SYNC_FULL, NULL, 0,
		   __func__) == -1
	    ? -1
	    : 0;
}

static const struct store_ops sq_ops = {
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.account_insert = sq_account_insert,
	.account_update = sq_account_update,
	.account_set_mode = sq_account_set_mode,
	.account_set_upstream = sq_account_set_upstream,
	.account_set_not_before = sq_account_set_not_before,
	.account_count_group = sq_account_count_group,
	.account_by_thumbprint = sq_account_by_thumbprint,
	.account_by_id = sq_account_by_id,
	.group_get = sq_group_get,
	.group_insert = sq_group_insert,
	.group_set_upstream = sq_group_set_upstream,
	.group_set_not_before = sq_group_set_not_before,
	.authz_insert = sq_authz_insert,
	.authz_update = sq_authz_update,
	.authz_by_id = sq_authz_by_id,
	.authz_by_public_id = sq_authz_by_public_id,
	.authz_find = sq_authz_find,
	.authz_deactivate_account = sq_authz_deactivate_account,
	.http01_put = sq_http01_put,
	.http01_get = sq_http01_get,
	.http01_delete = sq_http01_delete,
	.http01_expire = sq_http01_expire,
	.cert_insert = sq_cert_insert,
	.cert_by_serial = sq_cert_by_serial,
	.cert_set_revoked = sq_cert_set_revoked,
	.issuer_put = sq_issuer_put,
	.issuer_get = sq_issuer_get,
	.inventory_record = sq_inventory_record,
	.inventory_count = sq_inventory_count,
	.inventory_issued = sq_inventory_issued,
	.inventory_list = sq_inventory_list,
	.inventory_traffic = sq_inventory_traffic,
	.inventory_failures = sq_inventory_failures,
	.inventory_versions = sq_inventory_versions,
	.inventory_summary = sq_inventory_summary,
};

struct store *
store_open_sqlite(const char *path, store_log_fn *log, void *log_arg, char *err,
    size_t errlen)
{
	struct store *s;
	struct sq *q;

	if (path == NULL) {
		sq_seterr(err, errlen, "store_open_sqlite", "no path");
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		sq_seterr(err, errlen, "store_open_sqlite", "out of memory");
		return NULL;
	}
	q->log = log;
	q->log_arg = log_arg;
	/* No SQLITE_OPEN_CREATE: the file is the caller's to create, with
	 * its mode (store_file_prepare); an empty file is a new database. */
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sq_seterr(err, errlen, path,
		    q->db != NULL ? sqlite3_errmsg(q->db) : "out of memory");
		goto fail;
	}
	if (sq_setup(q->db, err, errlen) == -1 ||
	    sq_canonical_thumbprints(q->db, err, errlen) == -1)
		goto fail;
	if ((s = store_new(&sq_ops, q, log, log_arg)) == NULL) {
		sq_seterr(err, errlen, "store_open_sqlite", "out of memory");
		goto fail;
	}
	return s;
fail:
	sq_close(q);
	return NULL;
}
