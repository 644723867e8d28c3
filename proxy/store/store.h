/* store.h: the bridge's state store, as the operations the bridge needs
 * (not SQL): v1 accounts mapped to the bridge's v2 keys and account URLs,
 * shared account groups, v1 authorizations, the http-01 answers the
 * responder serves, certificates, issuers and the client inventory
 * (store_inventory.h). A struct store is a handle on one implementation,
 * chosen when it is opened; every function below dispatches through the
 * handle's struct store_ops. SQLite (store_sqlite*.c) is the one
 * implementation today; another (PostgreSQL) is written from this header.
 *
 * The contract of every implementation:
 * - Returns: 0 done; 1 "not found" where a function says so; -1 on any
 *   error, after which the implementation has called its log callback
 *   (store_log_fn, given at open) once or more with the name of the
 *   function and the database's message. An implementation never writes
 *   to stderr or anywhere else itself.
 * - Atomic: each call happens wholly or not at all, even when it writes
 *   several rows (inventory_record). Outside a transaction each call is its
 *   own transaction, visible to every later call on any handle of the same
 *   database once it returned 0.
 * - Transactions (store_begin/commit/rollback): every call between
 *   store_begin and store_commit is part of one transaction, applied by a
 *   successful commit and by nothing else. SQLite runs one writer at a
 *   time (serialisable); PostgreSQL, shared by instances, runs READ
 *   COMMITTED: each call's writes are atomic statements, so callers never
 *   write, inside a transaction, on a value they read earlier in it. No nesting: store_begin inside a
 *   transaction, and commit or rollback outside one, return -1. A call
 *   that fails inside a transaction leaves the transaction open (its own
 *   writes undone): the caller rolls back. Callers keep a transaction to a
 *   few calls on one loop turn, never across I/O, so that an
 *   implementation may hold a lock or a connection for its length.
 * - Strings and records given to a call are borrowed for the call only.
 *   A record a lookup fills is zeroed first; its strings are malloc'd and
 *   owned by the record (free them with the record's *_clear, records.h);
 *   on any result but 0 it holds nothing to free. A stored value too long
 *   for a fixed-size field of a record is an error (-1), never cut.
 * - Ids (accounts, authorizations, certificates) are assigned by the
 *   store on insert: positive, unique in the database, and larger than
 *   every id assigned before.
 * - Time: the store never reads a clock. Every time is unix seconds passed
 *   in by the caller (now, expires, created_at, ...).
 * - Schema: an implementation creates its schema, or upgrades an older
 *   one in place (all or nothing), to STORE_SCHEMA_VERSION when opened,
 *   and refuses a newer one. */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>

#include "inventory.h"
#include "records.h"

struct store;

/* Version 1: accounts, authorizations, http-01, certificates, issuers;
 * 2: account modes, groups, not_before; 3: the client inventory; 4: the
 * authorizations' random public ids (older rows get one, and keep their
 * numeric URL: numeric_url); 5: several upstreams (issue 9 item 1):
 * accounts and groups belong to one upstream (its path prefix, "" the
 * root; older rows are the root's), a thumbprint and a group name are
 * unique per upstream, failures name theirs. */
#define STORE_SCHEMA_VERSION 6

/* Where a store reports an error: fn names the failing function, msg is
 * the database's message (or the store's: "no such row", "out of memory").
 * Called inside the failing call, on the caller's thread. */
typedef void store_log_fn(void *arg, const char *fn, const char *msg);

/* The SQLite state file, made ready by the caller before
 * store_open_sqlite (store_file.c): path is created with mode 0600 when
 * missing, and path and the -wal and -shm files beside it (when present)
 * are made mode 0600: they hold the bridge's private keys, whatever the
 * umask. SQLite gives a -wal or -shm it creates the mode of the database
 * file. ":memory:" and "" are left alone. 0, or -1 with "file: cause" in
 * err. */
int store_file_prepare(const char *path, char *err, size_t errlen);

