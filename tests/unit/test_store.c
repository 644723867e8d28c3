/* test_store.c: the store interface (store.h) and its SQLite
 * implementation: every operation, the schema upgrades, the state file's
 * preparation (store_file_prepare), errors through the log callback and
 * never on stderr, and dispatch through the operations table (a counting
 * wrapper around the SQLite store runs the same tests). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jwk.h"
#include "store.h"
#include "store_inventory.h"
#include "t.h"
#include "old_schema.h"
#include "suite_store.h"

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
	CHECK(store_account_by_thumbprint(s, "", "tp-one", &c) == 0);
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
	CHECK(store_account_by_thumbprint(s, "", "nope", &c) == 1);

	/* update: agreement, status, new thumbprint (key change) */
	free(a.agreement);
	a.agreement = strdup("https://bridge.example/terms");
	a.status = ACCOUNT_DEACTIVATED;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "tp-three");
	CHECK(store_account_update(s, &a) == 0);
	CHECK(store_account_by_thumbprint(s, "", "tp-one", &c) == 1);
	CHECK(store_account_by_thumbprint(s, "", "tp-three", &c) == 0);
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
	CHECK(store_account_by_thumbprint(s, "", "tp-rolled-back", &c) == 1);
	CHECK(store_begin(s) == 0);
	fill_account(&c, "tp-committed");
	CHECK(store_account_insert(s, &c) == 0);
	CHECK(store_commit(s) == 0);
	store_account_clear(&c);
	CHECK(store_account_by_thumbprint(s, "", "tp-committed", &c) == 0);
	store_account_clear(&c);
	CHECK(store_commit(s) == -1);	/* no transaction */
	store_close(s);
out:
	store_account_clear(&a);
	store_account_clear(&b);
	rmdb();
}


static struct store *
open_memory(void)
{
	char err[256] = "";

	return open_db(":memory:", err, sizeof(err));
}

