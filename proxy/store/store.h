/* store.h: the SQLite state store (WAL): v1 accounts mapped to the bridge's
 * v2 keys and account URLs, shared account groups, v1 authorizations, the
 * http-01 answers the responder serves, certificates and issuers. All functions return 0 on
 * success, 1 for "not found" where a lookup says so, -1 on a database error
 * (logged to stderr with the function name). Strings in structs are owned by
 * the struct: free them with the matching *_clear function. */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include "jwk.h"
#include "records.h"

struct store;

#define STORE_SCHEMA_VERSION 3	/* PRAGMA user_version */

/* Open or create the database at path (":memory:" for tests), create the
 * schema or upgrade an older one in place (version 1 -> 2: account modes,
 * groups, not_before; 2 -> 3: the client inventory, inventory.h), enable
 * WAL, and make the file (and its -wal/-shm) mode 0600. A newer schema is
 * refused. On failure writes the cause to err and returns NULL. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);

/* One statement-level transaction around several writes. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Insert; assigns a->id. */
int store_account_insert(struct store *s, struct store_account *a);
/* Rewrite the v1 columns and v2_key_pem of the row a->id. Not
 * v2_account_url, mode, group_name, not_before: the setters below write
 * those, so a request holding an older copy of the row cannot undo them. */
int store_account_update(struct store *s, const struct store_account *a);
/* Set the mode and the group (NULL or "" for none) of account id. */
int store_account_set_mode(struct store *s, long long id, enum account_mode mode,
    const char *group_name);
/* Set the upstream account URL (NULL to forget it) of account id. */
int store_account_set_upstream(struct store *s, long long id,
    const char *v2_account_url);
int store_account_set_not_before(struct store *s, long long id,
    long long not_before);
/* How many accounts use group name (mode "shared"); -1 on error. */
long long store_account_count_group(struct store *s, const char *name);
int store_account_by_thumbprint(struct store *s, const char *thumbprint,
    struct store_account *out);		/* 0, 1 not found, -1 */
int store_account_by_id(struct store *s, long long id,
    struct store_account *out);		/* 0, 1 not found, -1 */

/* 0, 1 not found, -1. */
int store_group_get(struct store *s, const char *name, struct store_group *out);
/* Insert g unless a group of that name exists: 0 inserted, 1 it existed
 * (nothing changed), -1. */
int store_group_insert(struct store *s, const struct store_group *g);
int store_group_set_upstream(struct store *s, const char *name,
    const char *v2_account_url);
int store_group_set_not_before(struct store *s, const char *name,
    long long not_before);

int store_authz_insert(struct store *s, struct store_authz *z);	/* sets id */
int store_authz_update(struct store *s, const struct store_authz *z);
int store_authz_by_id(struct store *s, long long id, struct store_authz *out);
/* The newest authz of account for name with status valid and expires > now
 * (0), or 1 when none. */
int store_authz_find_valid(struct store *s, long long account_id,
    const char *name, long long now, struct store_authz *out);
/* The newest pending one with expires > now, same convention. */
int store_authz_find_pending(struct store *s, long long account_id,
    const char *name, long long now, struct store_authz *out);
/* Mark every pending or valid authz of account deactivated (its upstream
 * account changed); returns how many, or -1. */
int store_authz_deactivate_account(struct store *s, long long account_id);

/* http-01 answers: token -> key authorization, until expires. */
int store_http01_put(struct store *s, const char *token, const char *keyauth,
    long long expires);
/* 0 and *keyauth malloc'd; 1 when unknown or expired. */
int store_http01_get(struct store *s, const char *token, long long now,
    char **keyauth);
int store_http01_delete(struct store *s, const char *token);
/* Delete expired answers; returns how many or -1. */
int store_http01_expire(struct store *s, long long now);

int store_cert_insert(struct store *s, struct store_cert *c);	/* sets id */
int store_cert_by_serial(struct store *s, const char *serial,
    struct store_cert *out);		/* 0, 1, -1 */
int store_cert_set_revoked(struct store *s, long long id);

/* Issuer certificates (intermediates), by id = first 32 hex chars of the
 * SHA-256 of the DER; up_id is the next issuer's id or "" (root not kept). */
int store_issuer_put(struct store *s, const char *id, const unsigned char *der,
    size_t len, const char *up_id);
/* 0 with *der malloc'd and up_id filled (33 bytes), 1 when unknown. */
int store_issuer_get(struct store *s, const char *id, unsigned char **der,
    size_t *len, char up_id[33]);

#endif
