/* store_objects.c: the SQLite state store's authorizations, http-01 answers,
 * certificates and issuers (the handle and shared helpers: store.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

/* Column i as a malloc'd blob; NULL and 0 for SQL NULL or empty. */
static int
col_blob(sqlite3_stmt *st, int i, unsigned char **out, size_t *len)
{
	const void *b;
	int n;

	*out = NULL;
	*len = 0;
	b = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	if (b == NULL || n <= 0)
		return 0;
	if ((*out = malloc((size_t)n)) == NULL)
		return -1;
	memcpy(*out, b, (size_t)n);
	*len = (size_t)n;
	return 0;
}

/* authzs */

/* Bind the columns shared by insert and update (?1 .. ?11). */
static int
authz_bind(sqlite3_stmt *st, const struct store_authz *z)
{
	return store_bi(st, 1, z->account_id) || store_bt(st, 2, z->name) ||
	    store_bt(st, 3, authz_status_name(z->status)) ||
	    store_bi(st, 4, z->expires) ||
	    store_bt(st, 5, z->token) || store_bt(st, 6, z->v2_order_url) ||
	    store_bt(st, 7, z->v2_authz_url) ||
	    store_bt(st, 8, z->v2_chall_url) || store_bt(st, 9, z->error) ||
	    store_bt(st, 10, z->key_authorization) ||
	    store_bi(st, 11, z->created_at);
}

int
store_authz_insert(struct store *s, struct store_authz *z)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_AZ_INS, __func__)) == NULL ||
	    store_run(s, st, authz_bind(st, z), __func__) == -1)
		return -1;
	z->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_authz_update(struct store *s, const struct store_authz *z)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_AZ_UPD, __func__)) == NULL)
		return -1;
	return store_update(s, st, authz_bind(st, z) ||
	    store_bi(st, 12, z->id), __func__);
}

static int
authz_row(sqlite3_stmt *st, void *out)
{
	struct store_authz *z = out;
	char status[16];

	z->id = sqlite3_column_int64(st, 0);
	z->account_id = sqlite3_column_int64(st, 1);
	z->expires = sqlite3_column_int64(st, 4);
	z->created_at = sqlite3_column_int64(st, 11);
	if (store_col_copy(st, 2, z->name, sizeof(z->name)) == -1 ||
	    store_col_copy(st, 3, status, sizeof(status)) == -1 ||
	    authz_status_parse(status, &z->status) == -1 ||
	    store_col_copy(st, 5, z->token, sizeof(z->token)) == -1 ||
	    store_col_dup(st, 6, &z->v2_order_url) == -1 ||
	    store_col_dup(st, 7, &z->v2_authz_url) == -1 ||
	    store_col_dup(st, 8, &z->v2_chall_url) == -1 ||
	    store_col_dup(st, 9, &z->error) == -1 ||
	    store_col_dup(st, 10, &z->key_authorization) == -1)
		return -1;
	return 0;
}

static void
authz_clear(void *out)
{
	store_authz_clear(out);
}

static const struct store_row authz_rows = {
	sizeof(struct store_authz), authz_row, authz_clear
};

int
store_authz_by_id(struct store *s, long long id, struct store_authz *out)
{
	return store_get_int(s, ST_AZ_BY_ID, id, &authz_rows, out, __func__);
}

static int
authz_find(struct store *s, long long account_id, const char *name,
    const char *status, long long now, struct store_authz *out,
    const char *fn)
{
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	if ((st = store_stmt(s, ST_AZ_FIND, fn)) == NULL)
		return -1;
	return store_get(s, st, store_bi(st, 1, account_id) ||
	    store_bt(st, 2, name) || store_bt(st, 3, status) ||
	    store_bi(st, 4, now), &authz_rows, out, fn);
}

int
store_authz_find_valid(struct store *s, long long account_id,
    const char *name, long long now, struct store_authz *out)
{
	return authz_find(s, account_id, name, "valid", now, out, __func__);
}

int
store_authz_find_pending(struct store *s, long long account_id,
    const char *name, long long now, struct store_authz *out)
{
	return authz_find(s, account_id, name, "pending", now, out, __func__);
}

int
store_authz_deactivate_account(struct store *s, long long account_id)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_AZ_DEACT, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, account_id), __func__) == -1)
		return -1;
	return sqlite3_changes(s->db);
}

/* http-01 answers */

int
store_http01_put(struct store *s, const char *token, const char *keyauth,
    long long expires)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_H_PUT, __func__)) == NULL)
		return -1;
	return store_run(s, st, store_bt(st, 1, token) ||
	    store_bt(st, 2, keyauth) || store_bi(st, 3, expires), __func__);
}

