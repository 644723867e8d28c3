/* op_reg.c: the v1 registration resources: new-reg (a new v1 account with
 * a fresh bridge-held v2 key; nothing upstream yet) and reg (contact and
 * agreement updates; deactivation goes on in op_manage.c). The rules are
 * translate/v1's (v1_rules.h); this file stores and replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme2.h"
#include "endpoints.h"
#include "log.h"
#include "v1.h"
#include "v1_rules.h"

/* v1_reg_payload for e: the agreements it may name are the bridge's,
 * the CA's and the account's current one. 0, or -1 after replying. */
static int
check_reg_payload(struct ep *e, struct v1_reg_update *u)
{
	const struct v2_directory *d = acme2_directory(e->u->acme);
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
	rc = store_account_by_thumbprint(
	    e->b->store, e->u->cfg->prefix, e->jws.thumbprint, a);
	if (v1_new_reg_check(rc, &p) == -1) {
		if (rc == 0)
			ep_header(
			    e, "Location: %s/acme/reg/%lld", e->base, a->id);
		ep_reply_problem(e, &p);
		return;
	}
	if (check_reg_payload(e, &u) == -1)
		return;
	/* Only a registration that would create an account counts (as
	 * Boulder's registrations per IP): a 409 for a known key does not. */
	if (ep_rate_limit(e, e->b->rate_new_reg, "new-reg") == -1) {
		v1_reg_update_clear(&u);
		return;
	}
	if (new_account_record(e, a, u.contact, u.agreement) == -1) {
		ep_reply_error(
		    e, V1E_SERVER_INTERNAL, 500, "cannot create a key");
		return;
	}
	snprintf(a->upstream, sizeof(a->upstream), "%s", e->u->cfg->prefix);
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
