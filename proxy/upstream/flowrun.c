/* flowrun.c: drives translate/flow state machines on the loop. A SEND that
 * provisions http-01 stores the answer for the responder first; one that
 * provisions dns-01 runs the hook's "present" first (proxy/hook.c) and is
 * sent only when it succeeded, and every record presented is cleaned up
 * when the run ends (docs/dns01.md). */
#include <stdlib.h>
#include <string.h>

#include "acme2.h"
#include "bridge.h"
#include "csr.h"
#include "fairq.h"
#include "flow.h"
#include "flowrun.h"
#include "keyring.h"
#include "log.h"
#include "observe.h"
#include "v2.h"
#include "store.h"

#define HTTP01_TTL (7 * 24 * 3600)

/* A TXT record presented through the dns-01 hook: cleaned up when the run
 * ends, however it ends. */
struct dns01_record {
	char name[CSR_NAME_MAX + 1];
	char value[FLOW_DNS01_TXT_LEN + 1];
	int ok; /* "present" succeeded */
};

struct flowrun {
	struct bridge *b;
	struct acme2 *acme; /* the upstream CA it runs at */
	struct flow *f;
	char key_id[KEYRING_ID_LEN + 1]; /* held in b->keyring until the end */
	char *kid;
	flowrun_cb cb;
	void *arg;
	struct obs_req *obs; /* the waiting v1 request's record */
	const char *what;    /* the upstream resource in flight */
	uv_timer_t timer;
	int waiting; /* on the timer: a WAIT, or the start (started 0) */
	int started; /* flow_start called */
	int finished;
	/* issue 10 item 5: its upstream's slot; while queued, the timer is
	 * its deadline */
	struct bridge_upstream *u;
	int counted; /* holds one of u->inflight */
	int queued;  /* in u->queue */
	int refused; /* the queue was full: fails on its first wake */
	struct flow_action pending; /* the dns-01 SEND waiting for its hook */
	struct dns01_record *records;
	size_t nrecords;
	LIST_ENTRY(flowrun) link; /* in b->runs */
};

static void run_action(struct flowrun *r, struct flow_action *a);
static void on_wake(uv_timer_t *t);
static void run_abort(struct flowrun *r, const struct flow_failure *p);

/* The dns-01 hook through the bridge (challenge/hook.c): -1 when none. */
static int
run_hook(struct bridge *b, const char *verb, const char *domain,
    const char *value, void (*cb)(void *, int, const char *), void *arg)
{
	if (b->dns01_hook == NULL)
		return -1;
	return b->dns01_hook(b, verb, domain, value, cb, arg);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct flowrun *r = h->data;

	free(r->kid);
	free(r);
}

static void
on_cleanup(void *arg, int ok, const char *why)
{
	(void)arg;
	(void)ok;
	(void)why; /* hook.c logged the outcome */
}

/* Remove every TXT record this run presented (fire and forget). */
static void
dns01_cleanup(struct flowrun *r)
{
	size_t i;

	for (i = 0; i < r->nrecords; i++)
		if (run_hook(r->b, "cleanup", r->records[i].name,
			r->records[i].value, on_cleanup, NULL) == -1)
			log_warn("dns-01: TXT record for %s left in place",
			    r->records[i].name);
	free(r->records);
	r->records = NULL;
	r->nrecords = 0;
}

/* --- bounded work per upstream (issue 10 item 5) ---------------------------
 * At most upstream_inflight_max runs hold a slot of their CA; more wait in
 * its fair queue (translate/core/fairq: v1 accounts in turn), each for at
 * most upstream_queue_timeout_ms on its own timer. */

static struct bridge_upstream *
upstream_of(struct bridge *b, const struct acme2 *acme)
{
	size_t i;

	for (i = 0; i < b->nups; i++)
		if (b->ups[i].acme == acme)
			return &b->ups[i];
	return NULL;
}

