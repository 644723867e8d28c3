/* test_store.c: the store interface (store.h) and its SQLite
 * implementation: every operation and the schema upgrades. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "t.h"
#include "old_schema.h"

static char dbpath[64];

/* What the store reported through its log callback. */
static int nlogged;
static char logged[512];

static void
test_log(void *arg, const char *fn, const char *msg)
{
	int *n = arg;

	(*n)++;
	snprintf(logged, sizeof(logged), "%s: %s", fn, msg);
}

/* As the bridge opens its state: prepare the file, then open it. */
static struct store *
open_db(const char *path, char *err, size_t errlen)
{
	if (store_file_prepare(path, err, errlen) == -1)
		return NULL;
	return store_open_sqlite(path, test_log, &nlogged, err, errlen);
}

static void
tmpname(void)
{
	int fd;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_store.XXXXXX");
	fd = mkstemp(dbpath);
	CHECK(fd != -1);
	if (fd != -1)
		close(fd);
	unlink(dbpath);
}

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

static void
fill_account(struct store_account *a, const char *tp)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->thumbprint, sizeof(a->thumbprint), "%s", tp);
	a->jwk = strdup("{\"kty\":\"EC\"}");
	a->contact = strdup("[\"mailto:a@example.org\"]");
	a->agreement = NULL;
	snprintf(a->initial_ip, sizeof(a->initial_ip), "192.0.2.1");
	a->created_at = 1700000000;
	a->status = ACCOUNT_VALID;
	a->v2_key_pem = strdup("-----BEGIN PRIVATE KEY-----\nx\n");
	a->v2_account_url = strdup("https://ca.example/acct/1");
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
account_eq(const struct store_account *a, const struct store_account *b)
{
	return a->id == b->id && strcmp(a->thumbprint, b->thumbprint) == 0 &&
	    streq(a->jwk, b->jwk) && streq(a->contact, b->contact) &&
	    streq(a->agreement, b->agreement) &&
	    strcmp(a->initial_ip, b->initial_ip) == 0 &&
	    a->created_at == b->created_at &&
	    a->status == b->status &&
	    streq(a->v2_key_pem, b->v2_key_pem) &&
	    streq(a->v2_account_url, b->v2_account_url) &&
	    a->mode == b->mode &&
	    strcmp(a->group_name, b->group_name) == 0 &&
	    a->not_before == b->not_before;
}

