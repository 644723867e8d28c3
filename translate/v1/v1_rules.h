/* v1_rules.h: the rules of each v1 operation, apart from replying and from
 * the store. Each function takes the parsed request (and, where a rule needs
 * to know what exists, a lookup passed in as a function pointer and its
 * argument, as jws_v1_verify takes its nonce check) and returns a decision,
 * or -1 with *p filled with exactly the problem a v1 client sees (type,
 * status, detail as Boulder's WFE1 and the e2e tests expect them). None of
 * them allocates unless it says so; none keeps a pointer. */
#ifndef V1_RULES_H
#define V1_RULES_H

#include <stddef.h>
#include <jansson.h>

#include "jws.h"
#include "policy.h"
#include "problem.h"
#include "records.h"

#define V1_CONTACT_MAX 10  /* contact URLs in a registration */
#define V1_CONTACT_LEN 320 /* bytes in one of them */
#define V1_NAME_MAX 254	   /* a DNS name and its NUL */

/* --- the signer (every signed request) ----------------------------------- */

/* The account the signer's key names, as found by the store: rc 0 (found,
 * status is its status), 1 (none) or -1 (store error). 0, or -1 with *p. */
int v1_signer_check(int rc, enum account_status status, struct problem *p);

/* --- registrations (v1_reg.c) ------------------------------------------- */

/* The agreement URLs a registration may name: the bridge's own
 * "<base>/terms", the CA's terms (or NULL) and the one the account agreed
 * to already (or NULL). */
struct v1_terms {
	const char *base;
	const char *upstream;
	const char *current;
};

/* The members of a new-reg/reg payload a client may set. contact is the
 * compact JSON text of the contact array (malloc'd) or NULL when absent;
 * agreement points into the payload (NULL when absent, "" when empty). */
struct v1_reg_update {
	char *contact;
	const char *agreement;
};

/* Check "contact" (mailto: addresses, at most V1_CONTACT_MAX) and
 * "agreement" (one of t's). 0 with *u filled (free with
 * v1_reg_update_clear), or -1 with *p and nothing to free. */
int v1_reg_payload(const json_t *payload, const struct v1_terms *t,
    struct v1_reg_update *u, struct problem *p);
void v1_reg_update_clear(struct v1_reg_update *u);

/* What a reg POST asks of the account's status. */
enum v1_reg_status {
	V1_REG_KEEP,	  /* absent, null, "" or the current status */
	V1_REG_DEACTIVATE /* "deactivated": whatever else it holds */
};

/* The "status" member of a reg POST for an account whose status is cur:
 * 0 with *out set, or -1 with *p (any other value). */
int v1_reg_status(const json_t *payload, enum account_status cur,
    enum v1_reg_status *out, struct problem *p);

/* A reg POST must be signed by the account of its URL. 0 or -1 with *p. */
int v1_reg_owner(long long signer_id, long long url_id, struct problem *p);

/* A new-reg for a key that has an account already (rc 0), none (1) or a
 * store error (-1): 0 when it may register, else -1 with *p. */
int v1_new_reg_check(int rc, struct problem *p);

/* --- authorizations and challenges (v1_authz.c) ------------------------- */

/* The "identifier" of a new-authz payload: a "dns" name, lower-cased into
 * name and checked as a certificate name. 0, or -1 with *p. */
int v1_authz_identifier(
    const json_t *payload, char name[V1_NAME_MAX], struct problem *p);

/* The config's name policy (may be NULL: everything allowed) for the names
 * a client asks for: 0 when every one is allowed, else -1 with *p (the
 * first refused). */
int v1_names_allowed(const json_t *rules, const struct policy_who *w,
    const char *const *names, size_t n, struct problem *p);

/* An authorization as the store gave it (rc 0 found, 1 none, -1 store
 * error), still unexpired at now: 0 or -1 with *p. */
int v1_authz_found(
    int rc, const struct store_authz *z, long long now, struct problem *p);

/* A challenge URL's authorization (rc as above) and index: 0 or -1. */
int v1_chall_found(int rc, int idx, struct problem *p);

/* How often unauthenticated GETs may refresh one pending authorization
 * from upstream (issue 8: each GET was a signed POST-as-GET to the CA).
 * What the bridge remembers of the refreshes of one authorization. */
struct v1_refresh {
	long long last_ms;	 /* the newest refresh began; 0 never */
	long long not_before_ms; /* the CA's Retry-After ran out; 0 none */
	int in_flight;		 /* refreshes of it running now */
};