/* Start r now: its first step on the next loop turn. */
static void
run_go(struct flowrun *r)
{
	if (r->u != NULL) {
		r->u->inflight++;
		r->counted = 1;
	}
	r->waiting = 1;
	uv_timer_start(&r->timer, on_wake, 0, 0);
}

/* Queue r behind the runs holding u's slots. The timer fires at its
 * deadline (or at once when the queue is full: refused there). */
static void
run_queue(struct flowrun *r, struct bridge_upstream *u)
{
	const struct config *c = r->b->cfg;
	uint64_t ms = (uint64_t)c->upstream_queue_timeout_ms;

	if (u->queue == NULL)
		u->queue = fairq_new(c->upstream_queue_max);
	r->queued = 1;
	if (u->queue == NULL ||
	    fairq_push(u->queue, r->obs ? r->obs->account_id : 0, r) == -1) {
		r->queued = 0;
		r->refused = 1;
		ms = 0;
	}
	r->waiting = 1;
	uv_timer_start(&r->timer, on_wake, ms, 0);
}

/* r gave up its slot, or its place in the queue: the next in turn goes
 * (none while stopping: flowrun_cancel_all fails them). */
static void
run_release(struct flowrun *r)
{
	struct bridge_upstream *u = r->u;
	struct flowrun *n;

	if (u == NULL)
		return;
	if (r->queued && u->queue != NULL)
		(void)fairq_remove(u->queue, r);
	r->queued = 0;
	if (r->counted)
		u->inflight--;
	r->counted = 0;
	while (!r->b->stopping && u->queue != NULL &&
	    u->inflight < r->b->cfg->upstream_inflight_max &&
	    (n = fairq_pop(u->queue)) != NULL) {
		n->queued = 0;
		uv_timer_stop(&n->timer);
		run_go(n);
	}
	if (u->queue != NULL && fairq_len(u->queue) == 0) {
		fairq_free(u->queue);
		u->queue = NULL;
	}
}

/* A queued run's timer fired: it waited too long, or found the queue full
 * (refused). A v1 503 with Retry-After says the CA is busy. */
static void
run_give_up(struct flowrun *r)
{
	struct flow_failure p;

	flow_failure_set(&p, V2E_SERVER_INTERNAL, 503,
	    "the upstream CA %s is busy: %s (at most %zu requests run there "
	    "at once); try again later",
	    r->u->cfg->url,
	    r->refused ? "too many waiting" : "waited too long for a turn",
	    r->b->cfg->upstream_inflight_max);
	r->refused = 0;
	run_release(r);
	p.retry_after = 30;
	run_abort(r, &p);
}

static void
run_finish(struct flowrun *r, int ok)
{
	struct bridge *b = r->b;

	r->finished = 1;
	run_release(r);
	LIST_REMOVE(r, link);
	dns01_cleanup(r);
	keyring_release(b->keyring, r->key_id);
	r->cb(r->arg, r->f, ok);
	flow_free(r->f);
	r->f = NULL;
	uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}

static void
on_answer(void *arg, const struct upstream_resp *ur, json_t *json)
{
	struct flowrun *r = arg;
	struct flow_resp fr;
	struct flow_action a;

	observe_upstream(r->b, r->obs, r->what ? r->what : "?", ur->status,
	    json != NULL ? v2_problem_type(json) : "", ur->seconds);
	memset(&fr, 0, sizeof(fr));
	fr.status = ur->status;
	fr.json = json;
	fr.body = ur->body;
	fr.len = ur->len;
	fr.location = ur->location;
	fr.retry_after = ur->retry_after;
	fr.error = ur->error;
	if (r->b->stopping && ur->status == 0)
		fr.error = "acme-bridge is shutting down";
	flow_step(r->f, &fr, bridge_now_ms(), &a);
	run_action(r, &a);
}

