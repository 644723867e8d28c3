/* store_sqlite_inventory.c: the client inventory in the SQLite store (the
 * inventory operations of struct store_ops, store.h): who still speaks v1,
 * with which client, for which names; v1 traffic per hour and the newest
 * failures. Input arrives cleaned and cut (store_inventory.c); here every
 * table is kept bounded (per-account addresses and names, failures,
 * traffic hours). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_sqlite.h"

/* ---- writes ---- */

static int
savepoint(struct sq *q, enum st id)
{
	return sq_exec(q, id, NULL, 0, __func__) == -1 ? -1 : 0;
}

/* Abandon the savepoint's writes (after an error). */
static void
rollback_to(struct sq *q)
{
	savepoint(q, ST_INV_ROLLBACK_TO);
	savepoint(q, ST_INV_RELEASE);
}

/* A row that is counted up or inserted: upd, or when it changed no row
 * ins (with the same parameters), then trim, which bounds the table again
 * now that it has one row more. */
struct upsert {
	enum st upd, ins, trim;
};

static const struct upsert addr_upsert = { ST_INV_ADDR_UPD, ST_INV_ADDR_INS,
	ST_INV_ADDR_TRIM };
static const struct upsert name_upsert = { ST_INV_NAME_UPD, ST_INV_NAME_INS,
	ST_INV_NAME_TRIM };
static const struct upsert traffic_upsert = { ST_INV_TRAFFIC,
	ST_INV_TRAFFIC_INS, ST_INV_TRAFFIC_TRIM };

static int
upsert_trim(struct sq *q, const struct upsert *u, const struct store_arg *a,
    size_t n, const struct store_arg *t, size_t tn)
{
	long long changed;

	if ((changed = sq_exec(q, u->upd, a, n, __func__)) == -1)
		return -1;
	if (changed > 0)
		return 0;
	if (sq_exec(q, u->ins, a, n, __func__) == -1 ||
	    sq_exec(q, u->trim, t, tn, __func__) == -1)
		return -1;
	return 0;
}

/* (account, value) in the addresses or names table, its newest keep. */
static int
upsert_pair(struct sq *q, const struct upsert *u, const struct store_seen *v,
    const char *value, long long keep)
{
	const struct store_arg arg[] = { ARG_I(v->account_id), ARG_T(value),
		ARG_I(v->now) };
	const struct store_arg trim[] = { ARG_I(v->account_id), ARG_I(keep) };

	return upsert_trim(q, u, arg, ARG_N(arg), trim, ARG_N(trim));
}

/* The clients row, its address and names. */
static int
record_client(struct sq *q, const struct store_seen *v)
{
	const struct store_arg arg[] = {
		ARG_I(v->account_id),
		ARG_I(v->now),
		ARG_T(v->user_agent),
		ARG_T(v->family),
		ARG_T(v->version),
	};
	size_t i;

	if (sq_exec(q, ST_INV_CLIENT, arg, ARG_N(arg), __func__) == -1)
		return -1;
	if (v->addr[0] != '\0' &&
	    upsert_pair(q, &addr_upsert, v, v->addr, INVENTORY_ADDRS_MAX) == -1)
		return -1;
	for (i = 0; i < v->nnames; i++)
		if (upsert_pair(q, &name_upsert, v, v->names[i],
			INVENTORY_NAMES_MAX) == -1)
			return -1;
	return 0;
}

/* The failures list (bounded) and the account's last error. */
static int
record_failure(struct sq *q, const struct store_seen *v)
{
	const struct store_arg fail[] = {
		ARG_I(v->now),
		ARG_I(v->account_id),
		ARG_T(v->resource),
		ARG_T(v->error_type),
		ARG_T(v->detail),
		ARG_T(v->addr),
		ARG_T(v->upstream ? v->upstream : ""),
	};
	const struct store_arg trim[] = { ARG_I(INVENTORY_FAILURES_MAX) };
	const struct store_arg last[] = { ARG_I(v->account_id),
		ARG_T(v->last_error), ARG_I(v->now) };

	if (sq_exec(q, ST_INV_FAIL_INS, fail, ARG_N(fail), __func__) == -1 ||
	    sq_exec(q, ST_INV_FAIL_TRIM, trim, ARG_N(trim), __func__) == -1)
		return -1;
	if (v->account_id == 0)
		return 0;
	return sq_exec(q, ST_INV_CLIENT_ERR, last, ARG_N(last), __func__) == -1
	    ? -1
	    : 0;
}

/* One savepoint: all the request's rows or none, and inside a caller's
 * transaction (store_begin) part of it. */
