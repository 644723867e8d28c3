/* old_schema.h: for the store upgrade tests (test_store.c,
 * test_inventory.c): the tables exactly as version 1 of the program created
 * them, and a way to run SQL on a database file behind the store's back. */
#ifndef OLD_SCHEMA_H
#define OLD_SCHEMA_H

#include <sqlite3.h>

#define OLD_SCHEMA_V1_TABLES \
	"CREATE TABLE accounts(" \
	" id INTEGER PRIMARY KEY, thumbprint TEXT UNIQUE NOT NULL," \
	" jwk TEXT NOT NULL, contact TEXT, agreement TEXT, initial_ip TEXT," \
	" created_at INTEGER, status TEXT, v2_key_pem TEXT NOT NULL," \
	" v2_account_url TEXT);" \
	"CREATE TABLE authzs(" \
	" id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id)," \
	" name TEXT, status TEXT, expires INTEGER, token TEXT," \
	" v2_order_url TEXT, v2_authz_url TEXT, v2_chall_url TEXT, error TEXT," \
	" key_authorization TEXT, created_at INTEGER);" \
	"CREATE INDEX authzs_account_name ON authzs(account_id, name);" \
	"CREATE TABLE http01(token TEXT PRIMARY KEY, keyauth TEXT, expires INTEGER);" \
	"CREATE TABLE certs(" \
	" id INTEGER PRIMARY KEY, account_id INTEGER, serial TEXT UNIQUE," \
	" der BLOB, chain_pem TEXT, issuer_id TEXT, not_after INTEGER," \
	" created_at INTEGER, v2_cert_url TEXT, revoked INTEGER DEFAULT 0);" \
	"CREATE TABLE issuers(id TEXT PRIMARY KEY, der BLOB, up_id TEXT);"

/* Run sql (may be NULL) on the database file at path directly; returns its
 * user_version afterwards, or -1 when anything failed. */
static int
old_schema_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		goto out;
	if (sql != NULL && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

#endif
