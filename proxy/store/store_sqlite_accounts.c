/* store_sqlite_accounts.c: the SQLite store's v1 accounts and shared
 * groups (store.h; the handle and helpers: store_sqlite.c). The enums of
 * the records are spelled here as the rows keep them (records.h names). */
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "jwk.h"
#include "store_sqlite.h"

/* "" is how a record says "no group"; the row keeps NULL. */
static const char *
group_or_null(const char *name)
{
	return name != NULL && name[0] != '\0' ? name : NULL;
}

/* Rows into records: the columns of ACC_COLS and G_COLS (store_sqlite.c)
 * in order. On failure the record is freed again (sq_get). */

static int
account_row(sqlite3_stmt *st, void *out)
{
	struct store_account *a = out;
	char status[16], mode[16];

	a->id = sqlite3_column_int64(st, 0);
	a->created_at = sqlite3_column_int64(st, 6);
	a->not_before = sqlite3_column_int64(st, 12);
	/* mode NULL (a row older than the column's default): per-client */
	if (sq_col_copy(st, 1, a->thumbprint, sizeof(a->thumbprint)) == -1 ||
	    sq_col_copy(st, 13, a->upstream, sizeof(a->upstream)) == -1 ||
	    sq_col_dup(st, 2, &a->jwk) == -1 ||
	    sq_col_dup(st, 3, &a->contact) == -1 ||
	    sq_col_dup(st, 4, &a->agreement) == -1 ||
	    sq_col_copy(st, 5, a->initial_ip, sizeof(a->initial_ip)) == -1 ||
	    sq_col_copy(st, 7, status, sizeof(status)) == -1 ||
	    account_status_parse(status, &a->status) == -1 ||
	    sq_col_dup(st, 8, &a->v2_key_pem) == -1 ||
	    sq_col_dup(st, 9, &a->v2_account_url) == -1 ||
	    sq_col_copy(st, 10, mode, sizeof(mode)) == -1 ||
	    (mode[0] != '\0' && account_mode_parse(mode, &a->mode) == -1) ||
	    sq_col_copy(st, 11, a->group_name, sizeof(a->group_name)) == -1) {
		store_account_clear(a);
		return -1;
	}
	return 0;
}

static int
group_row(sqlite3_stmt *st, void *out)
{
	struct store_group *g = out;

	g->not_before = sqlite3_column_int64(st, 3);
	g->created_at = sqlite3_column_int64(st, 4);
	if (sq_col_copy(st, 0, g->name, sizeof(g->name)) == -1 ||
	    sq_col_copy(st, 5, g->upstream, sizeof(g->upstream)) == -1 ||
	    sq_col_dup(st, 1, &g->v2_key_pem) == -1 ||
	    sq_col_dup(st, 2, &g->v2_account_url) == -1) {
		store_group_clear(g);
		return -1;
	}
	return 0;
}

/* accounts */

int
sq_account_insert(void *impl, struct store_account *a)
{
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

	return sq_insert(impl, ST_ACC_INS, arg, ARG_N(arg), &a->id, __func__);
}

int
sq_account_update(void *impl, const struct store_account *a)
{
	const struct store_arg arg[] = {
		ARG_T(a->thumbprint),
		ARG_T(a->jwk),
		ARG_T(a->contact),
		ARG_T(a->agreement),
		ARG_T(account_status_name(a->status)),
		ARG_T(a->v2_key_pem),
		ARG_I(a->id),
	};

	return sq_update(impl, ST_ACC_UPD, arg, ARG_N(arg), __func__);
}

int
sq_account_by_thumbprint(
    void *impl, const char *upstream, const char *tp, struct store_account *out)
{
	const struct store_arg arg[] = { ARG_T(tp), ARG_T(upstream) };

	return sq_get(impl, ST_ACC_BY_TP, arg, ARG_N(arg), account_row, out,
	    sizeof(*out), __func__);
}

int
sq_account_by_id(void *impl, long long id, struct store_account *out)
{
	const struct store_arg arg[] = { ARG_I(id) };

	return sq_get(impl, ST_ACC_BY_ID, arg, ARG_N(arg), account_row, out,
	    sizeof(*out), __func__);
}

int
sq_account_set_mode(
    void *impl, long long id, enum account_mode mode, const char *group_name)
{
	const struct store_arg arg[] = {
		ARG_T(account_mode_name(mode)),
		ARG_T(group_or_null(group_name)),
		ARG_I(id),
	};

	return sq_update(impl, ST_ACC_MODE, arg, ARG_N(arg), __func__);
}