/* Whether a GET at now_ms refreshes the authorization (1) or answers from
 * the store (0): never while a refresh of it runs (its outcome reaches the
 * store for the next reader), never sooner than interval_ms after the last
 * began, never before the CA's Retry-After. r NULL: nothing remembered. */
int v1_get_refreshes(
    const struct v1_refresh *r, long long now_ms, long interval_ms);
/* The end of a refresh that the CA answered with Retry-After seconds
 * (<= 0: none): r->not_before_ms moved to now_ms + that (at most an hour;
 * never earlier than it was), one refresh fewer in flight. */
void v1_refresh_done(struct v1_refresh *r, long long now_ms, long retry_after);
/* Whether r can be forgotten at now_ms: nothing running and nothing it
 * would refuse any more. */
int v1_refresh_spent(
    const struct v1_refresh *r, long long now_ms, long interval_ms);

/* A challenge POST must come from the authorization's account. */
int v1_chall_owner(
    const struct store_authz *z, long long signer_id, struct problem *p);

/* The optional "keyAuthorization" of a challenge POST against the
 * authorization's token and the signer's thumbprint: 0 when absent, 1 when
 * present and right (want holds it), -1 with *p. */
int v1_key_authorization(const json_t *payload, const char *token,
    const char *thumbprint, char *want, size_t wantlen, struct problem *p);

/* An authorization POST: only "status":"deactivated", by the owner, of a
 * valid or pending authorization. 0 or -1 with *p. */
int v1_authz_deactivate_check(const json_t *payload,
    const struct store_authz *z, long long signer_id, struct problem *p);

/* --- certificates (v1_cert.c) -------------------------------------------- */

/* The "csr" of a new-cert payload decoded: 0 with *der (malloc'd) and
 * *len, or -1 with *p. */
int v1_cert_csr(
    const json_t *payload, unsigned char **der, size_t *len, struct problem *p);

/* Whether the account has a valid authorization for name: 1 yes, 0 no,
 * -1 store error. */
typedef int (*v1_authz_lookup)(void *arg, const char *name);

/* Every name of a certificate needs a valid authorization of the account
 * asking (looked up by fn): 0, or -1 with *p (the names missing, in order,
 * or a store error). */
int v1_cert_authorized(const char *const *names, size_t n, v1_authz_lookup fn,
    void *arg, struct problem *p);

/* Issue 10 item 2: whether a certificate for the names whose valid
 * authorizations are z[0..n) can finalize the order those came from
 * instead of opening another: 1 when they all came from one order whose
 * finalize URL is still kept (no certificate used it yet), else 0. A
 * new-authz order holds its one name, so in practice this is a one-name
 * certificate after its new-authz. */
int v1_cert_reusable(const struct store_authz *z, size_t n);

/* The key of a CSR (DER, already checked by csr_names_get) is not the
 * account's key (its canonical thumbprint), as Boulder required: a
 * server's key would then also control the account. The CA cannot see it
 * (the upstream account key is the bridge's, but for imported accounts,
 * where it would refuse only at finalize), so the bridge checks.
 * 0, or -1 with *p (badCSR 400; 500 out of memory). */
int v1_cert_key_differs(const unsigned char *der, size_t len,
    const char *account_thumbprint, struct problem *p);
/* csr_names_get and v1_cert_key_differs on one parse of the CSR (issue
 * 10 item 3: a parse is the dearest step). 0, or -1 with *p. */
struct csr_names;
int v1_cert_csr_check(const unsigned char *der, size_t len,
    const char *account_thumbprint, struct csr_names *out, struct problem *p);

/* --- revocation and key change (v1_manage_rules.c) ---------------------- */

/* The optional "reason" of a revoke-cert payload: 0 with *reason -1 when
 * absent or one of 0, 1, 3, 4, 5 (what Boulder let subscribers choose), or
 * -1 with *p. */
int v1_revoke_reason(const json_t *payload, int *reason, struct problem *p);

/* The certificate named by a revocation, as the store found it by serial
 * (rc 0 found into c, 1 none, -1 store error): the same DER as the
 * request's (der, len) and not revoked yet. 0 or -1 with *p. */
int v1_revoke_target(int rc, const struct store_cert *c,
    const unsigned char *der, size_t len, struct problem *p);

/* Who signed a revocation. */
enum v1_revoker {
	V1_REVOKER_ACCOUNT, /* the valid account that issued it */
	V1_REVOKER_CERT_KEY /* the certificate's own key */
};

