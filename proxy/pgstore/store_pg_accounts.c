/* store_pg_accounts.c: the PostgreSQL store's v1 accounts and shared
 * groups (store.h; the handle and helpers: store_pg.c). The twin of
 * store_sqlite_accounts.c: the same columns, the same spellings of the
 * records' enums (records.h names). */
#include <string.h>

#include "store_cols.h"
#include "store_pg.h"

/* "" is how a record says "no group"; the row keeps NULL. */
static const char *
group_or_null(const char *name)
{
	return name != NULL && name[0] != '\0' ? name : NULL;
}

/* Rows into records: the columns of ACC_COLS and G_COLS in order. On
 * failure the record is freed again (pg_get). */

static int
account_row(const PGresult *res, int r, void *out)
{
	struct store_account *a = out;
	char status[16], mode[16];

	a->id = pg_col_int(res, r, 0);
	a->created_at = pg_col_int(res, r, 6);
	a->not_before = pg_col_int(res, r, 12);
	/* mode NULL (as the column allows): per-client */
	if (pg_col_copy(res, r, 1, a->thumbprint, sizeof(a->thumbprint)) ==
		-1 ||
	    pg_col_copy(res, r, 13, a->upstream, sizeof(a->upstream)) == -1 ||
	    pg_col_dup(res, r, 2, &a->jwk) == -1 ||
	    pg_col_dup(res, r, 3, &a->contact) == -1 ||
	    pg_col_dup(res, r, 4, &a->agreement) == -1 ||
	    pg_col_copy(res, r, 5, a->initial_ip, sizeof(a->initial_ip)) ==
		-1 ||
	    pg_col_copy(res, r, 7, status, sizeof(status)) == -1 ||
	    account_status_parse(status, &a->status) == -1 ||
	    pg_col_dup(res, r, 8, &a->v2_key_pem) == -1 ||
	    pg_col_dup(res, r, 9, &a->v2_account_url) == -1 ||
	    pg_col_copy(res, r, 10, mode, sizeof(mode)) == -1 ||
	    (mode[0] != '\0' && account_mode_parse(mode, &a->mode) == -1) ||
	    pg_col_copy(res, r, 11, a->group_name, sizeof(a->group_name)) ==
		-1) {
		store_account_clear(a);
		return -1;
	}
	return 0;
}

static int
group_row(const PGresult *res, int r, void *out)
{
	struct store_group *g = out;

	g->not_before = pg_col_int(res, r, 3);
	g->created_at = pg_col_int(res, r, 4);
	if (pg_col_copy(res, r, 0, g->name, sizeof(g->name)) == -1 ||
	    pg_col_copy(res, r, 5, g->upstream, sizeof(g->upstream)) == -1 ||
	    pg_col_dup(res, r, 1, &g->v2_key_pem) == -1 ||
	    pg_col_dup(res, r, 2, &g->v2_account_url) == -1) {
		store_group_clear(g);
		return -1;
	}
	return 0;
}

/* accounts */

int
pg_account_insert(void *impl, struct store_account *a)
{
	static const char sql[] =
	    "INSERT INTO accounts(thumbprint, jwk, contact, "
	    "agreement, initial_ip, created_at, status, v2_key_pem, "
	    "v2_account_url, mode, group_name, not_before, upstream) "
	    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
	    "RETURNING id";
	const struct store_arg arg[] = {
		ARG_T(a->thumbprint),
		ARG_T(a->jwk),
		ARG_T(a->contact),
		ARG_T(a->agreement),
		ARG_T(a->initial_ip),
		ARG_I(a->created_at),
		ARG_T(account_status_name(a->status)),
		ARG_T(a->v2_key_pem),
		ARG_T(a->v2_account_url),
		ARG_T(account_mode_name(a->mode)),
		ARG_T(group_or_null(a->group_name)),
		ARG_I(a->not_before),
		ARG_T(a->upstream),
	};

	return pg_tx_write(impl, sql, arg, ARG_N(arg), &a->id, __func__) == -1
	    ? -1
	    : 0;
}

int
pg_account_update(void *impl, const struct store_account *a)
{
	static const char sql[] =
	    "UPDATE accounts SET thumbprint = $1, jwk = $2, "
	    "contact = $3, agreement = $4, status = $5, v2_key_pem = $6 "
	    "WHERE id = $7";
	const struct store_arg arg[] = {
		ARG_T(a->thumbprint),
		ARG_T(a->jwk),
		ARG_T(a->contact),
		ARG_T(a->agreement),
		ARG_T(account_status_name(a->status)),
		ARG_T(a->v2_key_pem),
		ARG_I(a->id),
	};

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}