/* The suites every implementation passes (suite_store.h), on SQLite. */
static void
test_memory(void)
{
	struct store *s;

	suite_store(open_memory);
	/* one process's store: no shared state (issue 11) */
	CHECK((s = open_memory()) != NULL);
	if (s == NULL)
		return;
	CHECK(store_shared(s) == 0);
	CHECK(store_nonce_use(s, "n", 100) == -1);
	CHECK(store_nonce_expire(s, 100) == 0);
	CHECK(store_lock_try(s, "x") == 0 && store_lock_try(s, "x") == 0);
	CHECK(store_unlock(s, "x") == 0);
	store_close(s);
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

/* In a child process (POSIX locks are per process): try the lock on path.
 * The exit status: 0 refused with a message naming path and want_pid, 1
 * refused otherwise, 2 taken. */
static int
lock_in_child(const char *path, long want_pid)
{
	char err[512] = "", pid[32];
	int fd, st;
	pid_t c = fork();

	if (c == 0) {
		if (store_file_lock(path, &fd, err, sizeof(err)) == 0)
			_exit(2);
		snprintf(pid, sizeof(pid), "(pid %ld;", want_pid);
		_exit(strstr(err, path) != NULL && strstr(err, pid) != NULL &&
			strstr(err, "in use by another acme-bridge") != NULL
			? 0
			: 1);
	}
	if (c == -1 || waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* issue 8 item 8: one server per state file. */
static void
test_file_lock(void)
{
	char err[256] = "", lock[96], buf[32];
	int fd = -2, fd2 = -2;

	CHECK(store_file_lock(":memory:", &fd, err, sizeof(err)) == 0 &&
	    fd == -1);
	tmpname();
	snprintf(lock, sizeof(lock), "%s.lock", dbpath);
	CHECK(store_file_prepare(dbpath, err, sizeof(err)) == 0);
	CHECK(store_file_lock(dbpath, &fd, err, sizeof(err)) == 0 && fd >= 0);
	/* the holder's pid is in the file (read through fd: closing any
	 * other descriptor of the file would drop this process's POSIX
	 * lock, which is why it is not the database's own file), and
	 * another process is refused with the file and that pid */
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, sizeof(buf) - 1, 0) > 0 &&
	    strtol(buf, NULL, 10) == (long)getpid());
	CHECK(lock_in_child(dbpath, (long)getpid()) == 0);
	/* released: the next process takes it */
	store_file_unlock(fd);
	CHECK(lock_in_child(dbpath, 0) == 2);
	/* a missing file (not prepared) is an error, not a lock */
	rmdb();
	CHECK(store_file_lock(dbpath, &fd2, err, sizeof(err)) == -1 &&
	    fd2 == -1);
	unlink(lock);
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
	"INSERT INTO authzs VALUES(2, 1, 'two.example', 'pending', 9999999999,"
	" 'tok2', NULL, NULL, NULL, NULL, NULL, 1600000000);"
	"PRAGMA user_version = 1;";

/* After the upgrade to schema 4: the old rows have random public ids of
 * their own and keep their numeric URLs; a row inserted afterwards has a
 * public id only, and an id larger than the old ones. */
static void
upgraded_authzs(struct store *s)
{
	struct store_authz z1, z2, n, out;

	memset(&n, 0, sizeof(n));
	CHECK(store_authz_by_id(s, 1, &z1) == 0);
	CHECK(store_authz_by_id(s, 2, &z2) == 0);
	CHECK(strlen(z1.public_id) == AUTHZ_PUBLIC_ID_LEN &&
	    strlen(z2.public_id) == AUTHZ_PUBLIC_ID_LEN);
	CHECK(strcmp(z1.public_id, z2.public_id) != 0);
	CHECK(z1.numeric_url == 1 && z2.numeric_url == 1);
	CHECK(store_authz_by_public_id(s, "", z2.public_id, &out) == 0);
	CHECK(out.id == 2 && out.numeric_url == 1);
	CHECK_STR(out.name, "two.example");
	store_authz_clear(&out);
	/* an update keeps both */
	CHECK(store_authz_update(s, &z2) == 0);
	CHECK(store_authz_by_public_id(s, "", z2.public_id, &out) == 0);
	CHECK(out.id == 2 && out.numeric_url == 1);
	store_authz_clear(&out);
	n.account_id = 1;
	snprintf(n.name, sizeof(n.name), "new.example");
	n.status = AUTHZ_PENDING;
	snprintf(n.public_id, sizeof(n.public_id), "ignored");
	n.numeric_url = 1;
	CHECK(store_authz_insert(s, &n) == 0);
	CHECK(n.id == 3 && n.numeric_url == 0);
	CHECK(strlen(n.public_id) == AUTHZ_PUBLIC_ID_LEN);
	CHECK(store_authz_by_id(s, 3, &out) == 0);
	CHECK(out.numeric_url == 0);
	CHECK_STR(out.public_id, n.public_id);
	store_authz_clear(&out);
	store_authz_clear(&z1);
	store_authz_clear(&z2);
	store_authz_clear(&n);
}

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
	upgraded_authzs(s);
	/* the new statements work on the upgraded file */
	CHECK(store_account_set_mode(s, 1, ACCOUNT_SHARED, "fleet") == 0);
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "fleet");
	g.v2_key_pem = "group-pem";
	CHECK(store_group_insert(s, &g) == 0);
	CHECK(store_account_count_group(s, "", "fleet") == 1);
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
		CHECK(store_group_get(s, "", "fleet", &g) == 0);
		CHECK_STR(g.v2_key_pem, "group-pem");
		store_group_clear(&g);
		store_close(s);
	}
	/* a newer schema is refused, and left alone */
	CHECK(raw_exec("PRAGMA user_version = 99") == 99);
	err[0] = '\0';
	CHECK(open_db(dbpath, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "newer") != NULL);
	CHECK(raw_exec(NULL) == 99);
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



/* --- dispatch: a wrapper implementation that counts and forwards --- */

enum cop {
	C_CLOSE, C_BEGIN, C_COMMIT, C_ROLLBACK,
	C_ACC_INSERT, C_ACC_UPDATE, C_ACC_MODE, C_ACC_UPSTREAM, C_ACC_NB,
	C_ACC_COUNT, C_ACC_BY_TP, C_ACC_BY_ID,
	C_G_GET, C_G_INSERT, C_G_UPSTREAM, C_G_NB,
	C_AZ_INSERT, C_AZ_UPDATE, C_AZ_BY_ID, C_AZ_BY_PID, C_AZ_FIND, C_AZ_DEACT,
	C_H_PUT, C_H_GET, C_H_DELETE, C_H_EXPIRE,
	C_C_INSERT, C_C_BY_SERIAL, C_C_REVOKED, C_I_PUT, C_I_GET,
	C_INV_RECORD, C_INV_COUNT, C_INV_ISSUED, C_INV_LIST, C_INV_TRAFFIC,
	C_INV_FAILURES, C_INV_VERSIONS, C_INV_SUMMARY,
	C_MAX
};