static void
test_file_accounts(void)
{
	struct store *s;
	struct store_account a, b, c;
	struct stat sb;
	char err[256] = "", buf[80];
	mode_t old;

	tmpname();
	old = umask(0);		/* the mode must not depend on the umask */
	s = open_db(dbpath, err, sizeof(err));
	umask(old);
	CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		return;
	}
	CHECK(stat(dbpath, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	snprintf(buf, sizeof(buf), "%s-wal", dbpath);
	CHECK(stat(buf, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	snprintf(buf, sizeof(buf), "%s-shm", dbpath);
	CHECK(stat(buf, &sb) == 0 && (sb.st_mode & 0777) == 0600);

	fill_account(&a, "tp-one");
	CHECK(store_account_insert(s, &a) == 0);
	CHECK(a.id == 1);
	fill_account(&b, "tp-one");
	CHECK(store_account_insert(s, &b) == -1);	/* unique thumbprint */
	store_account_clear(&b);
	fill_account(&b, "tp-two");
	CHECK(store_account_insert(s, &b) == 0);
	CHECK(b.id == 2);
	store_close(s);

	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		goto out;
	CHECK(stat(dbpath, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	CHECK(store_account_by_thumbprint(s, "tp-one", &c) == 0);
	CHECK(account_eq(&a, &c));
	CHECK(c.agreement == NULL);
	store_account_clear(&c);
	CHECK(store_account_by_id(s, 1, &c) == 0);
	CHECK(account_eq(&a, &c));
	store_account_clear(&c);
	store_account_clear(&c);	/* twice is safe */
	CHECK(store_account_by_id(s, 2, &c) == 0);
	CHECK(account_eq(&b, &c));
	store_account_clear(&c);
	CHECK(store_account_by_id(s, 99, &c) == 1);
	CHECK(store_account_by_thumbprint(s, "nope", &c) == 1);

	/* update: agreement, status, new thumbprint (key change) */
	free(a.agreement);
	a.agreement = strdup("https://bridge.example/terms");
	a.status = ACCOUNT_DEACTIVATED;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "tp-three");
	CHECK(store_account_update(s, &a) == 0);
	CHECK(store_account_by_thumbprint(s, "tp-one", &c) == 1);
	CHECK(store_account_by_thumbprint(s, "tp-three", &c) == 0);
	CHECK(account_eq(&a, &c));
	store_account_clear(&c);
	/* updating onto another account's thumbprint fails */
	snprintf(a.thumbprint, sizeof(a.thumbprint), "tp-two");
	CHECK(store_account_update(s, &a) == -1);
	c.id = 77;
	CHECK(store_account_update(s, &c) == -1);	/* no such row */

	/* transactions */
	CHECK(store_begin(s) == 0);
	store_account_clear(&c);
	fill_account(&c, "tp-rolled-back");
	CHECK(store_account_insert(s, &c) == 0);
	CHECK(store_rollback(s) == 0);
	store_account_clear(&c);
	CHECK(store_account_by_thumbprint(s, "tp-rolled-back", &c) == 1);
	CHECK(store_begin(s) == 0);
	fill_account(&c, "tp-committed");
	CHECK(store_account_insert(s, &c) == 0);
	CHECK(store_commit(s) == 0);
	store_account_clear(&c);
	CHECK(store_account_by_thumbprint(s, "tp-committed", &c) == 0);
	store_account_clear(&c);
	CHECK(store_commit(s) == -1);	/* no transaction */
	store_close(s);
out:
	store_account_clear(&a);
	store_account_clear(&b);
	rmdb();
}

static void
fill_authz(struct store_authz *z, long long acct, const char *name,
    const char *status, long long expires)
{
	memset(z, 0, sizeof(*z));
	z->account_id = acct;
	snprintf(z->name, sizeof(z->name), "%s", name);
	CHECK(authz_status_parse(status, &z->status) == 0);
	z->expires = expires;
	snprintf(z->token, sizeof(z->token), "tok-%s-%s", name, status);
	z->v2_order_url = strdup("https://ca.example/order/1");
	z->v2_authz_url = strdup("https://ca.example/authz/1");
	z->created_at = 1000;
}

static void
test_authz(struct store *s)
{
	struct store_account a1, a2;
	struct store_authz z, v1, v2, p, out;

	fill_account(&a1, "az-1");
	fill_account(&a2, "az-2");
	CHECK(store_account_insert(s, &a1) == 0);
	CHECK(store_account_insert(s, &a2) == 0);

	fill_authz(&z, 999, "x.example", "pending", 5000);
	CHECK(store_authz_insert(s, &z) == -1);	/* foreign key */
	store_authz_clear(&z);

	fill_authz(&v1, a1.id, "a.example", "valid", 5000);
	fill_authz(&v2, a1.id, "a.example", "valid", 6000);
	fill_authz(&p, a1.id, "a.example", "pending", 7000);
	CHECK(store_authz_insert(s, &v1) == 0);
	CHECK(store_authz_insert(s, &v2) == 0);
	CHECK(store_authz_insert(s, &p) == 0);
	CHECK(v1.id > 0 && v2.id > v1.id && p.id > v2.id);

	CHECK(store_authz_by_id(s, v1.id, &out) == 0);
	CHECK(out.account_id == a1.id);
	CHECK_STR(out.name, "a.example");
	CHECK_STR(out.token, "tok-a.example-valid");
	CHECK_STR(out.v2_order_url, "https://ca.example/order/1");
	CHECK(out.v2_chall_url == NULL && out.error == NULL);
	CHECK(out.expires == 5000 && out.created_at == 1000);
	store_authz_clear(&out);
	store_authz_clear(&out);
	CHECK(store_authz_by_id(s, 12345, &out) == 1);

	/* newest valid, not expired, of that account and name */
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 4000, &out) == 0);
	CHECK(out.id == v2.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 5500, &out) == 0);
	CHECK(out.id == v2.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 6000, &out) == 1);
	CHECK(store_authz_find_valid(s, a2.id, "a.example", 0, &out) == 1);
	CHECK(store_authz_find_valid(s, a1.id, "b.example", 0, &out) == 1);
	CHECK(store_authz_find_pending(s, a1.id, "a.example", 6500, &out) == 0);
	CHECK(out.id == p.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_pending(s, a1.id, "a.example", 7000, &out) == 1);

	/* update: v2 becomes invalid with an error, so v1 is the valid one */
	v2.status = AUTHZ_INVALID;
	v2.error = strdup("{\"type\":\"urn:acme:error:unauthorized\"}");
	v2.key_authorization = strdup("tok.thumb");
	v2.v2_chall_url = strdup("https://ca.example/chall/9");
	CHECK(store_authz_update(s, &v2) == 0);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 4000, &out) == 0);
	CHECK(out.id == v1.id);
	store_authz_clear(&out);
	CHECK(store_authz_by_id(s, v2.id, &out) == 0);
	CHECK_STR(authz_status_name(out.status), "invalid");
	CHECK_STR(out.error, "{\"type\":\"urn:acme:error:unauthorized\"}");
	CHECK_STR(out.key_authorization, "tok.thumb");
	CHECK_STR(out.v2_chall_url, "https://ca.example/chall/9");
	store_authz_clear(&out);
	/* pending -> valid */
	p.status = AUTHZ_VALID;
	CHECK(store_authz_update(s, &p) == 0);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 6500, &out) == 0);
	CHECK(out.id == p.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_pending(s, a1.id, "a.example", 0, &out) == 1);

	store_authz_clear(&v1);
	store_authz_clear(&v2);
	store_authz_clear(&p);
	store_account_clear(&a1);
	store_account_clear(&a2);
}