static void
on_wake(uv_timer_t *t)
{
	struct flowrun *r = t->data;
	struct flow_action a;

	r->waiting = 0;
	if (r->queued || r->refused) {
		run_give_up(r);
		return;
	}
	if (!r->started) {
		r->started = 1;
		flow_start(r->f, bridge_now_ms(), &a);
	} else
		flow_step(r->f, NULL, bridge_now_ms(), &a);
	run_action(r, &a);
}

/* Sign and send a SEND; its answer comes back through on_answer. */
static void
send_post(struct flowrun *r, const struct flow_action *a)
{
	struct bridge *b = r->b;

	log_debug("upstream: POST %s (%s)", a->what, a->url);
	r->what = a->what;
	if (acme2_post(r->acme, b->keyring, r->key_id,
		a->use_jwk ? NULL : r->kid, a->url, a->payload, on_answer,
		r) == -1) {
		struct flow_resp fr;
		struct flow_action n;

		memset(&fr, 0, sizeof(fr));
		fr.status = 0;
		fr.retry_after = -1;
		fr.error = "could not start the upstream request";
		flow_step(r->f, &fr, bridge_now_ms(), &n);
		run_action(r, &n);
	}
}

/* Fail the flow with p (a dns-01 step that could not be done). */
static void
run_abort(struct flowrun *r, const struct flow_failure *p)
{
	struct flow_action n;

	log_warn("flowrun: %s", p->detail);
	flow_abort(r->f, p, &n);
	run_action(r, &n);
}

static int
is_dns01(const struct flow_action *a)
{
	return a->provision_name != NULL && a->provision_keyauth != NULL &&
	    a->provision_type == V2C_DNS01;
}

static void
on_present(void *arg, int ok, const char *why)
{
	struct flowrun *r = arg;
	struct dns01_record *rec = &r->records[r->nrecords - 1];
	struct flow_failure p;

	if (r->b->stopping) {
		flow_failure_set(&p, V2E_SERVER_INTERNAL, 503,
		    "acme-bridge is shutting down");
		run_abort(r, &p);
		return;
	}
	if (!ok) {
		flow_failure_set(&p, V2E_SERVER_INTERNAL, 500,
		    "dns-01 hook failed for %s: %s", rec->name, why);
		run_abort(r, &p);
		return;
	}
	rec->ok = 1;
	log_info("dns-01: TXT record for %s presented, answering the "
		 "challenge",
	    rec->name);
	send_post(r, &r->pending);
}

/* The TXT value for a's key authorization into txt, or -1 with p saying
 * why the record cannot be published. */
static int
dns01_txt_for(struct flowrun *r, const struct flow_action *a,
    char txt[FLOW_DNS01_TXT_LEN + 1], struct flow_failure *p)
{
	if (r->b->stopping)
		return flow_failure_set(p, V2E_SERVER_INTERNAL, 503,
		    "acme-bridge is shutting down");
	if (r->b->cfg->dns01_hook[0] == '\0')
		return flow_failure_set(p, V2E_SERVER_INTERNAL, 500,
		    "dns-01 for %s needs a dns01_hook, and none is configured",
		    a->provision_name);
	if (flow_dns01_txt(a->provision_keyauth, txt) == -1 ||
	    strlen(a->provision_name) > CSR_NAME_MAX)
		return flow_failure_set(p, V2E_SERVER_INTERNAL, 500,
		    "dns-01 for %.253s: cannot compute the TXT record",
		    a->provision_name);
	return 0;
}