/* The wrapped store and what went through the table. */
struct counting {
	struct store *inner;
	const struct store_ops *ops;
	void *impl;
	int calls[C_MAX];
	/* the last inventory_record, copied */
	char ua[300], first_name[300], detail[300];
	size_t nnames;
	long long account_id, hour, keep_from;
	int failed;
	enum authz_status find_status;
};

static struct counting *
count(void *impl, enum cop op)
{
	struct counting *c = impl;

	c->calls[op]++;
	return c;
}

#define OPS(impl, op) (count((impl), (op))->ops)
#define IN(impl) (((struct counting *)(impl))->impl)

static void
c_close(void *impl)
{
	struct counting *c = count(impl, C_CLOSE);

	store_close(c->inner);
	c->inner = NULL;
}

static int
c_begin(void *impl)
{
	return OPS(impl, C_BEGIN)->begin(IN(impl));
}

static int
c_commit(void *impl)
{
	return OPS(impl, C_COMMIT)->commit(IN(impl));
}

static int
c_rollback(void *impl)
{
	return OPS(impl, C_ROLLBACK)->rollback(IN(impl));
}

static int
c_account_insert(void *impl, struct store_account *a)
{
	return OPS(impl, C_ACC_INSERT)->account_insert(IN(impl), a);
}

static int
c_account_update(void *impl, const struct store_account *a)
{
	return OPS(impl, C_ACC_UPDATE)->account_update(IN(impl), a);
}

static int
c_account_set_mode(void *impl, long long id, enum account_mode mode,
    const char *group)
{
	return OPS(impl, C_ACC_MODE)->account_set_mode(IN(impl), id, mode,
	    group);
}

static int
c_account_set_upstream(void *impl, long long id, const char *url)
{
	return OPS(impl, C_ACC_UPSTREAM)->account_set_upstream(IN(impl), id,
	    url);
}

static int
c_account_set_not_before(void *impl, long long id, long long nb)
{
	return OPS(impl, C_ACC_NB)->account_set_not_before(IN(impl), id, nb);
}

static long long
c_account_count_group(void *impl, const char *up, const char *name)
{
	return OPS(impl, C_ACC_COUNT)->account_count_group(IN(impl), up, name);
}

static int
c_account_by_thumbprint(
    void *impl, const char *up, const char *tp, struct store_account *out)
{
	return OPS(impl, C_ACC_BY_TP)->account_by_thumbprint(
	    IN(impl), up, tp, out);
}

static int
c_account_by_id(void *impl, long long id, struct store_account *out)
{
	return OPS(impl, C_ACC_BY_ID)->account_by_id(IN(impl), id, out);
}

static int
c_group_get(
    void *impl, const char *up, const char *name, struct store_group *out)
{
	return OPS(impl, C_G_GET)->group_get(IN(impl), up, name, out);
}

static int
c_group_insert(void *impl, const struct store_group *g)
{
	return OPS(impl, C_G_INSERT)->group_insert(IN(impl), g);
}

static int
c_group_set_upstream(
    void *impl, const char *up, const char *name, const char *url)
{
	return OPS(impl, C_G_UPSTREAM)->group_set_upstream(
	    IN(impl), up, name, url);
}

static int
c_group_set_not_before(
    void *impl, const char *up, const char *name, long long nb)
{
	return OPS(impl, C_G_NB)->group_set_not_before(
	    IN(impl), up, name, nb);
}

static int
c_authz_insert(void *impl, struct store_authz *z)
{
	return OPS(impl, C_AZ_INSERT)->authz_insert(IN(impl), z);
}

static int
c_authz_update(void *impl, const struct store_authz *z)
{
	return OPS(impl, C_AZ_UPDATE)->authz_update(IN(impl), z);
}

static int
c_authz_by_id(void *impl, long long id, struct store_authz *out)
{
	return OPS(impl, C_AZ_BY_ID)->authz_by_id(IN(impl), id, out);
}

static int
c_authz_by_public_id(
    void *impl, const char *up, const char *pid, struct store_authz *out)
{
	return OPS(impl, C_AZ_BY_PID)->authz_by_public_id(
	    IN(impl), up, pid, out);
}

