/* op_manage.c: the v1 resources that change what already exists: account
 * deactivation (reached through ep_reg), authorization deactivation,
 * revocation and key change (docs/v1-endpoints.md). Each checks the whole
 * request before it touches the store or the upstream CA, so bad input
 * changes nothing; the upstream part is one FLOW_POST signed with the v2
 * account that owns the object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "acme2.h"
#include "b64url.h"
#include "chain.h"
#include "endpoints.h"
#include "flow.h"
#include "flowrun.h"
#include "log.h"
#include "v1.h"
#include "problem_v2.h"
#include "v1_rules.h"
#include "v2.h"

/* One signed POST upstream through e->up (payload "" is a POST-as-GET).
 * 0, or -1 when it could not start (cb not called). */
static int
upstream_post(struct ep *e, const char *url, const char *payload, flowrun_cb cb,
    void *arg)
{
	struct flow *f;

	if (url == NULL || (f = flow_new_post(url, payload)) == NULL)
		return -1;
	return ep_flow_start(e, f, 0, cb, arg);
}

/* upstream_post of a deactivation (an account or an authorization). */
static int
upstream_deactivate(struct ep *e, const char *url, flowrun_cb cb, void *arg)
{
	char *body = v2_body_deactivate();
	int rc = -1;

	if (body != NULL)
		rc = upstream_post(e, url, body, cb, arg);
	free(body);
	return rc;
}

/* Deactivate url upstream through owner's upstream account; cb(e) gets
 * the outcome; what ("account") words the errors. Replies on failure. */
static void
deactivate_upstream(struct ep *e, long long owner, const char *url,
    flowrun_cb cb, const char *what)
{
	if (accounts_load_owner(e, owner) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500,
		    "cannot load the account's upstream key");
		return;
	}
	if (upstream_deactivate(e, url, cb, e) == -1)
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500,
		    "cannot start the upstream %s deactivation", what);
}

/* --- account deactivation ------------------------------------------------ */

