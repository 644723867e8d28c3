/* v1_post.c: the signed v1 resources. Each verifies the client's v1 JWS,
 * checks the payload, and only then touches the store or the upstream CA,
 * so bad input changes nothing. Upstream work runs as translate/flow flows
 * (flowrun.c) while the v1 request waits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "accounts.h"
#include "acme2.h"
#include "b64url.h"
#include "chain.h"
#include "csr.h"
#include "endpoints.h"
#include "flow.h"
#include "flowrun.h"
#include "log.h"
#include "policy.h"
#include "proof.h"
#include "v1.h"
#include "v1_rules.h"

#define AUTHZ_LIFETIME (7 * 24 * 3600) /* a v1 authorization's validity */

static int
nonce_check(void *arg, const char *nonce)
{
	return nonce_set_consume(arg, nonce);
}

int
ep_verify(struct ep *e, const char *resource, int need_account)
{
	struct problem p;
	int rc;

	memset(&p, 0, sizeof(p));
	if (!e->req->has_content_length) {
		ep_reply_error(
		    e, V1E_MALFORMED, 411, "Content-Length header required");
		return -1;
	}
	if (e->req->body == NULL || e->req->body_len == 0) {
		ep_reply_error(e, V1E_MALFORMED, 400, "No body on POST");
		return -1;
	}
	if (jws_v1_verify(e->req->body, e->req->body_len, resource, nonce_check,
		e->b->nonces, &e->jws, &p) == -1) {
		ep_reply_problem(e, &p);
		return -1;
	}
	if (!need_account)
		return 0;
	rc = store_account_by_thumbprint(
	    e->b->store, e->jws.thumbprint, &e->acct);
	if (v1_signer_check(rc, e->acct.status, &p) == -1) {
		ep_reply_problem(e, &p);
		return -1;
	}
	return 0;
}

/* --- registrations ----------------------------------------------------- */

/* v1_reg_payload for e: the agreements it may name are the bridge's,
 * the CA's and the account's current one. 0, or -1 after replying. */
static int
check_reg_payload(struct ep *e, struct v1_reg_update *u)
{
	const struct acme2_dir *d = acme2_directory(e->b->acme);
	struct v1_terms t = { e->base, d ? d->terms_of_service : NULL,
		e->acct.agreement };
	struct problem p;

	if (v1_reg_payload(e->jws.payload, &t, u, &p) == 0)
		return 0;
	ep_reply_problem(e, &p);
	return -1;
}

static void
reg_links(struct ep *e)
{
	ep_header(e, "Link: <%s/acme/new-authz>;rel=\"next\"", e->base);
	ep_header(e, "Link: <%s/terms>;rel=\"terms-of-service\"", e->base);
}

/* A new account record in a for the verified key: a fresh P-256 key of
 * the bridge's, the client's JWK, contact (taken) and agreement. 0, or -1
 * (out of memory or no key: nothing is kept, contact freed). */
static int
new_account_record(
    struct ep *e, struct store_account *a, char *contact, const char *agreement)
{
	char id[KEYRING_ID_LEN + 1];
	char *jwk = NULL, *pem = NULL, *agr = NULL;

	if ((agreement == NULL || agreement[0] == '\0' ||
		(agr = strdup(agreement)) != NULL) &&
	    keyring_generate(e->b->keyring, id) == 0 &&
	    (pem = keyring_private_pem(e->b->keyring, id)) != NULL)
		jwk = json_dumps(e->jws.jwk, JSON_COMPACT | JSON_SORT_KEYS);
	if (jwk == NULL) {
		if (pem != NULL)
			OPENSSL_cleanse(pem, strlen(pem));
		free(pem);
		free(agr);
		free(contact);
		return -1;
	}
	store_account_clear(a);
	snprintf(a->thumbprint, sizeof(a->thumbprint), "%s", e->jws.thumbprint);
	a->jwk = jwk;
	a->contact = contact;
	a->agreement = agr;
	snprintf(a->initial_ip, sizeof(a->initial_ip), "%s", e->req->peer);
	a->created_at = bridge_now();
	a->status = ACCOUNT_VALID;
	a->v2_key_pem = pem;
	return 0;
}