static void
test_http01(struct store *s)
{
	char *ka = NULL;

	CHECK(store_http01_get(s, "t1", 0, &ka) == 1);
	CHECK(ka == NULL);
	CHECK(store_http01_put(s, "t1", "t1.thumb", 100) == 0);
	CHECK(store_http01_put(s, "t2", "t2.thumb", 200) == 0);
	CHECK(store_http01_put(s, "t3", "t3.thumb", 300) == 0);
	CHECK(store_http01_get(s, "t1", 50, &ka) == 0);
	CHECK_STR(ka, "t1.thumb");
	free(ka);
	ka = NULL;
	CHECK(store_http01_get(s, "t1", 100, &ka) == 1);	/* expired */
	/* upsert */
	CHECK(store_http01_put(s, "t1", "t1.other", 400) == 0);
	CHECK(store_http01_get(s, "t1", 150, &ka) == 0);
	CHECK_STR(ka, "t1.other");
	free(ka);
	ka = NULL;
	CHECK(store_http01_expire(s, 250) == 1);	/* t2 */
	CHECK(store_http01_get(s, "t2", 0, &ka) == 1);
	CHECK(store_http01_get(s, "t3", 0, &ka) == 0);
	free(ka);
	ka = NULL;
	CHECK(store_http01_delete(s, "t3") == 0);
	CHECK(store_http01_get(s, "t3", 0, &ka) == 1);
	CHECK(store_http01_delete(s, "t3") == 0);
	CHECK(store_http01_expire(s, 1000) == 1);	/* t1 */
	CHECK(store_http01_expire(s, 1000) == 0);
	/* a token is a value, never SQL */
	CHECK(store_http01_put(s, "x'; DROP TABLE http01; --", "k", 10) == 0);
	CHECK(store_http01_get(s, "x'; DROP TABLE http01; --", 0, &ka) == 0);
	CHECK_STR(ka, "k");
	free(ka);
}

