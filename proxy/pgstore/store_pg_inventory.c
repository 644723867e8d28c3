/* store_pg_inventory.c: the client inventory in the PostgreSQL store (the
 * inventory operations of struct store_ops, store.h), the twin of
 * store_sqlite_inventory.c: who still speaks v1, with which client, for
 * which names; v1 traffic per hour and the newest failures. Input arrives
 * cleaned and cut (store_inventory.c); here every table is kept bounded
 * (per-account addresses and names, failures, traffic hours).
 *
 * Text is ordered with COLLATE "C" wherever an order shows (the trims'
 * ties, the lists): byte order, as SQLite's, whatever the database's
 * locale. Several sessions may write at once (SQLite has one writer), so
 * rows are upserted with ON CONFLICT rather than updated or inserted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

/* ---- writes ---- */

/* An account's addresses or names: the upsert ($1 account, $2 value(s),
 * $3 now; last_seen max), then the trim ($1 account, $2 how many kept)
 * that keeps the newest. Every write trims, so an account never holds
 * more than keep and the trim after an upsert that only updated deletes
 * nothing: it runs every time rather than tell the two apart. */
struct keep_sql {
	const char *upsert, *trim;
};

static const struct keep_sql addr_sql = {
	"INSERT INTO client_addrs(account_id, addr, last_seen) "
	"VALUES($1, $2, $3) ON CONFLICT(account_id, addr) DO UPDATE SET "
	"last_seen = GREATEST(client_addrs.last_seen, EXCLUDED.last_seen)",
	"DELETE FROM client_addrs WHERE account_id = $1 AND addr NOT IN "
	"(SELECT addr FROM client_addrs WHERE account_id = $1 "
	"ORDER BY last_seen DESC, addr COLLATE \"C\" LIMIT $2)",
};

/* All the request's names in one statement ($2 a text[]): DISTINCT, as
 * ON CONFLICT DO UPDATE may touch a row once per statement. */
static const struct keep_sql name_sql = {
	"INSERT INTO client_names(account_id, name, last_seen) "
	"SELECT DISTINCT $1::BIGINT, n, $3::BIGINT FROM unnest($2::TEXT[]) "
	"AS t(n) ON CONFLICT(account_id, name) DO UPDATE SET "
	"last_seen = GREATEST(client_names.last_seen, EXCLUDED.last_seen)",
	"DELETE FROM client_names WHERE account_id = $1 AND name NOT IN "
	"(SELECT name FROM client_names WHERE account_id = $1 "
	"ORDER BY last_seen DESC, name COLLATE \"C\" LIMIT $2)",
};

static int
keep_newest(struct pg *p, const struct keep_sql *q, const struct store_seen *v,
    const char *value, long long keep)
{
	const struct store_arg arg[] = { ARG_I(v->account_id), ARG_T(value),
		ARG_I(v->now) };
	const struct store_arg trim[] = { ARG_I(v->account_id), ARG_I(keep) };

	if (pg_exec(p, q->upsert, arg, ARG_N(arg), __func__) == -1 ||
	    pg_exec(p, q->trim, trim, ARG_N(trim), __func__) == -1)
		return -1;
	return 0;
}

/* v[0..n-1] as an array literal, {"a","b"}: every element quoted, its "
 * and \ escaped, so that any text is one element. malloc'd, or NULL. */
static char *
text_array(const char *const *v, size_t n)
{
	size_t len = 3, i, l;
	char *buf, *o;

	for (i = 0; i < n; i++) {
		l = strlen(v[i]);
		if (l > (SIZE_MAX - len - 3) / 2)
			return NULL;
		len += 2 * l + 3;
	}
	if ((buf = malloc(len)) == NULL)
		return NULL;
	o = buf;
	*o++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*o++ = ',';
		*o++ = '"';
		for (const char *s = v[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				*o++ = '\\';
			*o++ = *s;
		}
		*o++ = '"';
	}
	*o++ = '}';
	*o = '\0';
	return buf;
}

static int
record_names(struct pg *p, const struct store_seen *v)
{
	char *names;
	int rc;

	if (v->nnames == 0)
		return 0;
	if ((names = text_array(v->names, v->nnames)) == NULL) {
		pg_log(p, __func__, "out of memory");
		return -1;
	}
	rc = keep_newest(p, &name_sql, v, names, INVENTORY_NAMES_MAX);
	free(names);
	return rc;
}

