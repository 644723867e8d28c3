/* flowrun.c: drives translate/flow state machines on the loop. */
#include <stdlib.h>
#include <string.h>

#include "acme2.h"
#include "bridge.h"
#include "flow.h"
#include "flowrun.h"
#include "log.h"
#include "store.h"

#define HTTP01_TTL (7 * 24 * 3600)

struct flowrun {
	struct bridge *b;
	struct flow *f;
	EVP_PKEY *key;
	char *kid;
	flowrun_cb cb;
	void *arg;
	uv_timer_t timer;
	int waiting;
	int finished;
	struct flowrun *prev, *next;
};

static void run_action(struct flowrun *r, struct flow_action *a);

static void
on_timer_closed(uv_handle_t *h)
{
	struct flowrun *r = h->data;

	EVP_PKEY_free(r->key);
	free(r->kid);
	free(r);
}

static void
run_finish(struct flowrun *r, int ok)
{
	struct bridge *b = r->b;

	r->finished = 1;
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		b->runs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
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
	flow_step(r->f, NULL, bridge_now_ms(), &a);
	run_action(r, &a);
}

static void
run_action(struct flowrun *r, struct flow_action *a)
{
	struct bridge *b = r->b;

	switch (a->act) {
	case FLOW_SEND:
		if (a->provision_token != NULL &&
		    strcmp(a->provision_type, "http-01") == 0 &&
		    store_http01_put(b->store, a->provision_token,
		    a->provision_keyauth, bridge_now() + HTTP01_TTL) == -1)
			log_err("flowrun: cannot store http-01 answer");
		log_debug("upstream: POST %s (%s)", a->what, a->url);
		if (acme2_post(b->acme, r->key, a->use_jwk ? NULL : r->kid,
		    a->url, a->payload, on_answer, r) == -1) {
			struct flow_resp fr;
			struct flow_action n;

			memset(&fr, 0, sizeof(fr));
			fr.status = 0;
			fr.retry_after = -1;
			fr.error = "could not start the upstream request";
			flow_step(r->f, &fr, bridge_now_ms(), &n);
			run_action(r, &n);
		}
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
flowrun_start(struct bridge *b, struct flow *f, EVP_PKEY *key,
    const char *kid, flowrun_cb cb, void *arg)
{
	struct flowrun *r;
	struct flow_action a;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		flow_free(f);
		return -1;
	}
	if (kid != NULL && (r->kid = strdup(kid)) == NULL) {
		free(r);
		flow_free(f);
		return -1;
	}
	r->b = b;
	r->f = f;
	r->cb = cb;
	r->arg = arg;
	EVP_PKEY_up_ref(key);
	r->key = key;
	uv_timer_init(b->loop, &r->timer);
	r->timer.data = r;
	r->next = b->runs;
	if (b->runs != NULL)
		b->runs->prev = r;
	b->runs = r;
	flow_start(f, bridge_now_ms(), &a);
	run_action(r, &a);
	return 0;
}

void
flowrun_cancel_all(struct bridge *b)
{
	struct flowrun *r, *next;

	for (r = b->runs; r != NULL; r = next) {
		next = r->next;
		if (r->waiting) {
			uv_timer_stop(&r->timer);
			r->waiting = 0;
			run_finish(r, 0);
		}
	}
}