static void
test_certs(struct store *s)
{
	static const unsigned char der[] = {
		0x30, 0x82, 0x00, 0x00, 0xff, 0x00, 0x01, 0x80, 0x7f
	};
	static const unsigned char ider[] = { 0x30, 0x00, 0x00, 0x42 };
	struct store_cert c, out;
	unsigned char *got = NULL;
	size_t len = 0;
	char up[33];

	memset(&c, 0, sizeof(c));
	c.account_id = 1;
	snprintf(c.serial, sizeof(c.serial), "03a1b2c3d4");
	c.der = malloc(sizeof(der));
	memcpy(c.der, der, sizeof(der));
	c.der_len = sizeof(der);
	c.chain_pem = strdup("-----BEGIN CERTIFICATE-----\n");
	snprintf(c.issuer_id, sizeof(c.issuer_id), "0123456789abcdef0123456789abcdef");
	c.not_after = 1800000000;
	c.created_at = 1700000000;
	c.v2_cert_url = strdup("https://ca.example/cert/1");
	CHECK(store_cert_insert(s, &c) == 0);
	CHECK(c.id > 0);
	CHECK(store_cert_insert(s, &c) == -1);	/* unique serial */

	CHECK(store_cert_by_serial(s, "03a1b2c3d4", &out) == 0);
	CHECK(out.id == c.id && out.account_id == 1);
	CHECK(out.der_len == sizeof(der));
	CHECK(out.der != NULL && memcmp(out.der, der, sizeof(der)) == 0);
	CHECK_STR(out.chain_pem, c.chain_pem);
	CHECK_STR(out.issuer_id, c.issuer_id);
	CHECK_STR(out.v2_cert_url, c.v2_cert_url);
	CHECK(out.not_after == c.not_after && out.created_at == c.created_at);
	CHECK(out.revoked == 0);
	store_cert_clear(&out);
	CHECK(store_cert_set_revoked(s, c.id) == 0);
	CHECK(store_cert_by_serial(s, "03a1b2c3d4", &out) == 0);
	CHECK(out.revoked == 1);
	store_cert_clear(&out);
	store_cert_clear(&out);
	CHECK(store_cert_by_serial(s, "ffff", &out) == 1);
	CHECK(store_cert_set_revoked(s, 9999) == -1);
	store_cert_clear(&c);

	/* issuers */
	CHECK(store_issuer_get(s, "nope", &got, &len, up) == 1);
	CHECK(store_issuer_put(s, "aaaa", ider, sizeof(ider), "bbbb") == 0);
	CHECK(store_issuer_put(s, "bbbb", der, sizeof(der), "") == 0);
	CHECK(store_issuer_get(s, "aaaa", &got, &len, up) == 0);
	CHECK(len == sizeof(ider) && got != NULL &&
	    memcmp(got, ider, sizeof(ider)) == 0);
	CHECK_STR(up, "bbbb");
	free(got);
	got = NULL;
	CHECK(store_issuer_get(s, "bbbb", &got, &len, up) == 0);
	CHECK(len == sizeof(der) && memcmp(got, der, sizeof(der)) == 0);
	CHECK_STR(up, "");
	free(got);
	got = NULL;
	/* put again replaces up_id */
	CHECK(store_issuer_put(s, "aaaa", ider, sizeof(ider), NULL) == 0);
	CHECK(store_issuer_get(s, "aaaa", &got, &len, up) == 0);
	CHECK_STR(up, "");
	free(got);
}

