/* accounts.c: the upstream account behind a v1 account (see accounts.h,
 * docs/accounts.md).
 *
 * A v1 account's "binding" is stored with it (accounts.mode, group_name):
 * imported accounts keep theirs; the others are bound on each signed request
 * by the config's "accounts" member (shared group or per-client), so a
 * config change takes effect at the account's next request. GETs that
 * refresh an authorization (accounts_load_owner) use the stored binding: the
 * authorization belongs to the upstream account that made it.
 *
 * Creating (or, imported, looking up) an upstream account is one flow per
 * account or group at a time: concurrent requests wait for the same one. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "accounts.h"
#include "acme2.h"
#include "b64url.h"
#include "claim.h"
#include "endpoints.h"
#include "flow.h"
#include "flowrun.h"
#include "keyring.h"
#include "log.h"
#include "policy.h"
#include "problem_v2.h"

#define RATE_LIMIT_DEFAULT_S 600 /* rateLimited, no Retry-After */
#define RATE_LIMIT_MAX_S (7 * 24 * 3600)

/* A request waiting for an upstream account, and how it goes on. */
struct waiter {
	struct ep *e;
	void (*next)(struct ep *e);
};

/* One upstream account creation in progress (in the bridge's list) and
 * the requests waiting for it. */
struct creation {
	long long account_id; /* per-client or imported */
	char group[sizeof(((struct store_group *)0)->name)]; /* or shared */
	int imported;
	int locked;		    /* holds the instances' claim (claim.h) */
	char claim[CLAIM_NAME_MAX]; /* its name */
	char *found;		    /* the URL another instance stored */
	const struct bridge_upstream *u; /* groups are per upstream */
	struct bridge *b;
	struct waiter *waiters;
	size_t n, cap;
	LIST_ENTRY(creation) link;
};

static int
is_imported(const struct store_account *a)
{
	return a->mode == ACCOUNT_IMPORTED;
}

static int
is_shared(const struct store_account *a)
{
	return a->mode == ACCOUNT_SHARED && a->group_name[0] != '\0';
}

/* The upstream key in pem into the keyring (parsed the first time only)
 * and held as e->up.key; its id is its thumbprint, e->up.thumb. */
static int
load_v2key(struct ep *e, const char *pem)
{
	char id[KEYRING_ID_LEN + 1];

	if (e->up.key[0] != '\0')
		keyring_release(e->b->keyring, e->up.key);
	e->up.key[0] = '\0';
	if (pem == NULL ||
	    keyring_import_pem(e->b->keyring, pem, strlen(pem), id) != 0 ||
	    keyring_hold(e->b->keyring, id) == -1)
		return -1;
	memcpy(e->up.key, id, sizeof(id));
	memcpy(e->up.thumb, id, sizeof(id));
	return 0;
}

static int
set_kid(struct ep *e, const char *url)
{
	free(e->up.kid);
	e->up.kid = url ? strdup(url) : NULL;
	return url != NULL && e->up.kid == NULL ? -1 : 0;
}

/* e->up from a's binding (and g, its group's row when shared). 0 or -1. */
static int
set_upstream(
    struct ep *e, const struct store_account *a, const struct store_group *g)
{
	e->up.account_id = a->id;
	e->up.passthrough = is_imported(a);
	if (load_v2key(e, is_shared(a) ? g->v2_key_pem : a->v2_key_pem) == -1 ||
	    set_kid(e, is_shared(a) ? g->v2_account_url : a->v2_account_url) ==
		-1)
		return -1;
	return 0;
}

/* Bind e->acct by the config (imported accounts stay imported) and store
 * the binding when it changed. 0 or -1 (store error). */
static int
bind_account(struct ep *e)
{
	struct store_account *a = &e->acct;
	struct policy_who w = { a->id, a->thumbprint, e->req->peer };
	const char *group;
	enum account_mode mode;

	if (is_imported(a))
		return 0;
	group = policy_account_group(e->u->cfg->accounts, &w);
	mode = group != NULL ? ACCOUNT_SHARED : ACCOUNT_PER_CLIENT;
	if (a->mode == mode &&
	    strcmp(a->group_name, group != NULL ? group : "") == 0)
		return 0;
	if (store_account_set_mode(e->b->store, a->id, mode, group) == -1)
		return -1;
	log_info("account %lld: upstream account is now %s%s", a->id,
	    group != NULL ? "the one of group " : "its own (per-client)",
	    group != NULL ? group : "");
	a->mode = mode;
	snprintf(a->group_name, sizeof(a->group_name), "%s",
	    group != NULL ? group : "");
	return 0;
}