int
store_http01_get(struct store *s, const char *token, long long now,
    char **keyauth)
{
	sqlite3_stmt *st;
	int rc = -1;

	*keyauth = NULL;
	if ((st = store_stmt(s, ST_H_GET, __func__)) == NULL)
		return -1;
	if (store_bt(st, 1, token) || store_bi(st, 2, now)) {
		store_logerr(s, __func__);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		store_logerr(s, __func__);
		rc = -1;
		goto out;
	}
	if (store_col_dup(st, 0, keyauth) == -1) {
		fprintf(stderr, "%s: out of memory\n", __func__);
		rc = -1;
		goto out;
	}
	rc = *keyauth != NULL ? 0 : 1;
out:
	store_done(st);
	return rc;
}

int
store_http01_delete(struct store *s, const char *token)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_H_DEL, __func__)) == NULL)
		return -1;
	return store_run(s, st, store_bt(st, 1, token), __func__);
}

int
store_http01_expire(struct store *s, long long now)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_H_EXP, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, now), __func__) == -1)
		return -1;
	return sqlite3_changes(s->db);
}

/* certificates */

/* Bind a blob (zero-length for NULL/0); nonzero on error. */
static int
bb(sqlite3_stmt *st, int i, const unsigned char *b, size_t len)
{
	if (b == NULL || len == 0)
		return sqlite3_bind_zeroblob(st, i, 0);
	return sqlite3_bind_blob64(st, i, b, (sqlite3_uint64)len,
	    SQLITE_TRANSIENT);
}

int
store_cert_insert(struct store *s, struct store_cert *c)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_C_INS, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, c->account_id) ||
	    store_bt(st, 2, c->serial) || bb(st, 3, c->der, c->der_len) ||
	    store_bt(st, 4, c->chain_pem) || store_bt(st, 5, c->issuer_id) ||
	    store_bi(st, 6, c->not_after) || store_bi(st, 7, c->created_at) ||
	    store_bt(st, 8, c->v2_cert_url) || store_bi(st, 9, c->revoked),
	    __func__) == -1)
		return -1;
	c->id = sqlite3_last_insert_rowid(s->db);
	return 0;
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
	if (store_col_copy(st, 2, c->serial, sizeof(c->serial)) == -1 ||
	    col_blob(st, 3, &c->der, &c->der_len) == -1 ||
	    store_col_dup(st, 4, &c->chain_pem) == -1 ||
	    store_col_copy(st, 5, c->issuer_id, sizeof(c->issuer_id)) == -1 ||
	    store_col_dup(st, 8, &c->v2_cert_url) == -1)
		return -1;
	return 0;
}

static void
cert_clear(void *out)
{
	store_cert_clear(out);
}

static const struct store_row cert_rows = {
	sizeof(struct store_cert), cert_row, cert_clear
};

int
store_cert_by_serial(struct store *s, const char *serial,
    struct store_cert *out)
{
	return store_get_text(s, ST_C_BY_SERIAL, serial, &cert_rows, out,
	    __func__);
}

int
store_cert_set_revoked(struct store *s, long long id)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_C_REVOKE, __func__)) == NULL)
		return -1;
	return store_update(s, st, store_bi(st, 1, id), __func__);
}

/* issuers */

int
store_issuer_put(struct store *s, const char *id, const unsigned char *der,
    size_t len, const char *up_id)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_I_PUT, __func__)) == NULL)
		return -1;
	return store_run(s, st, store_bt(st, 1, id) || bb(st, 2, der, len) ||
	    store_bt(st, 3, up_id != NULL ? up_id : ""), __func__);
}

/* What store_issuer_get fills from a row. */
struct issuer_out {
	unsigned char **der;
	size_t *len;
	char up[33];
};

static int
issuer_row(sqlite3_stmt *st, void *out)
{
	struct issuer_out *o = out;

	if (store_col_copy(st, 1, o->up, sizeof(o->up)) == -1 ||
	    col_blob(st, 0, o->der, o->len) == -1)
		return -1;
	return 0;
}

int
store_issuer_get(struct store *s, const char *id, unsigned char **der,
    size_t *len, char up_id[33])
{
	struct issuer_out o = { der, len, "" };
	sqlite3_stmt *st;
	int rc = -1;

	*der = NULL;
	*len = 0;
	if (up_id != NULL)
		up_id[0] = '\0';
	if ((st = store_stmt(s, ST_I_GET, __func__)) == NULL)
		return -1;
	if (store_bt(st, 1, id))
		store_logerr(s, __func__);
	else
		rc = store_lookup(s, st, __func__, issuer_row, &o);
	store_done(st);
	if (rc == 0 && up_id != NULL)
		memcpy(up_id, o.up, sizeof(o.up));
	return rc;
}