void
ep_new_reg(struct ep *e)
{
	struct store_account *a = &e->acct;
	struct v1_reg_update u;
	struct problem p;
	int rc;

	if (ep_verify(e, "new-reg", 0) == -1)
		return;
	rc = store_account_by_thumbprint(e->b->store, e->jws.thumbprint, a);
	if (v1_new_reg_check(rc, &p) == -1) {
		if (rc == 0)
			ep_header(
			    e, "Location: %s/acme/reg/%lld", e->base, a->id);
		ep_reply_problem(e, &p);
		return;
	}
	if (check_reg_payload(e, &u) == -1)
		return;
	if (new_account_record(e, a, u.contact, u.agreement) == -1) {
		ep_reply_error(
		    e, V1E_SERVER_INTERNAL, 500, "cannot create a key");
		return;
	}
	if (store_account_insert(e->b->store, a) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("v1 req=%lu registered account %lld (%s)", e->req->id, a->id,
	    a->thumbprint);
	ep_header(e, "Location: %s/acme/reg/%lld", e->base, a->id);
	reg_links(e);
	ep_reply_json(e, 201, v1_registration(a));
}

/* The contact and agreement of u into a (taking u's contact). 0 or -1. */
static int
reg_apply(struct store_account *a, struct v1_reg_update *u)
{
	char *agreement = NULL;

	if (u->agreement != NULL && u->agreement[0] != '\0' &&
	    (agreement = strdup(u->agreement)) == NULL)
		return -1;
	if (u->contact != NULL) {
		free(a->contact);
		a->contact = u->contact;
		u->contact = NULL;
	}
	if (agreement != NULL) {
		free(a->agreement);
		a->agreement = agreement;
	}
	return 0;
}

void
ep_reg(struct ep *e)
{
	struct store_account *a = &e->acct;
	struct v1_reg_update u;
	enum v1_reg_status st;
	struct problem p;
	int changed;

	if (ep_verify(e, "reg", 1) == -1)
		return;
	if (v1_reg_owner(a->id, e->id, &p) == -1 ||
	    v1_reg_status(e->jws.payload, a->status, &st, &p) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	if (st == V1_REG_DEACTIVATE) {
		ep_reg_deactivate(e);
		return;
	}
	if (check_reg_payload(e, &u) == -1)
		return;
	changed = u.contact != NULL || u.agreement != NULL;
	if (reg_apply(a, &u) == -1) {
		v1_reg_update_clear(&u);
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
		return;
	}
	if (changed && store_account_update(e->b->store, a) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	reg_links(e);
	ep_reply_json(e, 202, v1_registration(a));
}

void
ep_fail_flow(struct ep *e, struct flow *f)
{
	const struct problem *p = flow_problem(f);

	if (p->type == V1E_NONE) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 503,
		    "acme-bridge is shutting down");
		return;
	}
	ep_reply_problem(e, p);
}

/* Challenge types and answering for a flow of e: dns-01 for the names the
 * config sends to the hook; an imported account's client answers itself
 * (and a refresh answers the type the client chose). */
int
ep_flow_prepare(struct ep *e, struct flow *f)
{
	const struct config *c = e->b->cfg;
	size_t i;

	if (e->passthrough) {
		/* A GET must not answer for a client that may not have
		 * provisioned its file yet. */
		flow_set_answer(
		    f, e->readonly ? FLOW_ANSWER_NONE : FLOW_ANSWER_CLIENT);
		if (e->idx == V1_CHALL_DNS01 && e->authz.name[0] != '\0')
			return flow_set_challenge(f, e->authz.name, "dns-01");
		return 0;
	}
	if (c->dns01_names == NULL)
		return 0;
	if (e->nnames == 0)
		return policy_name_match(c->dns01_names, e->authz.name)
		    ? flow_set_challenge(f, e->authz.name, "dns-01")
		    : 0;
	for (i = 0; i < e->nnames; i++)
		if (policy_name_match(c->dns01_names, e->names[i]) &&
		    flow_set_challenge(f, e->names[i], "dns-01") == -1)
			return -1;
	return 0;
}

/* 0 when the policy lets this client have name; else replies, -1. */
static int
name_allowed(struct ep *e, const char *name)
{
	struct policy_who w = { e->acct.id, e->jws.thumbprint, e->req->peer };
	struct problem p;

	memset(&p, 0, sizeof(p));
	if (policy_name_allowed(e->b->cfg->policy, &w, name, &p) == 0)
		return 0;
	ep_reply_problem(e, &p);
	return -1;
}

/* --- authorizations ------------------------------------------------------- */

/* dehydrated 0.7.0 (API=1) reads a pending challenge's URL from
 * validationRecord.uri and exits silently when that is missing (reference
 * section 4.1): give it that non-standard object, and only it. */
static void
dehydrated_quirk(struct ep *e, json_t *authz)
{
	json_t *ch;
	size_t i;

	if (e->authz.status != AUTHZ_PENDING ||
	    strstr(e->req->user_agent, "dehydrated/") == NULL)
		return;
	json_array_foreach(json_object_get(authz, "challenges"), i, ch)
		json_object_set_new(ch, "validationRecord",
		    json_pack("{s:O}", "uri", json_object_get(ch, "uri")));
}

void
ep_send_authz(struct ep *e, int status)
{
	json_t *j = v1_authz(e->base, &e->authz);

	ep_header(e, "Link: <%s/acme/new-cert>;rel=\"next\"", e->base);
	if (status == 201)
		ep_header(
		    e, "Location: %s/acme/authz/%lld", e->base, e->authz.id);
	if (j != NULL)
		dehydrated_quirk(e, j);
	ep_reply_json(e, status, j);
}

void
ep_send_challenge(struct ep *e)
{
	char uri[EP_BASE_MAX + 64];

	snprintf(uri, sizeof(uri), "%s/acme/challenge/%lld/%d", e->base,
	    e->authz.id, e->idx);
	ep_header(e, "Location: %s", uri);
	ep_header(
	    e, "Link: <%s/acme/authz/%lld>;rel=\"up\"", e->base, e->authz.id);
	ep_reply_json(e, 202, v1_challenge(e->base, &e->authz, e->idx));
}

/* Copy the outcome of an authorization flow into e->authz. */
static void
take_authz(struct ep *e, struct flow *f)
{
	const struct flow_authz *z = flow_authz_get(f, 0);
	struct store_authz *a = &e->authz;

	a->status = problem_v1_authz_status(z->status);
	if (flow_order_url(f) != NULL) {
		free(a->v2_order_url);
		a->v2_order_url = strdup(flow_order_url(f));
	}
	if (z->authz_url != NULL && a->v2_authz_url == NULL)
		a->v2_authz_url = strdup(z->authz_url);
	if (z->chall_url != NULL) {
		free(a->v2_chall_url);
		a->v2_chall_url = strdup(z->chall_url);
	}
	if (z->error != NULL) {
		free(a->error);
		a->error = strdup(z->error);
	}
	/* An imported account's client answers the CA's own challenge. */
	if (e->passthrough && z->token[0] != '\0')
		snprintf(a->token, sizeof(a->token), "%s", z->token);
}

static void
on_new_authz_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;

	if (!ok) {
		ep_fail_flow(e, f);
		return;
	}
	take_authz(e, f);
	if (store_authz_insert(e->b->store, &e->authz) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("account %lld: authorization %lld for %s is %s", e->acct.id,
	    e->authz.id, e->authz.name, authz_status_name(e->authz.status));
	ep_send_authz(e, 201);
}

/* Start a flow of kind for e (names from e), with the challenge types
 * and answering mode of ep_flow_prepare; cb gets the outcome. On failure
 * replies and returns -1. */
static int
start_flow(struct ep *e, enum flow_kind kind, long timeout_ms, flowrun_cb cb)
{
	const struct acme2_dir *d = acme2_directory(e->b->acme);
	struct flow_dir fd = { d->new_account, d->new_order };
	const char *one[1] = { e->authz.name };
	const char *const *names = e->nnames ? (const char *const *)e->names
					     : one;
	struct flow *f;

	f = flow_new(kind, &fd, names, e->nnames ? e->nnames : 1, e->csr_b64,
	    e->v2thumb, bridge_now_ms() + timeout_ms);
	if (f != NULL && ep_flow_prepare(e, f) == -1) {
		flow_free(f);
		f = NULL;
	}
	if (f == NULL ||
	    flowrun_start(e->b, f, e->v2key, e->kid, &e->obs, cb, e) == -1) {
		ep_reply_error(
		    e, V1E_SERVER_INTERNAL, 500, "cannot start newOrder");
		return -1;
	}
	return 0;
}

static void
new_authz_flow(struct ep *e)
{
	start_flow(e, FLOW_AUTHZ, e->b->cfg->authz_wait_ms, on_new_authz_done);
}

static int
new_token(char out[48])
{
	unsigned char rnd[32];
	char *t;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    (t = b64url_encode(rnd, sizeof(rnd))) == NULL)
		return -1;
	snprintf(out, 48, "%s", t);
	free(t);
	return 0;
}

