/* store.c: the SQLite state store. Every statement is a fixed string with
 * bound parameters, prepared once on first use and kept until store_close.
 * Here: open/close, transactions, the statement cache and the helpers
 * shared with store_objects.c, store_schema.c and inventory.c (store_int.h),
 * accounts and groups. The schema and its migrations are in store_schema.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_int.h"

#define ACC_COLS "id, thumbprint, jwk, contact, agreement, initial_ip, " \
	"created_at, status, v2_key_pem, v2_account_url, mode, group_name, " \
	"not_before"
#define G_COLS "name, v2_key_pem, v2_account_url, not_before, created_at"
#define AZ_COLS "id, account_id, name, status, expires, token, v2_order_url, " \
	"v2_authz_url, v2_chall_url, error, key_authorization, created_at"
#define C_COLS "id, account_id, serial, der, chain_pem, issuer_id, not_after, " \
	"created_at, v2_cert_url, revoked"

static const char *const sqls[ST_MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_ACC_INS] = "INSERT INTO accounts(thumbprint, jwk, contact, "
	    "agreement, initial_ip, created_at, status, v2_key_pem, "
	    "v2_account_url, mode, group_name, not_before) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_ACC_UPD] = "UPDATE accounts SET thumbprint = ?1, jwk = ?2, "
	    "contact = ?3, agreement = ?4, status = ?5, v2_key_pem = ?6 "
	    "WHERE id = ?7",
	[ST_ACC_BY_TP] = "SELECT " ACC_COLS " FROM accounts "
	    "WHERE thumbprint = ?1",
	[ST_ACC_BY_ID] = "SELECT " ACC_COLS " FROM accounts WHERE id = ?1",
	[ST_ACC_MODE] = "UPDATE accounts SET mode = ?1, group_name = ?2 "
	    "WHERE id = ?3",
	[ST_ACC_URL] = "UPDATE accounts SET v2_account_url = ?1 WHERE id = ?2",
	[ST_ACC_NB] = "UPDATE accounts SET not_before = ?1 WHERE id = ?2",
	[ST_ACC_COUNT_G] = "SELECT count(*) FROM accounts WHERE mode = 'shared' "
	    "AND group_name = ?1",
	[ST_G_GET] = "SELECT " G_COLS " FROM groups WHERE name = ?1",
	[ST_G_INS] = "INSERT INTO groups(" G_COLS ") "
	    "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO NOTHING",
	[ST_G_URL] = "UPDATE groups SET v2_account_url = ?1 WHERE name = ?2",
	[ST_G_NB] = "UPDATE groups SET not_before = ?1 WHERE name = ?2",
	[ST_AZ_INS] = "INSERT INTO authzs(account_id, name, status, expires, "
	    "token, v2_order_url, v2_authz_url, v2_chall_url, error, "
	    "key_authorization, created_at) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_AZ_UPD] = "UPDATE authzs SET account_id = ?1, name = ?2, "
	    "status = ?3, expires = ?4, token = ?5, v2_order_url = ?6, "
	    "v2_authz_url = ?7, v2_chall_url = ?8, error = ?9, "
	    "key_authorization = ?10, created_at = ?11 WHERE id = ?12",
	[ST_AZ_BY_ID] = "SELECT " AZ_COLS " FROM authzs WHERE id = ?1",
	[ST_AZ_FIND] = "SELECT " AZ_COLS " FROM authzs WHERE account_id = ?1 "
	    "AND name = ?2 AND status = ?3 AND expires > ?4 "
	    "ORDER BY id DESC LIMIT 1",
	[ST_AZ_DEACT] = "UPDATE authzs SET status = 'deactivated' "
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
	[ST_C_BY_SERIAL] = "SELECT " C_COLS " FROM certs WHERE serial = ?1",
	[ST_C_REVOKE] = "UPDATE certs SET revoked = 1 WHERE id = ?1",
	[ST_I_PUT] = "INSERT INTO issuers(id, der, up_id) VALUES(?1, ?2, ?3) "
	    "ON CONFLICT(id) DO UPDATE SET der = excluded.der, "
	    "up_id = excluded.up_id",
	[ST_I_GET] = "SELECT der, up_id FROM issuers WHERE id = ?1",
	/* the client inventory (inventory.c; schema version 3) */
	[ST_INV_SP] = "SAVEPOINT inventory",
	[ST_INV_RELEASE] = "RELEASE inventory",
	[ST_INV_ROLLBACK_TO] = "ROLLBACK TO inventory",
	[ST_INV_CLIENT] = "INSERT INTO clients(account_id, first_seen, "
	    "last_seen, user_agent, family, version, requests) "
	    "VALUES(?1, ?2, ?2, ?3, ?4, ?5, 1) ON CONFLICT(account_id) DO "
	    "UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
	    "last_seen = max(last_seen, excluded.last_seen), "
	    "user_agent = excluded.user_agent, family = excluded.family, "
	    "version = excluded.version, requests = requests + 1",
	[ST_INV_CLIENT_ERR] = "UPDATE clients SET last_error = ?2, "
	    "last_error_at = ?3 WHERE account_id = ?1",
	[ST_INV_CLIENT_ISSUED] = "INSERT INTO clients(account_id, first_seen, "
	    "last_seen, issued) VALUES(?1, ?2, ?2, 1) "
	    "ON CONFLICT(account_id) DO UPDATE SET issued = issued + 1, "
	    "last_seen = max(last_seen, excluded.last_seen)",
	[ST_INV_ADDR_UPD] = "UPDATE client_addrs SET "
	    "last_seen = max(last_seen, ?3) WHERE account_id = ?1 AND addr = ?2",
	[ST_INV_ADDR_INS] = "INSERT INTO client_addrs(account_id, addr, "
	    "last_seen) VALUES(?1, ?2, ?3)",
	[ST_INV_ADDR_TRIM] = "DELETE FROM client_addrs WHERE account_id = ?1 "
	    "AND addr NOT IN (SELECT addr FROM client_addrs "
	    "WHERE account_id = ?1 ORDER BY last_seen DESC, addr LIMIT ?2)",
	[ST_INV_NAME_UPD] = "UPDATE client_names SET "
	    "last_seen = max(last_seen, ?3) WHERE account_id = ?1 AND name = ?2",
	[ST_INV_NAME_INS] = "INSERT INTO client_names(account_id, name, "
	    "last_seen) VALUES(?1, ?2, ?3)",
	[ST_INV_NAME_TRIM] = "DELETE FROM client_names WHERE account_id = ?1 "
	    "AND name NOT IN (SELECT name FROM client_names "
	    "WHERE account_id = ?1 ORDER BY last_seen DESC, name LIMIT ?2)",
	[ST_INV_TRAFFIC] = "UPDATE traffic SET requests = requests + 1, "
	    "failures = failures + ?2 WHERE hour = ?1",
	[ST_INV_TRAFFIC_INS] = "INSERT INTO traffic(hour, requests, failures) "
	    "VALUES(?1, 1, ?2)",
	[ST_INV_TRAFFIC_TRIM] = "DELETE FROM traffic WHERE hour < ?1",
	[ST_INV_TRAFFIC_GET] = "SELECT hour, requests, failures FROM traffic "
	    "WHERE hour >= ?1 AND hour < ?2",
	[ST_INV_FAIL_INS] = "INSERT INTO failures(at, account_id, resource, "
	    "error_type, detail, addr) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_INV_FAIL_TRIM] = "DELETE FROM failures "
	    "WHERE id <= (SELECT max(id) FROM failures) - ?1",
	[ST_INV_FAILS] = "SELECT at, account_id, resource, error_type, detail, "
	    "addr FROM failures ORDER BY id DESC LIMIT ?1",
	[ST_INV_LIST] = "SELECT c.account_id, a.thumbprint, c.user_agent, "
	    "c.family, c.version, c.first_seen, c.last_seen, c.last_error, "
	    "c.last_error_at, (SELECT count(*) FROM certs "
	    "WHERE account_id = c.account_id), (SELECT min(not_after) FROM certs "
	    "WHERE account_id = c.account_id AND revoked = 0 AND not_after > ?2) "
	    "FROM clients c LEFT JOIN accounts a ON a.id = c.account_id "
	    "WHERE c.last_seen >= ?1 ORDER BY c.last_seen DESC, c.account_id DESC",
	[ST_INV_ADDRS] = "SELECT addr FROM client_addrs WHERE account_id = ?1 "
	    "ORDER BY last_seen DESC, addr",
	[ST_INV_NAMES] = "SELECT name FROM client_names WHERE account_id = ?1 "
	    "ORDER BY name",
	[ST_INV_VERSIONS] = "SELECT coalesce(family, ''), coalesce(version, ''), "
	    "count(*) FROM clients GROUP BY 1, 2",
	[ST_INV_SUM_HOSTS] = "SELECT count(*), count(DISTINCT "
	    "coalesce(family, '') || '/' || coalesce(version, '')) "
	    "FROM clients WHERE last_seen >= ?1",
	[ST_INV_SUM_EXPIRING] = "SELECT count(*) FROM certs WHERE revoked = 0 "
	    "AND not_after > ?1 AND not_after <= ?2",
};