/* Publish the TXT record through the hook, then answer the challenge. */
static void
dns01_present(struct flowrun *r, const struct flow_action *a)
{
	struct dns01_record *rec;
	struct flow_failure p;
	char txt[FLOW_DNS01_TXT_LEN + 1];
	size_t i;

	memset(&p, 0, sizeof(p));
	if (dns01_txt_for(r, a, txt, &p) == -1) {
		run_abort(r, &p);
		return;
	}
	/* The same record is already up: answer at once. */
	for (i = 0; i < r->nrecords; i++)
		if (r->records[i].ok &&
		    strcmp(r->records[i].name, a->provision_name) == 0 &&
		    strcmp(r->records[i].value, txt) == 0) {
			send_post(r, a);
			return;
		}
	if (r->nrecords >= FLOW_MAX_NAMES * 2 ||
	    (rec = realloc(r->records, (r->nrecords + 1) * sizeof(*rec))) ==
		NULL) {
		flow_failure_set(&p, V2E_SERVER_INTERNAL, 500, "out of memory");
		run_abort(r, &p);
		return;
	}
	r->records = rec;
	rec = &r->records[r->nrecords];
	memset(rec, 0, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "%s", a->provision_name);
	memcpy(rec->value, txt, sizeof(rec->value));
	/* The action's strings live in the flow, which does not move until
	 * it is stepped again: after the hook. */
	r->pending = *a;
	r->nrecords++;
	if (run_hook(r->b, "present", rec->name, rec->value, on_present, r) ==
	    -1) {
		r->nrecords--;
		flow_failure_set(&p, V2E_SERVER_INTERNAL, 500,
		    "dns-01 hook could not be started for %s", rec->name);
		run_abort(r, &p);
		return;
	}
}

static void
run_action(struct flowrun *r, struct flow_action *a)
{
	struct bridge *b = r->b;

	switch (a->act) {
	case FLOW_SEND:
		if (is_dns01(a)) {
			dns01_present(r, a);
			return;
		}
		if (a->provision_token != NULL &&
		    a->provision_type == V2C_HTTP01 &&
		    store_http01_put(b->store, a->provision_token,
			a->provision_keyauth, bridge_now() + HTTP01_TTL) == -1)
			log_err("flowrun: cannot store http-01 answer");
		send_post(r, a);
		return;
	case FLOW_WAIT:
		if (b->stopping) {
			run_finish(r, 0);
			return;
		}
		r->waiting = 1;
		uv_timer_start(&r->timer, on_wake, (uint64_t)a->wait_ms, 0);
		return;
	case FLOW_DONE:
		run_finish(r, 1);
		return;
	case FLOW_FAIL:
	default:
		run_finish(r, 0);
		return;
	}
}

int
flowrun_start(struct bridge *b, struct acme2 *acme, struct flow *f,
    const char *key_id, const char *kid, struct obs_req *obs, flowrun_cb cb,
    void *arg)
{
	struct flowrun *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		flow_free(f);
		return -1;
	}
	if ((kid != NULL && (r->kid = strdup(kid)) == NULL) || key_id == NULL ||
	    strlen(key_id) > KEYRING_ID_LEN ||
	    keyring_hold(b->keyring, key_id) == -1) {
		free(r->kid);
		free(r);
		flow_free(f);
		return -1;
	}
	memcpy(r->key_id, key_id, strlen(key_id) + 1);
	r->b = b;
	r->acme = acme;
	r->f = f;
	r->cb = cb;
	r->arg = arg;
	r->obs = obs;
	uv_timer_init(b->loop, &r->timer);
	r->timer.data = r;
	LIST_INSERT_HEAD(&b->runs, r, link);
	/* The first step runs on the next loop turn, so that cb never runs
	 * inside the caller's call (a failure to send the first request
	 * would otherwise answer the caller before it returns). */
	r->u = upstream_of(b, acme);
	if (r->u != NULL && r->u->inflight >= b->cfg->upstream_inflight_max)
		run_queue(r, r->u);
	else
		run_go(r);
	return 0;
}

void
flowrun_cancel_all(struct bridge *b)
{
	struct flowrun *r, *next;

	/* Runs waiting for a dns-01 hook fail as their hook is killed. */
	if (b->dns01_hook_cancel_all != NULL)
		b->dns01_hook_cancel_all(b);
	for (r = LIST_FIRST(&b->runs); r != NULL; r = next) {
		next = LIST_NEXT(r, link);
		if (r->waiting) {
			uv_timer_stop(&r->timer);
			r->waiting = 0;
			run_finish(r, 0);
		}
	}
}
