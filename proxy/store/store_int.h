/* store_int.h: private to the store (store.c, store_objects.c,
 * store_schema.c) and the inventory (inventory.c). The store handle, the
 * statement ids of its cache and the helpers these files share. */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <stddef.h>
#include <sqlite3.h>

#include "store.h"

/* Statement ids; the SQL text of each is in store.c. */
enum st {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_ACC_INS, ST_ACC_UPD, ST_ACC_BY_TP, ST_ACC_BY_ID,
	ST_ACC_MODE, ST_ACC_URL, ST_ACC_NB, ST_ACC_COUNT_G,
	ST_G_GET, ST_G_INS, ST_G_URL, ST_G_NB,
	ST_AZ_INS, ST_AZ_UPD, ST_AZ_BY_ID, ST_AZ_FIND, ST_AZ_DEACT,
	ST_H_PUT, ST_H_GET, ST_H_DEL, ST_H_EXP,
	ST_C_INS, ST_C_BY_SERIAL, ST_C_REVOKE,
	ST_I_PUT, ST_I_GET,
	/* the client inventory (inventory.c) */
	ST_INV_SP, ST_INV_RELEASE, ST_INV_ROLLBACK_TO,
	ST_INV_CLIENT, ST_INV_CLIENT_ERR, ST_INV_CLIENT_ISSUED,
	ST_INV_ADDR_UPD, ST_INV_ADDR_INS, ST_INV_ADDR_TRIM,
	ST_INV_NAME_UPD, ST_INV_NAME_INS, ST_INV_NAME_TRIM,
	ST_INV_TRAFFIC, ST_INV_TRAFFIC_INS, ST_INV_TRAFFIC_TRIM, ST_INV_TRAFFIC_GET,
	ST_INV_FAIL_INS, ST_INV_FAIL_TRIM, ST_INV_FAILS,
	ST_INV_LIST, ST_INV_ADDRS, ST_INV_NAMES,
	ST_INV_SUM_HOSTS, ST_INV_SUM_EXPIRING, ST_INV_VERSIONS,
	ST_MAX
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
};

/* Log fn and the database's last error to stderr. */
void store_logerr(const struct store *s, const char *fn);
/* The cached statement id, prepared on first use; NULL (logged) on error. */
sqlite3_stmt *store_stmt(struct store *s, enum st id, const char *fn);
/* Reset a cached statement and clear its bindings; NULL is a no-op. */
void store_done(sqlite3_stmt *st);
/* Bind text or NULL / a 64-bit integer; nonzero on error. */
int store_bt(sqlite3_stmt *st, int i, const char *v);
int store_bi(sqlite3_stmt *st, int i, long long v);
/* Run a statement that returns no rows: 0 or -1 (logged). */
int store_exec(struct store *s, sqlite3_stmt *st, const char *fn);
/* Column i into buf of size n, "" for NULL; -1 when it does not fit. */
int store_col_copy(sqlite3_stmt *st, int i, char *buf, size_t n);
/* Column i as a malloc'd string in *out, NULL for SQL NULL; -1 on ENOMEM. */
int store_col_dup(sqlite3_stmt *st, int i, char **out);
/* After an UPDATE: -1 (logged) when no row matched. */
int store_changed(struct store *s, const char *fn);
/* Step a bound lookup and fill out via row(); 0, 1 not found or -1. */
int store_lookup(struct store *s, sqlite3_stmt *st, const char *fn,
    int (*row)(sqlite3_stmt *, void *), void *out);
/* Run a statement whose parameters were bound (bind_err: nonzero when a
 * bind failed), then reset it: 0 or -1 (logged). */
int store_run(struct store *s, sqlite3_stmt *st, int bind_err,
    const char *fn);
/* store_run, then -1 (logged) when no row matched (an UPDATE). */
int store_update(struct store *s, sqlite3_stmt *st, int bind_err,
    const char *fn);
/* store_run on the cached statement id, which takes no parameters. */
int store_simple(struct store *s, enum st id, const char *fn);
/* What a lookup fills: its size, the row function and how to free it. */
struct store_row {
	size_t size;
	int (*row)(sqlite3_stmt *, void *);
	void (*clear)(void *);
};
/* Finish a lookup whose parameters were bound (bind_err as for store_run)
 * into out, which the caller zeroed: 0, 1 not found or -1; out is cleared
 * unless 0 and st is reset. */
int store_get(struct store *s, sqlite3_stmt *st, int bind_err,
    const struct store_row *r, void *out, const char *fn);
/* Zero out, then look it up with the cached statement id by its one
 * parameter ?1, an integer or a text key; as store_get. */
int store_get_int(struct store *s, enum st id, long long key,
    const struct store_row *r, void *out, const char *fn);
int store_get_text(struct store *s, enum st id, const char *key,
    const struct store_row *r, void *out, const char *fn);
/* "what: why" into err of size errlen (err NULL or errlen 0: nothing). */
void store_seterr(char *err, size_t errlen, const char *what,
    const char *why);
/* On a freshly opened db (store_schema.c): busy timeout and pragmas (WAL),
 * then create the schema or upgrade it to STORE_SCHEMA_VERSION in one
 * transaction; a newer schema is refused. 0, or -1 with err set. */
int store_setup(sqlite3 *db, char *err, size_t errlen);

#endif