void
store_logerr(const struct store *s, const char *fn)
{
	fprintf(stderr, "%s: %s\n", fn, sqlite3_errmsg(s->db));
}

/* The cached statement id, prepared on first use; NULL (logged) on error. */
sqlite3_stmt *
store_stmt(struct store *s, enum st id, const char *fn)
{
	if (s->st[id] == NULL &&
	    sqlite3_prepare_v2(s->db, sqls[id], -1, &s->st[id], NULL) !=
	    SQLITE_OK) {
		store_logerr(s, fn);
		s->st[id] = NULL;
	}
	return s->st[id];
}

void
store_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Bind text or NULL; nonzero on error. */
int
store_bt(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int
store_bi(sqlite3_stmt *st, int i, long long v)
{
	return sqlite3_bind_int64(st, i, v);
}

/* Run a statement that returns no rows: 0 or -1 (logged). */
int
store_exec(struct store *s, sqlite3_stmt *st, const char *fn)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_logerr(s, fn);
		return -1;
	}
	return 0;
}

/* Column i into buf of size n, "" for NULL; -1 when it does not fit. */
int
store_col_copy(sqlite3_stmt *st, int i, char *buf, size_t n)
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

/* Column i as a malloc'd string in *out, NULL for SQL NULL; -1 on ENOMEM. */
int
store_col_dup(sqlite3_stmt *st, int i, char **out)
{
	const unsigned char *t;

	*out = NULL;
	if ((t = sqlite3_column_text(st, i)) == NULL)
		return 0;
	if ((*out = strdup((const char *)t)) == NULL)
		return -1;
	return 0;
}

