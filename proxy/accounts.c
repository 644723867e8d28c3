/* accounts.c: the upstream account behind a v1 account (see accounts.h). */
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "acme2.h"
#include "endpoints.h"
#include "flow.h"
#include "flowrun.h"
#include "log.h"

/* The bridge-held key of e->acct, and its thumbprint. */
static int
load_v2key(struct ep *e)
{
	json_t *jwk = NULL;
	int rc = -1;

	EVP_PKEY_free(e->v2key);
	e->v2key = NULL;
	if ((e->v2key = jwk_private_from_pem(e->acct.v2_key_pem)) == NULL ||
	    (jwk = jwk_from_pkey(e->v2key)) == NULL ||
	    jwk_thumbprint(jwk, e->v2thumb) == -1)
		goto out;
	rc = 0;
out:
	json_decref(jwk);
	return rc;
}

static int
set_kid(struct ep *e, const char *url)
{
	free(e->kid);
	e->kid = url ? strdup(url) : NULL;
	return url != NULL && e->kid == NULL ? -1 : 0;
}

static void
on_account_done(void *arg, struct flow *f, int ok)
{
	struct ep *e = arg;

	if (!ok)
		return ep_fail_flow(e, f);
	free(e->acct.v2_account_url);
	e->acct.v2_account_url = strdup(flow_account_url(f));
	if (e->acct.v2_account_url == NULL ||
	    store_account_update(e->b->store, &e->acct) == -1 ||
	    set_kid(e, e->acct.v2_account_url) == -1)
		return ep_reply_error(e, "serverInternal", 500, "store error");
	log_info("account %lld: upstream account created", e->acct.id);
	e->after_account(e);
}

void
accounts_with_upstream(struct ep *e, void (*next)(struct ep *))
{
	const struct acme2_dir *d = acme2_directory(e->b->acme);
	struct flow_dir fd;
	struct flow *f;

	if ((e->acct.agreement == NULL || e->acct.agreement[0] == '\0') &&
	    !e->b->cfg->agree_tos)
		return ep_reply_error(e, "unauthorized", 403,
		    "Must agree to subscriber agreement before any further "
		    "actions");
	if (d == NULL)
		return ep_reply_error(e, "serverInternal", 503,
		    "the upstream CA's directory is not loaded yet");
	if (load_v2key(e) == -1)
		return ep_reply_error(e, "serverInternal", 500,
		    "cannot load the account's upstream key");
	if (e->acct.v2_account_url != NULL) {
		if (set_kid(e, e->acct.v2_account_url) == -1)
			return ep_reply_error(e, "serverInternal", 500,
			    "out of memory");
		return next(e);
	}
	fd.new_account = d->new_account;
	fd.new_order = d->new_order;
	e->after_account = next;
	if ((f = flow_new(FLOW_ACCOUNT, &fd, NULL, 0, NULL, NULL, 0)) == NULL ||
	    flowrun_start(e->b, f, e->v2key, NULL, on_account_done, e) == -1)
		ep_reply_error(e, "serverInternal", 500, "cannot start newAccount");
}

int
accounts_load_owner(struct ep *e, long long account_id)
{
	if (e->acct.id != account_id) {
		store_account_clear(&e->acct);
		if (store_account_by_id(e->b->store, account_id, &e->acct) != 0)
			return -1;
	}
	if (e->acct.v2_account_url == NULL || load_v2key(e) == -1 ||
	    set_kid(e, e->acct.v2_account_url) == -1)
		return -1;
	return 0;
}