int
pg_account_by_thumbprint(
    void *impl, const char *upstream, const char *tp, struct store_account *out)
{
	static const char sql[] = "SELECT " ACC_COLS " FROM accounts "
				  "WHERE thumbprint = $1 AND upstream = $2";
	const struct store_arg arg[] = { ARG_T(tp), ARG_T(upstream) };

	return pg_get(impl, sql, arg, ARG_N(arg), account_row, out,
	    sizeof(*out), __func__);
}

int
pg_account_by_id(void *impl, long long id, struct store_account *out)
{
	static const char sql[] = "SELECT " ACC_COLS
				  " FROM accounts WHERE id = $1";
	const struct store_arg arg[] = { ARG_I(id) };

	return pg_get(impl, sql, arg, ARG_N(arg), account_row, out,
	    sizeof(*out), __func__);
}

int
pg_account_set_mode(
    void *impl, long long id, enum account_mode mode, const char *group_name)
{
	static const char sql[] =
	    "UPDATE accounts SET mode = $1, group_name = $2 WHERE id = $3";
	const struct store_arg arg[] = {
		ARG_T(account_mode_name(mode)),
		ARG_T(group_or_null(group_name)),
		ARG_I(id),
	};

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}

int
pg_account_set_upstream(void *impl, long long id, const char *url)
{
	static const char sql[] =
	    "UPDATE accounts SET v2_account_url = $1 WHERE id = $2";
	const struct store_arg arg[] = { ARG_T(url), ARG_I(id) };

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}

int
pg_account_set_not_before(void *impl, long long id, long long nb)
{
	static const char sql[] =
	    "UPDATE accounts SET not_before = $1 WHERE id = $2";
	const struct store_arg arg[] = { ARG_I(nb), ARG_I(id) };

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}

long long
pg_account_count_group(void *impl, const char *upstream, const char *name)
{
	static const char sql[] =
	    "SELECT count(*) FROM accounts WHERE mode = 'shared' "
	    "AND group_name = $1 AND upstream = $2";
	const struct store_arg arg[] = { ARG_T(name), ARG_T(upstream) };
	long long n;

	if (pg_ints(impl, sql, arg, ARG_N(arg), &n, 1, __func__) == -1)
		return -1;
	return n;
}

/* groups */

int
pg_group_get(
    void *impl, const char *upstream, const char *name, struct store_group *out)
{
	static const char sql[] = "SELECT " G_COLS " FROM groups "
				  "WHERE name = $1 AND upstream = $2";
	const struct store_arg arg[] = { ARG_T(name), ARG_T(upstream) };

	return pg_get(
	    impl, sql, arg, ARG_N(arg), group_row, out, sizeof(*out), __func__);
}

int
pg_group_insert(void *impl, const struct store_group *g)
{
	static const char sql[] = "INSERT INTO groups(" G_COLS ") "
				  "VALUES($1, $2, $3, $4, $5, $6) "
				  "ON CONFLICT(upstream, name) DO NOTHING";
	const struct store_arg arg[] = {
		ARG_T(g->name),
		ARG_T(g->v2_key_pem),
		ARG_T(g->v2_account_url),
		ARG_I(g->not_before),
		ARG_I(g->created_at),
		ARG_T(g->upstream),
	};
	long long n;

	/* ON CONFLICT DO NOTHING: no row inserted means the group existed
	 * (a racing insert waits for the other's commit, then finds it) */
	if ((n = pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__)) == -1)
		return -1;
	return n > 0 ? 0 : 1;
}

int
pg_group_set_upstream(
    void *impl, const char *upstream, const char *name, const char *url)
{
	static const char sql[] = "UPDATE groups SET v2_account_url = $1 "
				  "WHERE name = $2 AND upstream = $3";
	const struct store_arg arg[] = { ARG_T(url), ARG_T(name),
		ARG_T(upstream) };

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}

int
pg_group_set_not_before(
    void *impl, const char *upstream, const char *name, long long nb)
{
	static const char sql[] = "UPDATE groups SET not_before = $1 "
				  "WHERE name = $2 AND upstream = $3";
	const struct store_arg arg[] = { ARG_I(nb), ARG_T(name),
		ARG_T(upstream) };

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}
