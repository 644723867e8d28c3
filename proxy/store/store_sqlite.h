/* store_sqlite.h: private to the SQLite store (store_sqlite*.c): its
 * state, the statement ids of its cache, the helpers its files share and
 * the operations they define for the table in store_sqlite.c. Nothing of
 * it is seen outside proxy/store/store_sqlite*.c. */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <stddef.h>
#include <sqlite3.h>

#include "store.h"
#include "store_arg.h"

/* Statement ids; the SQL text of each is in store_sqlite.c. */
enum st {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SYNC_NORMAL,
	ST_SYNC_FULL,
	ST_ACC_INS,
	ST_ACC_UPD,
	ST_ACC_BY_TP,
	ST_ACC_BY_ID,
	ST_ACC_MODE,
	ST_ACC_URL,
	ST_ACC_NB,
	ST_ACC_COUNT_G,
	ST_G_GET,
	ST_G_INS,
	ST_G_URL,
	ST_G_NB,
	ST_AZ_INS,
	ST_AZ_UPD,
	ST_AZ_BY_ID,
	ST_AZ_BY_PID,
	ST_AZ_FIND,
	ST_AZ_DEACT,
	ST_H_PUT,
	ST_H_GET,
	ST_H_DEL,
	ST_H_EXP,
	ST_C_INS,
	ST_C_BY_SERIAL,
	ST_C_REVOKE,
	ST_I_PUT,
	ST_I_GET,
	/* the client inventory (store_sqlite_inventory.c) */
	ST_INV_SP,
	ST_INV_RELEASE,
	ST_INV_ROLLBACK_TO,
	ST_INV_CLIENT,
	ST_INV_CLIENT_ERR,
	ST_INV_CLIENT_ISSUED,
	ST_INV_ADDR_UPD,
	ST_INV_ADDR_INS,
	ST_INV_ADDR_TRIM,
	ST_INV_NAME_UPD,
	ST_INV_NAME_INS,
	ST_INV_NAME_TRIM,
	ST_INV_TRAFFIC,
	ST_INV_TRAFFIC_INS,
	ST_INV_TRAFFIC_TRIM,
	ST_INV_TRAFFIC_GET,
	ST_INV_FAIL_INS,
	ST_INV_FAIL_TRIM,
	ST_INV_FAILS,
	ST_INV_LIST,
	ST_INV_ADDRS,
	ST_INV_NAMES,
	ST_INV_SUM_HOSTS,
	ST_INV_SUM_EXPIRING,
	ST_INV_VERSIONS,
	ST_MAX
};

/* The implementation's state (the impl of its struct store). */
struct sq {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX]; /* prepared on first use */
	store_log_fn *log;
	void *log_arg;
};

/* Report msg, or the database's last error, for fn to the log callback. */
void sq_log(const struct sq *q, const char *fn, const char *msg);
void sq_err(const struct sq *q, const char *fn);
/* The cached statement id with args bound, ready to step; NULL (logged)
 * on error. Finish it with sq_done. */
sqlite3_stmt *sq_bound(struct sq *q, enum st id, const struct store_arg *a,
    size_t n, const char *fn);
/* Reset a statement and clear its bindings; NULL is a no-op. */
void sq_done(sqlite3_stmt *st);
/* on 1: commits without fsync until sq_relaxed(q, 0) (see there). */
int sq_relaxed(struct sq *q, int on);
/* Run a statement that returns no rows: how many rows it changed, or -1
 * (logged). */
long long sq_exec(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    const char *fn);
/* sq_exec, then -1 (logged "no such row") when it changed no row. */
int sq_update(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    const char *fn);
/* sq_exec of an INSERT; *rowid is the new row's id. */
int sq_insert(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    long long *rowid, const char *fn);
/* Zero out (size bytes), then fill it from the first row with row(), which
 * returns -1 when a column does not fit or memory runs out, after freeing
 * what it filled. 0, 1 no row, -1 (logged); out holds nothing unless 0. */
int sq_get(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    int (*row)(sqlite3_stmt *, void *), void *out, size_t size, const char *fn);
/* row(st, arg) for every row until it returns 1 (enough) or -1 (out of
 * memory): 0, or -1 (logged) on that or a database error. */
int sq_each(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    int (*row)(sqlite3_stmt *, void *), void *arg, const char *fn);
/* The first row's integer columns 0 .. ncols-1 into out: 0 or -1. */
int sq_ints(struct sq *q, enum st id, const struct store_arg *a, size_t n,
    long long *out, size_t ncols, const char *fn);