static int
client_proof(const struct ep *e)
{
	return strcmp(e->b->cfg->authz_mode, "client-proof") == 0;
}

void
ep_new_authz(struct ep *e)
{
	struct problem p;
	char name[V1_NAME_MAX];
	int rc;

	if (ep_verify(e, "new-authz", 1) == -1)
		return;
	if (v1_authz_identifier(e->jws.payload, name, &p) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	observe_name(&e->obs, name);
	if (name_allowed(e, name) == -1)
		return;
	rc = store_authz_find_valid(
	    e->b->store, e->acct.id, name, bridge_now(), &e->authz);
	if (rc == 0) {
		ep_send_authz(e, 201); /* Boulder reused valid ones */
		return;
	}
	if (rc == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	store_authz_clear(&e->authz);
	e->authz.account_id = e->acct.id;
	snprintf(e->authz.name, sizeof(e->authz.name), "%s", name);
	e->authz.status = AUTHZ_PENDING;
	e->authz.expires = bridge_now() + AUTHZ_LIFETIME;
	e->authz.created_at = bridge_now();
	if (new_token(e->authz.token) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "no randomness");
		return;
	}
	if (client_proof(e)) {
		/* Nothing upstream until the client proves control. */
		if (store_authz_insert(e->b->store, &e->authz) == -1) {
			ep_reply_error(
			    e, V1E_SERVER_INTERNAL, 500, "store error");
			return;
		}
		ep_send_authz(e, 201);
		return;
	}
	accounts_with_upstream(e, new_authz_flow);
}

/* --- refreshing a pending authorization ------------------------------------ */

static void
on_refresh_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;
	void (*then)(struct ep *) = e->after_account;

	if (ok) {
		take_authz(e, f);
		if (store_authz_update(e->b->store, &e->authz) == -1)
			log_err("authz %lld: cannot store its new status",
			    e->authz.id);
	} else {
		/* Keep showing what we know; the client polls again. */
		log_warn("authz %lld: refresh failed: %s", e->authz.id,
		    flow_problem(f)->detail);
	}
	then(e);
}

