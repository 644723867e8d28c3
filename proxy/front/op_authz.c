/* op_authz.c: the v1 authorization resources: new-authz, the challenge
 * POST (the client's answer), and the GETs of an authorization and of a
 * challenge, which refresh a pending one from upstream at most once per
 * authz_refresh_ms, one refresh at a time (b->refreshes). Upstream work is a
 * FLOW_AUTHZ (a one-name order, its challenge solved by the bridge) or a
 * FLOW_CHECK (one known authorization); in client-proof mode the client's
 * own answer is checked first (challenge/proof.c). The rules are
 * translate/v1's (v1_rules.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <openssl/rand.h>

#include "accounts.h"
#include "b64url.h"
#include "endpoints.h"
#include "flow.h"
#include "log.h"
#include "policy.h"
#include "problem_v2.h"
#include "proof.h"
#include "v1.h"
#include "v1_rules.h"

#define AUTHZ_LIFETIME (7 * 24 * 3600) /* a v1 authorization's validity */

struct ep_authz *
ep_authz(struct ep *e)
{
	if (e->az == NULL && (e->az = calloc(1, sizeof(*e->az))) == NULL)
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
	return e->az;
}

int
ep_authz_load(struct ep *e, struct store_authz *out)
{
	int rc;

	if (e->authz.pid[0] != '\0')
		return store_authz_by_public_id(
		    e->b->store, e->u->cfg->prefix, e->authz.pid, out);
	/* New rows are reachable by their random id only; numeric ones are
	 * from before several upstreams: the root's. */
	if (e->u->cfg->prefix[0] != '\0')
		return 1;
	rc = store_authz_by_id(e->b->store, e->authz.id, out);
	if (rc == 0 && !out->numeric_url) {
		store_authz_clear(out);
		return 1;
	}
	return rc;
}

/* --- replies ------------------------------------------------------------ */

/* dehydrated 0.7.0 (API=1) reads a pending challenge's URL from
 * validationRecord.uri and exits silently when that is missing (reference
 * section 4.1): give it that non-standard object, and only it. */
static void
dehydrated_quirk(struct ep *e, json_t *authz)
{
	json_t *ch;
	size_t i;

	if (e->az->authz.status != AUTHZ_PENDING ||
	    strstr(e->req->user_agent, "dehydrated/") == NULL)
		return;
	json_array_foreach(json_object_get(authz, "challenges"), i, ch)
		json_object_set_new(ch, "validationRecord",
		    json_pack("{s:O}", "uri", json_object_get(ch, "uri")));
}

void
ep_send_authz(struct ep *e, int status)
{
	const struct store_authz *z = &e->az->authz;
	json_t *j = v1_authz(e->base, z);

	ep_header(e, "Link: <%s/acme/new-cert>;rel=\"next\"", e->base);
	if (status == 201)
		ep_header(
		    e, "Location: %s/acme/authz/%s", e->base, z->public_id);
	if (j != NULL)
		dehydrated_quirk(e, j);
	ep_reply_json(e, status, j);
}

void
ep_send_challenge(struct ep *e)
{
	const struct store_authz *z = &e->az->authz;

	ep_header(e, "Location: %s/acme/challenge/%s/%d", e->base, z->public_id,
	    e->idx);
	ep_header(
	    e, "Link: <%s/acme/authz/%s>;rel=\"up\"", e->base, z->public_id);
	ep_reply_json(e, 202, v1_challenge(e->base, z, e->idx));
}

/* --- flow outcomes ------------------------------------------------------- */

/* *dst = a copy of src unless src is NULL (or keep and dst is set). 0, or
 * -1 out of memory (dst unchanged). */
