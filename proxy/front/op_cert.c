/* op_cert.c: new-cert. Every CSR name needs a valid authorization of the
 * signer's account (v1_cert_authorized); then a FLOW_CERT (an order for
 * exactly the CSR's names, finalized with the client's CSR) while the v1
 * request waits; the chain is stored and the leaf answered in DER. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "b64url.h"
#include "chain.h"
#include "csr.h"
#include "endpoints.h"
#include "flow.h"
#include "log.h"
#include "policy.h"
#include "v1_rules.h"

/* What new-cert keeps while the order runs. */
struct ep_cert {
	char **names; /* the CSR's names, lower-cased */
	size_t n;
	char *csr_b64; /* the CSR, base64url DER */
	/* each name's valid authorization (issue 10 item 2: its order may
	 * be finalized, its v2 URL is known valid) */
	struct store_authz *az;
	int reused; /* the flow tried the authorizations' order */
};

void
ep_cert_free(struct ep_cert *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->names[i]);
		store_authz_clear(&c->az[i]);
	}
	free(c->names);
	free(c->az);
	free(c->csr_b64);
	free(c);
}

/* The order a reused authorization came from was finalized (or refused):
 * no later certificate tries it again. Store errors are logged there; the
 * next attempt is then only refused once by the CA. Inside store_chain's
 * transaction when a certificate came, on its own otherwise. */
static void
forget_order(struct ep *e)
{
	struct store_authz *z;
	size_t i;

	for (i = 0; e->cert->reused && i < e->cert->n; i++) {
		z = &e->cert->az[i];
		if (z->v2_finalize_url == NULL)
			continue;
		free(z->v2_finalize_url);
		z->v2_finalize_url = NULL;
		(void)store_authz_update(e->b->store, z);
	}
}

/* The chain's issuers, its leaf c and the used order forgotten, in one
 * transaction (issue 10 item 3: one commit per request). 0 or -1. */
static int
store_chain(struct ep *e, const struct chain *ch, struct store_cert *c)
{
	size_t i;

	if (store_begin(e->b->store) == -1)
		return -1;
	forget_order(e);
	for (i = 1; i < ch->n; i++)
		if (store_issuer_put(e->b->store, ch->id[i], ch->der[i],
			ch->len[i], i + 1 < ch->n ? ch->id[i + 1] : "") == -1)
			goto fail;
	if (store_cert_insert(e->b->store, c) == -1 ||
	    store_commit(e->b->store) == -1)
		goto fail;
	return 0;
fail:
	store_rollback(e->b->store);
	return -1;
}

/* The leaf row for the parsed chain of f. */
static void
cert_record(
    struct ep *e, struct flow *f, const struct chain *ch, struct store_cert *c)
{
	memset(c, 0, sizeof(*c));
	c->account_id = e->acct.id;
	snprintf(c->serial, sizeof(c->serial), "%s", ch->serial);
	c->der = ch->der[0];
	c->der_len = ch->len[0];
	c->chain_pem = (char *)flow_cert_pem(f);
	snprintf(c->issuer_id, sizeof(c->issuer_id), "%s",
	    ch->n > 1 ? ch->id[1] : "");
	c->not_after = ch->not_after;
	c->created_at = bridge_now();
	c->v2_cert_url = (char *)flow_cert_url(f);
}

static void
store_chain_and_reply(struct ep *e, struct flow *f)
{
	struct chain ch;
	struct store_cert c;

	if (chain_parse(flow_cert_pem(f), flow_cert_pem_len(f), &ch) == -1) {
		forget_order(e);
		ep_reply_error(e, V1E_SERVER_INTERNAL, 502,
		    "the CA's certificate chain cannot be parsed");
		return;
	}
	cert_record(e, f, &ch, &c);
	if (store_chain(e, &ch, &c) == -1) {
		chain_clear(&ch);
		ep_reply_error(e, V1E_SERVER_INTERNAL, 500, "store error");
		return;
	}
	log_info("account %lld: issued certificate %s for %zu name(s)",
	    e->acct.id, c.serial, e->cert->n);
	observe_issued(e->b, e->obs.upstream, e->acct.id, c.serial,
	    e->obs.names, c.not_after);
	ep_header(e, "Location: %s/acme/cert/%s", e->base, c.serial);
	if (c.issuer_id[0] != '\0')
		ep_header(e, "Link: <%s/acme/issuer-cert/%s>;rel=\"up\"",
		    e->base, c.issuer_id);
	ep_reply_body(e, 201, "application/pkix-cert", ch.der[0], ch.len[0]);
	chain_clear(&ch);
}

static void
on_cert_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;

	if (!ok) {
		forget_order(e);
		ep_fail_flow(e, f);
		return;
	}
	store_chain_and_reply(e, f);
}

