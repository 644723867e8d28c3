/* test_inventory.c: the client inventory (translate/observe/inventory.h,
 * proxy/store/store_inventory.h) on an in-memory SQLite store, User-Agent
 * parsing, and the schema upgrade to 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_inventory.h"
#include "store.h"
#include "t.h"
#include "old_schema.h"
#include "suite_inventory.h"

/* ---- User-Agent parsing ---- */

static void
test_ua(void)
{
	static const struct {
		const char *ua, *family, *version;
	} cases[] = {
		{ "dehydrated/0.7.0 curl/7.88.1", "dehydrated", "0.7.0" },
		{ "dehydrated/0.6.2 curl/7.58.0", "dehydrated", "0.6.2" },
		{ "CertbotACMEClient/0.31.0 (certbot; Ubuntu 18.04) "
		    "Authenticator/webroot Installer/None (certonly; flags: "
		    "--webroot -d a.example) Py/3.6.9", "certbot", "0.31.0" },
		{ "CertbotACMEClient/0.40.0 (certbot(-auto); darwin 10.14) "
		    "Authenticator/standalone Installer/None Py/3.7.4",
		    "certbot", "0.40.0" },
		{ "LetsEncryptPythonClient/0.5.0 (Ubuntu 14.04)", "certbot",
		    "0.5.0" },
		{ "acme.sh/2.8.5 (https://github.com/acmesh-official/acme.sh)",
		    "acme.sh", "2.8.5" },
		{ "xenolf-acme/1.2.1 (release; linux; amd64)", "lego", "1.2.1" },
		{ "Go-http-client/1.1 (linux; amd64) xenolf-acme", "lego", "" },
		{ "lego-cli/v1.2.1 xenolf-acme/1.2.1 (release; linux; amd64)",
		    "lego", "1.2.1" },
		{ "Caddy/0.10.11 xenolf-acme/1.0 (linux; amd64)", "Caddy",
		    "0.10.11" },
		{ "Go-http-client/1.1", "Go-http-client", "1.1" },
		{ "curl/7.88.1", "curl", "7.88.1" },
		{ "python-requests/2.22.0", "python-requests", "2.22.0" },
		{ "acme-python", "acme-python", "" },
		{ "node-acme-client/4.2.5 (https://github.com/publishlab/"
		    "node-acme-client)", "acme-client", "4.2.5" },
		{ "MyTool/1.2.3", "MyTool", "1.2.3" },
		{ "(compat) Thing/2.0b1 more", "Thing", "2.0b1" },
		{ "Tool/v3.4", "Tool", "3.4" },
		{ "Authenticator/webroot", "", "" },
		{ "something", "", "" },
		{ "", "", "" },
		{ "  \t", "", "" },
		{ "((((", "", "" },
		{ "Bad\x01Name/1.0", "Name", "1.0" },
	};
	struct ua_info u;
	char longua[600];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		inventory_ua_parse(cases[i].ua, &u);
		CHECK_STR(u.family, cases[i].family);
		CHECK_STR(u.version, cases[i].version);
		if (strcmp(u.family, cases[i].family) != 0 ||
		    strcmp(u.version, cases[i].version) != 0)
			fprintf(stderr, "  (case %zu: \"%s\")\n", i, cases[i].ua);
	}
	inventory_ua_parse(NULL, &u);
	CHECK_STR(u.family, "");
	/* long names and versions are cut to the struct's sizes */
	memset(longua, 'a', 100);
	longua[100] = '/';
	memset(longua + 101, '1', 100);
	longua[201] = '\0';
	inventory_ua_parse(longua, &u);
	CHECK(strlen(u.family) == sizeof(u.family) - 1);
	CHECK(strlen(u.version) == sizeof(u.version) - 1);
}