/* The server's exclusive lock on the state file at path (after
 * store_file_prepare): a POSIX lock on the sibling file PATH.lock (mode
 * 0600, holding the holder's pid), held until store_file_unlock or the
 * process ends. *fd is the lock's descriptor (-1 for ":memory:" and "",
 * which need none). 0, or -1 with err set: "state file PATH is in use by
 * another acme-bridge (pid N; lock file PATH.lock): ..." when another
 * process holds it. The account and report commands do not lock: SQLite
 * orders their writes with the server's (docs/operations.md). */
int store_file_lock(const char *path, int *fd, char *err, size_t errlen);
void store_file_unlock(int fd);

/* Open the SQLite store at path: an existing file (store_file_prepare
 * makes it; this never creates one) or ":memory:" (tests). The schema is
 * created or upgraded as above and the file switched to WAL. log (may be
 * NULL: errors are then only returned) receives every later error. On
 * failure writes "what: cause" to err and returns NULL. */
struct store *store_open_sqlite(const char *path, store_log_fn *log,
    void *log_arg, char *err, size_t errlen);
/* Open the PostgreSQL store (store_pg.c) at conninfo: a postgresql://
 * (or postgres://) URI or libpq's key=value words; the password as libpq
 * finds it (in conninfo, passfile=, PGPASSFILE, ~/.pgpass, PGPASSWORD).
 * The schema is created or upgraded as above, under an advisory lock so
 * that instances starting together do it once. Its calls block on the
 * database (issue 11, first stage): for the commands and tests, not yet
 * for the server's loop. NULL with "what: cause" in err on failure. */
struct store *store_open_pg(const char *conninfo, store_log_fn *log,
    void *log_arg, char *err, size_t errlen);
/* 1 when state (the config's state) names a PostgreSQL database: it
 * starts with postgresql:// or postgres://. */
int store_is_pg(const char *state);
/* state as it may be shown (logs, errors): a password in a URI's
 * userinfo becomes "***". Into buf of size n; returns buf. */
const char *store_state_shown(const char *state, char *buf, size_t n);
/* Close the handle and its implementation; NULL is a no-op. */
void store_close(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Upstreams (issue 9 item 1): an account belongs to the upstream
 * a->upstream names; a group to g->upstream. Authorizations and
 * certificates are their account's. Every lookup below that takes an
 * upstream finds only that upstream's rows (another's are "not found").
 *
 * Insert a (not id); assigns a->id. -1 when its thumbprint is taken at
 * its upstream. A group_name of "" is stored as none. */
int store_account_insert(struct store *s, struct store_account *a);
/* Rewrite thumbprint, jwk, contact, agreement, status and v2_key_pem of
 * the row a->id (-1 when there is none, or the thumbprint is another
 * account's at its upstream). Not upstream, v2_account_url, mode,
 * group_name, not_before: the
 * setters below write those, so a request holding an older copy of the
 * row cannot undo them. */
int store_account_update(struct store *s, const struct store_account *a);
/* Set the mode and the group (NULL or "" for none) of account id. The
 * setters return -1 when there is no such account. */
int store_account_set_mode(struct store *s, long long id,
    enum account_mode mode, const char *group_name);
/* Set the upstream account URL (NULL to forget it) of account id. */
int store_account_set_upstream(
    struct store *s, long long id, const char *v2_account_url);
int store_account_set_not_before(
    struct store *s, long long id, long long not_before);
/* How many accounts of upstream of mode shared use group name; -1 on
 * error. */
long long store_account_count_group(
    struct store *s, const char *upstream, const char *name);
int store_account_by_thumbprint(struct store *s, const char *upstream,
    const char *thumbprint, struct store_account *out); /* 0, 1, -1 */
int store_account_by_id(struct store *s, long long id,
    struct store_account *out); /* 0, 1 not found, -1 */

/* 0, 1 not found, -1. */
int store_group_get(struct store *s, const char *upstream, const char *name,
    struct store_group *out);
