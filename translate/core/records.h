/* records.h: the bridge's records: a v1 account mapped to the v2 key and
 * account that sign for it, shared account groups, v1 authorizations and
 * certificates. The store (proxy/store) persists them; the v1 layer renders
 * them. Strings are owned by the record: free them with its *_clear. */
#ifndef RECORDS_H
#define RECORDS_H

#include <stddef.h>

#include "b64url.h"

/* Closed sets, as enums; their wire and store spellings are the names
 * below ("valid", "per-client", ...). */
enum account_status { ACCOUNT_VALID, ACCOUNT_DEACTIVATED };
enum account_mode { ACCOUNT_PER_CLIENT, ACCOUNT_SHARED, ACCOUNT_IMPORTED };
enum authz_status {
	AUTHZ_PENDING,
	AUTHZ_VALID,
	AUTHZ_INVALID,
	AUTHZ_DEACTIVATED
};

const char *account_status_name(enum account_status st);
const char *account_mode_name(enum account_mode m);
const char *authz_status_name(enum authz_status st);
/* Spelling -> enum: 0, or -1 for a word that is not one of the names. */
int account_status_parse(const char *s, enum account_status *out);
int account_mode_parse(const char *s, enum account_mode *out);
int authz_status_parse(const char *s, enum authz_status *out);

/* An upstream's path prefix as the store keys accounts and groups by it
 * (issue 9 item 1): "" the root, else "/name" (config's
 * CONFIG_PREFIX_MAX). */
#define STORE_UPSTREAM_MAX 64

struct store_account {
	long long id;			   /* v1 registration id (1, 2, ...) */
	char upstream[STORE_UPSTREAM_MAX]; /* the CA it belongs to */
	char thumbprint[B64URL_SHA256_LEN + 1]; /* of the v1 key */
	char *jwk;				/* v1 public JWK, JSON text */
	char *contact;				/* JSON array text, or NULL */
	char *agreement; /* agreed v1 terms URL, or NULL */
	char initial_ip[64];
	long long created_at; /* unix seconds */
	enum account_status status;
	char *v2_key_pem;     /* bridge's private P-256 key, PKCS#8 PEM;
					 * imported: the host's own key */
	char *v2_account_url; /* upstream account URL (kid), or NULL */
	/* How the upstream account is chosen (proxy/accounts.h): */
	enum account_mode mode;
	char group_name[65];  /* shared: the group, else "" */
	long long not_before; /* no upstream account creation before
					 * this (unix s; rateLimited), 0 */
};

void store_account_clear(struct store_account *a);

/* Shared account groups: one bridge-held key and upstream account for every
 * v1 account the config puts in the group, created on first need. */
struct store_group {
	char upstream[STORE_UPSTREAM_MAX]; /* names are per upstream */
	char name[65];
	char *v2_key_pem;     /* PKCS#8 PEM */
	char *v2_account_url; /* NULL until created upstream */
	long long not_before; /* as in store_account */
	long long created_at;
};

void store_group_clear(struct store_group *g);

/* The random public id of an authorization: 128 bits, base64url. */
#define AUTHZ_PUBLIC_ID_BYTES 16
#define AUTHZ_PUBLIC_ID_LEN 22

struct store_authz {
	long long id; /* v1 authz id (the store's; never in a new URL) */
	/* The id in its v1 URLs (/acme/authz/<public_id>): random, so that
	 * authorizations cannot be found by counting. */
	char public_id[AUTHZ_PUBLIC_ID_LEN + 1];
	/* Created before public ids (store schema 4): its old numeric URL
	 * (/acme/authz/<id>) still resolves, for clients that kept it. */
	int numeric_url;
	long long account_id;
	char name[254];		  /* lower-cased DNS name */
	enum authz_status status; /* v1 status */
	long long expires;	  /* unix seconds */
	char token[48];		  /* the bridge's v1 token for this authz */
	char *v2_order_url;
	char *v2_authz_url;
	char *v2_chall_url;	 /* the upstream http-01 challenge */
	char *v2_finalize_url;	 /* its order's finalize, while no
				  * certificate used that order; or NULL */
	char *error;		 /* v1 problem JSON text for invalid, or NULL */
	char *key_authorization; /* what the v1 client posted, or NULL */
	long long created_at;
};

void store_authz_clear(struct store_authz *z);

struct store_cert {
	long long id;
	long long account_id;
	char serial[80];    /* lower-case hex, as in the v1 cert URL */
	unsigned char *der; /* the leaf */
	size_t der_len;
	char *chain_pem;     /* the upstream chain as downloaded */
	char issuer_id[33];  /* first issuer's id, "" when none */
	long long not_after; /* unix seconds */
	long long created_at;
	char *v2_cert_url;
	int revoked;
};

void store_cert_clear(struct store_cert *c);

#endif