static void
test_identify(void)
{
	struct ua_info u;

	/* acme-client 1.0.0 sends no User-Agent; its POSTs are JSON */
	inventory_client_identify("", "application/json", &u);
	CHECK_STR(u.family, "acme-client");
	CHECK_STR(u.version, "1.0.0");
	inventory_client_identify(NULL, "application/json; charset=utf-8", &u);
	CHECK_STR(u.family, "acme-client");
	inventory_client_identify("", "application/jose+json", &u);
	CHECK_STR(u.family, "");
	inventory_client_identify("", "application/jsonx", &u);
	CHECK_STR(u.family, "");
	inventory_client_identify("", NULL, &u);
	CHECK_STR(u.family, "");
	/* a User-Agent wins, even an unrecognisable one */
	inventory_client_identify("dehydrated/0.7.0 curl/7.88.1",
	    "application/json", &u);
	CHECK_STR(u.family, "dehydrated");
	inventory_client_identify("something", "application/json", &u);
	CHECK_STR(u.family, "");
}

/* ---- the store ---- */

/* A store error is a test failure's explanation: shown, not checked. */
static void
show_log(void *arg, const char *fn, const char *msg)
{
	(void)arg;
	fprintf(stderr, "store log: %s: %s\n", fn, msg);
}

static struct store *
open_db(const char *path, char *err, size_t errlen)
{
	if (store_file_prepare(path, err, errlen) == -1)
		return NULL;
	return store_open_sqlite(path, show_log, NULL, err, errlen);
}


static struct store *
open_memory(void)
{
	char err[256] = "";

	return open_db(":memory:", err, sizeof(err));
}

/* The suites every implementation passes (suite_inventory.h), on SQLite. */
static void
test_memory(void)
{
	suite_inventory(open_memory);
}

/* ---- upgrade of version 1 and 2 files ---- */

static char dbpath[64];

static void
rmdb(void)
{
	char buf[80];

	unlink(dbpath);
	snprintf(buf, sizeof(buf), "%s-wal", dbpath);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s-shm", dbpath);
	unlink(buf);
}

static const char v1_schema[] =
	OLD_SCHEMA_V1_TABLES
	"INSERT INTO accounts VALUES(1, 'tp-old', '{}', NULL, NULL,"
	" '192.0.2.9', 1600000000, 'valid', 'pem', NULL);"
	"INSERT INTO accounts VALUES(2, 'tp-quiet', '{}', NULL, NULL,"
	" NULL, 1600000500, 'valid', 'pem', NULL);"
	"INSERT INTO authzs VALUES(1, 1, 'old.example', 'valid', 9999999999,"
	" 'tok', NULL, NULL, NULL, NULL, NULL, 1600000100);"
	"INSERT INTO authzs VALUES(2, 1, 'old.example', 'valid', 9999999999,"
	" 'tok2', NULL, NULL, NULL, NULL, NULL, 1600000200);"
	"INSERT INTO authzs VALUES(3, 1, 'www.old.example', 'valid', 9999999999,"
	" 'tok3', NULL, NULL, NULL, NULL, NULL, 1600000200);"
	"INSERT INTO certs VALUES(1, 1, '0abc', x'00', NULL, '', 9999999999,"
	" 1600000300, NULL, 0);"
	"PRAGMA user_version = 1;";

/* The version 2 upgrade as that program ran it. */
static const char v2_upgrade[] =
	"ALTER TABLE accounts ADD COLUMN mode TEXT DEFAULT 'per-client';"
	"ALTER TABLE accounts ADD COLUMN group_name TEXT;"
	"ALTER TABLE accounts ADD COLUMN not_before INTEGER DEFAULT 0;"
	"CREATE TABLE groups("
	" name TEXT PRIMARY KEY, v2_key_pem TEXT NOT NULL, v2_account_url TEXT,"
	" not_before INTEGER DEFAULT 0, created_at INTEGER);"
	"PRAGMA user_version = 2;";

static int
raw_exec(const char *sql)
{
	return old_schema_exec(dbpath, sql);
}