static int
replace_str(char **dst, const char *src, int keep)
{
	char *c;

	if (src == NULL || (keep && *dst != NULL))
		return 0;
	if ((c = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

/* A failed challenge's v1 error document (JSON text) into *dst. 0, or -1
 * out of memory. */
static int
take_chall_error(char **dst, const struct v2_problem *err)
{
	json_t *j = problem_v2_chall_error(err);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)
		       : NULL;

	json_decref(j);
	if (text == NULL)
		return -1;
	free(*dst);
	*dst = text;
	return 0;
}

/* Copy the outcome of an authorization flow into e's authorization. 0, or
 * -1 out of memory (it may be partly updated: not to be stored). */
static int
take_authz(struct ep *e, struct flow *f)
{
	const struct flow_authz *fz = flow_authz_get(f, 0);
	struct store_authz *a = &e->az->authz;

	a->status = problem_v2_authz_status(fz->status);
	if (replace_str(&a->v2_order_url, flow_order_url(f), 0) == -1 ||
	    replace_str(&a->v2_authz_url, fz->authz_url, 1) == -1 ||
	    replace_str(&a->v2_chall_url, fz->chall_url, 0) == -1 ||
	    replace_str(&a->v2_finalize_url, flow_finalize_url(f), 0) == -1 ||
	    (fz->chall_error != NULL &&
		take_chall_error(&a->error, fz->chall_error) == -1))
		return -1;
	/* An imported account's client answers the CA's own challenge. */
	if (e->up.passthrough && fz->token[0] != '\0')
		snprintf(a->token, sizeof(a->token), "%s", fz->token);
	return 0;
}

/* The outcome of f into e's authorization and the store (insert for a
 * new one). 0, or -1 after replying. */
static int
store_outcome(struct ep *e, struct flow *f, int ok, int insert)
{
	struct store_authz *a = &e->az->authz;

	if (!ok) {
		ep_fail_flow(e, f);
		return -1;
	}
	if (take_authz(e, f) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
		return -1;
	}
	if ((insert ? store_authz_insert(e->b->store, a)
		    : store_authz_update(e->b->store, a)) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return -1;
	}
	return 0;
}

/* Start the FLOW_AUTHZ for e's authorization; cb gets the outcome. */
static void
start_authz_flow(struct ep *e, flowrun_cb cb)
{
	struct store_authz *a = &e->az->authz;
	const char *names[1] = { a->name };
	struct flow_dir fd;
	struct flow *f = NULL;

	if (ep_flow_dir(e, &fd) == 0)
		f = flow_new_authz(&fd, names, 1, e->up.thumb,
		    bridge_now_ms() + e->b->cfg->authz_wait_ms);
	if (f != NULL && ep_flow_prepare(e, f, names, 1) == -1) {
		flow_free(f);
		f = NULL;
	}
	if (f == NULL || ep_flow_start(e, f, 0, cb, e) == -1)
		ep_reply_error(
		    e, V1E_SERVER_INTERNAL, 500, "cannot start newOrder");
}

/* --- new-authz ------------------------------------------------------------ */

static void
on_new_authz_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;
	struct store_authz *a = &e->az->authz;

	if (store_outcome(e, f, ok, 1) == -1)
		return;
	log_info("account %lld: authorization %lld for %s is %s", e->acct.id,
	    a->id, a->name, authz_status_name(a->status));
	ep_send_authz(e, 201);
}

static void
new_authz_flow(struct ep *e)
{
	start_authz_flow(e, on_new_authz_done);
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
	return e->b->cfg->authz_mode == AUTHZ_MODE_CLIENT_PROOF;
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

/* A new pending authorization of e's account for name into a. 0 or -1. */
static int
new_authz_record(struct ep *e, struct store_authz *a, const char *name)
{
	store_authz_clear(a);
	a->account_id = e->acct.id;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->status = AUTHZ_PENDING;
	a->expires = bridge_now() + AUTHZ_LIFETIME;
	a->created_at = bridge_now();
	return new_token(a->token);
}

/* The verified request's identifier, allowed by the policy, into name. 0,
 * or -1 after replying. */
static int
new_authz_name(struct ep *e, char name[V1_NAME_MAX])
{
	struct problem p;

	if (v1_authz_identifier(e->jws.payload, name, &p) == -1) {
		ep_reply_problem(e, &p);
		return -1;
	}
	observe_name(&e->obs, name);
	return name_allowed(e, name);
}

void
ep_new_authz(struct ep *e)
{
	struct ep_authz *az;
	char name[V1_NAME_MAX];
	int rc;

	if (ep_verify(e, "new-authz", 1) == -1 ||
	    new_authz_name(e, name) == -1 || (az = ep_authz(e)) == NULL)
		return;
	rc = store_authz_find_valid(
	    e->b->store, e->acct.id, name, bridge_now(), &az->authz);
	if (rc == 0) {
		ep_send_authz(e, 201); /* Boulder reused valid ones */
		return;
	}
	if (rc == -1 || new_authz_record(e, &az->authz, name) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500,
		    rc == -1 ? "store error" : "no randomness");
		return;
	}
	if (!client_proof(e)) {
		accounts_with_upstream(e, new_authz_flow);
		return;
	}
	/* Nothing upstream until the client proves control. */
	if (store_authz_insert(e->b->store, &az->authz) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	ep_send_authz(e, 201);
}

/* --- refreshing a pending authorization ------------------------------------ */

/* One authorization's refreshes, in the bridge's refreshes: the pure rules'
 * state (v1_refresh: when the last began, the CA's Retry-After, how many
 * run). Kept while it still holds a GET back, then forgotten lazily. */
struct authz_refresh {
	LIST_ENTRY(authz_refresh) link;
	long long authz_id;
	struct v1_refresh r;
};

/* The entry of authz_id, made when missing and create; NULL when there is
 * none (or out of memory). Spent entries are forgotten on the way, so the
 * list holds only authorizations refreshed within the last interval or
 * Retry-After. */
static struct authz_refresh *
refresh_entry(struct bridge *b, long long authz_id, int create)
{
	struct authz_refresh *x, *next, *found = NULL;
	long long now = bridge_now_ms();

	for (x = LIST_FIRST(&b->refreshes); x != NULL; x = next) {
		next = LIST_NEXT(x, link);
		if (x->authz_id == authz_id)
			found = x;
		else if (v1_refresh_spent(
			     &x->r, now, b->cfg->authz_refresh_ms)) {
			LIST_REMOVE(x, link);
			free(x);
		}
	}
	if (found != NULL || !create ||
	    (found = calloc(1, sizeof(*found))) == NULL)
		return found;
	found->authz_id = authz_id;
	LIST_INSERT_HEAD(&b->refreshes, found, link);
	return found;
}

void
ep_refreshes_free(struct bridge *b)
{
	struct authz_refresh *x;

	while ((x = LIST_FIRST(&b->refreshes)) != NULL) {
		LIST_REMOVE(x, link);
		free(x);
	}
}

/* A GET's refresh, once across the instances on one database (issue
 * 11): the one that takes this lock asks the CA, the others answer from
 * the store (which that refresh updates). */
static void
refresh_lock_name(const struct ep *e, char *buf, size_t n)
{
	snprintf(buf, n, "authz refresh: %lld", e->az->authz.id);
}

static void
refresh_unclaim(struct ep *e)
{
	char name[64];

	if (!e->az->claimed)
		return;
	e->az->claimed = 0;
	refresh_lock_name(e, name, sizeof(name));
	(void)store_unlock(e->b->store, name);
}

/* e's refresh ended (retry_after: the CA's, in seconds, 0 none). */
static void
refresh_end(struct ep *e, long retry_after)
{
	refresh_unclaim(e);
	if (e->az->refresh == NULL)
		return;
	v1_refresh_done(&e->az->refresh->r, bridge_now_ms(), retry_after);
	e->az->refresh = NULL;
}

static void
on_refresh_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;
	struct store_authz *a = &e->az->authz;
	struct problem p;
	long ra = flow_retry_after(f);

	if (!ok && flow_failure(f)->retry_after > ra)
		ra = flow_failure(f)->retry_after;
	refresh_end(e, ra); /* the CA's Retry-After holds the next GETs */
	if (!ok) { /* keep showing what we know; the client polls again */
		problem_v2_flow(&p, flow_failure(f));
		log_warn("authz %lld: refresh failed: %s", a->id, p.detail);
	} else if (take_authz(e, f) == -1 ||
	    store_authz_update(e->b->store, a) == -1)
		log_err("authz %lld: cannot store its new status", a->id);
	e->az->then(e);
}

/* Start e's refresh flow, recorded in b->refreshes (out of memory: no
 * refresh, the store answers). 0, or -1 (nothing started). */
static int
refresh_start(struct ep *e, long wait_ms)
{
	struct store_authz *a = &e->az->authz;
	const char *names[1] = { a->name };
	struct authz_refresh *x;
	struct flow *f;

	if ((x = refresh_entry(e->b, a->id, 1)) == NULL)
		return -1;
	f = flow_new_check(
	    a->v2_authz_url, e->up.thumb, bridge_now_ms() + wait_ms);
	if (f != NULL && ep_flow_prepare(e, f, names, 1) == -1) {
		flow_free(f);
		f = NULL;
	}
	x->r.in_flight++;
	x->r.last_ms = bridge_now_ms();
	e->az->refresh = x;
	if (f == NULL || ep_flow_start(e, f, 0, on_refresh_done, e) == -1) {
		refresh_end(e, 0);
		return -1;
	}
	return 0;
}

void
ep_authz_refresh(struct ep *e, long wait_ms, void (*then)(struct ep *))
{
	struct store_authz *a = &e->az->authz;
	struct flow_dir fd;

	e->az->then = then;
	if (ep_flow_dir(e, &fd) == -1 || a->v2_authz_url == NULL ||
	    accounts_load_owner(e, a->account_id) == -1 ||
	    refresh_start(e, wait_ms) == -1) {
		refresh_unclaim(e); /* before then: it may answer and free e */
		then(e);
	}
}

/* An unauthenticated GET of a pending authorization: a refresh only when
 * none of it runs and the last is older than authz_refresh_ms (and the
 * CA's Retry-After has passed); else the store's copy, which a running
 * refresh updates for the next reader (v1_get_refreshes). */
static void
get_refresh(struct ep *e, void (*then)(struct ep *))
{
	struct authz_refresh *x = refresh_entry(e->b, e->az->authz.id, 0);

	char name[64];

	e->az->readonly = 1;
	if (!v1_get_refreshes(x != NULL ? &x->r : NULL, bridge_now_ms(),
		e->b->cfg->authz_refresh_ms)) {
		then(e);
		return;
	}
	refresh_lock_name(e, name, sizeof(name));
	if (store_lock_try(e->b->store, name) != 0) {
		then(
		    e); /* another instance refreshes it (or the store failed) */
		return;
	}
	e->az->claimed = 1; /* let go when the refresh ends or fails */
	ep_authz_refresh(e, 0, then);
}

/* --- client-proof --------------------------------------------------------- */

static void
on_proof_authz_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;
	struct store_authz *a = &e->az->authz;

	if (store_outcome(e, f, ok, 0) == -1)
		return;
	log_info("account %lld: authorization %lld for %s proven by the "
		 "client, upstream %s",
	    e->acct.id, a->id, a->name, authz_status_name(a->status));
	ep_send_challenge(e);
}