void
ep_authz_refresh(struct ep *e, long wait_ms, void (*then)(struct ep *))
{
	const struct acme2_dir *d = acme2_directory(e->b->acme);
	struct flow_dir fd;
	const char *names[1];
	struct flow *f;

	if (d == NULL || e->authz.v2_authz_url == NULL ||
	    accounts_load_owner(e, e->authz.account_id) == -1) {
		then(e);
		return;
	}
	fd.new_account = d->new_account;
	fd.new_order = d->new_order;
	names[0] = e->authz.v2_authz_url;
	e->after_account = then;
	f = flow_new(FLOW_CHECK, &fd, names, 1, NULL, e->v2thumb,
	    bridge_now_ms() + wait_ms);
	if (f != NULL && ep_flow_prepare(e, f) == -1) {
		flow_free(f);
		f = NULL;
	}
	if (f == NULL ||
	    flowrun_start(
		e->b, f, e->v2key, e->kid, &e->obs, on_refresh_done, e) == -1)
		then(e);
}

static void
on_proof_authz_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;

	if (!ok) {
		ep_fail_flow(e, f);
		return;
	}
	take_authz(e, f);
	if (store_authz_update(e->b->store, &e->authz) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("account %lld: authorization %lld for %s proven by the "
		 "client, upstream %s",
	    e->acct.id, e->authz.id, e->authz.name,
	    authz_status_name(e->authz.status));
	ep_send_challenge(e);
}

