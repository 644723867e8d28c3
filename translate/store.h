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

struct store_account {
	long long id;			/* v1 registration id (1, 2, ...) */
	char thumbprint[JWK_THUMBPRINT_LEN + 1];	/* of the v1 key */
	char *jwk;			/* v1 public JWK, JSON text */
	char *contact;			/* JSON array text, or NULL */
	char *agreement;		/* agreed v1 terms URL, or NULL */
	char initial_ip[64];
	long long created_at;		/* unix seconds */
	char status[16];		/* "valid" | "deactivated" */
	char *v2_key_pem;		/* bridge's private P-256 key, PKCS#8 PEM;
					 * imported: the host's own key */
	char *v2_account_url;		/* upstream account URL (kid), or NULL */
	/* How the upstream account is chosen (proxy/accounts.h): */
	char mode[16];			/* "per-client" (default) | "shared" |
					 * "imported" */
	char group_name[65];		/* shared: the group, else "" */
	long long not_before;		/* no upstream account creation before
					 * this (unix s; rateLimited), 0 */
};

void store_account_clear(struct store_account *a);
/* Insert; assigns a->id. mode "" is stored as "per-client". */
int store_account_insert(struct store *s, struct store_account *a);
/* Rewrite the v1 columns and v2_key_pem of the row a->id. Not
 * v2_account_url, mode, group_name, not_before: the setters below write
 * those, so a request holding an older copy of the row cannot undo them. */
int store_account_update(struct store *s, const struct store_account *a);
/* Set the mode and the group (NULL or "" for none) of account id. */
int store_account_set_mode(struct store *s, long long id, const char *mode,
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

/* Shared account groups: one bridge-held key and upstream account for every
 * v1 account the config puts in the group, created on first need. */
struct store_group {
	char name[65];
	char *v2_key_pem;		/* PKCS#8 PEM */
	char *v2_account_url;		/* NULL until created upstream */
	long long not_before;		/* as in store_account */
	long long created_at;
};

void store_group_clear(struct store_group *g);
/* 0, 1 not found, -1. */
int store_group_get(struct store *s, const char *name, struct store_group *out);
/* Insert g unless a group of that name exists: 0 inserted, 1 it existed
 * (nothing changed), -1. */
int store_group_insert(struct store *s, const struct store_group *g);
int store_group_set_upstream(struct store *s, const char *name,
    const char *v2_account_url);
int store_group_set_not_before(struct store *s, const char *name,
    long long not_before);

struct store_authz {
	long long id;			/* v1 authz id */
	long long account_id;
	char name[254];			/* lower-cased DNS name */
	char status[16];		/* v1 status: pending|valid|invalid|deactivated */
	long long expires;		/* unix seconds */
	char token[48];			/* the bridge's v1 token for this authz */
	char *v2_order_url;
	char *v2_authz_url;
	char *v2_chall_url;		/* the upstream http-01 challenge */
	char *error;			/* v1 problem JSON text for invalid, or NULL */
	char *key_authorization;	/* what the v1 client posted, or NULL */
	long long created_at;
};

void store_authz_clear(struct store_authz *z);
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

struct store_cert {
	long long id;
	long long account_id;
	char serial[80];		/* lower-case hex, as in the v1 cert URL */
	unsigned char *der;		/* the leaf */
	size_t der_len;
	char *chain_pem;		/* the upstream chain as downloaded */
	char issuer_id[33];		/* first issuer's id, "" when none */
	long long not_after;		/* unix seconds */
	long long created_at;
	char *v2_cert_url;
	int revoked;
};

void store_cert_clear(struct store_cert *c);
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
