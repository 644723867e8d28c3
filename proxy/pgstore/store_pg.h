/* store_pg.h: private to the PostgreSQL store (store_pg*.c): its state,
 * the helpers its files share and the operations they define for the
 * table in store_pg.c. The same tables and columns as the SQLite store
 * (store_sqlite_schema.c at STORE_SCHEMA_VERSION; BIGINT for INTEGER,
 * BYTEA for BLOB, identity columns for the ids), so an operation's SQL
 * reads alike in both and `store copy` moves rows column for column.
 *
 * Off the loop (the commands, the unit suite) the calls block. The server
 * puts the store on its loop (store_pg_loop.c): there a call made on a
 * fiber waits for its answer without blocking the loop. */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <stddef.h>

#include <libpq-fe.h>
#include <uv.h>

#include "store.h"
#include "store_arg.h"

/* The implementation's state (the impl of its struct store). */
struct pg_waiter;
struct fiber;

/* On the loop (store_pg_loop.c): the socket's poll, the time limit, the
 * queue of fibers waiting for the connection and its timer. */
struct pg_loop_io {
	uv_loop_t *loop;
	uv_poll_t *poll; /* on fd; another after a reconnect */
	int fd;
	long long retry_at; /* no reconnect before (s, loop time) */
	uv_timer_t timer, next;
	struct fiber *waiting; /* for the socket */
	int timed_out;
	int ended, warned; /* the loop stopped; a blocking call was said */
	int open;	   /* handles still to close (pg_loop_free) */
	struct pg_waiter *queue;
};

struct pg {
	PGconn *conn;
	int in_tx;	       /* inside store_begin .. commit/rollback */
	struct pg_loop_io *io; /* NULL: off the loop, calls block */
	struct fiber *holder;  /* of the connection, on the loop */
	int depth;	       /* holds by that fiber */
	int broken;	       /* a statement timed out: calls fail */
	store_log_fn *log;
	void *log_arg;
};

/* Report msg (or, for NULL, the connection's last error) for fn. */
void pg_log(const struct pg *p, const char *fn, const char *msg);
/* "what: why" into err of size errlen. */
void pg_seterr(char *err, size_t errlen, const char *what, const char *why);

/* Run sql ($1, $2, ... bound from a[0..n-1]: integers and text sent as
 * text, bytes as binary; results come back as text). The result when the
 * statement succeeded (PGRES_COMMAND_OK or PGRES_TUPLES_OK; PQclear it),
 * NULL (logged) otherwise. */
PGresult *pg_run(struct pg *p, const char *sql, const struct store_arg *a,
    size_t n, const char *fn);
/* A statement that returns no rows: how many rows it changed, or -1. */
long long pg_exec(struct pg *p, const char *sql, const struct store_arg *a,
    size_t n, const char *fn);
/* pg_exec, then -1 (logged "no such row") when it changed no row. */
int pg_update(struct pg *p, const char *sql, const struct store_arg *a,
    size_t n, const char *fn);
/* An INSERT ... RETURNING id: *id is the new row's id. */
int pg_insert(struct pg *p, const char *sql, const struct store_arg *a,
    size_t n, long long *id, const char *fn);
/* Zero out (size bytes), then fill it from row 0 with row(res, 0, out),
 * which returns -1 when a column does not fit or memory runs out, after
 * freeing what it filled. 0, 1 no row, -1 (logged). */
int pg_get(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    int (*row)(const PGresult *, int, void *), void *out, size_t size,
    const char *fn);
/* row(res, i, arg) for every row i until it returns 1 (enough) or -1: 0,
 * or -1 (logged) on that or a database error. */
int pg_each(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    int (*row)(const PGresult *, int, void *), void *arg, const char *fn);
/* Row 0's integer columns 0 .. ncols-1 into out (NULL is 0): 0, or -1
 * (also when there is no row). */
int pg_ints(struct pg *p, const char *sql, const struct store_arg *a, size_t n,
    long long *out, size_t ncols, const char *fn);

/* Columns of row r (text results). */
long long pg_col_int(const PGresult *res, int r, int c); /* NULL: 0 */
int pg_col_null(const PGresult *res, int r, int c);
/* Into buf of size n, "" for NULL; -1 when it does not fit. */
int pg_col_copy(const PGresult *res, int r, int c, char *buf, size_t n);
/* malloc'd in *out, NULL for SQL NULL; -1 on ENOMEM. */
int pg_col_dup(const PGresult *res, int r, int c, char **out);
/* pg_col_dup, but "" (malloc'd) for SQL NULL. */
int pg_col_str(const PGresult *res, int r, int c, char **out);
/* A BYTEA column as malloc'd bytes; NULL and 0 for NULL or empty. */
int pg_col_blob(
    const PGresult *res, int r, int c, unsigned char **out, size_t *len);

/* One call that writes several rows is atomic (store.h): pg_atomic_begin
 * opens a transaction, or a savepoint inside the caller's; pg_atomic_end
 * commits / releases it when ok, else rolls it back. 0 or -1 (logged). */
int pg_atomic_begin(struct pg *p, const char *fn);
int pg_atomic_end(struct pg *p, int ok, const char *fn);