static int
c_authz_find(void *impl, long long account_id, const char *name,
    enum authz_status status, long long now, struct store_authz *out)
{
	count(impl, C_AZ_FIND)->find_status = status;
	return ((struct counting *)impl)->ops->authz_find(IN(impl), account_id,
	    name, status, now, out);
}

static int
c_authz_deactivate_account(void *impl, long long account_id)
{
	return OPS(impl, C_AZ_DEACT)->authz_deactivate_account(IN(impl),
	    account_id);
}

static int
c_http01_put(void *impl, const char *token, const char *keyauth,
    long long expires)
{
	return OPS(impl, C_H_PUT)->http01_put(IN(impl), token, keyauth,
	    expires);
}

static int
c_http01_get(void *impl, const char *token, long long now, char **keyauth)
{
	return OPS(impl, C_H_GET)->http01_get(IN(impl), token, now, keyauth);
}

static int
c_http01_delete(void *impl, const char *token)
{
	return OPS(impl, C_H_DELETE)->http01_delete(IN(impl), token);
}

static int
c_http01_expire(void *impl, long long now)
{
	return OPS(impl, C_H_EXPIRE)->http01_expire(IN(impl), now);
}

static int
c_cert_insert(void *impl, struct store_cert *c)
{
	return OPS(impl, C_C_INSERT)->cert_insert(IN(impl), c);
}

static int
c_cert_by_serial(
    void *impl, const char *up, const char *serial, struct store_cert *out)
{
	return OPS(impl, C_C_BY_SERIAL)->cert_by_serial(
	    IN(impl), up, serial, out);
}

static int
c_cert_set_revoked(void *impl, long long id)
{
	return OPS(impl, C_C_REVOKED)->cert_set_revoked(IN(impl), id);
}

static int
c_issuer_put(void *impl, const char *id, const unsigned char *der,
    size_t len, const char *up_id)
{
	return OPS(impl, C_I_PUT)->issuer_put(IN(impl), id, der, len, up_id);
}

static int
c_issuer_get(void *impl, const char *id, unsigned char **der, size_t *len,
    char up_id[33])
{
	return OPS(impl, C_I_GET)->issuer_get(IN(impl), id, der, len, up_id);
}

static int
c_inventory_record(void *impl, const struct store_seen *v)
{
	struct counting *c = count(impl, C_INV_RECORD);

	c->account_id = v->account_id;
	c->failed = v->failed;
	c->nnames = v->nnames;
	snprintf(c->ua, sizeof(c->ua), "%s", v->user_agent);
	snprintf(c->first_name, sizeof(c->first_name), "%s",
	    v->nnames > 0 ? v->names[0] : "");
	snprintf(c->detail, sizeof(c->detail), "%s",
	    v->failed ? v->detail : "");
	return c->ops->inventory_record(c->impl, v);
}

static int
c_inventory_count(void *impl, long long hour, long long requests,
    long long failed, long long keep)
{
	struct counting *c = count(impl, C_INV_COUNT);

	c->hour = hour;
	c->keep_from = keep;
	return c->ops->inventory_count(c->impl, hour, requests, failed, keep);
}

static int
c_inventory_issued(void *impl, long long account_id, long long now)
{
	return OPS(impl, C_INV_ISSUED)->inventory_issued(IN(impl), account_id,
	    now);
}

static int
c_inventory_list(void *impl, long long since, long long now,
    struct inventory_list *out)
{
	return OPS(impl, C_INV_LIST)->inventory_list(IN(impl), since, now, out);
}

static int
c_inventory_traffic(void *impl, long long from, long long to,
    void (*cb)(void *, long long, long long, long long), void *arg)
{
	return OPS(impl, C_INV_TRAFFIC)->inventory_traffic(IN(impl), from, to,
	    cb, arg);
}

static int
c_inventory_failures(void *impl, size_t max, struct inventory_failure *out,
    size_t *n)
{
	return OPS(impl, C_INV_FAILURES)->inventory_failures(IN(impl), max, out,
	    n);
}

static int
c_inventory_versions(void *impl, void (*cb)(void *, const char *,
    const char *, long long), void *arg)
{
	return OPS(impl, C_INV_VERSIONS)->inventory_versions(IN(impl), cb, arg);
}

static int
c_inventory_summary(void *impl, long long since, long long now,
    long long within, struct inventory_summary *out)
{
	return OPS(impl, C_INV_SUMMARY)->inventory_summary(IN(impl), since, now,
	    within, out);
}