/* The client proved control: now solve the upstream challenge. */
static void
proof_authz_flow(struct ep *e)
{
	start_flow(
	    e, FLOW_AUTHZ, e->b->cfg->authz_wait_ms, on_proof_authz_done);
}

static void
on_proof(void *arg, enum proof_verdict v, const struct problem *p)
{
	struct ep *e = arg;
	json_t *err;

	if (v == PROOF_ERROR) {
		ep_reply_problem(e, p);
		return;
	}
	if (v == PROOF_PROVEN) {
		accounts_with_upstream(e, proof_authz_flow);
		return;
	}
	/* The client's own provisioning failed: the v1 challenge (and so
	 * the authorization) is invalid, with what was fetched. */
	if ((err = problem_v1_json(p)) == NULL) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
		return;
	}
	free(e->authz.error);
	e->authz.error = json_dumps(err, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(err);
	e->authz.status = AUTHZ_INVALID;
	if (store_authz_update(e->b->store, &e->authz) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("account %lld: authorization %lld for %s: client proof "
		 "failed: %s",
	    e->acct.id, e->authz.id, e->authz.name, p->detail);
	ep_send_challenge(e);
}

/* Check the client's own answer before anything goes upstream. */
static void
check_client_proof(struct ep *e)
{
	struct proof_subject sub = {
		.authz_id = e->authz.id,
		.name = e->authz.name,
		.token = e->authz.token,
		.chall = e->idx,
		.thumbprint = e->jws.thumbprint,
	};
	struct problem p;

	if (proof_check(e->b, &sub, on_proof, e, &p) == -1)
		ep_reply_problem(e, &p);
}

void
ep_challenge_post(struct ep *e)
{
	struct problem p;
	char want[JWK_THUMBPRINT_LEN + 64];
	int rc, ka;

	if (ep_verify(e, "challenge", 1) == -1)
		return;
	rc = store_authz_by_id(e->b->store, e->id, &e->authz);
	if (v1_chall_found(rc, e->idx, &p) == -1 ||
	    v1_chall_owner(&e->authz, e->acct.id, &p) == -1 ||
	    (ka = v1_key_authorization(e->jws.payload, e->authz.token,
		 e->jws.thumbprint, want, sizeof(want), &p)) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	/* The first right answer is kept, as Boulder showed it back. */
	if (ka == 1 && e->authz.key_authorization == NULL) {
		if ((e->authz.key_authorization = strdup(want)) == NULL) {
			ep_reply_error(
			    e, V1E_SERVER_INTERNAL, 500, "out of memory");
			return;
		}
		if (store_authz_update(e->b->store, &e->authz) == -1) {
			ep_reply_error(
			    e, V1E_SERVER_INTERNAL, 500, "store error");
			return;
		}
	}
	if (e->authz.status != AUTHZ_PENDING) {
		ep_send_challenge(e);
		return;
	}
	if (e->authz.v2_authz_url == NULL && client_proof(e)) {
		check_client_proof(e);
		return;
	}
	ep_authz_refresh(e, e->b->cfg->authz_wait_ms, ep_send_challenge);
}

/* --- certificates ------------------------------------------------------ */

static void
store_chain_and_reply(struct ep *e, struct flow *f)
{
	struct chain ch;
	struct store_cert c;
	size_t i;

	if (chain_parse(flow_cert_pem(f), flow_cert_pem_len(f), &ch) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 502,
		    "the CA's certificate chain cannot be parsed");
		return;
	}
	memset(&c, 0, sizeof(c));
	c.account_id = e->acct.id;
	snprintf(c.serial, sizeof(c.serial), "%s", ch.serial);
	c.der = ch.der[0];
	c.der_len = ch.len[0];
	c.chain_pem = (char *)flow_cert_pem(f);
	snprintf(
	    c.issuer_id, sizeof(c.issuer_id), "%s", ch.n > 1 ? ch.id[1] : "");
	c.not_after = ch.not_after;
	c.created_at = bridge_now();
	c.v2_cert_url = (char *)flow_cert_url(f);
	if (store_begin(e->b->store) == -1)
		goto fail;
	for (i = 1; i < ch.n; i++)
		if (store_issuer_put(e->b->store, ch.id[i], ch.der[i],
			ch.len[i], i + 1 < ch.n ? ch.id[i + 1] : "") == -1)
			goto fail_tx;
	if (store_cert_insert(e->b->store, &c) == -1 ||
	    store_commit(e->b->store) == -1)
		goto fail_tx;
	log_info("account %lld: issued certificate %s for %zu name(s)",
	    e->acct.id, c.serial, e->nnames);
	observe_issued(e->b, e->acct.id, c.serial, e->obs.names, c.not_after);
	ep_header(e, "Location: %s/acme/cert/%s", e->base, c.serial);
	if (c.issuer_id[0] != '\0')
		ep_header(e, "Link: <%s/acme/issuer-cert/%s>;rel=\"up\"",
		    e->base, c.issuer_id);
	ep_reply_body(e, 201, "application/pkix-cert", ch.der[0], ch.len[0]);
	chain_clear(&ch);
	return;
fail_tx:
	store_rollback(e->b->store);
fail:
	chain_clear(&ch);
	ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
}

static void
on_cert_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;

	if (!ok) {
		ep_fail_flow(e, f);
		return;
	}
	store_chain_and_reply(e, f);
}