/* Column i into buf of size n, "" for NULL; -1 when it does not fit. */
int sq_col_copy(sqlite3_stmt *st, int i, char *buf, size_t n);
/* Column i as a malloc'd string in *out, NULL for SQL NULL; -1 on ENOMEM. */
int sq_col_dup(sqlite3_stmt *st, int i, char **out);
/* sq_col_dup, but "" (malloc'd) for SQL NULL. */
int sq_col_str(sqlite3_stmt *st, int i, char **out);
/* Column i as malloc'd bytes; NULL and 0 for SQL NULL or empty. */
int sq_col_blob(sqlite3_stmt *st, int i, unsigned char **out, size_t *len);
/* "what: why" into err of size errlen (err NULL or errlen 0: nothing). */
void sq_seterr(char *err, size_t errlen, const char *what, const char *why);
/* On a freshly opened db (store_sqlite_schema.c): busy timeout and
 * pragmas (WAL), then create the schema or upgrade it to
 * STORE_SCHEMA_VERSION in one transaction; a newer schema is refused. 0,
 * or -1 with err set. */
int sq_setup(sqlite3 *db, char *err, size_t errlen);
/* Every account's thumbprint made canonical (issue 8 item 4; in
 * store_sqlite_accounts.c); -1 with err set. */
int sq_canonical_thumbprints(sqlite3 *db, char *err, size_t errlen);

/* The operations (struct store_ops, store.h), by file. */
int sq_account_insert(void *impl, struct store_account *a);
int sq_account_update(void *impl, const struct store_account *a);
int sq_account_set_mode(
    void *impl, long long id, enum account_mode mode, const char *group_name);
int sq_account_set_upstream(void *impl, long long id, const char *url);
int sq_account_set_not_before(void *impl, long long id, long long nb);
long long
sq_account_count_group(void *impl, const char *upstream, const char *name);
int sq_account_by_thumbprint(void *impl, const char *upstream, const char *tp,
    struct store_account *out);
int sq_account_by_id(void *impl, long long id, struct store_account *out);
int sq_group_get(void *impl, const char *upstream, const char *name,
    struct store_group *out);
int sq_group_insert(void *impl, const struct store_group *g);
int sq_group_set_upstream(
    void *impl, const char *upstream, const char *name, const char *url);
int sq_group_set_not_before(
    void *impl, const char *upstream, const char *name, long long nb);

int sq_authz_insert(void *impl, struct store_authz *z);
int sq_authz_update(void *impl, const struct store_authz *z);
int sq_authz_by_id(void *impl, long long id, struct store_authz *out);
int sq_authz_by_public_id(
    void *impl, const char *upstream, const char *pid, struct store_authz *out);
int sq_authz_find(void *impl, long long account_id, const char *name,
    enum authz_status status, long long now, struct store_authz *out);
int sq_authz_deactivate_account(void *impl, long long account_id);
int sq_http01_put(
    void *impl, const char *token, const char *keyauth, long long expires);
int sq_http01_get(void *impl, const char *token, long long now, char **keyauth);
int sq_http01_delete(void *impl, const char *token);
int sq_http01_expire(void *impl, long long now);
int sq_cert_insert(void *impl, struct store_cert *c);
int sq_cert_by_serial(void *impl, const char *upstream, const char *serial,
    struct store_cert *out);
int sq_cert_set_revoked(void *impl, long long id);
int sq_issuer_put(void *impl, const char *id, const unsigned char *der,
    size_t len, const char *up_id);
int sq_issuer_get(void *impl, const char *id, unsigned char **der, size_t *len,
    char up_id[33]);

int sq_inventory_record(void *impl, const struct store_seen *v);
int sq_inventory_count(void *impl, long long hour, long long requests,
    long long failed, long long keep_from);
int sq_inventory_issued(void *impl, long long account_id, long long now);
int sq_inventory_list(
    void *impl, long long since, long long now, struct inventory_list *out);
int sq_inventory_traffic(void *impl, long long from, long long to,
    void (*cb)(
	void *arg, long long hour, long long requests, long long failures),
    void *arg);
int sq_inventory_failures(
    void *impl, size_t max, struct inventory_failure *out, size_t *n);
int sq_inventory_versions(void *impl,
    void (*cb)(void *arg, const char *family, const char *version, long long n),
    void *arg);
int sq_inventory_summary(void *impl, long long since, long long now,
    long long within, struct inventory_summary *out);

#endif