/* The client proved control: now solve the upstream challenge. */
static void
proof_authz_flow(struct ep *e)
{
	start_authz_flow(e, on_proof_authz_done);
}

/* The client's own provisioning failed: the v1 challenge (and so the
 * authorization) is invalid, with what was fetched. */
static void
proof_failed(struct ep *e, const struct problem *p)
{
	struct store_authz *a = &e->az->authz;
	json_t *err = problem_v1_json(p);
	char *text = err ? json_dumps(err, JSON_COMPACT | JSON_PRESERVE_ORDER)
			 : NULL;

	json_decref(err);
	if (text == NULL) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
		return;
	}
	free(a->error);
	a->error = text;
	a->status = AUTHZ_INVALID;
	if (store_authz_update(e->b->store, a) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("account %lld: authorization %lld for %s: client proof "
		 "failed: %s",
	    e->acct.id, a->id, a->name, p->detail);
	ep_send_challenge(e);
}

static void
on_proof(void *arg, enum proof_verdict v, const struct problem *p)
{
	struct ep *e = arg;

	if (v == PROOF_ERROR)
		ep_reply_problem(e, p);
	else if (v == PROOF_PROVEN)
		accounts_with_upstream(e, proof_authz_flow);
	else
		proof_failed(e, p);
}

/* Check the client's own answer before anything goes upstream. */
static void
check_client_proof(struct ep *e)
{
	const struct store_authz *a = &e->az->authz;
	struct proof_subject sub = {
		.authz_id = a->id,
		.name = a->name,
		.token = a->token,
		.chall = e->idx,
		.thumbprint = e->jws.thumbprint,
	};
	struct problem p;

	if (proof_check(e->b, &sub, on_proof, e, &p) == -1)
		ep_reply_problem(e, &p);
}