static void
reg_deactivated(struct ep *e)
{
	e->acct.status = ACCOUNT_DEACTIVATED;
	if (store_account_update(e->b->store, &e->acct) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("v1 req=%lu account %lld deactivated", e->req->id, e->acct.id);
	/* Boulder: 200, the Registration, no Link headers. */
	ep_reply_json(e, 200, v1_registration(&e->acct));
}

static void
on_reg_deactivate(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;
	const struct flow_failure *ff = flow_failure(f);

	if (!ok) {
		/* Already deactivated upstream (an earlier attempt whose
		 * local write failed): the CA refuses a deactivated account
		 * with 403 unauthorized (RFC 8555 7.3.6), and the goal is
		 * reached. */
		if (ff->source != FLOW_FAILED_UPSTREAM ||
		    ff->type != V2E_UNAUTHORIZED || ff->http_status != 403) {
			ep_fail_flow(e, f);
			return;
		}
		log_warn("account %lld: upstream account was already "
			 "deactivated",
		    e->acct.id);
	} else
		log_info(
		    "account %lld: upstream account deactivated", e->acct.id);
	reg_deactivated(e);
}

void
ep_reg_deactivate(struct ep *e)
{
	/* Only a per-client account's own upstream account goes too. A
	 * shared group's serves other v1 accounts; an imported one is the
	 * host's, which the operator brought in (accounts.h). No upstream
	 * account yet: nothing there. */
	if (e->acct.v2_account_url == NULL ||
	    e->acct.mode != ACCOUNT_PER_CLIENT) {
		log_info("account %lld (%s): deactivated locally only",
		    e->acct.id, account_mode_name(e->acct.mode));
		reg_deactivated(e);
		return;
	}
	deactivate_upstream(e, e->acct.id, e->acct.v2_account_url,
	    on_reg_deactivate, "account");
}

/* --- authorization deactivation ----------------------------------------- */

/* The upstream refusal kept while its authorization is looked at. */
struct authz_deact {
	struct ep *e;
	struct problem refusal;
};

static void
authz_deactivated(struct ep *e)
{
	struct store_authz *a = &e->az->authz;

	a->status = AUTHZ_DEACTIVATED;
	if (store_authz_update(e->b->store, a) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("account %lld: authorization %lld for %s deactivated",
	    a->account_id, a->id, a->name);
	ep_send_authz(e, 200);
}

static void
on_authz_look(void *arg, struct flow *f, int ok)
{
	struct authz_deact *d = arg;
	struct ep *e = d->e;
	enum v2_status st = V2S_VALID;
	struct v2_authz z;

	if (ok && v2_authz_parse(flow_post_json(f), &z) == 0) {
		st = z.status;
		v2_authz_clear(&z);
	}
	if (st != V2S_VALID && st != V2S_PENDING) {
		/* deactivated, invalid, expired or revoked: unusable
		 * upstream already, which is what the client wants. */
		log_info("authz %lld: upstream authorization is already %s",
		    e->az->authz.id, v2_status_name(st));
		free(d);
		authz_deactivated(e);
		return;
	}
	ep_reply_problem(e, &d->refusal);
	free(d);
}

static void
on_authz_deactivate(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;
	struct authz_deact *d;

	if (ok) {
		authz_deactivated(e);
		return;
	}
	if (flow_failure(f)->source == FLOW_FAILED_NOT) { /* shutting down */
		ep_fail_flow(e, f);
		return;
	}
	/* Refused: tolerated when the upstream authorization is no longer
	 * usable anyway (already deactivated, invalid or expired). */
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		ep_fail_flow(e, f);
		return;
	}
	d->e = e;
	problem_v2_flow(&d->refusal, flow_failure(f));
	if (upstream_post(e, e->az->authz.v2_authz_url, "", on_authz_look, d) ==
	    -1) {
		ep_reply_problem(e, &d->refusal);
		free(d);
	}
}

void
ep_authz_post(struct ep *e)
{
	struct ep_authz *az;
	struct problem p;
	int rc;

	if (ep_verify(e, "authz", 1) == -1 || (az = ep_authz(e)) == NULL)
		return;
	rc = ep_authz_load(e, &az->authz);
	if (v1_authz_found(rc, &az->authz, bridge_now(), &p) == -1 ||
	    v1_authz_deactivate_check(
		e->jws.payload, &az->authz, e->acct.id, &p) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	if (az->authz.v2_authz_url == NULL) { /* nothing upstream yet */
		authz_deactivated(e);
		return;
	}
	deactivate_upstream(e, az->authz.account_id, az->authz.v2_authz_url,
	    on_authz_deactivate, "authorization");
}

/* --- revocation ------------------------------------------------------- */

/* Whether the signer may revoke c (v1_revoke_allowed, the signer's
 * account looked up into e->acct when the certificate's key did not sign):
 * 1 by the certificate's key, 0 by the issuing account; else replies, -1. */
static int
revoke_allowed(struct ep *e, const struct store_cert *c, EVP_PKEY *pub)
{
	enum v1_revoker who;
	struct problem p;
	int by_key = EVP_PKEY_eq(pub, e->jws.key) == 1, rc = 1;

	if (!by_key)
		rc = store_account_by_thumbprint(e->b->store, e->u->cfg->prefix,
		    e->jws.thumbprint, &e->acct);
	if (v1_revoke_allowed(by_key, rc, &e->acct, c->account_id, &who, &p) ==
	    -1) {
		ep_reply_problem(e, &p);
		return -1;
	}
	return who == V1_REVOKER_CERT_KEY;
}

/* The certificate being revoked upstream. */
struct revoke_op {
	struct ep *e;
	long long cert_id;
	char serial[CHAIN_SERIAL_MAX];
};

static void
on_revoked(void *arg, struct flow *f, int ok)
{
	struct revoke_op *op = arg;
	struct ep *e = op->e;
	const struct flow_failure *ff = flow_failure(f);

	if (!ok) {
		/* Revoked upstream by other means: say so, and remember. */
		if (ff->source == FLOW_FAILED_UPSTREAM &&
		    ff->type == V2E_ALREADY_REVOKED &&
		    store_cert_set_revoked(e->b->store, op->cert_id) == -1)
			log_err("certificate %s: cannot store its revocation",
			    op->serial);
		ep_fail_flow(e, f);
	} else if (store_cert_set_revoked(e->b->store, op->cert_id) == -1)
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
	else {
		log_info("v1 req=%lu certificate %s revoked", e->req->id,
		    op->serial);
		ep_reply_body(e, 200, NULL, "", 0);
	}
	free(op);
}

/* The v2 revokeCert payload for c (reason < 0: none). */
static char *
revoke_payload(const struct store_cert *c, int reason)
{
	char *b64 = b64url_encode(c->der, c->der_len);
	char *text = b64 ? v2_body_revoke(b64, reason) : NULL;

	free(b64);
	return text;
}

/* Revoke upstream through the account that issued c (the only one the CA
 * lets revoke it without the certificate's key). */
static void
revoke_upstream(
    struct ep *e, const struct store_cert *c, int reason, int by_key)
{
	const struct v2_directory *d = acme2_directory(e->u->acme);
	struct revoke_op *op = NULL;
	char *text = NULL;

	if (d == NULL) {
		ep_reply_upstream_down(e, "not loaded");
		return;
	}
	if (d->revoke_cert == NULL) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 503,
		    "the upstream CA offers no revocation");
		return;
	}
	if (accounts_load_owner(e, c->account_id) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500,
		    "cannot load the issuing account's upstream key");
		return;
	}
	if ((text = revoke_payload(c, reason)) == NULL ||
	    (op = calloc(1, sizeof(*op))) == NULL) {
		free(text);
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
		return;
	}
	*op = (struct revoke_op){ .e = e, .cert_id = c->id };
	snprintf(op->serial, sizeof(op->serial), "%s", c->serial);
	log_info("v1 req=%lu revoking certificate %s of account %lld, "
		 "signed by %s, reason %d%s",
	    e->req->id, c->serial, c->account_id,
	    by_key ? "the certificate's key" : "the account",
	    reason < 0 ? 0 : reason, reason < 0 ? " (none given)" : "");
	if (upstream_post(e, d->revoke_cert, text, on_revoked, op) == -1) {
		free(op);
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500,
		    "cannot start the upstream revocation");
	}
	free(text);
}

