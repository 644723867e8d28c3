/* claim.c: work done once across instances (claim.h). */
#include <stdio.h>
#include <stdlib.h>

#include "claim.h"
#include "fiber.h"
#include "log.h"
#include "store.h"

static void on_poll(uv_timer_t *t);

struct claim {
	struct bridge *b;
	char name[CLAIM_NAME_MAX];
	claim_done_fn *done;
	claim_go_fn *go;
	void *arg;
	uv_timer_t *timer; /* while another instance holds the lock */
	uint64_t waited_ms;
};

static void
timer_gone(uv_handle_t *h)
{
	free(h);
}

static void
claim_end(struct claim *c, enum claim_outcome outcome)
{
	if (c->timer != NULL)
		uv_close((uv_handle_t *)c->timer, timer_gone);
	c->go(c->arg, outcome);
	free(c);
}

/* On a fiber: finished elsewhere, or the lock free now, or wait again. */
static void
poll_once(void *arg)
{
	struct claim *c = arg;
	int rc;

	if (c->done(c->arg)) {
		claim_end(c, CLAIM_DONE);
		return;
	}
	if ((rc = store_lock_try(c->b->store, c->name)) != 1) {
		claim_end(c, rc == 0 ? CLAIM_MINE : CLAIM_ERROR);
		return;
	}
	c->waited_ms += CLAIM_POLL_MS;
	if (c->waited_ms >= CLAIM_WAIT_MS) {
		log_warn("%s: another instance has held it for %u s", c->name,
		    (unsigned)(CLAIM_WAIT_MS / 1000));
		claim_end(c, CLAIM_TIMEOUT);
		return;
	}
	uv_timer_start(c->timer, on_poll, CLAIM_POLL_MS, 0);
}

static void
on_poll(uv_timer_t *t)
{
	fiber_run(poll_once, t->data, NULL, NULL); /* it uses the store */
}

int
claim_start(struct bridge *b, const char *name, claim_done_fn *done,
    claim_go_fn *go, void *arg)
{
	struct claim *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return -1;
	c->b = b;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->done = done;
	c->go = go;
	c->arg = arg;
	if ((rc = store_lock_try(b->store, c->name)) != 1) {
		claim_end(c, rc == 0 ? CLAIM_MINE : CLAIM_ERROR);
		return 0;
	}
	log_info("%s: another instance holds it; waiting", c->name);
	if ((c->timer = malloc(sizeof(*c->timer))) == NULL ||
	    uv_timer_init(b->loop, c->timer) != 0) {
		free(c->timer);
		free(c);
		return -1;
	}
	c->timer->data = c;
	uv_timer_start(c->timer, on_poll, CLAIM_POLL_MS, 0);
	return 0;
}

void
claim_release(struct bridge *b, const char *name)
{
	(void)store_unlock(b->store, name);
}