/* Insert g unless a group of that name exists at g->upstream: 0 inserted,
 * 1 it existed
 * (nothing changed), -1 (also for a NULL v2_key_pem). Two callers racing
 * get one 0 and one 1. */
int store_group_insert(struct store *s, const struct store_group *g);
/* -1 when there is no such group. */
int store_group_set_upstream(struct store *s, const char *upstream,
    const char *name, const char *v2_account_url);
int store_group_set_not_before(struct store *s, const char *upstream,
    const char *name, long long not_before);

/* Insert z (not id, public_id, numeric_url); sets z->id and z->public_id
 * (AUTHZ_PUBLIC_ID_BYTES from RAND_bytes, base64url; store_public_id),
 * numeric_url 0. -1 when z->account_id is no account. */
int store_authz_insert(struct store *s, struct store_authz *z);
/* Rewrite every column of the row z->id but public_id and numeric_url;
 * -1 when there is none. */
int store_authz_update(struct store *s, const struct store_authz *z);
int store_authz_by_id(struct store *s, long long id, struct store_authz *out);
/* The authorization whose public id is pid, of an account of upstream:
 * 0, 1 not found, -1. */
int store_authz_by_public_id(struct store *s, const char *upstream,
    const char *pid, struct store_authz *out);
/* A fresh random public id (for insert and for the upgrade to schema 4).
 * 0, or -1 when there is no randomness. */
int store_public_id(char out[AUTHZ_PUBLIC_ID_LEN + 1]);
/* The newest (largest id) authz of account for name with status valid
 * and expires > now (0), or 1 when none. */
int store_authz_find_valid(struct store *s, long long account_id,
    const char *name, long long now, struct store_authz *out);
/* The newest pending one with expires > now, same convention. */
int store_authz_find_pending(struct store *s, long long account_id,
    const char *name, long long now, struct store_authz *out);
/* Mark every pending or valid authz of account deactivated (its upstream
 * account changed); returns how many, or -1. */
int store_authz_deactivate_account(struct store *s, long long account_id);

/* http-01 answers: token -> key authorization, until expires. put
 * replaces an answer of the same token. */
int store_http01_put(
    struct store *s, const char *token, const char *keyauth, long long expires);
/* 0 and *keyauth malloc'd (the caller frees it); 1 when unknown or
 * expires <= now; *keyauth is NULL unless 0. */
int store_http01_get(
    struct store *s, const char *token, long long now, char **keyauth);
/* 0 also when there was no such token. */
int store_http01_delete(struct store *s, const char *token);
/* Delete the answers with expires <= now; returns how many or -1. */
int store_http01_expire(struct store *s, long long now);

/* State several instances share (issue 11; docs/ha.md). 1 when s is such
 * a store (PostgreSQL), 0 for one process's own (SQLite: the functions
 * below then return -1). */
int store_shared(const struct store *s);
/* 1 when s can be used now (a database: connected and answering in
 * time), for /readyz; a local file always can. */
int store_usable(const struct store *s);
/* A lock called name across every instance on s, held until store_unlock
 * or until this instance's connection ends (it dies): 0 taken, 1 held by
 * another instance, -1. A store of one process always gives it. */
int store_lock_try(struct store *s, const char *name);
int store_unlock(struct store *s, const char *name);
/* A v1 nonce seen by some instance: 0 when this is its first use (it is
 * now used, until expires), 1 when it was used before, -1. */
int store_nonce_use(struct store *s, const char *nonce, long long expires);
/* Forget the used nonces with expires <= now; how many, or -1. */
int store_nonce_expire(struct store *s, long long now);
/* The key called name (len bytes) every instance shares: the stored one
 * into out, or, when there is none yet, fresh (stored now; two instances
 * racing both end with the one that won). 0 or -1. */
int store_shared_key(struct store *s, const char *name,
    const unsigned char *fresh, size_t len, unsigned char *out);

/* Insert c (not id); sets c->id. -1 when its serial is taken. der is
 * kept as bytes (der_len of them; none for NULL or 0). */