static int
record_rows(struct sq *q, const struct store_seen *v)
{
	if (savepoint(q, ST_INV_SP) == -1)
		return -1;
	/* the clients row first: a failure sets its last error */
	if ((v->account_id != 0 && record_client(q, v) == -1) ||
	    (v->failed && record_failure(q, v) == -1)) {
		rollback_to(q);
		return -1;
	}
	return savepoint(q, ST_INV_RELEASE);
}

int
sq_inventory_record(void *impl, const struct store_seen *v)
{
	struct sq *q = impl;
	int rc;

	if (sq_relaxed(q, 1) == -1)
		return -1;
	rc = record_rows(q, v);
	return sq_relaxed(q, 0) == -1 ? -1 : rc;
}

static int
count_rows(struct sq *q, long long hour, long long requests, long long failed,
    long long keep_from)
{
	const struct store_arg arg[] = { ARG_I(hour), ARG_I(failed),
		ARG_I(requests) };
	const struct store_arg trim[] = { ARG_I(keep_from) };

	/* the first request of an hour makes its row, and old hours go */
	return upsert_trim(
	    q, &traffic_upsert, arg, ARG_N(arg), trim, ARG_N(trim));
}

int
sq_inventory_count(void *impl, long long hour, long long requests,
    long long failed, long long keep_from)
{
	struct sq *q = impl;
	int rc;

	if (sq_relaxed(q, 1) == -1)
		return -1;
	rc = count_rows(q, hour, requests, failed, keep_from);
	return sq_relaxed(q, 0) == -1 ? -1 : rc;
}

/* An issuance's count: the certificate itself was stored durably before. */
int
sq_inventory_issued(void *impl, long long account_id, long long now)
{
	const struct store_arg arg[] = { ARG_I(account_id), ARG_I(now) };
	struct sq *q = impl;
	long long rc;

	if (sq_relaxed(q, 1) == -1)
		return -1;
	rc = sq_exec(q, ST_INV_CLIENT_ISSUED, arg, ARG_N(arg), __func__);
	return sq_relaxed(q, 0) == -1 || rc == -1 ? -1 : 0;
}

/* ---- reads ---- */

/* A one-column query's rows joined with ','. */
struct join {
	char *buf;
	size_t len, cap;
};

static int
join_row(sqlite3_stmt *st, void *arg)
{
	struct join *j = arg;
	const unsigned char *t;
	size_t add, ncap;
	char *nb;

	if ((t = sqlite3_column_text(st, 0)) == NULL)
		return 0;
	add = (size_t)sqlite3_column_bytes(st, 0);
	if (add > SIZE_MAX / 2 - j->len - 2)
		return -1;
	if (j->len + add + 2 > j->cap) {
		ncap = (j->len + add + 2) * 2;
		if ((nb = realloc(j->buf, ncap)) == NULL)
			return -1;
		j->buf = nb;
		j->cap = ncap;
	}
	if (j->len > 0)
		j->buf[j->len++] = ',';
	memcpy(j->buf + j->len, t, add);
	j->len += add;
	j->buf[j->len] = '\0';
	return 0;
}

/* The rows of query id for account_id joined in a malloc'd string ("" when
 * none). */
static int
joined(struct sq *q, enum st id, long long account_id, char **out)
{
	const struct store_arg arg[] = { ARG_I(account_id) };
	struct join j = { NULL, 0, 1 };

	*out = NULL;
	if ((j.buf = calloc(1, 1)) == NULL) {
		sq_log(q, __func__, "out of memory");
		return -1;
	}
	if (sq_each(q, id, arg, ARG_N(arg), join_row, &j, __func__) == -1) {
		free(j.buf);
		return -1;
	}
	*out = j.buf;
	return 0;
}

/* The list being filled, grown by doubling. */
struct list_fill {
	struct inventory_list *l;
	size_t cap;
};

static int
list_row(sqlite3_stmt *st, void *arg)
{
	struct list_fill *f = arg;
	struct inventory_row *nr, *r;
	size_t ncap;

	if (f->l->n == f->cap) {
		ncap = f->cap ? f->cap * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(*nr) ||
		    (nr = realloc(f->l->rows, ncap * sizeof(*nr))) == NULL)
			return -1;
		f->l->rows = nr;
		f->cap = ncap;
	}
	/* counted before it is filled, so that a half-filled row is freed */
	r = &f->l->rows[f->l->n++];
	memset(r, 0, sizeof(*r));
	r->account_id = sqlite3_column_int64(st, 0);
	r->first_seen = sqlite3_column_int64(st, 5);
	r->last_seen = sqlite3_column_int64(st, 6);
	r->last_error_at = sqlite3_column_int64(st, 8);
	r->certs = sqlite3_column_int64(st, 9);
	r->next_expiry = sqlite3_column_int64(st, 10); /* NULL -> 0 */
	if (sq_col_str(st, 1, &r->thumbprint) == -1 ||
	    sq_col_str(st, 2, &r->user_agent) == -1 ||
	    sq_col_str(st, 3, &r->family) == -1 ||
	    sq_col_str(st, 4, &r->version) == -1 ||
	    sq_col_dup(st, 7, &r->last_error) == -1 ||
	    sq_col_str(st, 11, &r->upstream) == -1)
		return -1;
	return 0;
}