static void
new_cert_flow(struct ep *e)
{
	start_flow(e, FLOW_CERT, e->b->cfg->issue_timeout_ms, on_cert_done);
}

/* v1_cert_authorized's lookup: a valid authorization of e's account. */
static int
authz_valid(void *arg, const char *name)
{
	struct ep *e = arg;
	struct store_authz z;
	int rc;

	memset(&z, 0, sizeof(z));
	rc = store_authz_find_valid(
	    e->b->store, e->acct.id, name, bridge_now(), &z);
	store_authz_clear(&z);
	return rc == -1 ? -1 : rc == 0;
}

/* The CSR's names and text into e for the FLOW_CERT. 0 or -1. */
static int
keep_cert_request(struct ep *e, const struct csr_names *cn,
    const unsigned char *der, size_t derlen)
{
	size_t i;

	if ((e->names = calloc(cn->n, sizeof(char *))) == NULL ||
	    (e->csr_b64 = b64url_encode(der, derlen)) == NULL)
		return -1;
	for (i = 0; i < cn->n; i++) {
		if ((e->names[i] = strdup(cn->names[i])) == NULL)
			return -1;
		e->nnames++;
	}
	return 0;
}

void
ep_new_cert(struct ep *e)
{
	struct csr_names *cn = NULL;
	struct policy_who w;
	struct problem p;
	const char *names[CSR_MAX_NAMES];
	unsigned char *der = NULL;
	size_t derlen = 0, i;

	if (ep_verify(e, "new-cert", 1) == -1)
		return;
	memset(&p, 0, sizeof(p));
	if (v1_cert_csr(e->jws.payload, &der, &derlen, &p) == -1)
		goto fail;
	if ((cn = calloc(1, sizeof(*cn))) == NULL) {
		problem_set(&p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto fail;
	}
	if (csr_names_get(der, derlen, cn, &p) == -1)
		goto fail;
	for (i = 0; i < cn->n; i++) {
		names[i] = cn->names[i];
		observe_name(&e->obs, cn->names[i]);
	}
	w = (struct policy_who){ e->acct.id, e->jws.thumbprint, e->req->peer };
	if (v1_names_allowed(e->b->cfg->policy, &w, names, cn->n, &p) == -1 ||
	    v1_cert_authorized(names, cn->n, authz_valid, e, &p) == -1)
		goto fail;
	if (keep_cert_request(e, cn, der, derlen) == -1) {
		problem_set(&p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto fail;
	}
	accounts_with_upstream(e, new_cert_flow);
	goto out;
fail:
	ep_reply_problem(e, &p);
out:
	free(cn);
	free(der);
}
