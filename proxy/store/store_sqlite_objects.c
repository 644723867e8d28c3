/* store_sqlite_objects.c: the SQLite store's authorizations, http-01
 * answers, certificates and issuers (store.h; the handle and helpers:
 * store_sqlite.c). */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_sqlite.h"

/* Rows into records: the columns of AZ_COLS and C_COLS (store_sqlite.c)
 * in order. On failure what was filled is freed again (sq_get). */

static int
authz_row(sqlite3_stmt *st, void *out)
{
	struct store_authz *z = out;
	char status[16];

	z->id = sqlite3_column_int64(st, 0);
	z->account_id = sqlite3_column_int64(st, 1);
	z->expires = sqlite3_column_int64(st, 4);
	z->created_at = sqlite3_column_int64(st, 11);
	z->numeric_url = sqlite3_column_int(st, 13);
	if (sq_col_copy(st, 2, z->name, sizeof(z->name)) == -1 ||
	    sq_col_copy(st, 3, status, sizeof(status)) == -1 ||
	    authz_status_parse(status, &z->status) == -1 ||
	    sq_col_copy(st, 5, z->token, sizeof(z->token)) == -1 ||
	    sq_col_dup(st, 6, &z->v2_order_url) == -1 ||
	    sq_col_dup(st, 7, &z->v2_authz_url) == -1 ||
	    sq_col_dup(st, 8, &z->v2_chall_url) == -1 ||
	    sq_col_dup(st, 9, &z->error) == -1 ||
	    sq_col_dup(st, 10, &z->key_authorization) == -1 ||
	    sq_col_dup(st, 14, &z->v2_finalize_url) == -1 ||
	    sq_col_copy(st, 12, z->public_id, sizeof(z->public_id)) == -1) {
		store_authz_clear(z);
		return -1;
	}
	return 0;
}

/* The key authorization; a row whose keyauth is NULL counts as none. */
static int
keyauth_row(sqlite3_stmt *st, void *out)
{
	return sq_col_dup(st, 0, out);
}

static int
cert_row(sqlite3_stmt *st, void *out)
{
	struct store_cert *c = out;

	c->id = sqlite3_column_int64(st, 0);
	c->account_id = sqlite3_column_int64(st, 1);
	c->not_after = sqlite3_column_int64(st, 6);
	c->created_at = sqlite3_column_int64(st, 7);
	c->revoked = sqlite3_column_int(st, 9);
	if (sq_col_copy(st, 2, c->serial, sizeof(c->serial)) == -1 ||
	    sq_col_blob(st, 3, &c->der, &c->der_len) == -1 ||
	    sq_col_dup(st, 4, &c->chain_pem) == -1 ||
	    sq_col_copy(st, 5, c->issuer_id, sizeof(c->issuer_id)) == -1 ||
	    sq_col_dup(st, 8, &c->v2_cert_url) == -1) {
		store_cert_clear(c);
		return -1;
	}
	return 0;
}

/* What sq_issuer_get fills from a row. */
struct issuer_out {
	unsigned char *der;
	size_t len;
	char up[33];
};

static int
issuer_row(sqlite3_stmt *st, void *out)
{
	struct issuer_out *o = out;

	/* the blob last: nothing to free when the copy fails */
	if (sq_col_copy(st, 1, o->up, sizeof(o->up)) == -1 ||
	    sq_col_blob(st, 0, &o->der, &o->len) == -1)
		return -1;
	return 0;
}

/* authzs */

/* The columns shared by insert and update (?1 .. ?12), then ?13 = the
 * public id for the insert, the id for the update. */
#define AUTHZ_ARGS(z) \
	ARG_I((z)->account_id), ARG_T((z)->name), \
	    ARG_T(authz_status_name((z)->status)), ARG_I((z)->expires), \
	    ARG_T((z)->token), ARG_T((z)->v2_order_url), \
	    ARG_T((z)->v2_authz_url), ARG_T((z)->v2_chall_url), \
	    ARG_T((z)->error), ARG_T((z)->key_authorization), \
	    ARG_I((z)->created_at), ARG_T((z)->v2_finalize_url)

int
sq_authz_insert(void *impl, struct store_authz *z)
{
	const struct store_arg arg[] = { AUTHZ_ARGS(z), ARG_T(z->public_id) };

	return sq_insert(impl, ST_AZ_INS, arg, ARG_N(arg), &z->id, __func__);
}

int
sq_authz_update(void *impl, const struct store_authz *z)
{
	const struct store_arg arg[] = { AUTHZ_ARGS(z), ARG_I(z->id) };

	return sq_update(impl, ST_AZ_UPD, arg, ARG_N(arg), __func__);
}