/* The group's row, created with a new key on first need. 0 or -1. */
static int
group_load(struct ep *e, const char *name, struct store_group *g)
{
	char id[KEYRING_ID_LEN + 1];
	int rc;

	if ((rc = store_group_get(e->b->store, e->u->cfg->prefix, name, g)) !=
	    1)
		return rc;
	memset(g, 0, sizeof(*g));
	snprintf(g->upstream, sizeof(g->upstream), "%s", e->u->cfg->prefix);
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->created_at = bridge_now();
	if (keyring_generate(e->b->keyring, id) == -1 ||
	    (g->v2_key_pem = keyring_private_pem(e->b->keyring, id)) == NULL ||
	    (rc = store_group_insert(e->b->store, g)) == -1) {
		store_group_clear(g);
		return -1;
	}
	if (rc == 0)
		log_info("group %s: new upstream key", name);
	store_group_clear(g);
	return store_group_get(e->b->store, e->u->cfg->prefix, name, g) == 0
	    ? 0
	    : -1;
}

static struct creation *
creation_find(struct bridge *b, const struct bridge_upstream *u,
    long long account_id, const char *group)
{
	struct creation *c;

	LIST_FOREACH(c, &b->creations, link)
		if (group != NULL
			? c->u == u && strcmp(c->group, group) == 0
			: c->group[0] == '\0' && c->account_id == account_id)
			return c;
	return NULL;
}

static int
creation_add(struct creation *c, struct ep *e, void (*next)(struct ep *))
{
	struct waiter *w;

	if (c->n == c->cap) {
		if (c->cap > 65536 ||
		    (w = realloc(c->waiters,
			 (c->cap ? c->cap * 2 : 4) * sizeof(*w))) == NULL)
			return -1;
		c->waiters = w;
		c->cap = c->cap ? c->cap * 2 : 4;
	}
	c->waiters[c->n++] = (struct waiter){ e, next };
	return 0;
}

static void
creation_free(struct creation *c)
{
	if (c->locked)
		claim_release(c->b, c->claim);
	free(c->found);
	free(c->waiters);
	free(c);
}

/* "group G" or "account N", for logs and details. */
static void
creation_name(const struct creation *c, char *buf, size_t len)
{
	if (c->group[0] != '\0')
		snprintf(buf, len, "group %s", c->group);
	else
		snprintf(buf, len, "account %lld", c->account_id);
}

static void
created_ok(struct creation *c, const char *url)
{
	char who[96];
	size_t i;
	int rc;

	creation_name(c, who, sizeof(who));
	if (c->found != NULL)
		rc = 0; /* stored by the instance that made it */
	else
		rc = c->group[0] != '\0' ? store_group_set_upstream(c->b->store,
					       c->u->cfg->prefix, c->group, url)
					 : store_account_set_upstream(
					       c->b->store, c->account_id, url);
	if (rc == 0)
		log_info("%s: upstream account %s: %s", who,
		    c->found	      ? "made by another instance"
			: c->imported ? "found (imported key)"
				      : "created",
		    url);
	for (i = 0; i < c->n; i++) {
		struct ep *e = c->waiters[i].e;

		if (rc == -1) {
			ep_reply_error(
			    e, V1E_SERVER_INTERNAL, 500, "store error");
			continue;
		}
		if (c->group[0] == '\0') {
			free(e->acct.v2_account_url);
			e->acct.v2_account_url = strdup(url);
		}
		if ((c->group[0] == '\0' && e->acct.v2_account_url == NULL) ||
		    set_kid(e, url) == -1) {
			ep_reply_error(
			    e, V1E_SERVER_INTERNAL, 500, "out of memory");
			continue;
		}
		c->waiters[i].next(e);
	}
}

/* The CA refused to create the account for now: remember until when and
 * answer every waiter with 429 (nothing retries by itself). */
static void
created_rate_limited(struct creation *c, const struct problem *p)
{
	long secs = p->retry_after > 0 ? p->retry_after : RATE_LIMIT_DEFAULT_S;
	struct store *s = c->b->store;
	long long nb;
	char who[96];
	size_t i;

	if (secs > RATE_LIMIT_MAX_S)
		secs = RATE_LIMIT_MAX_S;
	nb = bridge_now() + secs;
	creation_name(c, who, sizeof(who));
	if ((c->group[0] != '\0'
		    ? store_group_set_not_before(
			  s, c->u->cfg->prefix, c->group, nb)
		    : store_account_set_not_before(s, c->account_id, nb)) == -1)
		log_err("%s: cannot store the rate limit time", who);
	log_warn("%s: the CA rate-limited creating its upstream account; not "
		 "asking again for %ld s",
	    who, secs);
	for (i = 0; i < c->n; i++) {
		struct problem q;

		problem_set(&q, V1E_RATE_LIMITED, 429,
		    "the CA refused to create "
		    "the upstream account for now (%.300s); retry after %ld s",
		    p->detail, secs);
		q.retry_after = secs;
		ep_reply_problem(c->waiters[i].e, &q);
	}
}