/* 1 inside a store_begin transaction of the caller's (on the loop: of
 * the fiber holding the connection). */
int pg_my_tx(const struct pg *p);

/* One write statement, in a savepoint when inside store_begin's
 * transaction (see pg_atomic_begin). With id: an INSERT ... RETURNING id
 * (1 row). Rows changed, or -1. pg_tx_update: one that must find its row
 * (-1, logged "no such row", when it changed none). */
long long pg_tx_write(struct pg *p, const char *sql, const struct store_arg *a,
    size_t n, long long *id, const char *fn);
int pg_tx_update(struct pg *p, const char *sql, const struct store_arg *a,
    size_t n, const char *fn);

/* store_pg_loop.c: a statement's execution (blocking off the loop,
 * waiting on the fiber on it); the connection held by the running fiber
 * (nested holds count; -1, logged, when a call off any fiber finds it
 * held) and let go; the loop's part freed at close. */
PGresult *pg_exec_params(struct pg *p, const char *sql, int n,
    const char *const *v, const int *len, const int *fmt);
int pg_hold(struct pg *p, const char *fn);
void pg_unhold(struct pg *p);
void pg_loop_free(struct pg *p);
/* The connection is up and no statement timed out (store_usable). */
int pg_usable(void *impl);

/* Create the schema or upgrade it to STORE_SCHEMA_VERSION in one
 * transaction, under an advisory lock (two instances starting at once:
 * one creates, the other waits and finds it); a newer schema is refused.
 * 0, or -1 with err set. */
int pg_setup(PGconn *conn, char *err, size_t errlen);

/* The operations (struct store_ops, store.h), by file:
 * store_pg_accounts.c, store_pg_objects.c, store_pg_inventory.c. Each has
 * the contract of its sq_ twin (store_sqlite.h) and of store.h. */
int pg_account_insert(void *impl, struct store_account *a);
int pg_account_update(void *impl, const struct store_account *a);
int pg_account_set_mode(
    void *impl, long long id, enum account_mode mode, const char *group_name);
int pg_account_set_upstream(void *impl, long long id, const char *url);
int pg_account_set_not_before(void *impl, long long id, long long nb);
long long
pg_account_count_group(void *impl, const char *upstream, const char *name);
int pg_account_by_thumbprint(void *impl, const char *upstream, const char *tp,
    struct store_account *out);
int pg_account_by_id(void *impl, long long id, struct store_account *out);
int pg_group_get(void *impl, const char *upstream, const char *name,
    struct store_group *out);
int pg_group_insert(void *impl, const struct store_group *g);
int pg_group_set_upstream(
    void *impl, const char *upstream, const char *name, const char *url);
int pg_group_set_not_before(
    void *impl, const char *upstream, const char *name, long long nb);

int pg_authz_insert(void *impl, struct store_authz *z);
int pg_authz_update(void *impl, const struct store_authz *z);
int pg_authz_by_id(void *impl, long long id, struct store_authz *out);
int pg_authz_by_public_id(
    void *impl, const char *upstream, const char *pid, struct store_authz *out);
int pg_authz_find(void *impl, long long account_id, const char *name,
    enum authz_status status, long long now, struct store_authz *out);
int pg_authz_deactivate_account(void *impl, long long account_id);
int pg_http01_put(
    void *impl, const char *token, const char *keyauth, long long expires);
int pg_http01_get(void *impl, const char *token, long long now, char **keyauth);
int pg_http01_delete(void *impl, const char *token);
int pg_http01_expire(void *impl, long long now);
int pg_cert_insert(void *impl, struct store_cert *c);
int pg_cert_by_serial(void *impl, const char *upstream, const char *serial,
    struct store_cert *out);
int pg_cert_set_revoked(void *impl, long long id);
int pg_issuer_put(void *impl, const char *id, const unsigned char *der,
    size_t len, const char *up_id);
int pg_issuer_get(void *impl, const char *id, unsigned char **der, size_t *len,
    char up_id[33]);

int pg_inventory_record(void *impl, const struct store_seen *v);
int pg_inventory_count(void *impl, long long hour, long long requests,
    long long failed, long long keep_from);
int pg_inventory_issued(void *impl, long long account_id, long long now);
int pg_inventory_list(
    void *impl, long long since, long long now, struct inventory_list *out);
int pg_inventory_traffic(void *impl, long long from, long long to,
    void (*cb)(
	void *arg, long long hour, long long requests, long long failures),
    void *arg);
int pg_inventory_failures(
    void *impl, size_t max, struct inventory_failure *out, size_t *n);
int pg_inventory_versions(void *impl,
    void (*cb)(void *arg, const char *family, const char *version, long long n),
    void *arg);
int pg_inventory_summary(void *impl, long long since, long long now,
    long long within, struct inventory_summary *out);

/* store_pg_shared.c: the state only instances sharing a database need. */
int pg_nonce_use(void *impl, const char *nonce, long long expires);
int pg_nonce_expire(void *impl, long long now);
int pg_shared_key(void *impl, const char *name, const unsigned char *fresh,
    size_t len, unsigned char *out);
int pg_lock_try(void *impl, const char *name);
int pg_unlock(void *impl, const char *name);

#endif