int
sq_authz_by_id(void *impl, long long id, struct store_authz *out)
{
	const struct store_arg arg[] = { ARG_I(id) };

	return sq_get(impl, ST_AZ_BY_ID, arg, ARG_N(arg), authz_row, out,
	    sizeof(*out), __func__);
}

int
sq_authz_by_public_id(
    void *impl, const char *upstream, const char *pid, struct store_authz *out)
{
	const struct store_arg arg[] = { ARG_T(pid), ARG_T(upstream) };

	return sq_get(impl, ST_AZ_BY_PID, arg, ARG_N(arg), authz_row, out,
	    sizeof(*out), __func__);
}

int
sq_authz_find(void *impl, long long account_id, const char *name,
    enum authz_status status, long long now, struct store_authz *out)
{
	const struct store_arg arg[] = {
		ARG_I(account_id),
		ARG_T(name),
		ARG_T(authz_status_name(status)),
		ARG_I(now),
	};

	return sq_get(impl, ST_AZ_FIND, arg, ARG_N(arg), authz_row, out,
	    sizeof(*out), __func__);
}

int
sq_authz_deactivate_account(void *impl, long long account_id)
{
	const struct store_arg arg[] = { ARG_I(account_id) };

	return (int)sq_exec(impl, ST_AZ_DEACT, arg, ARG_N(arg), __func__);
}

/* http-01 answers */

int
sq_http01_put(
    void *impl, const char *token, const char *keyauth, long long expires)
{
	const struct store_arg arg[] = { ARG_T(token), ARG_T(keyauth),
		ARG_I(expires) };
	long long rc;

	if (sq_relaxed(impl, 1) == -1)
		return -1;
	rc = sq_exec(impl, ST_H_PUT, arg, ARG_N(arg), __func__);
	return sq_relaxed(impl, 0) == -1 || rc == -1 ? -1 : 0;
}

int
sq_http01_get(void *impl, const char *token, long long now, char **keyauth)
{
	const struct store_arg arg[] = { ARG_T(token), ARG_I(now) };
	int rc;

	rc = sq_get(impl, ST_H_GET, arg, ARG_N(arg), keyauth_row, keyauth,
	    sizeof(*keyauth), __func__);
	return rc == 0 && *keyauth == NULL ? 1 : rc;
}

int
sq_http01_delete(void *impl, const char *token)
{
	const struct store_arg arg[] = { ARG_T(token) };

	return sq_exec(impl, ST_H_DEL, arg, ARG_N(arg), __func__) == -1 ? -1
									: 0;
}

int
sq_http01_expire(void *impl, long long now)
{
	const struct store_arg arg[] = { ARG_I(now) };

	return (int)sq_exec(impl, ST_H_EXP, arg, ARG_N(arg), __func__);
}

/* certificates */

int
sq_cert_insert(void *impl, struct store_cert *c)
{
	const struct store_arg arg[] = {
		ARG_I(c->account_id),
		ARG_T(c->serial),
		ARG_B(c->der, c->der_len),
		ARG_T(c->chain_pem),
		ARG_T(c->issuer_id),
		ARG_I(c->not_after),
		ARG_I(c->created_at),
		ARG_T(c->v2_cert_url),
		ARG_I(c->revoked),
	};

	return sq_insert(impl, ST_C_INS, arg, ARG_N(arg), &c->id, __func__);
}

int
sq_cert_by_serial(void *impl, const char *upstream, const char *serial,
    struct store_cert *out)
{
	const struct store_arg arg[] = { ARG_T(serial), ARG_T(upstream) };

	return sq_get(impl, ST_C_BY_SERIAL, arg, ARG_N(arg), cert_row, out,
	    sizeof(*out), __func__);
}

int
sq_cert_set_revoked(void *impl, long long id)
{
	const struct store_arg arg[] = { ARG_I(id) };

	return sq_update(impl, ST_C_REVOKE, arg, ARG_N(arg), __func__);
}

/* issuers */

int
sq_issuer_put(void *impl, const char *id, const unsigned char *der, size_t len,
    const char *up_id)
{
	const struct store_arg arg[] = {
		ARG_T(id),
		ARG_B(der, len),
		ARG_T(up_id != NULL ? up_id : ""),
	};

	return sq_exec(impl, ST_I_PUT, arg, ARG_N(arg), __func__) == -1 ? -1
									: 0;
}

int
sq_issuer_get(void *impl, const char *id, unsigned char **der, size_t *len,
    char up_id[33])
{
	const struct store_arg arg[] = { ARG_T(id) };
	struct issuer_out o;
	int rc;

	if (up_id != NULL)
		up_id[0] = '\0';
	rc = sq_get(impl, ST_I_GET, arg, ARG_N(arg), issuer_row, &o, sizeof(o),
	    __func__);
	*der = o.der;
	*len = o.len;
	if (rc == 0 && up_id != NULL)
		memcpy(up_id, o.up, sizeof(o.up));
	return rc;
}