static void
on_created(void *arg, struct flow *f, int ok)
{
	struct creation *c = arg;
	struct problem prob, *p = &prob;
	size_t i;

	problem_v2_flow(p, flow_failure(f));
	LIST_REMOVE(c, link);
	if (ok)
		created_ok(c, flow_account_url(f));
	else if (flow_failure_rate_limited(flow_failure(f)))
		created_rate_limited(c, p);
	else if (c->imported && flow_failure_no_account(flow_failure(f)))
		for (i = 0; i < c->n; i++)
			ep_reply_error(c->waiters[i].e, V1E_UNAUTHORIZED, 403,
			    "no account for this key at the CA: register it "
			    "there first or remove the import (the CA said: "
			    "%.300s)",
			    p->detail);
	else
		for (i = 0; i < c->n; i++)
			ep_fail_flow(c->waiters[i].e, f);
	creation_free(c);
}

/* A new creation of e's upstream account (group's when group is set),
 * e its first waiter, linked into the bridge's list. NULL out of memory. */
static struct creation *
creation_new(struct ep *e, const char *group, void (*next)(struct ep *))
{
	struct creation *c = calloc(1, sizeof(*c));

	if (c == NULL || creation_add(c, e, next) == -1) {
		free(c);
		return NULL;
	}
	c->b = e->b;
	c->u = e->u;
	c->account_id = e->acct.id;
	c->imported = is_imported(&e->acct);
	snprintf(c->group, sizeof(c->group), "%s", group ? group : "");
	LIST_INSERT_HEAD(&e->b->creations, c, link);
	return c;
}

/* issue 9 item 2: bind the account f creates to the operator's account at
 * the CA (External Account Binding) when the config names one. An imported
 * account is looked up (onlyReturnExisting), never created: no binding. The
 * MAC key is decoded here and wiped at once; it is never logged. 0 or -1. */
static int
creation_eab(struct ep *e, struct flow *f)
{
	const struct config_upstream *c = e->u->cfg;
	unsigned char *key;
	size_t len = 0;
	json_t *jwk;
	int rc = -1;

	if (c->eab_kid[0] == '\0' || is_imported(&e->acct))
		return 0;
	key = b64url_decode(c->eab_hmac_key, strlen(c->eab_hmac_key), &len);
	jwk = keyring_jwk(e->b->keyring, e->up.key);
	if (key != NULL && jwk != NULL)
		rc = flow_set_eab(f, c->eab_kid, key, len, jwk);
	if (key != NULL)
		OPENSSL_cleanse(key, len);
	free(key);
	json_decref(jwk);
	return rc;
}

/* The newAccount flow of c, for its first waiter (c holds the claim). */
static void
creation_start(struct creation *c)
{
	struct ep *e = c->waiters[0].e;
	struct flow_dir fd;
	struct flow *f = NULL;
	size_t i;

	if (ep_flow_dir(e, &fd) == 0)
		f = flow_new_account(&fd, c->imported);
	/* The access log shows newAccount in the line of the request that
	 * started it (e waits until on_created). */
	if (f != NULL && creation_eab(e, f) == 0 &&
	    ep_flow_start(e, f, 1, on_created, c) == 0)
		return;
	flow_free(f);
	LIST_REMOVE(c, link);
	for (i = 0; i < c->n; i++)
		ep_reply_error(c->waiters[i].e, V1E_SERVER_INTERNAL, 500,
		    "cannot start newAccount");
	creation_free(c);
}

/* Another instance finished it when the row has an upstream URL now. */
static int
creation_done_elsewhere(void *arg)
{
	struct creation *c = arg;
	struct store_account a;
	struct store_group g;
	char *url = NULL;

	if (c->group[0] != '\0' &&
	    store_group_get(c->b->store, c->u->cfg->prefix, c->group, &g) ==
		0) {
		url = g.v2_account_url != NULL ? strdup(g.v2_account_url)
					       : NULL;
		store_group_clear(&g);
	} else if (c->group[0] == '\0' &&
	    store_account_by_id(c->b->store, c->account_id, &a) == 0) {
		url = a.v2_account_url != NULL ? strdup(a.v2_account_url)
					       : NULL;
		store_account_clear(&a);
	}
	free(c->found);
	c->found = url;
	return url != NULL;
}