/* The clients row, its address and names. */
static int
record_client(struct pg *p, const struct store_seen *v)
{
	static const char sql[] =
	    "INSERT INTO clients(account_id, first_seen, last_seen, "
	    "user_agent, family, version, requests) "
	    "VALUES($1, $2, $2, $3, $4, $5, 1) ON CONFLICT(account_id) DO "
	    "UPDATE SET first_seen = LEAST(clients.first_seen, "
	    "EXCLUDED.first_seen), last_seen = GREATEST(clients.last_seen, "
	    "EXCLUDED.last_seen), user_agent = EXCLUDED.user_agent, "
	    "family = EXCLUDED.family, version = EXCLUDED.version, "
	    "requests = clients.requests + 1";
	const struct store_arg arg[] = {
		ARG_I(v->account_id),
		ARG_I(v->now),
		ARG_T(v->user_agent),
		ARG_T(v->family),
		ARG_T(v->version),
	};

	if (pg_exec(p, sql, arg, ARG_N(arg), __func__) == -1)
		return -1;
	if (v->addr[0] != '\0' &&
	    keep_newest(p, &addr_sql, v, v->addr, INVENTORY_ADDRS_MAX) == -1)
		return -1;
	return record_names(p, v);
}

/* The failures list (bounded) and the account's last error. */
static int
record_failure(struct pg *p, const struct store_seen *v)
{
	static const char ins[] =
	    "INSERT INTO failures(at, account_id, resource, error_type, "
	    "detail, addr, upstream) VALUES($1, $2, $3, $4, $5, $6, $7)";
	/* the newest by id kept: ids may have gaps (a sequence), so not
	 * SQLite's max(id) - n */
	static const char trim[] =
	    "DELETE FROM failures WHERE id <= (SELECT id FROM failures "
	    "ORDER BY id DESC OFFSET $1 LIMIT 1)";
	static const char last[] = "UPDATE clients SET last_error = $2, "
				   "last_error_at = $3 WHERE account_id = $1";
	const struct store_arg fa[] = {
		ARG_I(v->now),
		ARG_I(v->account_id),
		ARG_T(v->resource),
		ARG_T(v->error_type),
		ARG_T(v->detail),
		ARG_T(v->addr),
		ARG_T(v->upstream ? v->upstream : ""),
	};
	const struct store_arg ta[] = { ARG_I(INVENTORY_FAILURES_MAX) };
	const struct store_arg la[] = { ARG_I(v->account_id),
		ARG_T(v->last_error), ARG_I(v->now) };

	if (pg_exec(p, ins, fa, ARG_N(fa), __func__) == -1 ||
	    pg_exec(p, trim, ta, ARG_N(ta), __func__) == -1)
		return -1;
	if (v->account_id == 0)
		return 0;
	return pg_exec(p, last, la, ARG_N(la), __func__) == -1 ? -1 : 0;
}

static int
record_rows(struct pg *p, const struct store_seen *v)
{
	/* the clients row first: a failure sets its last error */
	if (v->account_id != 0 && record_client(p, v) == -1)
		return -1;
	if (v->failed && record_failure(p, v) == -1)
		return -1;
	return 0;
}

/* One transaction, or a savepoint inside a caller's (store_begin): all
 * the request's rows or none. */
int
pg_inventory_record(void *impl, const struct store_seen *v)
{
	struct pg *p = impl;
	int rc;

	if (pg_atomic_begin(p, __func__) == -1)
		return -1;
	rc = record_rows(p, v);
	return pg_atomic_end(p, rc == 0, __func__) == -1 ? -1 : rc;
}

/* The hour's row counted up, or made; only a new hour trims, as in
 * SQLite. Made with DO NOTHING: when another session made it first, it is
 * counted up after all. */
static int
count_rows(struct pg *p, long long hour, long long requests, long long failed,
    long long keep_from)
{
	static const char upd[] =
	    "UPDATE traffic SET requests = requests + $3, "
	    "failures = failures + $2 WHERE hour = $1";
	static const char ins[] = "INSERT INTO traffic(hour, requests, "
				  "failures) VALUES($1, $3, $2) "
				  "ON CONFLICT(hour) DO NOTHING";
	static const char trim[] = "DELETE FROM traffic WHERE hour < $1";
	const struct store_arg arg[] = { ARG_I(hour), ARG_I(failed),
		ARG_I(requests) };
	const struct store_arg ta[] = { ARG_I(keep_from) };
	long long changed;

	if ((changed = pg_exec(p, upd, arg, ARG_N(arg), __func__)) != 0)
		return changed > 0 ? 0 : -1;
	if ((changed = pg_exec(p, ins, arg, ARG_N(arg), __func__)) == -1)
		return -1;
	if (changed > 0)
		return pg_exec(p, trim, ta, ARG_N(ta), __func__) == -1 ? -1 : 0;
	return pg_update(p, upd, arg, ARG_N(arg), __func__);
}