/* After an UPDATE: -1 (logged) when no row matched. */
int
store_changed(struct store *s, const char *fn)
{
	if (sqlite3_changes(s->db) > 0)
		return 0;
	fprintf(stderr, "%s: no such row\n", fn);
	return -1;
}

/* Step a bound lookup and fill out via row(); 0, 1 not found or -1. */
int
store_lookup(struct store *s, sqlite3_stmt *st, const char *fn,
    int (*row)(sqlite3_stmt *, void *), void *out)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW) {
		store_logerr(s, fn);
		return -1;
	}
	if (row(st, out) == -1) {
		fprintf(stderr, "%s: column too long or out of memory\n", fn);
		return -1;
	}
	return 0;
}

int
store_run(struct store *s, sqlite3_stmt *st, int bind_err, const char *fn)
{
	int rc = -1;

	if (bind_err)
		store_logerr(s, fn);
	else
		rc = store_exec(s, st, fn);
	store_done(st);
	return rc;
}

int
store_simple(struct store *s, enum st id, const char *fn)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, id, fn)) == NULL)
		return -1;
	return store_run(s, st, 0, fn);
}

int
store_update(struct store *s, sqlite3_stmt *st, int bind_err, const char *fn)
{
	if (store_run(s, st, bind_err, fn) == -1)
		return -1;
	return store_changed(s, fn);
}

int
store_get(struct store *s, sqlite3_stmt *st, int bind_err,
    const struct store_row *r, void *out, const char *fn)
{
	int rc = -1;

	if (bind_err)
		store_logerr(s, fn);
	else
		rc = store_lookup(s, st, fn, r->row, out);
	store_done(st);
	if (rc != 0)
		r->clear(out);
	return rc;
}

int
store_get_int(struct store *s, enum st id, long long key,
    const struct store_row *r, void *out, const char *fn)
{
	sqlite3_stmt *st;

	memset(out, 0, r->size);
	if ((st = store_stmt(s, id, fn)) == NULL)
		return -1;
	return store_get(s, st, store_bi(st, 1, key), r, out, fn);
}

