/* store_sqlite_schema.c: the SQLite store's schema (STORE_SCHEMA_VERSION,
 * kept in PRAGMA user_version) and its upgrades: the version 1 tables, the
 * migrations 1 -> 2 (account modes, groups, not_before) and 2 -> 3 (the
 * client inventory, inventory.h) and 3 -> 4 (public ids), and sq_setup, which sets the
 * connection's pragmas and creates or upgrades the schema in one
 * transaction when store_open_sqlite opens a database. */
#include <stddef.h>

#include <sqlite3.h>

#include "store.h"

#include "store_sqlite.h"

/* Version 1: the tables as first released (created when missing). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS accounts("
    " id INTEGER PRIMARY KEY, thumbprint TEXT UNIQUE NOT NULL,"
    " jwk TEXT NOT NULL, contact TEXT, agreement TEXT, initial_ip TEXT,"
    " created_at INTEGER, status TEXT, v2_key_pem TEXT NOT NULL,"
    " v2_account_url TEXT);"
    "CREATE TABLE IF NOT EXISTS authzs("
    " id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id),"
    " name TEXT, status TEXT, expires INTEGER, token TEXT,"
    " v2_order_url TEXT, v2_authz_url TEXT, v2_chall_url TEXT, error TEXT,"
    " key_authorization TEXT, created_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS authzs_account_name"
    " ON authzs(account_id, name);"
    "CREATE TABLE IF NOT EXISTS http01("
    " token TEXT PRIMARY KEY, keyauth TEXT, expires INTEGER);"
    "CREATE TABLE IF NOT EXISTS certs("
    " id INTEGER PRIMARY KEY, account_id INTEGER, serial TEXT UNIQUE,"
    " der BLOB, chain_pem TEXT, issuer_id TEXT, not_after INTEGER,"
    " created_at INTEGER, v2_cert_url TEXT, revoked INTEGER DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS issuers("
    " id TEXT PRIMARY KEY, der BLOB, up_id TEXT);";

/* Version 2: account modes (per-client, shared, imported), the shared
 * groups, and "not before" times after a rateLimited account creation. */
static const char migrate2[] =
    "ALTER TABLE accounts ADD COLUMN mode TEXT DEFAULT 'per-client';"
    "ALTER TABLE accounts ADD COLUMN group_name TEXT;"
    "ALTER TABLE accounts ADD COLUMN not_before INTEGER DEFAULT 0;"
    "CREATE TABLE groups("
    " name TEXT PRIMARY KEY, v2_key_pem TEXT NOT NULL, v2_account_url TEXT,"
    " not_before INTEGER DEFAULT 0, created_at INTEGER);"
    "PRAGMA user_version = 2;";

/* Version 3: the client inventory (inventory.h): one row per v1 account
 * seen, its addresses and requested names, v1 traffic per hour and the
 * newest failures. Accounts, authorizations and certificates from before
 * the upgrade seed it (first and last seen from their creation times,
 * the address they registered from, the names they were authorized for),
 * so hosts that were already there appear in the report. */