int store_cert_insert(struct store *s, struct store_cert *c);
/* Of an account of upstream: 0, 1 not found, -1. */
int store_cert_by_serial(struct store *s, const char *upstream,
    const char *serial, struct store_cert *out);
/* -1 when there is no such certificate. */
int store_cert_set_revoked(struct store *s, long long id);

/* Issuer certificates (intermediates), by id = first 32 hex chars of the
 * SHA-256 of the DER; up_id is the next issuer's id or "" (root not kept;
 * NULL is ""). put replaces the issuer of the same id. */
int store_issuer_put(struct store *s, const char *id, const unsigned char *der,
    size_t len, const char *up_id);
/* 0 with *der malloc'd (NULL and 0 for none) and up_id filled (33 bytes;
 * may be NULL), 1 when unknown. */
int store_issuer_get(struct store *s, const char *id, unsigned char **der,
    size_t *len, char up_id[33]);

/* One inventory_record, as inventory_record (store_inventory.c) hands it
 * to an implementation: every string cleaned and cut (inventory_clean),
 * the client identified, names lower-cased. What to keep of it was
 * decided: the implementation writes it all. */
struct store_seen {
	long long account_id; /* 0: no known account, a failure only */
	long long now;
	const char *addr;	      /* "" when unknown */
	const char *user_agent;	      /* when account_id != 0 */
	const char *family, *version; /* of the client; "" when unknown */
	const char *const *names;     /* distinct or not; at most
					 * INVENTORY_NAMES_PER_REQ */
	size_t nnames;
	int failed; /* inventory_failed(): the fields below
					 * are set */
	const char *resource, *error_type, *detail;
	const char *last_error; /* "type: detail", for the client */
	const char *upstream;	/* the request's upstream prefix ("" the
				 * root), for a failure */
};

/* The operations of an implementation; impl is its own state, given to
 * store_new. Each has the contract of the function of the same name above
 * (or in store_inventory.h), with these differences where the generic
 * layer (store.c, store_inventory.c) does part of the work:
 * - authz_insert: z->public_id is already set (store_public_id); store
 *   it, and numeric_url 0.
 * - authz_find: store_authz_find_valid/pending, the status as given.
 * - inventory_record: write v; for an account (account_id != 0): upsert
 *   its clients row (first_seen min, last_seen max, user_agent, family,
 *   version replaced, requests + 1), its address (when not "") and each
 *   name (last_seen max), keeping its INVENTORY_ADDRS_MAX newest addresses
 *   and INVENTORY_NAMES_MAX newest names; when failed: add a failure
 *   (newest INVENTORY_FAILURES_MAX kept) and set the account's last_error
 *   and last_error_at. Atomic; inside a transaction part of it.
 * - inventory_count: requests (failed of them failures) in the hour
 *   starting at hour; when that hour is new, hours before keep_from go.
 * - inventory_issued: account_id != 0; its issued count + 1 and last_seen
 *   max now, its clients row created (first_seen now) when missing.
 * - inventory_list: out is zeroed; rows appended (malloc'd, grown as
 *   needed) with every string malloc'd ("" not NULL, but last_error NULL
 *   when none); addresses newest first and names sorted, each list
 *   joined with ','; on -1 out->n counts the rows to free
 *   (inventory_list_free).
 * - inventory_traffic: cb once per stored hour in [from, to).
 * - inventory_failures: 1 <= max <= INVENTORY_FAILURES_MAX; out has max
 *   zeroed entries; *n counts the entries filled, also on -1. */
struct store_ops {
	void (*close)(void *impl);
	int (*begin)(void *impl);
	int (*commit)(void *impl);
	int (*rollback)(void *impl);

	int (*account_insert)(void *impl, struct store_account *a);
	int (*account_update)(void *impl, const struct store_account *a);
	int (*account_set_mode)(void *impl, long long id,
	    enum account_mode mode, const char *group_name);
	int (*account_set_upstream)(
	    void *impl, long long id, const char *v2_account_url);
	int (*account_set_not_before)(
	    void *impl, long long id, long long not_before);
	long long (*account_count_group)(
	    void *impl, const char *upstream, const char *name);
	int (*account_by_thumbprint)(void *impl, const char *upstream,
	    const char *thumbprint, struct store_account *out);
	int (*account_by_id)(
	    void *impl, long long id, struct store_account *out);