/* What the account's valid authorizations save (issue 10 item 2): their
 * order finalized when it is exactly these names', their v2 URLs not
 * fetched again otherwise. 0 or -1 (no memory). */
static int
cert_shortcuts(struct ep_cert *c, struct flow *f)
{
	const char *urls[CSR_MAX_NAMES];
	size_t i, n = 0;

	if (v1_cert_reusable(c->az, c->n)) {
		c->reused = 1;
		return flow_cert_reuse(
		    f, c->az[0].v2_order_url, c->az[0].v2_finalize_url);
	}
	for (i = 0; i < c->n && n < CSR_MAX_NAMES; i++)
		if (c->az[i].v2_authz_url != NULL)
			urls[n++] = c->az[i].v2_authz_url;
	return n == 0 ? 0 : flow_known_valid(f, urls, n);
}

static void
new_cert_flow(struct ep *e)
{
	const struct ep_cert *c = e->cert;
	const char *const *names = (const char *const *)c->names;
	struct flow_dir fd;
	struct flow *f = NULL;

	if (ep_flow_dir(e, &fd) == 0)
		f = flow_new_cert(&fd, names, c->n, c->csr_b64, e->up.thumb,
		    bridge_now_ms() + e->b->cfg->issue_timeout_ms);
	if (f != NULL &&
	    (ep_flow_prepare(e, f, names, c->n) == -1 ||
		cert_shortcuts(e->cert, f) == -1)) {
		flow_free(f);
		f = NULL;
	}
	if (f == NULL || ep_flow_start(e, f, 0, on_cert_done, e) == -1)
		ep_reply_error(
		    e, V1E_SERVER_INTERNAL, 500, "cannot start newOrder");
}

/* v1_cert_authorized's lookup: a valid authorization of e's account,
 * kept in e->cert for the name's slot. */
static int
authz_valid(void *arg, const char *name)
{
	struct ep *e = arg;
	struct ep_cert *c = e->cert;
	struct store_authz *z = NULL;
	size_t i;
	int rc;

	for (i = 0; i < c->n && z == NULL; i++)
		if (strcmp(c->names[i], name) == 0)
			z = &c->az[i];
	if (z == NULL)
		return -1; /* every name is the CSR's: cannot happen */
	store_authz_clear(z);
	rc = store_authz_find_valid(
	    e->b->store, e->acct.id, name, bridge_now(), z);
	return rc == -1 ? -1 : rc == 0;
}

/* The CSR's names and text, kept for the FLOW_CERT. NULL out of memory. */
static struct ep_cert *
cert_request(
    const struct csr_names *cn, const unsigned char *der, size_t derlen)
{
	struct ep_cert *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL || (c->names = calloc(cn->n, sizeof(char *))) == NULL ||
	    (c->az = calloc(cn->n, sizeof(*c->az))) == NULL ||
	    (c->csr_b64 = b64url_encode(der, derlen)) == NULL)
		goto fail;
	for (i = 0; i < cn->n; i++) {
		if ((c->names[i] = strdup(cn->names[i])) == NULL)
			goto fail;
		c->n++;
	}
	return c;
fail:
	ep_cert_free(c);
	return NULL;
}

/* The CSR's names, each allowed by the policy and authorized for the
 * signer's account. 0, or -1 with p set. */
static int
cert_names_ok(struct ep *e, const struct csr_names *cn, struct problem *p)
{
	struct policy_who w = { e->acct.id, e->jws.thumbprint, e->req->peer };
	const char *names[CSR_MAX_NAMES];
	size_t i;

	for (i = 0; i < cn->n; i++) {
		names[i] = cn->names[i];
		observe_name(&e->obs, cn->names[i]);
	}
	if (v1_names_allowed(e->b->cfg->policy, &w, names, cn->n, p) == -1 ||
	    v1_cert_authorized(names, cn->n, authz_valid, e, p) == -1)
		return -1;
	return 0;
}

void
ep_new_cert(struct ep *e)
{
	struct csr_names *cn = NULL;
	struct problem p;
	unsigned char *der = NULL;
	size_t derlen = 0;

	if (ep_verify(e, "new-cert", 1) == -1)
		return;
	memset(&p, 0, sizeof(p));
	if (v1_cert_csr(e->jws.payload, &der, &derlen, &p) == -1)
		goto fail;
	if ((cn = calloc(1, sizeof(*cn))) == NULL) {
		problem_set(&p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto fail;
	}
	if (v1_cert_csr_check(der, derlen, e->jws.thumbprint, cn, &p) == -1)
		goto fail;
	if ((e->cert = cert_request(cn, der, derlen)) == NULL) {
		problem_set(&p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto fail;
	}
	if (cert_names_ok(e, cn, &p) == -1)
		goto fail;
	accounts_with_upstream(e, new_cert_flow);
	goto out;
fail:
	ep_reply_problem(e, &p);
out:
	free(cn);
	free(der);
}