static const char migrate3[] =
    "CREATE TABLE clients("
    " account_id INTEGER PRIMARY KEY, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, user_agent TEXT, family TEXT,"
    " version TEXT, last_error TEXT, last_error_at INTEGER DEFAULT 0,"
    " requests INTEGER DEFAULT 0, issued INTEGER DEFAULT 0);"
    "CREATE INDEX clients_last_seen ON clients(last_seen);"
    "CREATE TABLE client_addrs("
    " account_id INTEGER NOT NULL, addr TEXT NOT NULL, last_seen INTEGER,"
    " PRIMARY KEY(account_id, addr));"
    "CREATE TABLE client_names("
    " account_id INTEGER NOT NULL, name TEXT NOT NULL, last_seen INTEGER,"
    " PRIMARY KEY(account_id, name));"
    "CREATE TABLE traffic("
    " hour INTEGER PRIMARY KEY, requests INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE failures("
    " id INTEGER PRIMARY KEY, at INTEGER, account_id INTEGER,"
    " resource TEXT, error_type TEXT, detail TEXT, addr TEXT);"
    "CREATE INDEX IF NOT EXISTS certs_account ON certs(account_id);"
    "INSERT INTO clients(account_id, first_seen, last_seen, family, version,"
    " issued)"
    " SELECT a.id, coalesce(a.created_at, 0), max(coalesce(a.created_at, 0),"
    "  coalesce((SELECT max(created_at) FROM authzs"
    "   WHERE account_id = a.id), 0),"
    "  coalesce((SELECT max(created_at) FROM certs"
    "   WHERE account_id = a.id), 0)), '', '',"
    "  (SELECT count(*) FROM certs WHERE account_id = a.id)"
    " FROM accounts a;"
    "INSERT INTO client_addrs(account_id, addr, last_seen)"
    " SELECT id, initial_ip, coalesce(created_at, 0) FROM accounts"
    " WHERE initial_ip IS NOT NULL AND initial_ip != '';"
    "INSERT INTO client_names(account_id, name, last_seen)"
    " SELECT account_id, name, max(coalesce(created_at, 0)) FROM authzs"
    " WHERE account_id IS NOT NULL AND name IS NOT NULL"
    " GROUP BY account_id, name;"
    "PRAGMA user_version = 3;";

/* Version 4: each authorization's random public id, the id of its v1
 * URLs (issue 8: sequential ids let anyone walk every account's
 * authorizations). Rows from before get a fresh random id (fill_public_ids)
 * and numeric_url = 1: a client that kept their numeric URL still finds
 * them, while rows created later resolve by their public id only. */
static const char migrate4[] =
    "ALTER TABLE authzs ADD COLUMN public_id TEXT;"
    "ALTER TABLE authzs ADD COLUMN numeric_url INTEGER NOT NULL DEFAULT 0;"
    "UPDATE authzs SET numeric_url = 1;"
    "CREATE UNIQUE INDEX authzs_public_id ON authzs(public_id);";

/* Give every authorization without one a random public id (RAND_bytes,
 * as for new rows: store_public_id), one row at a time. 0 or -1. */