int
store_get_text(struct store *s, enum st id, const char *key,
    const struct store_row *r, void *out, const char *fn)
{
	sqlite3_stmt *st;

	memset(out, 0, r->size);
	if ((st = store_stmt(s, id, fn)) == NULL)
		return -1;
	return store_get(s, st, store_bt(st, 1, key), r, out, fn);
}

void
store_seterr(char *err, size_t errlen, const char *what, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, why);
}

static int
is_memory(const char *path)
{
	return path[0] == '\0' || strcmp(path, ":memory:") == 0;
}

/* chmod 0600 path and, when present, its -wal and -shm files. */
static int
restrict_files(const char *path, char *err, size_t errlen)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	char buf[PATH_MAX];
	size_t i;
	int n;

	if (chmod(path, 0600) == -1) {
		store_seterr(err, errlen, path, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		n = snprintf(buf, sizeof(buf), "%s%s", path, sfx[i]);
		if (n < 0 || (size_t)n >= sizeof(buf)) {
			store_seterr(err, errlen, path, "path too long");
			return -1;
		}
		if (chmod(buf, 0600) == -1 && errno != ENOENT) {
			store_seterr(err, errlen, buf, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Create path with mode 0600 when it does not exist yet. */
static int
precreate(const char *path, char *err, size_t errlen)
{
	int fd;

	if ((fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600)) == -1) {
		store_seterr(err, errlen, path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = NULL;
	int mem;

	if (path == NULL) {
		store_seterr(err, errlen, "store_open", "no path");
		return NULL;
	}
	mem = is_memory(path);
	if (!mem && precreate(path, err, errlen) == -1)
		goto fail;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		store_seterr(err, errlen, "store_open", "out of memory");
		goto fail;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		store_seterr(err, errlen, path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	if (store_setup(s->db, err, errlen) == -1)
		goto fail;
	if (!mem && restrict_files(path, err, errlen) == -1)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

int
store_begin(struct store *s)
{
	return store_simple(s, ST_BEGIN, __func__);
}

int
store_commit(struct store *s)
{
	return store_simple(s, ST_COMMIT, __func__);
}

int
store_rollback(struct store *s)
{
	return store_simple(s, ST_ROLLBACK, __func__);
}

/* accounts */

int
store_account_insert(struct store *s, struct store_account *a)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_ACC_INS, __func__)) == NULL ||
	    store_run(s, st, store_bt(st, 1, a->thumbprint) ||
	    store_bt(st, 2, a->jwk) || store_bt(st, 3, a->contact) ||
	    store_bt(st, 4, a->agreement) ||
	    store_bt(st, 5, a->initial_ip) || store_bi(st, 6, a->created_at) ||
	    store_bt(st, 7, account_status_name(a->status)) ||
	    store_bt(st, 8, a->v2_key_pem) ||
	    store_bt(st, 9, a->v2_account_url) ||
	    store_bt(st, 10, account_mode_name(a->mode)) ||
	    store_bt(st, 11, a->group_name[0] ? a->group_name : NULL) ||
	    store_bi(st, 12, a->not_before), __func__) == -1)
		return -1;
	a->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_account_update(struct store *s, const struct store_account *a)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_ACC_UPD, __func__)) == NULL)
		return -1;
	return store_update(s, st, store_bt(st, 1, a->thumbprint) ||
	    store_bt(st, 2, a->jwk) || store_bt(st, 3, a->contact) ||
	    store_bt(st, 4, a->agreement) ||
	    store_bt(st, 5, account_status_name(a->status)) ||
	    store_bt(st, 6, a->v2_key_pem) || store_bi(st, 7, a->id),
	    __func__);
}

static int
account_row(sqlite3_stmt *st, void *out)
{
	struct store_account *a = out;
	char status[16], mode[16];

	a->id = sqlite3_column_int64(st, 0);
	a->created_at = sqlite3_column_int64(st, 6);
	a->not_before = sqlite3_column_int64(st, 12);
	if (store_col_copy(st, 1, a->thumbprint, sizeof(a->thumbprint)) == -1 ||
	    store_col_dup(st, 2, &a->jwk) == -1 ||
	    store_col_dup(st, 3, &a->contact) == -1 ||
	    store_col_dup(st, 4, &a->agreement) == -1 ||
	    store_col_copy(st, 5, a->initial_ip, sizeof(a->initial_ip)) == -1 ||
	    store_col_copy(st, 7, status, sizeof(status)) == -1 ||
	    account_status_parse(status, &a->status) == -1 ||
	    store_col_dup(st, 8, &a->v2_key_pem) == -1 ||
	    store_col_dup(st, 9, &a->v2_account_url) == -1 ||
	    store_col_copy(st, 10, mode, sizeof(mode)) == -1 ||
	    (mode[0] != '\0' && account_mode_parse(mode, &a->mode) == -1) ||
	    store_col_copy(st, 11, a->group_name, sizeof(a->group_name)) == -1)
		return -1;
	return 0;
}