static const struct store_ops counting_ops = {
	.close = c_close, .begin = c_begin, .commit = c_commit,
	.rollback = c_rollback,
	.account_insert = c_account_insert,
	.account_update = c_account_update,
	.account_set_mode = c_account_set_mode,
	.account_set_upstream = c_account_set_upstream,
	.account_set_not_before = c_account_set_not_before,
	.account_count_group = c_account_count_group,
	.account_by_thumbprint = c_account_by_thumbprint,
	.account_by_id = c_account_by_id,
	.group_get = c_group_get, .group_insert = c_group_insert,
	.group_set_upstream = c_group_set_upstream,
	.group_set_not_before = c_group_set_not_before,
	.authz_insert = c_authz_insert, .authz_update = c_authz_update,
	.authz_by_id = c_authz_by_id,
	.authz_by_public_id = c_authz_by_public_id, .authz_find = c_authz_find,
	.authz_deactivate_account = c_authz_deactivate_account,
	.http01_put = c_http01_put, .http01_get = c_http01_get,
	.http01_delete = c_http01_delete, .http01_expire = c_http01_expire,
	.cert_insert = c_cert_insert, .cert_by_serial = c_cert_by_serial,
	.cert_set_revoked = c_cert_set_revoked,
	.issuer_put = c_issuer_put, .issuer_get = c_issuer_get,
	.inventory_record = c_inventory_record,
	.inventory_count = c_inventory_count,
	.inventory_issued = c_inventory_issued,
	.inventory_list = c_inventory_list,
	.inventory_traffic = c_inventory_traffic,
	.inventory_failures = c_inventory_failures,
	.inventory_versions = c_inventory_versions,
	.inventory_summary = c_inventory_summary,
};

static int
total(const struct counting *c)
{
	int i, n = 0;

	for (i = 0; i < C_MAX; i++)
		n += c->calls[i];
	return n;
}

static void
version_cb(void *arg, const char *family, const char *version, long long n)
{
	(void)family;
	(void)version;
	*(long long *)arg += n;
}

/* Every inventory function once through the wrapper, and what the generic
 * layer (store_inventory.c) hands the implementation: cleaned strings,
 * lower-cased names, aligned hours; and what it never hands on. */
static void
dispatch_inventory(struct store *s, struct counting *c)
{
	struct inventory_seen v;
	struct inventory_list l;
	struct inventory_failure *f = NULL;
	struct inventory_summary sum;
	long long counts[2], fails[2], nv = 0;
	size_t n = 0;

	memset(&v, 0, sizeof(v));
	v.account_id = 1;
	v.addr = "192.0.2.1";
	v.user_agent = "dehydrated/0.7.0\x01x";
	v.names = " A.Example, b.example";
	v.status = 403;
	v.resource = "new-cert";
	v.error_type = "badNonce";
	v.error_detail = "JWS has invalid anti-replay nonce Xy7_q-8Rt";
	CHECK(inventory_record(s, &v, 5000) == 0);
	CHECK(c->calls[C_INV_RECORD] == 1 && c->account_id == 1 && c->failed);
	CHECK_STR(c->ua, "dehydrated/0.7.0?x");
	CHECK(c->nnames == 2);
	CHECK_STR(c->first_name, "a.example");
	CHECK_STR(c->detail, "JWS has invalid anti-replay nonce [value not shown]");
	/* a success of no known account is not the implementation's */
	v.account_id = 0;
	v.status = 200;
	CHECK(inventory_record(s, &v, 5001) == 0);
	CHECK(c->calls[C_INV_RECORD] == 1);
	CHECK(inventory_issued(s, 0, "0a", 1, 5002) == 0);
	CHECK(c->calls[C_INV_ISSUED] == 0);
	CHECK(inventory_issued(s, 1, "0a", 1, 5002) == 0);
	CHECK(c->calls[C_INV_ISSUED] == 1);
	CHECK(inventory_count(s, 1, 7205) == 0);
	CHECK(c->hour == 7200 && c->keep_from == 7200 - INVENTORY_TRAFFIC_KEEP);
	CHECK(inventory_traffic(s, 7200, 2, counts, fails) == 0);
	CHECK(counts[0] == 1 && fails[0] == 1 && counts[1] == 0);
	CHECK(inventory_list(s, 0, 5003, &l) == 0 && l.n == 1);
	inventory_list_free(&l);
	CHECK(inventory_failures(s, 0, &f, &n) == 0 && f == NULL);
	CHECK(c->calls[C_INV_FAILURES] == 0);
	CHECK(inventory_failures(s, 5, &f, &n) == 0 && n == 1);
	inventory_failures_free(f, n);
	CHECK(inventory_versions(s, version_cb, &nv) == 0 && nv == 1);
	CHECK(inventory_summary(s, 0, 5003, 100, &sum) == 0 && sum.hosts == 1);
}

