/* store_pg_objects.c: the PostgreSQL store's authorizations, http-01
 * answers, certificates and issuers (store.h; the handle and helpers:
 * store_pg.c). The twin of store_sqlite_objects.c. */
#include <stdlib.h>
#include <string.h>

#include "store_cols.h"
#include "store_pg.h"

/* Rows into records: the columns of AZ_COLS and C_COLS in order. On
 * failure what was filled is freed again (pg_get). */

static int
authz_row(const PGresult *res, int r, void *out)
{
	struct store_authz *z = out;
	char status[16];

	z->id = pg_col_int(res, r, 0);
	z->account_id = pg_col_int(res, r, 1);
	z->expires = pg_col_int(res, r, 4);
	z->created_at = pg_col_int(res, r, 11);
	z->numeric_url = (int)pg_col_int(res, r, 13);
	if (pg_col_copy(res, r, 2, z->name, sizeof(z->name)) == -1 ||
	    pg_col_copy(res, r, 3, status, sizeof(status)) == -1 ||
	    authz_status_parse(status, &z->status) == -1 ||
	    pg_col_copy(res, r, 5, z->token, sizeof(z->token)) == -1 ||
	    pg_col_dup(res, r, 6, &z->v2_order_url) == -1 ||
	    pg_col_dup(res, r, 7, &z->v2_authz_url) == -1 ||
	    pg_col_dup(res, r, 8, &z->v2_chall_url) == -1 ||
	    pg_col_dup(res, r, 9, &z->error) == -1 ||
	    pg_col_dup(res, r, 10, &z->key_authorization) == -1 ||
	    pg_col_dup(res, r, 14, &z->v2_finalize_url) == -1 ||
	    pg_col_copy(res, r, 12, z->public_id, sizeof(z->public_id)) == -1) {
		store_authz_clear(z);
		return -1;
	}
	return 0;
}

/* The key authorization; a row whose keyauth is NULL counts as none. */
static int
keyauth_row(const PGresult *res, int r, void *out)
{
	return pg_col_dup(res, r, 0, out);
}

static int
cert_row(const PGresult *res, int r, void *out)
{
	struct store_cert *c = out;

	c->id = pg_col_int(res, r, 0);
	c->account_id = pg_col_int(res, r, 1);
	c->not_after = pg_col_int(res, r, 6);
	c->created_at = pg_col_int(res, r, 7);
	c->revoked = (int)pg_col_int(res, r, 9);
	if (pg_col_copy(res, r, 2, c->serial, sizeof(c->serial)) == -1 ||
	    pg_col_blob(res, r, 3, &c->der, &c->der_len) == -1 ||
	    pg_col_dup(res, r, 4, &c->chain_pem) == -1 ||
	    pg_col_copy(res, r, 5, c->issuer_id, sizeof(c->issuer_id)) == -1 ||
	    pg_col_dup(res, r, 8, &c->v2_cert_url) == -1) {
		store_cert_clear(c);
		return -1;
	}
	return 0;
}

/* What pg_issuer_get fills from a row. */
struct issuer_out {
	unsigned char *der;
	size_t len;
	char up[33];
};

static int
issuer_row(const PGresult *res, int r, void *out)
{
	struct issuer_out *o = out;

	/* the blob last: nothing to free when the copy fails */
	if (pg_col_copy(res, r, 1, o->up, sizeof(o->up)) == -1 ||
	    pg_col_blob(res, r, 0, &o->der, &o->len) == -1)
		return -1;
	return 0;
}

/* authzs */

/* The columns shared by insert and update ($1 .. $12), then $13 = the
 * public id for the insert, the id for the update. */
#define AUTHZ_ARGS(z) \
	ARG_I((z)->account_id), ARG_T((z)->name), \
	    ARG_T(authz_status_name((z)->status)), ARG_I((z)->expires), \
	    ARG_T((z)->token), ARG_T((z)->v2_order_url), \
	    ARG_T((z)->v2_authz_url), ARG_T((z)->v2_chall_url), \
	    ARG_T((z)->error), ARG_T((z)->key_authorization), \
	    ARG_I((z)->created_at), ARG_T((z)->v2_finalize_url)

int
pg_authz_insert(void *impl, struct store_authz *z)
{
	/* numeric_url takes its default, 0 (store.h) */
	static const char sql[] =
	    "INSERT INTO authzs(account_id, name, status, expires, "
	    "token, v2_order_url, v2_authz_url, v2_chall_url, error, "
	    "key_authorization, created_at, v2_finalize_url, public_id) "
	    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
	    "RETURNING id";
	const struct store_arg arg[] = { AUTHZ_ARGS(z), ARG_T(z->public_id) };

	return pg_tx_write(impl, sql, arg, ARG_N(arg), &z->id, __func__) == -1
	    ? -1
	    : 0;
}

int
pg_authz_update(void *impl, const struct store_authz *z)
{
	static const char sql[] =
	    "UPDATE authzs SET account_id = $1, name = $2, "
	    "status = $3, expires = $4, token = $5, v2_order_url = $6, "
	    "v2_authz_url = $7, v2_chall_url = $8, error = $9, "
	    "key_authorization = $10, created_at = $11, "
	    "v2_finalize_url = $12 WHERE id = $13";
	const struct store_arg arg[] = { AUTHZ_ARGS(z), ARG_I(z->id) };

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}

int
pg_authz_by_id(void *impl, long long id, struct store_authz *out)
{
	static const char sql[] = "SELECT " AZ_COLS
				  " FROM authzs WHERE id = $1";
	const struct store_arg arg[] = { ARG_I(id) };

	return pg_get(
	    impl, sql, arg, ARG_N(arg), authz_row, out, sizeof(*out), __func__);
}