/* --- the challenge POST ------------------------------------------------- */

/* The first right key authorization is kept, as Boulder showed it back.
 * 0, or -1 after replying. */
static int
keep_key_authorization(struct ep *e, const char *want)
{
	struct store_authz *a = &e->az->authz;

	if (a->key_authorization != NULL)
		return 0;
	if ((a->key_authorization = strdup(want)) == NULL) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
		return -1;
	}
	if (store_authz_update(e->b->store, a) == -1) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return -1;
	}
	return 0;
}

/* The verified challenge POST's authorization and answer, checked. 0, or
 * -1 after replying. */
static int
challenge_answer(struct ep *e, struct store_authz *a)
{
	struct problem p;
	char want[JWK_THUMBPRINT_LEN + 64];
	int rc, ka;

	rc = ep_authz_load(e, a);
	if (v1_chall_found(rc, e->idx, &p) == -1 ||
	    v1_chall_owner(a, e->acct.id, &p) == -1 ||
	    (ka = v1_key_authorization(e->jws.payload, a->token,
		 e->jws.thumbprint, want, sizeof(want), &p)) == -1) {
		ep_reply_problem(e, &p);
		return -1;
	}
	return ka == 1 ? keep_key_authorization(e, want) : 0;
}

void
ep_challenge_post(struct ep *e)
{
	struct ep_authz *az;

	if (ep_verify(e, "challenge", 1) == -1 || (az = ep_authz(e)) == NULL ||
	    challenge_answer(e, &az->authz) == -1)
		return;
	if (az->authz.status != AUTHZ_PENDING) {
		ep_send_challenge(e);
		return;
	}
	if (az->authz.v2_authz_url == NULL && client_proof(e)) {
		check_client_proof(e);
		return;
	}
	ep_authz_refresh(e, e->b->cfg->authz_wait_ms, ep_send_challenge);
}

/* --- GETs ------------------------------------------------------------- */

static void
get_authz_done(struct ep *e)
{
	ep_send_authz(e, 200);
}

void
ep_get_authz(struct ep *e)
{
	struct ep_authz *az = ep_authz(e);
	struct problem p;
	int rc;

	if (az == NULL)
		return;
	rc = ep_authz_load(e, &az->authz);
	if (v1_authz_found(rc, &az->authz, bridge_now(), &p) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	if (az->authz.status != AUTHZ_PENDING) {
		ep_send_authz(e, 200);
		return;
	}
	get_refresh(e, get_authz_done);
}

void
ep_get_challenge(struct ep *e)
{
	struct ep_authz *az = ep_authz(e);
	struct problem p;
	int rc;

	if (az == NULL)
		return;
	rc = ep_authz_load(e, &az->authz);
	if (v1_chall_found(rc, e->idx, &p) == -1) {
		ep_reply_problem(e, &p);
		return;
	}
	if (az->authz.status != AUTHZ_PENDING) {
		ep_send_challenge(e);
		return;
	}
	get_refresh(e, ep_send_challenge);
}