static void
test_memory(void)
{
	struct store *s;
	char err[256] = "";

	s = open_db(":memory:", err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	test_authz(s);
	test_http01(s);
	test_certs(s);
	store_close(s);
	store_close(NULL);
}

static void
test_file_all(void)
{
	struct store *s;
	char err[256] = "";

	tmpname();
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	if (s != NULL) {
		test_authz(s);
		test_http01(s);
		test_certs(s);
		store_close(s);
	}
	rmdb();
}

/* An existing database file with a loose mode is tightened to 0600. */
static void
test_existing_mode(void)
{
	struct store *s;
	struct stat sb;
	char err[256] = "";
	int fd;

	tmpname();
	fd = open(dbpath, O_CREAT | O_RDWR, 0644);
	CHECK(fd != -1);
	if (fd != -1) {
		fchmod(fd, 0644);
		close(fd);
	}
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	CHECK(stat(dbpath, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	store_close(s);
	rmdb();
}

static void
test_open_fail(void)
{
	char err[256] = "";

	CHECK(open_db("/nonexistent-dir/x/y.db", err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
}

/* --- schema version 2: modes, groups, not_before, the v1 -> v2 upgrade --- */

/* The schema exactly as version 1 of the program created it. */
static const char v1_schema[] =
	OLD_SCHEMA_V1_TABLES
	"INSERT INTO accounts VALUES(1, 'tp-old', '{\"kty\":\"RSA\"}', NULL,"
	" 'https://bridge.example/terms', '192.0.2.9', 1600000000, 'valid',"
	" 'old-pem', 'https://ca.example/acct/old');"
	"INSERT INTO authzs VALUES(1, 1, 'old.example', 'valid', 9999999999,"
	" 'tok', NULL, NULL, NULL, NULL, NULL, 1600000000);"
	"PRAGMA user_version = 1;";

/* Run sql on the file at dbpath directly; returns user_version or -1. */
static int
raw_exec(const char *sql)
{
	return old_schema_exec(dbpath, sql);
}

static void
test_upgrade_v1(void)
{
	struct store *s;
	struct store_account a;
	struct store_authz z;
	struct store_group g;
	char err[256] = "";

	tmpname();
	CHECK(raw_exec(v1_schema) == 1);
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		goto out;
	}
	/* the old row, with the new columns' defaults */
	CHECK(store_account_by_id(s, 1, &a) == 0);
	CHECK_STR(a.thumbprint, "tp-old");
	CHECK_STR(a.agreement, "https://bridge.example/terms");
	CHECK_STR(a.v2_key_pem, "old-pem");
	CHECK_STR(a.v2_account_url, "https://ca.example/acct/old");
	CHECK_STR(account_mode_name(a.mode), "per-client");
	CHECK_STR(a.group_name, "");
	CHECK(a.not_before == 0);
	store_account_clear(&a);
	CHECK(store_authz_find_valid(s, 1, "old.example", 1000, &z) == 0);
	store_authz_clear(&z);
	/* the new statements work on the upgraded file */
	CHECK(store_account_set_mode(s, 1, ACCOUNT_SHARED, "fleet") == 0);
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "fleet");
	g.v2_key_pem = "group-pem";
	CHECK(store_group_insert(s, &g) == 0);
	CHECK(store_account_count_group(s, "fleet") == 1);
	store_close(s);
	CHECK(raw_exec(NULL) == STORE_SCHEMA_VERSION);

	/* opening a version 2 file again changes nothing */
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(store_account_by_id(s, 1, &a) == 0);
		CHECK_STR(account_mode_name(a.mode), "shared");
		CHECK_STR(a.group_name, "fleet");
		store_account_clear(&a);
		CHECK(store_group_get(s, "fleet", &g) == 0);
		CHECK_STR(g.v2_key_pem, "group-pem");
		store_group_clear(&g);
		store_close(s);
	}
	/* a newer schema is refused, and left alone */
	CHECK(raw_exec("PRAGMA user_version = 4") == 4);
	err[0] = '\0';
	CHECK(open_db(dbpath, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "newer") != NULL);
	CHECK(raw_exec(NULL) == 4);
out:
	rmdb();
}

/* A failed upgrade leaves the version 1 file as it was. */
static void
test_upgrade_fails_cleanly(void)
{
	char err[256] = "";

	tmpname();
	/* a v1 file that somehow already has a groups table: the upgrade
	 * fails halfway, and must roll back */
	CHECK(raw_exec(v1_schema) == 1);
	CHECK(raw_exec("CREATE TABLE groups(x)") == 1);
	CHECK(open_db(dbpath, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
	CHECK(raw_exec(NULL) == 1);
	CHECK(raw_exec("SELECT mode FROM accounts") == -1);	/* no column */
	rmdb();
}

static void
test_modes(struct store *s)
{
	struct store_account a, b;

	fill_account(&a, "mode-1");
	a.mode = ACCOUNT_IMPORTED;
	a.not_before = 42;
	CHECK(store_account_insert(s, &a) == 0);
	CHECK(store_account_by_id(s, a.id, &b) == 0);
	CHECK(account_eq(&a, &b));
	CHECK_STR(account_mode_name(b.mode), "imported");
	store_account_clear(&b);

	fill_account(&b, "mode-2");		/* mode "" -> per-client */
	CHECK(store_account_insert(s, &b) == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "mode-2", &b) == 0);
	CHECK_STR(account_mode_name(b.mode), "per-client");
	CHECK(b.not_before == 0);

	CHECK(store_account_set_mode(s, b.id, ACCOUNT_SHARED, "fleet-a") == 0);
	CHECK(store_account_set_upstream(s, b.id, NULL) == 0);
	CHECK(store_account_set_not_before(s, b.id, 1234) == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "mode-2", &b) == 0);
	CHECK_STR(account_mode_name(b.mode), "shared");
	CHECK_STR(b.group_name, "fleet-a");
	CHECK(b.v2_account_url == NULL);
	CHECK(b.not_before == 1234);
	CHECK(store_account_count_group(s, "fleet-a") == 1);
	CHECK(store_account_count_group(s, "fleet-b") == 0);
	/* store_account_update leaves the binding alone */
	CHECK(store_account_update(s, &b) == 0);
	CHECK(store_account_set_mode(s, b.id, ACCOUNT_PER_CLIENT, "") == 0);
	CHECK(store_account_set_upstream(s, b.id, "https://ca.example/a/9") == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "mode-2", &b) == 0);
	CHECK_STR(account_mode_name(b.mode), "per-client");
	CHECK_STR(b.group_name, "");
	CHECK_STR(b.v2_account_url, "https://ca.example/a/9");
	CHECK(store_account_count_group(s, "fleet-a") == 0);
	/* an older copy of the row (no URL yet) does not undo the setters */
	free(b.v2_account_url);
	b.v2_account_url = NULL;
	b.mode = ACCOUNT_IMPORTED;
	b.not_before = 0;
	free(b.contact);
	b.contact = strdup("[\"mailto:new@example.org\"]");
	CHECK(store_account_set_not_before(s, b.id, 99) == 0);
	CHECK(store_account_update(s, &b) == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "mode-2", &b) == 0);
	CHECK_STR(b.contact, "[\"mailto:new@example.org\"]");
	CHECK_STR(b.v2_account_url, "https://ca.example/a/9");
	CHECK_STR(account_mode_name(b.mode), "per-client");
	CHECK(b.not_before == 99);
	/* no such account */
	CHECK(store_account_set_mode(s, 9999, ACCOUNT_SHARED, "x") == -1);
	CHECK(store_account_set_upstream(s, 9999, "u") == -1);
	CHECK(store_account_set_not_before(s, 9999, 1) == -1);
	store_account_clear(&a);
	store_account_clear(&b);
}