int
pg_authz_by_public_id(
    void *impl, const char *upstream, const char *pid, struct store_authz *out)
{
	static const char sql[] =
	    "SELECT " AZ_COLS " FROM authzs WHERE public_id = $1 "
	    "AND account_id IN (SELECT id FROM accounts WHERE upstream = $2)";
	const struct store_arg arg[] = { ARG_T(pid), ARG_T(upstream) };

	return pg_get(
	    impl, sql, arg, ARG_N(arg), authz_row, out, sizeof(*out), __func__);
}

int
pg_authz_find(void *impl, long long account_id, const char *name,
    enum authz_status status, long long now, struct store_authz *out)
{
	/* the newest: ids grow with every insert (store.h) */
	static const char sql[] =
	    "SELECT " AZ_COLS " FROM authzs WHERE account_id = $1 "
	    "AND name = $2 AND status = $3 AND expires > $4 "
	    "ORDER BY id DESC LIMIT 1";
	const struct store_arg arg[] = {
		ARG_I(account_id),
		ARG_T(name),
		ARG_T(authz_status_name(status)),
		ARG_I(now),
	};

	return pg_get(
	    impl, sql, arg, ARG_N(arg), authz_row, out, sizeof(*out), __func__);
}

int
pg_authz_deactivate_account(void *impl, long long account_id)
{
	static const char sql[] =
	    "UPDATE authzs SET status = 'deactivated' "
	    "WHERE account_id = $1 AND status IN ('pending', 'valid')";
	const struct store_arg arg[] = { ARG_I(account_id) };

	return (int)pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__);
}

/* http-01 answers */

int
pg_http01_put(
    void *impl, const char *token, const char *keyauth, long long expires)
{
	static const char sql[] =
	    "INSERT INTO http01(token, keyauth, expires) VALUES($1, $2, $3) "
	    "ON CONFLICT(token) DO UPDATE SET keyauth = EXCLUDED.keyauth, "
	    "expires = EXCLUDED.expires";
	const struct store_arg arg[] = { ARG_T(token), ARG_T(keyauth),
		ARG_I(expires) };

	return pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__) == -1
	    ? -1
	    : 0;
}

int
pg_http01_get(void *impl, const char *token, long long now, char **keyauth)
{
	static const char sql[] =
	    "SELECT keyauth FROM http01 WHERE token = $1 AND expires > $2";
	const struct store_arg arg[] = { ARG_T(token), ARG_I(now) };
	int rc;

	rc = pg_get(impl, sql, arg, ARG_N(arg), keyauth_row, keyauth,
	    sizeof(*keyauth), __func__);
	return rc == 0 && *keyauth == NULL ? 1 : rc;
}

int
pg_http01_delete(void *impl, const char *token)
{
	static const char sql[] = "DELETE FROM http01 WHERE token = $1";
	const struct store_arg arg[] = { ARG_T(token) };

	return pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__) == -1
	    ? -1
	    : 0;
}

int
pg_http01_expire(void *impl, long long now)
{
	static const char sql[] = "DELETE FROM http01 WHERE expires <= $1";
	const struct store_arg arg[] = { ARG_I(now) };

	return (int)pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__);
}

/* certificates */

int
pg_cert_insert(void *impl, struct store_cert *c)
{
	static const char sql[] =
	    "INSERT INTO certs(account_id, serial, der, chain_pem, "
	    "issuer_id, not_after, created_at, v2_cert_url, revoked) "
	    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
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

	return pg_tx_write(impl, sql, arg, ARG_N(arg), &c->id, __func__) == -1
	    ? -1
	    : 0;
}

int
pg_cert_by_serial(void *impl, const char *upstream, const char *serial,
    struct store_cert *out)
{
	static const char sql[] =
	    "SELECT " C_COLS " FROM certs WHERE serial = $1 "
	    "AND account_id IN (SELECT id FROM accounts WHERE upstream = $2)";
	const struct store_arg arg[] = { ARG_T(serial), ARG_T(upstream) };

	return pg_get(
	    impl, sql, arg, ARG_N(arg), cert_row, out, sizeof(*out), __func__);
}

int
pg_cert_set_revoked(void *impl, long long id)
{
	static const char sql[] = "UPDATE certs SET revoked = 1 WHERE id = $1";
	const struct store_arg arg[] = { ARG_I(id) };

	return pg_tx_update(impl, sql, arg, ARG_N(arg), __func__);
}

/* issuers */

int
pg_issuer_put(void *impl, const char *id, const unsigned char *der, size_t len,
    const char *up_id)
{
	static const char sql[] =
	    "INSERT INTO issuers(id, der, up_id) VALUES($1, $2, $3) "
	    "ON CONFLICT(id) DO UPDATE SET der = EXCLUDED.der, "
	    "up_id = EXCLUDED.up_id";
	const struct store_arg arg[] = {
		ARG_T(id),
		ARG_B(der, len),
		ARG_T(up_id != NULL ? up_id : ""),
	};

	return pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__) == -1
	    ? -1
	    : 0;
}

int
pg_issuer_get(void *impl, const char *id, unsigned char **der, size_t *len,
    char up_id[33])
{
	static const char sql[] =
	    "SELECT der, up_id FROM issuers WHERE id = $1";
	const struct store_arg arg[] = { ARG_T(id) };
	struct issuer_out o;
	int rc;

	if (up_id != NULL)
		up_id[0] = '\0';
	rc = pg_get(
	    impl, sql, arg, ARG_N(arg), issuer_row, &o, sizeof(o), __func__);
	*der = o.der;
	*len = o.len;
	if (rc == 0 && up_id != NULL)
		memcpy(up_id, o.up, sizeof(o.up));
	return rc;
}