int
pg_inventory_count(void *impl, long long hour, long long requests,
    long long failed, long long keep_from)
{
	struct pg *p = impl;
	int rc;

	if (pg_atomic_begin(p, __func__) == -1)
		return -1;
	rc = count_rows(p, hour, requests, failed, keep_from);
	return pg_atomic_end(p, rc == 0, __func__) == -1 ? -1 : rc;
}

/* One statement: a savepoint only inside a caller's transaction, which a
 * failed statement would abort. */
int
pg_inventory_issued(void *impl, long long account_id, long long now)
{
	static const char sql[] =
	    "INSERT INTO clients(account_id, first_seen, last_seen, issued) "
	    "VALUES($1, $2, $2, 1) ON CONFLICT(account_id) DO UPDATE SET "
	    "issued = clients.issued + 1, "
	    "last_seen = GREATEST(clients.last_seen, EXCLUDED.last_seen)";
	const struct store_arg arg[] = { ARG_I(account_id), ARG_I(now) };
	struct pg *p = impl;
	int rc;

	if (pg_my_tx(p) && pg_atomic_begin(p, __func__) == -1)
		return -1;
	rc = pg_exec(p, sql, arg, ARG_N(arg), __func__) == -1 ? -1 : 0;
	if (pg_my_tx(p) && pg_atomic_end(p, rc == 0, __func__) == -1)
		return -1;
	return rc;
}

/* ---- reads ---- */

static int
list_row(const PGresult *res, int i, void *arg)
{
	struct inventory_list *l = arg;
	struct inventory_row *r;

	/* the result holds every row: the array is sized once */
	if (i == 0 &&
	    (l->rows = calloc((size_t)PQntuples(res), sizeof(*r))) == NULL)
		return -1;
	/* counted before it is filled, so that a half-filled row is freed */
	r = &l->rows[l->n++];
	r->account_id = pg_col_int(res, i, 0);
	r->first_seen = pg_col_int(res, i, 5);
	r->last_seen = pg_col_int(res, i, 6);
	r->last_error_at = pg_col_int(res, i, 8);
	r->certs = pg_col_int(res, i, 9);
	r->next_expiry = pg_col_int(res, i, 10); /* NULL -> 0 */
	if (pg_col_str(res, i, 1, &r->thumbprint) == -1 ||
	    pg_col_str(res, i, 2, &r->user_agent) == -1 ||
	    pg_col_str(res, i, 3, &r->family) == -1 ||
	    pg_col_str(res, i, 4, &r->version) == -1 ||
	    pg_col_dup(res, i, 7, &r->last_error) == -1 ||
	    pg_col_str(res, i, 11, &r->upstream) == -1 ||
	    pg_col_str(res, i, 12, &r->addresses) == -1 ||
	    pg_col_str(res, i, 13, &r->names) == -1)
		return -1;
	return 0;
}

/* One statement, the addresses and names joined in it: one snapshot. */
int
pg_inventory_list(
    void *impl, long long since, long long now, struct inventory_list *out)
{
	static const char sql[] =
	    "SELECT c.account_id, a.thumbprint, c.user_agent, c.family, "
	    "c.version, c.first_seen, c.last_seen, c.last_error, "
	    "c.last_error_at, (SELECT count(*) FROM certs "
	    "WHERE account_id = c.account_id), (SELECT min(not_after) "
	    "FROM certs WHERE account_id = c.account_id AND revoked = 0 "
	    "AND not_after > $2), a.upstream, "
	    "(SELECT string_agg(addr, ',' ORDER BY last_seen DESC, "
	    "addr COLLATE \"C\") FROM client_addrs "
	    "WHERE account_id = c.account_id), "
	    "(SELECT string_agg(name, ',' ORDER BY name COLLATE \"C\") "
	    "FROM client_names WHERE account_id = c.account_id) "
	    "FROM clients c LEFT JOIN accounts a ON a.id = c.account_id "
	    "WHERE c.last_seen >= $1 "
	    "ORDER BY c.last_seen DESC, c.account_id DESC";
	const struct store_arg arg[] = { ARG_I(since), ARG_I(now) };

	return pg_each(impl, sql, arg, ARG_N(arg), list_row, out, __func__);
}

