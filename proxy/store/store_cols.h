/* store_cols.h: the columns a record is read from, in the order both SQL
 * stores' row functions take them (store_sqlite*.c, proxy/pgstore): one
 * list per record, so the two implementations cannot drift apart. */
#ifndef STORE_COLS_H
#define STORE_COLS_H

#define ACC_COLS \
	"id, thumbprint, jwk, contact, agreement, initial_ip, " \
	"created_at, status, v2_key_pem, v2_account_url, mode, group_name, " \
	"not_before, upstream"
#define G_COLS \
	"name, v2_key_pem, v2_account_url, not_before, created_at, upstream"
#define AZ_COLS \
	"id, account_id, name, status, expires, token, v2_order_url, " \
	"v2_authz_url, v2_chall_url, error, key_authorization, created_at, " \
	"public_id, numeric_url, v2_finalize_url"
#define C_COLS \
	"id, account_id, serial, der, chain_pem, issuer_id, not_after, " \
	"created_at, v2_cert_url, revoked"

#endif