	int (*group_get)(void *impl, const char *upstream, const char *name,
	    struct store_group *out);
	int (*group_insert)(void *impl, const struct store_group *g);
	int (*group_set_upstream)(void *impl, const char *upstream,
	    const char *name, const char *v2_account_url);
	int (*group_set_not_before)(void *impl, const char *upstream,
	    const char *name, long long not_before);

	int (*authz_insert)(void *impl, struct store_authz *z);
	int (*authz_update)(void *impl, const struct store_authz *z);
	int (*authz_by_id)(void *impl, long long id, struct store_authz *out);
	int (*authz_by_public_id)(void *impl, const char *upstream,
	    const char *pid, struct store_authz *out);
	int (*authz_find)(void *impl, long long account_id, const char *name,
	    enum authz_status status, long long now, struct store_authz *out);
	int (*authz_deactivate_account)(void *impl, long long account_id);

	int (*http01_put)(void *impl, const char *token, const char *keyauth,
	    long long expires);
	int (*http01_get)(
	    void *impl, const char *token, long long now, char **keyauth);
	int (*http01_delete)(void *impl, const char *token);
	int (*http01_expire)(void *impl, long long now);

	int (*cert_insert)(void *impl, struct store_cert *c);
	int (*cert_by_serial)(void *impl, const char *upstream,
	    const char *serial, struct store_cert *out);
	int (*cert_set_revoked)(void *impl, long long id);

	int (*issuer_put)(void *impl, const char *id, const unsigned char *der,
	    size_t len, const char *up_id);
	int (*issuer_get)(void *impl, const char *id, unsigned char **der,
	    size_t *len, char up_id[33]);

	int (*inventory_record)(void *impl, const struct store_seen *v);
	int (*inventory_count)(void *impl, long long hour, long long requests,
	    long long failed, long long keep_from);
	int (*inventory_issued)(
	    void *impl, long long account_id, long long now);
	int (*inventory_list)(void *impl, long long since, long long now,
	    struct inventory_list *out);
	int (*inventory_traffic)(void *impl, long long from, long long to,
	    void (*cb)(void *arg, long long hour, long long requests,
		long long failures),
	    void *arg);
	int (*inventory_failures)(
	    void *impl, size_t max, struct inventory_failure *out, size_t *n);
	int (*inventory_versions)(void *impl,
	    void (*cb)(void *arg, const char *family, const char *version,
		long long n),
	    void *arg);
	int (*inventory_summary)(void *impl, long long since, long long now,
	    long long within, struct inventory_summary *out);

	/* State shared by instances (issue 11): NULL in a store one
	 * process owns (SQLite), where memory does it. */
	int (*nonce_use)(void *impl, const char *nonce, long long expires);
	int (*nonce_expire)(void *impl, long long now);
	int (*shared_key)(void *impl, const char *name,
	    const unsigned char *fresh, size_t len, unsigned char *out);
	/* NULL: always usable (a local file) */
	int (*usable)(void *impl);
	/* NULL: one process, nothing to share (lock_try always takes it) */
	int (*lock_try)(void *impl, const char *name);
	int (*unlock)(void *impl, const char *name);
};

/* For an implementation's open function: a handle that dispatches to ops
 * (which must outlive it) with impl; log and log_arg as given to the open
 * function (the generic layer reports its own errors there). NULL when
 * out of memory: impl is then still the caller's to close. */
struct store *store_new(
    const struct store_ops *ops, void *impl, store_log_fn *log, void *log_arg);
/* The table and state behind s, for a wrapper that forwards to them
 * (tracing, counting: tests/unit/test_store.c); s still owns them. */
const struct store_ops *store_ops_of(const struct store *s, void **impl);

#endif