int
sq_inventory_list(
    void *impl, long long since, long long now, struct inventory_list *out)
{
	const struct store_arg arg[] = { ARG_I(since), ARG_I(now) };
	struct list_fill f = { out, 0 };
	struct inventory_row *r;
	size_t i;

	if (sq_each(impl, ST_INV_LIST, arg, ARG_N(arg), list_row, &f,
		__func__) == -1)
		return -1;
	for (i = 0; i < out->n; i++) {
		r = &out->rows[i];
		if (joined(impl, ST_INV_ADDRS, r->account_id, &r->addresses) ==
			-1 ||
		    joined(impl, ST_INV_NAMES, r->account_id, &r->names) == -1)
			return -1;
	}
	return 0;
}

/* A row callback's target: the caller's cb and arg. */
struct traffic_cb {
	void (*cb)(void *, long long, long long, long long);
	void *arg;
};

static int
traffic_row(sqlite3_stmt *st, void *arg)
{
	struct traffic_cb *t = arg;

	t->cb(t->arg, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
	    sqlite3_column_int64(st, 2));
	return 0;
}

int
sq_inventory_traffic(void *impl, long long from, long long to,
    void (*cb)(
	void *arg, long long hour, long long requests, long long failures),
    void *arg)
{
	const struct store_arg a[] = { ARG_I(from), ARG_I(to) };
	struct traffic_cb t = { cb, arg };

	return sq_each(
	    impl, ST_INV_TRAFFIC_GET, a, ARG_N(a), traffic_row, &t, __func__);
}

/* The failures array being filled. */
struct fail_fill {
	struct inventory_failure *f;
	size_t max, *n;
};

static int
failure_row(sqlite3_stmt *st, void *arg)
{
	struct fail_fill *ff = arg;
	struct inventory_failure *f;

	if (*ff->n == ff->max)
		return 1;
	f = &ff->f[(*ff->n)++];
	f->at = sqlite3_column_int64(st, 0);
	f->account_id = sqlite3_column_int64(st, 1);
	if (sq_col_str(st, 2, &f->resource) == -1 ||
	    sq_col_str(st, 3, &f->error_type) == -1 ||
	    sq_col_str(st, 4, &f->detail) == -1 ||
	    sq_col_str(st, 5, &f->addr) == -1 ||
	    sq_col_str(st, 6, &f->upstream) == -1)
		return -1;
	return 0;
}

int
sq_inventory_failures(
    void *impl, size_t max, struct inventory_failure *out, size_t *n)
{
	const struct store_arg arg[] = { ARG_I((long long)max) };
	struct fail_fill ff = { out, max, n };

	*n = 0;
	return sq_each(
	    impl, ST_INV_FAILS, arg, ARG_N(arg), failure_row, &ff, __func__);
}

struct versions_cb {
	void (*cb)(void *, const char *, const char *, long long);
	void *arg;
};

static int
versions_row(sqlite3_stmt *st, void *arg)
{
	struct versions_cb *v = arg;
	const char *family, *version;

	/* coalesce() in the query; NULL here only when out of memory */
	if ((family = (const char *)sqlite3_column_text(st, 0)) == NULL ||
	    (version = (const char *)sqlite3_column_text(st, 1)) == NULL)
		return -1;
	v->cb(v->arg, family, version, sqlite3_column_int64(st, 2));
	return 0;
}

int
sq_inventory_versions(void *impl,
    void (*cb)(void *arg, const char *family, const char *version, long long n),
    void *arg)
{
	struct versions_cb v = { cb, arg };

	return sq_each(
	    impl, ST_INV_VERSIONS, NULL, 0, versions_row, &v, __func__);
}

int
sq_inventory_summary(void *impl, long long since, long long now,
    long long within, struct inventory_summary *out)
{
	const struct store_arg hosts[] = { ARG_I(since) };
	const struct store_arg expiring[] = { ARG_I(now), ARG_I(now + within) };
	long long hv[2];

	if (sq_ints(impl, ST_INV_SUM_HOSTS, hosts, ARG_N(hosts), hv, 2,
		__func__) == -1 ||
	    sq_ints(impl, ST_INV_SUM_EXPIRING, expiring, ARG_N(expiring),
		&out->expiring, 1, __func__) == -1)
		return -1;
	out->hosts = hv[0];
	out->versions = hv[1];
	return 0;
}