void
ep_revoke_cert(struct ep *e)
{
	struct store_cert c;
	EVP_PKEY *pub = NULL;
	unsigned char *der = NULL;
	const char *b64;
	char serial[CHAIN_SERIAL_MAX];
	size_t len = 0;
	struct problem p;
	int reason, by_key;

	memset(&c, 0, sizeof(c));
	/* The certificate's own key may sign: no account needed yet. */
	if (ep_verify(e, "revoke-cert", 0) == -1)
		return;
	b64 = json_string_value(json_object_get(e->jws.payload, "certificate"));
	if (b64 == NULL ||
	    (der = b64url_decode(b64, strlen(b64), &len)) == NULL ||
	    chain_der_serial(der, len, serial, &pub) == -1) {
		ep_reply_error(e, V1E_MALFORMED, 400,
		    "certificate must be the "
		    "base64url DER of one X.509 certificate");
		goto out;
	}
	if (v1_revoke_reason(e->jws.payload, &reason, &p) == -1 ||
	    v1_revoke_target(store_cert_by_serial(
				 e->b->store, e->u->cfg->prefix, serial, &c),
		&c, der, len, &p) == -1) {
		ep_reply_problem(e, &p);
		goto out;
	}
	if ((by_key = revoke_allowed(e, &c, pub)) == -1)
		goto out;
	if (v1_revoke_unexpired(c.not_after, bridge_now(), &p) == -1) {
		ep_reply_problem(e, &p);
		goto out;
	}
	revoke_upstream(e, &c, reason, by_key);
out:
	store_cert_clear(&c);
	EVP_PKEY_free(pub);
	free(der);
}

/* --- key change --------------------------------------------------------- */

/* v1_key_change_check's lookup: the account holding a key. */
static int
account_by_key(void *arg, const char *thumbprint, long long *id)
{
	struct ep *e = arg;
	struct store_account other;
	int rc;

	memset(&other, 0, sizeof(other));
	rc = store_account_by_thumbprint(
	    e->b->store, e->u->cfg->prefix, thumbprint, &other);
	*id = other.id;
	store_account_clear(&other);
	return rc;
}

/* The inner JWS (signed by the new key) as Boulder checked it: 0, or -1
 * after replying. */
static int
key_change_check(struct ep *e, const struct jws_v1 *in)
{
	struct problem p;
	long long other;

	if (v1_key_change_check(
		e->base, e->acct.id, in, account_by_key, e, &other, &p) == 0)
		return 0;
	if (other != 0)
		ep_header(e, "Location: %s/acme/reg/%lld", e->base, other);
	ep_reply_problem(e, &p);
	return -1;
}

void
ep_key_change(struct ep *e)
{
	struct jws_v1 in;
	struct problem p;
	char old[JWK_THUMBPRINT_LEN + 1];
	char *jwk = NULL;

	memset(&in, 0, sizeof(in));
	memset(&p, 0, sizeof(p));
	if (ep_verify(e, "key-change", 1) == -1)
		return;
	/* An imported account's key is its key at the CA, whose challenges
	 * the client answers with it: a new key could not answer them. */
	if (v1_key_change_allowed(e->acct.mode, &p) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	/* The outer payload is itself a JWS (plus "resource"). */
	if (jws_v1_verify_object(e->jws.payload, &in, &p) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	if (key_change_check(e, &in) == -1)
		goto out;
	if ((jwk = json_dumps(in.jwk, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto out;
	}
	snprintf(old, sizeof(old), "%s", e->acct.thumbprint);
	snprintf(e->acct.thumbprint, sizeof(e->acct.thumbprint), "%s",
	    in.thumbprint);
	free(e->acct.jwk);
	e->acct.jwk = jwk;
	if (store_account_update(e->b->store, &e->acct) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		goto out;
	}
	log_info("v1 req=%lu account %lld: key changed from %s to %s",
	    e->req->id, e->acct.id, old, e->acct.thumbprint);
	ep_reply_json(e, 200, v1_registration(&e->acct));
out:
	jws_v1_free(&in);
}