static void
test_groups(struct store *s)
{
	struct store_group g, out;

	CHECK(store_group_get(s, "fleet-a", &out) == 1);
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "fleet-a");
	g.v2_key_pem = "pem-1";
	g.created_at = 77;
	CHECK(store_group_insert(s, &g) == 0);
	g.v2_key_pem = "pem-2";			/* exists: nothing changes */
	CHECK(store_group_insert(s, &g) == 1);
	CHECK(store_group_get(s, "fleet-a", &out) == 0);
	CHECK_STR(out.name, "fleet-a");
	CHECK_STR(out.v2_key_pem, "pem-1");
	CHECK(out.v2_account_url == NULL);
	CHECK(out.not_before == 0);
	CHECK(out.created_at == 77);
	store_group_clear(&out);
	store_group_clear(&out);		/* twice is safe */

	CHECK(store_group_set_upstream(s, "fleet-a", "https://ca.example/g") == 0);
	CHECK(store_group_set_not_before(s, "fleet-a", 5000) == 0);
	CHECK(store_group_get(s, "fleet-a", &out) == 0);
	CHECK_STR(out.v2_account_url, "https://ca.example/g");
	CHECK(out.not_before == 5000);
	store_group_clear(&out);
	CHECK(store_group_set_upstream(s, "nope", "u") == -1);
	CHECK(store_group_set_not_before(s, "nope", 1) == -1);
	g.v2_key_pem = NULL;			/* NOT NULL column */
	snprintf(g.name, sizeof(g.name), "fleet-b");
	CHECK(store_group_insert(s, &g) == -1);
	CHECK(store_group_get(s, "fleet-b", &out) == 1);
}

static void
test_authz_deactivate(struct store *s)
{
	struct store_account a, b;
	struct store_authz z, out;

	fill_account(&a, "deact-1");
	fill_account(&b, "deact-2");
	CHECK(store_account_insert(s, &a) == 0);
	CHECK(store_account_insert(s, &b) == 0);
	fill_authz(&z, a.id, "d1.example", "valid", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);
	fill_authz(&z, a.id, "d2.example", "pending", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);
	fill_authz(&z, a.id, "d3.example", "invalid", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);
	fill_authz(&z, b.id, "d1.example", "valid", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);

	CHECK(store_authz_deactivate_account(s, a.id) == 2);
	CHECK(store_authz_find_valid(s, a.id, "d1.example", 100, &out) == 1);
	CHECK(store_authz_find_pending(s, a.id, "d2.example", 100, &out) == 1);
	/* the other account's authorization is untouched */
	CHECK(store_authz_find_valid(s, b.id, "d1.example", 100, &out) == 0);
	store_authz_clear(&out);
	CHECK(store_authz_deactivate_account(s, a.id) == 0);
	store_account_clear(&a);
	store_account_clear(&b);
}

static void
test_memory_v2(void)
{
	struct store *s;
	char err[256] = "";

	s = open_db(":memory:", err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	test_modes(s);
	test_groups(s);
	test_authz_deactivate(s);
	store_close(s);
}

int
main(void)
{
	test_file_accounts();
	test_memory();
	test_file_all();
	test_existing_mode();
	test_open_fail();
	test_upgrade_v1();
	test_upgrade_fails_cleanly();
	test_memory_v2();
	return T_DONE();
}
