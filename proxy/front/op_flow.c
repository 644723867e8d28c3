/* op_flow.c: how a v1 request starts upstream work. Every flow a handler
 * starts goes through ep_flow_start, signed with the upstream account the
 * request acts through (e->up, accounts.c) and reported in the request's
 * access log line. */
#include <string.h>

#include "acme2.h"
#include "endpoints.h"
#include "flow.h"
#include "flowrun.h"
#include "policy.h"
#include "problem_v2.h"
#include "v1.h"

int
ep_flow_start(
    struct ep *e, struct flow *f, int by_jwk, flowrun_cb cb, void *arg)
{
	if (e->up.key[0] == '\0' || (!by_jwk && e->up.kid == NULL)) {
		flow_free(f);
		return -1;
	}
	/* the v1 account is the run's turn in the upstream's fair queue
	 * (issue 10 item 5): needed before the answer */
	ep_obs_account(e);
	return flowrun_start(e->b, e->u->acme, f, e->up.key,
	    by_jwk ? NULL : e->up.kid, &e->obs, cb, arg);
}

/* An imported account's client answers the CA's challenge itself; a GET
 * must not answer for a client that may not have provisioned yet. */
static int
prepare_passthrough(struct ep *e, struct flow *f)
{
	const struct store_authz *z = e->az ? &e->az->authz : NULL;

	flow_set_answer(f,
	    e->az && e->az->readonly ? FLOW_ANSWER_NONE : FLOW_ANSWER_CLIENT);
	if (e->idx == V1_CHALL_DNS01 && z != NULL && z->name[0] != '\0')
		return flow_set_challenge(f, z->name, V2C_DNS01);
	return 0;
}

int
ep_flow_prepare(
    struct ep *e, struct flow *f, const char *const *names, size_t n)
{
	const struct config *c = e->b->cfg;
	size_t i;

	if (e->up.passthrough)
		return prepare_passthrough(e, f);
	if (c->dns01_names == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (policy_name_match(c->dns01_names, names[i]) &&
		    flow_set_challenge(f, names[i], V2C_DNS01) == -1)
			return -1;
	return 0;
}

void
ep_fail_flow(struct ep *e, struct flow *f)
{
	struct problem p;

	if (flow_failure(f)->source == FLOW_FAILED_NOT) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 503,
		    "acme-bridge is shutting down");
		return;
	}
	problem_v2_flow(&p, flow_failure(f));
	ep_reply_problem(e, &p);
}

int
ep_flow_dir(struct ep *e, struct flow_dir *fd)
{
	const struct v2_directory *d = acme2_directory(e->u->acme);

	if (d == NULL)
		return -1;
	fd->new_account = d->new_account;
	fd->new_order = d->new_order;
	return 0;
}