static int
fill_public_ids(sqlite3 *db)
{
	static const char sql[] =
	    "UPDATE authzs SET public_id = ?1 WHERE id = "
	    "(SELECT min(id) FROM authzs WHERE public_id IS NULL)";
	sqlite3_stmt *st = NULL;
	char pid[AUTHZ_PUBLIC_ID_LEN + 1];
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (;;) {
		if (store_public_id(pid) == -1 ||
		    sqlite3_bind_text(st, 1, pid, -1, SQLITE_TRANSIENT) !=
			SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE)
			goto out;
		if (sqlite3_changes(db) == 0)
			break;
		sqlite3_reset(st);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
migrate_to_4(sqlite3 *db)
{
	if (sqlite3_exec(db, migrate4, NULL, NULL, NULL) != SQLITE_OK ||
	    fill_public_ids(db) == -1 ||
	    sqlite3_exec(db, "PRAGMA user_version = 4", NULL, NULL, NULL) !=
		SQLITE_OK)
		return -1;
	return 0;
}

/* Version 5: several upstreams (issue 9 item 1). accounts and groups are
 * rebuilt (SQLite cannot change a UNIQUE or PRIMARY KEY in place) with an
 * upstream column, the path prefix of their CA ("" the root: every older
 * row is the root's, the one upstream there was), a thumbprint unique per
 * upstream and a group name per upstream; failures name the upstream of
 * the request. Ids are kept, so authzs, certs and the inventory still
 * point at their accounts. sq_setup runs this with foreign keys off, as
 * SQLite's table rebuild requires. */
static const char migrate5[] =
    "CREATE TABLE accounts5("
    " id INTEGER PRIMARY KEY, upstream TEXT NOT NULL DEFAULT '',"
    " thumbprint TEXT NOT NULL, jwk TEXT NOT NULL, contact TEXT,"
    " agreement TEXT, initial_ip TEXT, created_at INTEGER, status TEXT,"
    " v2_key_pem TEXT NOT NULL, v2_account_url TEXT,"
    " mode TEXT DEFAULT 'per-client', group_name TEXT,"
    " not_before INTEGER DEFAULT 0, UNIQUE(upstream, thumbprint));"
    "INSERT INTO accounts5(id, thumbprint, jwk, contact, agreement,"
    " initial_ip, created_at, status, v2_key_pem, v2_account_url, mode,"
    " group_name, not_before)"
    " SELECT id, thumbprint, jwk, contact, agreement, initial_ip,"
    " created_at, status, v2_key_pem, v2_account_url, mode, group_name,"
    " not_before FROM accounts;"
    "DROP TABLE accounts;"
    "ALTER TABLE accounts5 RENAME TO accounts;"
    "CREATE TABLE groups5("
    " upstream TEXT NOT NULL DEFAULT '', name TEXT NOT NULL,"
    " v2_key_pem TEXT NOT NULL, v2_account_url TEXT,"
    " not_before INTEGER DEFAULT 0, created_at INTEGER,"
    " PRIMARY KEY(upstream, name));"
    "INSERT INTO groups5(name, v2_key_pem, v2_account_url, not_before,"
    " created_at) SELECT name, v2_key_pem, v2_account_url, not_before,"
    " created_at FROM groups;"
    "DROP TABLE groups;"
    "ALTER TABLE groups5 RENAME TO groups;"
    "ALTER TABLE failures ADD COLUMN upstream TEXT NOT NULL DEFAULT '';"
    "PRAGMA user_version = 5;";

/* Version 6 (issue 10 item 2): an authorization made by new-authz keeps its
 * order's finalize URL, so that a new-cert for exactly its name finalizes
 * that order instead of opening another. NULL for older rows (they take a
 * new order, as before) and once a certificate used it. */
static const char migrate6[] =
    "ALTER TABLE authzs ADD COLUMN v2_finalize_url TEXT;"
    "PRAGMA user_version = 6;";

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*v = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* The connection's settings: wait for a lock held by another process (a
 * report while the server runs) instead of failing at once; WAL, so that
 * readers do not block the writer; synchronous=FULL, so that a commit is
 * on disk before the client is told about it (a v2 key behind a 201 must
 * survive a power loss; NORMAL could drop the last commits; the inventory
 * relaxes it for its own writes, store_sqlite_inventory.c); foreign keys
 * off until sq_setup has the schema current. */
static int
pragmas(sqlite3 *db)
{
	static const char *const sql[] = {
		"PRAGMA journal_mode=WAL",
		"PRAGMA synchronous=FULL",
		/* on once the schema is current (sq_setup) */
		"PRAGMA foreign_keys=OFF",
	};
	size_t i;

	if (sqlite3_busy_timeout(db, 5000) != SQLITE_OK)
		return -1;
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (sqlite3_exec(db, sql[i], NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	return 0;
}

/* Pragmas and schema; -1 with err set. */
int
sq_setup(sqlite3 *db, char *err, size_t errlen)
{
	int v = 0;

	if (pragmas(db) == -1 ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (user_version(db, &v) == -1)
		goto rollback;
	if (v > STORE_SCHEMA_VERSION) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sq_seterr(err, errlen, "store_open_sqlite",
		    "database schema is "
		    "newer than this program");
		return -1;
	}
	/* Version 0 is a new file: create version 1, then upgrade. Each
	 * step runs in this one transaction: all or nothing. */
	if (v < 1 &&
	    (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
		sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL) !=
		    SQLITE_OK))
		goto rollback;
	if (v < 2 && sqlite3_exec(db, migrate2, NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	if (v < 3 && sqlite3_exec(db, migrate3, NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	if (v < 4 && migrate_to_4(db) == -1)
		goto rollback;
	if (v < 5 && sqlite3_exec(db, migrate5, NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	if (v < 6 && sqlite3_exec(db, migrate6, NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	/* authzs.account_id checked from here on */
	if (sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto fail;
	return 0;
rollback:
	sq_seterr(err, errlen, "store_open_sqlite", sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
fail:
	sq_seterr(err, errlen, "store_open_sqlite", sqlite3_errmsg(db));
	return -1;
}