int
sq_account_set_upstream(void *impl, long long id, const char *url)
{
	const struct store_arg arg[] = { ARG_T(url), ARG_I(id) };

	return sq_update(impl, ST_ACC_URL, arg, ARG_N(arg), __func__);
}

int
sq_account_set_not_before(void *impl, long long id, long long nb)
{
	const struct store_arg arg[] = { ARG_I(nb), ARG_I(id) };

	return sq_update(impl, ST_ACC_NB, arg, ARG_N(arg), __func__);
}

long long
sq_account_count_group(void *impl, const char *upstream, const char *name)
{
	const struct store_arg arg[] = { ARG_T(name), ARG_T(upstream) };
	long long n;

	if (sq_ints(impl, ST_ACC_COUNT_G, arg, ARG_N(arg), &n, 1, __func__) ==
	    -1)
		return -1;
	return n;
}

/* groups */

int
sq_group_get(
    void *impl, const char *upstream, const char *name, struct store_group *out)
{
	const struct store_arg arg[] = { ARG_T(name), ARG_T(upstream) };

	return sq_get(impl, ST_G_GET, arg, ARG_N(arg), group_row, out,
	    sizeof(*out), __func__);
}

int
sq_group_insert(void *impl, const struct store_group *g)
{
	const struct store_arg arg[] = {
		ARG_T(g->name),
		ARG_T(g->v2_key_pem),
		ARG_T(g->v2_account_url),
		ARG_I(g->not_before),
		ARG_I(g->created_at),
		ARG_T(g->upstream),
	};
	long long n;

	/* ON CONFLICT DO NOTHING: no row changed means the group existed */
	if ((n = sq_exec(impl, ST_G_INS, arg, ARG_N(arg), __func__)) == -1)
		return -1;
	return n > 0 ? 0 : 1;
}

int
sq_group_set_upstream(
    void *impl, const char *upstream, const char *name, const char *url)
{
	const struct store_arg arg[] = { ARG_T(url), ARG_T(name),
		ARG_T(upstream) };

	return sq_update(impl, ST_G_URL, arg, ARG_N(arg), __func__);
}

int
sq_group_set_not_before(
    void *impl, const char *upstream, const char *name, long long nb)
{
	const struct store_arg arg[] = { ARG_I(nb), ARG_T(name),
		ARG_T(upstream) };

	return sq_update(impl, ST_G_NB, arg, ARG_N(arg), __func__);
}

/* Accounts stored before thumbprints were canonical (issue 8 item 4) keep
 * the thumbprint of the JWK as the client spelled it (say, n with a zero
 * octet in front): each open rewrites it to the canonical one, so that the
 * key still finds its account. A row whose canonical thumbprint another
 * row holds (one key registered twice, once per spelling) keeps its own
 * (UPDATE OR IGNORE). Rows already canonical are left alone, so after the
 * first open this only reads. */
int
sq_canonical_thumbprints(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	char tp[JWK_THUMBPRINT_LEN + 1];
	const char *old, *text;
	json_t *j;
	int step, fix;

	if (sqlite3_prepare_v2(db, "SELECT id, thumbprint, jwk FROM accounts",
		-1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"UPDATE OR IGNORE accounts SET thumbprint = ?1 WHERE id = ?2",
		-1, &upd, NULL) != SQLITE_OK)
		goto fail;
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		old = (const char *)sqlite3_column_text(sel, 1);
		text = (const char *)sqlite3_column_text(sel, 2);
		j = text != NULL ? json_loads(text, 0, NULL) : NULL;
		fix = j != NULL && jwk_thumbprint(j, tp) == 0 && old != NULL &&
		    strcmp(tp, old) != 0;
		json_decref(j);
		if (!fix)
			continue;
		sqlite3_reset(upd);
		if (sqlite3_bind_text(upd, 1, tp, -1, SQLITE_TRANSIENT) !=
			SQLITE_OK ||
		    sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0)) !=
			SQLITE_OK ||
		    sqlite3_step(upd) != SQLITE_DONE)
			goto fail;
	}
	if (step != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return 0;
fail:
	sq_seterr(err, errlen, "store_open_sqlite", sqlite3_errmsg(db));
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return -1;
}