/* A row callback's target: the caller's cb and arg. */
struct traffic_cb {
	void (*cb)(void *, long long, long long, long long);
	void *arg;
};

static int
traffic_row(const PGresult *res, int i, void *arg)
{
	struct traffic_cb *t = arg;

	t->cb(t->arg, pg_col_int(res, i, 0), pg_col_int(res, i, 1),
	    pg_col_int(res, i, 2));
	return 0;
}

int
pg_inventory_traffic(void *impl, long long from, long long to,
    void (*cb)(
	void *arg, long long hour, long long requests, long long failures),
    void *arg)
{
	/* by hour, the order SQLite's rowid (the hour) gives */
	static const char sql[] =
	    "SELECT hour, requests, failures FROM traffic "
	    "WHERE hour >= $1 AND hour < $2 ORDER BY hour";
	const struct store_arg a[] = { ARG_I(from), ARG_I(to) };
	struct traffic_cb t = { cb, arg };

	return pg_each(impl, sql, a, ARG_N(a), traffic_row, &t, __func__);
}

/* The failures array being filled. */
struct fail_fill {
	struct inventory_failure *f;
	size_t max, *n;
};

static int
failure_row(const PGresult *res, int i, void *arg)
{
	struct fail_fill *ff = arg;
	struct inventory_failure *f;

	if (*ff->n == ff->max)
		return 1;
	f = &ff->f[(*ff->n)++];
	f->at = pg_col_int(res, i, 0);
	f->account_id = pg_col_int(res, i, 1);
	if (pg_col_str(res, i, 2, &f->resource) == -1 ||
	    pg_col_str(res, i, 3, &f->error_type) == -1 ||
	    pg_col_str(res, i, 4, &f->detail) == -1 ||
	    pg_col_str(res, i, 5, &f->addr) == -1 ||
	    pg_col_str(res, i, 6, &f->upstream) == -1)
		return -1;
	return 0;
}

int
pg_inventory_failures(
    void *impl, size_t max, struct inventory_failure *out, size_t *n)
{
	static const char sql[] =
	    "SELECT at, account_id, resource, error_type, detail, addr, "
	    "upstream FROM failures ORDER BY id DESC LIMIT $1";
	const struct store_arg arg[] = { ARG_I((long long)max) };
	struct fail_fill ff = { out, max, n };

	*n = 0;
	return pg_each(impl, sql, arg, ARG_N(arg), failure_row, &ff, __func__);
}

struct versions_cb {
	void (*cb)(void *, const char *, const char *, long long);
	void *arg;
};

static int
versions_row(const PGresult *res, int i, void *arg)
{
	struct versions_cb *v = arg;

	/* coalesce() in the query: never NULL */
	v->cb(v->arg, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
	    pg_col_int(res, i, 2));
	return 0;
}

/* In byte order, the order SQLite's GROUP BY gives them. */
int
pg_inventory_versions(void *impl,
    void (*cb)(void *arg, const char *family, const char *version, long long n),
    void *arg)
{
	static const char sql[] =
	    "SELECT coalesce(family, ''), coalesce(version, ''), count(*) "
	    "FROM clients GROUP BY 1, 2 ORDER BY coalesce(family, '') "
	    "COLLATE \"C\", coalesce(version, '') COLLATE \"C\"";
	struct versions_cb v = { cb, arg };

	return pg_each(impl, sql, NULL, 0, versions_row, &v, __func__);
}

/* One statement (SQLite's two): the counts of one snapshot. */
int
pg_inventory_summary(void *impl, long long since, long long now,
    long long within, struct inventory_summary *out)
{
	static const char sql[] =
	    "SELECT count(*), count(DISTINCT coalesce(family, '') || '/' || "
	    "coalesce(version, '')), (SELECT count(*) FROM certs "
	    "WHERE revoked = 0 AND not_after > $2 AND not_after <= $3) "
	    "FROM clients WHERE last_seen >= $1";
	const struct store_arg arg[] = { ARG_I(since), ARG_I(now),
		ARG_I(now + within) };
	long long v[3];

	if (pg_ints(impl, sql, arg, ARG_N(arg), v, 3, __func__) == -1)
		return -1;
	out->hosts = v[0];
	out->versions = v[1];
	out->expiring = v[2];
	return 0;
}