static void
test_dispatch(void)
{
	struct counting c;
	struct store *s;
	struct store_account a;
	struct store_authz z;
	char err[256] = "";
	int i, before;

	memset(&c, 0, sizeof(c));
	CHECK((c.inner = open_db(":memory:", err, sizeof(err))) != NULL);
	if (c.inner == NULL)
		return;
	c.ops = store_ops_of(c.inner, &c.impl);
	CHECK((s = store_new(&counting_ops, &c, test_log, &nlogged)) != NULL);
	if (s == NULL) {
		store_close(c.inner);
		return;
	}
	/* the same behaviour through the wrapper */
	test_authz(s);
	test_http01(s);
	test_certs(s);
	test_modes(s);
	test_groups(s);
	test_authz_deactivate(s);
	/* the two lookups are one operation with the status as given */
	CHECK(store_authz_find_pending(s, 1, "none.example", 0, &z) == 1);
	CHECK(c.find_status == AUTHZ_PENDING);
	CHECK(store_authz_find_valid(s, 1, "none.example", 0, &z) == 1);
	CHECK(c.find_status == AUTHZ_VALID);
	CHECK(store_begin(s) == 0 && store_rollback(s) == 0);
	CHECK(store_begin(s) == 0 && store_commit(s) == 0);
	dispatch_inventory(s, &c);
	/* one public call, one operation */
	before = total(&c);
	CHECK(store_account_by_id(s, 1, &a) == 0);
	store_account_clear(&a);
	CHECK(total(&c) == before + 1 && c.calls[C_ACC_BY_ID] > 0);
	for (i = 0; i < C_MAX; i++)
		if (i != C_CLOSE && c.calls[i] == 0) {
			fprintf(stderr, "  operation %d never called\n", i);
			CHECK(c.calls[i] > 0);
		}
	CHECK(c.calls[C_CLOSE] == 0);
	store_close(s);
	CHECK(c.calls[C_CLOSE] == 1 && c.inner == NULL);
}

/* --- errors: through the log callback, never on stderr --- */

/* Point fd 2 at a temporary file; returns the saved fd 2 (or -1). */
static int
stderr_capture(FILE **tmp)
{
	int saved;

	fflush(stderr);
	if ((*tmp = tmpfile()) == NULL)
		return -1;
	if ((saved = dup(2)) == -1 || dup2(fileno(*tmp), 2) == -1) {
		fclose(*tmp);
		return -1;
	}
	return saved;
}

/* Restore fd 2; how many bytes were written to it meanwhile. */
static long
stderr_restore(int saved, FILE *tmp)
{
	long n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = lseek(fileno(tmp), 0, SEEK_END);
	fclose(tmp);
	return n;
}

/* One failing call: -1, exactly one log line naming fn and saying why. */
static void
expect_logged(int rc, const char *fn, const char *why)
{
	CHECK(rc == -1);
	CHECK(nlogged == 1);
	CHECK(strstr(logged, fn) != NULL);
	CHECK(strstr(logged, why) != NULL);
	if (nlogged != 1 || strstr(logged, why) == NULL)
		fprintf(stderr, "  (logged %d: \"%s\", want %s: %s)\n", nlogged,
		    logged, fn, why);
	nlogged = 0;
	logged[0] = '\0';
}