static void
creation_claimed(void *arg, enum claim_outcome outcome)
{
	struct creation *c = arg;
	size_t i;

	if (outcome == CLAIM_MINE) {
		c->locked = 1;
		creation_start(c);
		return;
	}
	LIST_REMOVE(c, link);
	if (outcome == CLAIM_DONE)
		created_ok(c, c->found);
	else
		for (i = 0; i < c->n; i++)
			ep_reply_error(c->waiters[i].e, V1E_SERVER_INTERNAL,
			    503,
			    "another bridge instance is creating this upstream "
			    "account and has not finished: retry");
	creation_free(c);
}

/* Wait for the upstream account of e's binding, starting its creation
 * unless one is in progress: here, or, with several instances on one
 * database, at another (claim.h: once across instances); then next(e). */
static void
creation_join(struct ep *e, const char *group, void (*next)(struct ep *))
{
	struct creation *c;

	if ((c = creation_find(e->b, e->u, e->acct.id, group)) != NULL) {
		if (creation_add(c, e, next) == -1)
			ep_reply_error(
			    e, V1E_SERVER_INTERNAL, 500, "out of memory");
		return;
	}
	if ((c = creation_new(e, group, next)) == NULL) {
		ep_reply_error(
		    e, V1E_SERVER_INTERNAL, 500, "cannot start newAccount");
		return;
	}
	if (group != NULL)
		snprintf(c->claim, sizeof(c->claim),
		    "upstream account: %s group %s", e->u->cfg->prefix, group);
	else
		snprintf(c->claim, sizeof(c->claim),
		    "upstream account: account %lld", c->account_id);
	if (claim_start(e->b, c->claim, creation_done_elsewhere,
		creation_claimed, c) == -1) {
		LIST_REMOVE(c, link);
		creation_free(c);
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "out of memory");
	}
}

/* Whether e's account may act upstream now: terms agreed (imported
 * accounts did at the CA) and the directory loaded. 0, or -1 after
 * replying. */
static int
upstream_ready(struct ep *e)
{
	if ((e->acct.agreement == NULL || e->acct.agreement[0] == '\0') &&
	    !e->u->cfg->agree_tos && !is_imported(&e->acct)) {
		ep_reply_error(e, V1E_UNAUTHORIZED, 403,
		    "Must agree to subscriber agreement before any further "
		    "actions");
		return -1;
	}
	if (acme2_directory(e->u->acme) == NULL) {
		ep_reply_upstream_down(e, "not loaded");
		return -1;
	}
	return 0;
}

/* rateLimited 429 until nb (the CA refused creating it before). */
static void
reply_not_before(struct ep *e, long long nb, long long now)
{
	struct problem p;

	problem_set(&p, V1E_RATE_LIMITED, 429,
	    "the CA rate-limited creating the upstream account for this "
	    "client: retry after %lld s (the bridge does not ask the CA before "
	    "then)",
	    nb - now);
	p.retry_after = (long)(nb - now);
	ep_reply_problem(e, &p);
}

void
accounts_with_upstream(struct ep *e, void (*next)(struct ep *))
{
	struct store_group g;
	long long nb, now = bridge_now();
	int shared;

	memset(&g, 0, sizeof(g));
	if (upstream_ready(e) == -1)
		return;
	if (bind_account(e) == -1 ||
	    ((shared = is_shared(&e->acct)) &&
		group_load(e, e->acct.group_name, &g) == -1)) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	nb = shared ? g.not_before : e->acct.not_before;
	if (set_upstream(e, &e->acct, &g) == -1) {
		store_group_clear(&g);
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500,
		    "cannot load the account's upstream key");
		return;
	}
	store_group_clear(&g);
	if (e->up.kid != NULL)
		next(e);
	else if (nb > now)
		reply_not_before(e, nb, now);
	else
		creation_join(e, shared ? e->acct.group_name : NULL, next);
}

int
accounts_load_owner(struct ep *e, long long account_id)
{
	struct store_account own;
	struct store_group g;
	const struct store_account *a = &e->acct;
	int rc = -1;

	memset(&own, 0, sizeof(own));
	memset(&g, 0, sizeof(g));
	e->up.account_id = account_id;
	if (e->acct.id != account_id) {
		if (store_account_by_id(e->b->store, account_id, &own) != 0)
			goto out;
		a = &own;
	}
	if (is_shared(a) &&
	    store_group_get(
		e->b->store, e->u->cfg->prefix, a->group_name, &g) != 0)
		goto out;
	if ((is_shared(a) ? g.v2_account_url : a->v2_account_url) != NULL &&
	    set_upstream(e, a, &g) == 0)
		rc = 0;
out:
	store_account_clear(&own);
	store_group_clear(&g);
	return rc;
}