/* A file of version `from` opens as version 3 with the inventory seeded
 * from its accounts, authorizations and certificates. */
static void
test_upgrade(int from)
{
	struct store *s;
	struct inventory_list l;
	struct store_account a;
	char err[256] = "";
	int fd;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_inventory.XXXXXX");
	fd = mkstemp(dbpath);
	CHECK(fd != -1);
	if (fd == -1)
		return;
	close(fd);
	unlink(dbpath);
	CHECK(raw_exec(v1_schema) == 1);
	if (from == 2)
		CHECK(raw_exec(v2_upgrade) == 2);
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		goto out;
	}
	CHECK(inventory_list(s, 0, T_NOW, &l) == 0);
	CHECK(l.n == 2);
	if (l.n == 2) {
		CHECK(l.rows[0].account_id == 2);
		CHECK(l.rows[0].first_seen == 1600000500);
		CHECK(l.rows[0].last_seen == 1600000500);
		CHECK_STR(l.rows[0].addresses, "");
		CHECK(l.rows[0].certs == 0);
		/* last seen: its newest authorization or certificate */
		CHECK(l.rows[1].account_id == 1);
		CHECK(l.rows[1].first_seen == 1600000000);
		CHECK(l.rows[1].last_seen == 1600000300);
		CHECK_STR(l.rows[1].addresses, "192.0.2.9");
		CHECK_STR(l.rows[1].names, "old.example,www.old.example");
		CHECK_STR(l.rows[1].family, "");
		CHECK(l.rows[1].certs == 1);
		/* every older account is the root's (schema 5) */
		CHECK_STR(l.rows[1].upstream, "");
	}
	inventory_list_free(&l);
	/* the old data is intact, and the upgraded file records */
	CHECK(store_account_by_id(s, 1, &a) == 0);
	CHECK_STR(a.thumbprint, "tp-old");
	store_account_clear(&a);
	CHECK(seen(s, 2, "127.0.0.1", "dehydrated/0.7.0 curl/7.88.1",
	    "q.example", 201, NULL, 1700000000) == 0);
	CHECK(inventory_count(s, 0, 1700000000) == 0);
	store_close(s);
	CHECK(raw_exec(NULL) == STORE_SCHEMA_VERSION);

	/* opened again: nothing seeded twice, the new row kept */
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(inventory_list(s, 0, T_NOW, &l) == 0);
		CHECK(l.n == 2);
		if (l.n == 2) {
			CHECK(l.rows[0].account_id == 2);
			CHECK_STR(l.rows[0].family, "dehydrated");
			CHECK_STR(l.rows[0].names, "q.example");
		}
		inventory_list_free(&l);
		store_close(s);
	}
	/* a newer file is refused and left alone */
	CHECK(raw_exec("PRAGMA user_version = 99") == 99);
	CHECK(open_db(dbpath, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "newer") != NULL);
	CHECK(raw_exec(NULL) == 99);
out:
	rmdb();
}

/* A version 2 file that cannot be upgraded (a clients table of its own)
 * is left exactly as it was. */
static void
test_upgrade_fails_cleanly(void)
{
	char err[256] = "";
	int fd;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_inventory.XXXXXX");
	fd = mkstemp(dbpath);
	CHECK(fd != -1);
	if (fd == -1)
		return;
	close(fd);
	unlink(dbpath);
	CHECK(raw_exec(v1_schema) == 1);
	CHECK(raw_exec(v2_upgrade) == 2);
	CHECK(raw_exec("CREATE TABLE clients(x)") == 2);
	CHECK(open_db(dbpath, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
	CHECK(raw_exec(NULL) == 2);
	CHECK(raw_exec("SELECT 1 FROM traffic") == -1);	/* no table */
	rmdb();
}

int
main(void)
{
	test_ua();
	test_identify();
	test_memory();
	test_upgrade(1);
	test_upgrade(2);
	test_upgrade_fails_cleanly();
	return T_DONE();
}