static void
test_log_callback(void)
{
	struct store *s;
	struct store_account a, b;
	FILE *tmp = NULL;
	char err[256] = "", *ka = NULL;
	int saved;

	tmpname();
	nlogged = 0;
	CHECK((s = open_db(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK((saved = stderr_capture(&tmp)) != -1);
	fill_account(&a, "log-1");
	fill_account(&b, "log-1");
	CHECK(store_account_insert(s, &a) == 0 && nlogged == 0);
	expect_logged(store_account_insert(s, &b), "account_insert",
	    "UNIQUE constraint failed: accounts.upstream, accounts.thumbprint");
	a.id = 999;
	expect_logged(store_account_update(s, &a), "account_update",
	    "no such row");
	expect_logged(store_commit(s), "commit", "no transaction is active");
	/* a table gone behind the store's back: the database says so */
	CHECK(raw_exec("DROP TABLE http01") == STORE_SCHEMA_VERSION);
	expect_logged(store_http01_put(s, "t", "k", 10), "http01_put",
	    "no such table: http01");
	expect_logged(store_http01_get(s, "t", 0, &ka), "http01_get",
	    "no such table: http01");
	CHECK(ka == NULL);
	/* not found is no error */
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "", "none", &b) == 1 && nlogged == 0);
	if (saved != -1)
		CHECK(stderr_restore(saved, tmp) == 0);
	store_account_clear(&a);
	store_account_clear(&b);
	store_close(s);
	rmdb();
}

/* A store opened without a callback still fails cleanly and silently. */
static void
test_no_callback(void)
{
	struct store *s;
	struct store_account a;
	FILE *tmp = NULL;
	char err[256] = "";
	int saved;

	CHECK((s = store_open_sqlite(":memory:", NULL, NULL, err,
	    sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK((saved = stderr_capture(&tmp)) != -1);
	fill_account(&a, "quiet");
	a.id = 5;
	CHECK(store_account_update(s, &a) == -1);
	CHECK(store_rollback(s) == -1);
	if (saved != -1)
		CHECK(stderr_restore(saved, tmp) == 0);
	store_account_clear(&a);
	store_close(s);
}

/* --- the state file: store_file_prepare and an open that never creates */

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_mode & 0777 : 0;
}

static void
make_file(const char *path, mode_t mode)
{
	int fd;

	CHECK((fd = open(path, O_CREAT | O_WRONLY, mode)) != -1);
	if (fd != -1) {
		CHECK(fchmod(fd, mode) == 0);
		close(fd);
	}
}

/* Loose modes of a file and its -wal/-shm of an earlier run: all 0600. */
static void
prepare_existing(void)
{
	char wal[80], shm[80], err[256] = "";

	tmpname();
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	snprintf(shm, sizeof(shm), "%s-shm", dbpath);
	make_file(dbpath, 0644);
	make_file(wal, 0644);
	make_file(shm, 0666);
	CHECK(store_file_prepare(dbpath, err, sizeof(err)) == 0);
	CHECK(mode_of(dbpath) == 0600);
	CHECK(mode_of(wal) == 0600);
	CHECK(mode_of(shm) == 0600);
	rmdb();
}

/* Through a symbolic link: the -wal beside the link's target. */
static void
prepare_link(void)
{
	char link[80], wal[80], err[256] = "";

	tmpname();
	snprintf(link, sizeof(link), "%s.link", dbpath);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	make_file(dbpath, 0644);
	make_file(wal, 0644);
	CHECK(symlink(dbpath, link) == 0);
	CHECK(store_file_prepare(link, err, sizeof(err)) == 0);
	CHECK(mode_of(dbpath) == 0600 && mode_of(wal) == 0600);
	unlink(link);
	rmdb();
}

/* A directory the bridge cannot write to: the cause, and no file. */
static void
prepare_unwritable(void)
{
	char dir[64] = "/tmp/test_store_ro.XXXXXX", path[96], err[256] = "";

	/* root writes anywhere but in sysfs */
	if (geteuid() == 0)
		snprintf(path, sizeof(path), "/sys/acme-bridge-test.db");
	else {
		CHECK(mkdtemp(dir) != NULL);
		CHECK(chmod(dir, 0500) == 0);
		snprintf(path, sizeof(path), "%s/state.db", dir);
	}
	CHECK(store_file_prepare(path, err, sizeof(err)) == -1);
	CHECK(strstr(err, path) != NULL);
	CHECK(strstr(err, strerror(EACCES)) != NULL);
	if (strstr(err, strerror(EACCES)) == NULL)
		fprintf(stderr, "  (err \"%s\")\n", err);
	CHECK(access(path, F_OK) == -1);
	if (geteuid() != 0) {
		chmod(dir, 0700);
		rmdir(dir);
	}
}

static void
test_file_prepare(void)
{
	struct store *s;
	char err[256] = "";
	mode_t old;

	tmpname();
	old = umask(0);
	CHECK(store_file_prepare(dbpath, err, sizeof(err)) == 0);
	umask(old);
	CHECK(mode_of(dbpath) == 0600);
	CHECK(store_file_prepare(dbpath, err, sizeof(err)) == 0);  /* again */
	rmdb();
	prepare_existing();
	prepare_link();
	prepare_unwritable();
	CHECK(store_file_prepare("/nonexistent-dir/y.db", err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "/nonexistent-dir/y.db: No such file") != NULL);
	CHECK(store_file_prepare("/tmp", err, sizeof(err)) == -1);
	CHECK(strstr(err, "/tmp: ") != NULL);
	CHECK(store_file_prepare(":memory:", err, sizeof(err)) == 0);
	CHECK(access(":memory:", F_OK) == -1);
	/* the SQLite store only opens: a file nobody prepared is an error,
	 * and is not created */
	tmpname();
	err[0] = '\0';
	s = store_open_sqlite(dbpath, test_log, &nlogged, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, dbpath) != NULL && strstr(err, "unable to open") != NULL);
	CHECK(access(dbpath, F_OK) == -1);
	store_close(s);
}

/* Accounts stored with the thumbprint of a zero-padded JWK (before issue 8
 * item 4) get the canonical one when the store is opened; a row whose
 * canonical thumbprint another holds keeps its own. */
static void
test_canonical_thumbprints(void)
{
	static const char n[] = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM7"
				"8LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJA";
	static const char m[] = "xvx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM7"
				"8LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJA";
	struct store_account a, b, c, got;
	char canon_a[JWK_THUMBPRINT_LEN + 1], canon_b[JWK_THUMBPRINT_LEN + 1];
	char err[256] = "";
	struct store *s;
	json_t *j;

	tmpname();
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	j = json_pack("{s:s,s:s,s:s}", "e", "AQAB", "kty", "RSA", "n", n);
	CHECK(jwk_thumbprint(j, canon_a) == 0);
	json_decref(j);
	j = json_pack("{s:s,s:s,s:s}", "e", "AQAB", "kty", "RSA", "n", m);
	CHECK(jwk_thumbprint(j, canon_b) == 0);
	json_decref(j);
	/* a: key A as sent padded, its old thumbprint; b: key B padded, and
	 * c: key B again, canonical (registered by its other spelling) */
	fill_account(&a, "old-thumbprint-of-padded-a");
	free(a.jwk);
	a.jwk = malloc(sizeof(n) + 64);
	snprintf(a.jwk, sizeof(n) + 64,
	    "{\"e\":\"AAEAAQ\",\"kty\":\"RSA\",\"n\":\"AAAA%s\"}", n);
	fill_account(&b, "old-thumbprint-of-padded-b");
	free(b.jwk);
	b.jwk = malloc(sizeof(m) + 64);
	snprintf(b.jwk, sizeof(m) + 64,
	    "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"AAAA%s\"}", m);
	fill_account(&c, canon_b);
	CHECK(store_account_insert(s, &a) == 0 &&
	    store_account_insert(s, &b) == 0 &&
	    store_account_insert(s, &c) == 0);
	store_close(s);
	s = open_db(dbpath, err, sizeof(err));
	CHECK(s != NULL);
	memset(&got, 0, sizeof(got));
	CHECK(s != NULL && store_account_by_thumbprint(s, "", canon_a, &got) == 0 &&
	    got.id == a.id);
	store_account_clear(&got);
	CHECK(s != NULL &&
	    store_account_by_thumbprint(
		s, "", "old-thumbprint-of-padded-a", &got) == 1);
	store_account_clear(&got);
	CHECK(s != NULL && store_account_by_thumbprint(s, "", canon_b, &got) == 0 &&
	    got.id == c.id);
	store_account_clear(&got);
	CHECK(s != NULL &&
	    store_account_by_thumbprint(
		s, "", "old-thumbprint-of-padded-b", &got) == 0 &&
	    got.id == b.id);
	store_account_clear(&got);
	store_account_clear(&a);
	store_account_clear(&b);
	store_account_clear(&c);
	store_close(s);
	rmdb();
}

int
main(void)
{
	test_file_accounts();
	test_memory();
	test_file_all();
	test_existing_mode();
	test_file_lock();
	test_open_fail();
	test_upgrade_v1();
	test_upgrade_fails_cleanly();
	test_dispatch();
	test_log_callback();
	test_no_callback();
	test_file_prepare();
	test_canonical_thumbprints();
	return T_DONE();
}