/* Whether the signer may revoke a certificate of account owner_id:
 * by_cert_key when the certificate's key signed; else the signer's account
 * as looked up by its key (rc 0 found into *signer, 1 none, -1 store
 * error). 0 with *out, or -1 with *p. */
int
v1_revoke_allowed(int by_cert_key, int rc, const struct store_account *signer,
    long long owner_id, enum v1_revoker *out, struct problem *p);

/* An unexpired certificate (not_after against now): 0 or -1 with *p. */
int v1_revoke_unexpired(long long not_after, long long now, struct problem *p);

/* An account id by the thumbprint of its key: 0 found (*id set), 1 none,
 * -1 store error. */
typedef int (*v1_account_lookup)(
    void *arg, const char *thumbprint, long long *id);

/* key-change is refused for an imported account (its key is the account
 * key at the CA, which answers its challenges). 0 or -1 with *p. */
int v1_key_change_allowed(enum account_mode mode, struct problem *p);

/* The inner JWS of a key-change (signed by the new key) as Boulder checked
 * it for account acct_id at base: its "account" URL, its "newKey" equal to
 * the key that signed it, that key not in use (fn). 0, or -1 with *p; when
 * the key is another account's, *other is its id (else 0), for the
 * Location header. */
int v1_key_change_check(const char *base, long long acct_id,
    const struct jws_v1 *in, v1_account_lookup fn, void *arg, long long *other,
    struct problem *p);

/* --- v1 paths (v1_path.c) ------------------------------------------------- */

/* Upstream path prefixes (issue 9 item 1): "" (the root) or one segment
 * "/name", name 1..62 of [a-z0-9._-] starting with a letter or digit and
 * not a v1 resource's first segment (acme, directory, terms), so that no
 * prefix can shadow the root's resources. 0, or -1 with why. */
int v1_prefix_check(const char *prefix, char *why, size_t whylen);
/* The length of path's upstream prefix among the n prefixes (each passed
 * v1_prefix_check; "" among them or not): that of the one path starts
 * with followed by '/' or the end, else 0 (the root). *which is its
 * index, or n when the root answers (no prefix matched). */
size_t v1_prefix_match(
    const char *path, const char *const *prefixes, size_t n, size_t *which);

/* "<prefix><digits>": 1 with *id (1 .. 2^53-1), else 0. */
int v1_path_id(const char *path, const char *prefix, long long *id);

/* An authorization's id in a path: a public id (exactly
 * AUTHZ_PUBLIC_ID_LEN base64url characters) into pid with *id 0, or a
 * numeric id (as v1_path_id; authorizations from before public ids) into
 * *id with pid "". */
struct v1_authz_ref {
	long long id;
	char pid[AUTHZ_PUBLIC_ID_LEN + 1];
};

/* "/acme/authz/<ref>": 1 with *ref, else 0. */
int v1_path_authz(const char *path, struct v1_authz_ref *ref);
/* "/acme/challenge/<ref>/<idx>" (idx 0..99): 1 with *ref and *idx, else
 * 0. */
int v1_path_challenge(const char *path, struct v1_authz_ref *ref, int *idx);

/* The tail after prefix when it is 1..79 characters of [0-9a-f], else
 * NULL (a certificate serial or an issuer id). */
const char *v1_path_hex(const char *path, const char *prefix);

/* The v1 resources the bridge serves (docs/v1-endpoints.md). */
enum v1_resource {
	V1R_UNKNOWN,
	V1R_DIRECTORY,
	V1R_TERMS,
	V1R_NEW_REG,
	V1R_NEW_AUTHZ,
	V1R_NEW_CERT,
	V1R_REVOKE_CERT,
	V1R_KEY_CHANGE,
	V1R_REG,	 /* id */
	V1R_AUTHZ,	 /* authz */
	V1R_CHALLENGE,	 /* authz, idx */
	V1R_CERT,	 /* tail: the serial */
	V1R_ISSUER_CERT, /* tail: the issuer id */
	V1R_COUNT
};

/* Where path (without the query) leads, with the ids it names (id, idx,
 * tail: the hex part of a cert or issuer-cert path). */
struct v1_route {
	enum v1_resource res;
	long long id;		   /* a reg's id */
	struct v1_authz_ref authz; /* an authorization's or challenge's */
	int idx;
	const char *tail; /* points into path */
};
void v1_route(const char *path, struct v1_route *out);
/* "new-reg", "authz", ... ("unknown"), for the access log and metrics. */
const char *v1_resource_name(enum v1_resource r);

#endif