static void
account_clear(void *out)
{
	store_account_clear(out);
}

static const struct store_row account_rows = {
	sizeof(struct store_account), account_row, account_clear
};

int
store_account_by_thumbprint(struct store *s, const char *thumbprint,
    struct store_account *out)
{
	return store_get_text(s, ST_ACC_BY_TP, thumbprint, &account_rows, out,
	    __func__);
}

int
store_account_by_id(struct store *s, long long id, struct store_account *out)
{
	return store_get_int(s, ST_ACC_BY_ID, id, &account_rows, out, __func__);
}

int
store_account_set_mode(struct store *s, long long id, enum account_mode mode,
    const char *group_name)
{
	sqlite3_stmt *st;

	if (group_name != NULL && group_name[0] == '\0')
		group_name = NULL;
	if ((st = store_stmt(s, ST_ACC_MODE, __func__)) == NULL)
		return -1;
	return store_update(s, st, store_bt(st, 1, account_mode_name(mode)) ||
	    store_bt(st, 2, group_name) || store_bi(st, 3, id), __func__);
}

int
store_account_set_upstream(struct store *s, long long id,
    const char *v2_account_url)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_ACC_URL, __func__)) == NULL)
		return -1;
	return store_update(s, st, store_bt(st, 1, v2_account_url) ||
	    store_bi(st, 2, id), __func__);
}

int
store_account_set_not_before(struct store *s, long long id,
    long long not_before)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_ACC_NB, __func__)) == NULL)
		return -1;
	return store_update(s, st, store_bi(st, 1, not_before) ||
	    store_bi(st, 2, id), __func__);
}

long long
store_account_count_group(struct store *s, const char *name)
{
	sqlite3_stmt *st;
	long long n = -1;

	if ((st = store_stmt(s, ST_ACC_COUNT_G, __func__)) == NULL)
		return -1;
	if (store_bt(st, 1, name)) {
		store_logerr(s, __func__);
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_logerr(s, __func__);
		goto out;
	}
	n = sqlite3_column_int64(st, 0);
out:
	store_done(st);
	return n;
}

/* groups */

static int
group_row(sqlite3_stmt *st, void *out)
{
	struct store_group *g = out;

	g->not_before = sqlite3_column_int64(st, 3);
	g->created_at = sqlite3_column_int64(st, 4);
	if (store_col_copy(st, 0, g->name, sizeof(g->name)) == -1 ||
	    store_col_dup(st, 1, &g->v2_key_pem) == -1 ||
	    store_col_dup(st, 2, &g->v2_account_url) == -1)
		return -1;
	return 0;
}

static void
group_clear(void *out)
{
	store_group_clear(out);
}

static const struct store_row group_rows = {
	sizeof(struct store_group), group_row, group_clear
};

int
store_group_get(struct store *s, const char *name, struct store_group *out)
{
	return store_get_text(s, ST_G_GET, name, &group_rows, out, __func__);
}

int
store_group_insert(struct store *s, const struct store_group *g)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_G_INS, __func__)) == NULL ||
	    store_run(s, st, store_bt(st, 1, g->name) ||
	    store_bt(st, 2, g->v2_key_pem) ||
	    store_bt(st, 3, g->v2_account_url) ||
	    store_bi(st, 4, g->not_before) || store_bi(st, 5, g->created_at),
	    __func__) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 0 : 1;
}

int
store_group_set_upstream(struct store *s, const char *name,
    const char *v2_account_url)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_G_URL, __func__)) == NULL)
		return -1;
	return store_update(s, st, store_bt(st, 1, v2_account_url) ||
	    store_bt(st, 2, name), __func__);
}

int
store_group_set_not_before(struct store *s, const char *name,
    long long not_before)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_G_NB, __func__)) == NULL)
		return -1;
	return store_update(s, st, store_bi(st, 1, not_before) ||
	    store_bt(st, 2, name), __func__);
}
