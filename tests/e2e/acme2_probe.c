/* acme2_probe.c: drives proxy/upstream/acme2.c + proxy/upstream/upstream.c against a real
 * RFC 8555 CA (Pebble): directory, newAccount (jwk), newOrder (kid),
 * POST-as-GET of the order. Runs under ASan/LSan, so it frees everything.
 *
 *   acme2-probe DIRECTORY_URL [CA_PEM]
 *
 * ACME2_PROBE_DEBUG=1 turns on debug logs (badNonce retries show there);
 * ACME2_PROBE_REPEAT=N repeats the POST-as-GET N times (default 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "acme2.h"
#include "keyring.h"
#include "log.h"
#include "upstream.h"

#define PROBE_TIMEOUT_MS 60000
#define PROBE_UPSTREAM_TIMEOUT_MS 20000
#define PROBE_RETRY_MS 500
#define PROBE_LOAD_ATTEMPTS 20
#define PROBE_POOL_CAP 16
#define PROBE_REPEAT_MAX 1000

struct probe {
	uv_loop_t loop;
	uv_timer_t guard;
	struct upstream *up;
	struct acme2 *c;
	struct keyring *kr;
	char key_id[KEYRING_ID_LEN + 1];
	char *kid;
	char *order_url;
	int load_attempts;
	long repeat;		/* POST-as-GETs still to do */
	int passed, failed;
	int finished;
	int up_freed;
};

static void check(struct probe *st, int ok, const char *what)
{
	if (ok) {
		st->passed++;
		return;
	}
	st->failed++;
	fprintf(stderr, "acme2_probe: FAIL %s\n", what);
}

static char *copy_str(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (d)
		memcpy(d, s, n + 1);
	return d;
}

static void explain(const char *step, const struct upstream_resp *r,
    const json_t *json)
{
	const char *type = json_string_value(json_object_get(json, "type"));
	const char *detail = json_string_value(json_object_get(json, "detail"));

	fprintf(stderr, "acme2_probe: %s: HTTP %ld%s%s %s %s\n", step, r->status,
	    r->status ? "" : " error: ", r->status ? "" : r->error,
	    type ? type : "", detail ? detail : "");
}

static void on_up_freed(void *arg)
{
	struct probe *st = arg;

	st->up_freed = 1;
}

static void shutdown_probe(struct probe *st)
{
	if (st->finished)
		return;
	st->finished = 1;
	acme2_free(st->c);
	st->c = NULL;
	upstream_close(st->up, on_up_freed, st);
	st->up = NULL;
	uv_timer_stop(&st->guard);
	uv_close((uv_handle_t *)&st->guard, NULL);
}

static void on_guard(uv_timer_t *t)
{
	struct probe *st = t->data;

	check(st, 0, "finished in time");
	shutdown_probe(st);
}

static void fetch_order(struct probe *st);

static void on_order_get(void *arg, const struct upstream_resp *r, json_t *json)
{
	struct probe *st = arg;
	const char *status = json_string_value(json_object_get(json, "status"));

	if (r->status != 200)
		explain("POST-as-GET order", r, json);
	check(st, r->status == 200, "POST-as-GET order answers 200");
	check(st, status && strcmp(status, "pending") == 0,
	    "the order is still pending");
	if (r->status == 200 && --st->repeat > 0) {
		fetch_order(st);
		return;
	}
	check(st, acme2_nonce_pool_size(st->c) > 0, "nonces are pooled");
	shutdown_probe(st);
}

static void fetch_order(struct probe *st)
{
	int rc = acme2_post(st->c, st->kr, st->key_id, st->kid, st->order_url, "",
	    on_order_get, st);

	check(st, rc == 0, "POST-as-GET order starts");
	if (rc != 0)
		shutdown_probe(st);
}

static void on_order(void *arg, const struct upstream_resp *r, json_t *json)
{
	struct probe *st = arg;
	const char *status = json_string_value(json_object_get(json, "status"));

	if (r->status != 201)
		explain("newOrder", r, json);
	check(st, r->status == 201, "newOrder answers 201");
	check(st, status && strcmp(status, "pending") == 0,
	    "new order is pending");
	check(st, r->location != NULL, "newOrder gives a Location");
	if (r->status != 201 || !r->location ||
	    !(st->order_url = copy_str(r->location))) {
		shutdown_probe(st);
		return;
	}
	fetch_order(st);
}

static void new_order(struct probe *st)
{
	const char *payload =
	    "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"probe.example\"}]}";
	int rc = acme2_post(st->c, st->kr, st->key_id, st->kid,
	    acme2_directory(st->c)->new_order, payload, on_order, st);

	check(st, rc == 0, "newOrder starts");
	if (rc != 0)
		shutdown_probe(st);
}

static void on_account(void *arg, const struct upstream_resp *r, json_t *json)
{
	struct probe *st = arg;
	const char *status = json_string_value(json_object_get(json, "status"));

	if (r->status != 201)
		explain("newAccount", r, json);
	check(st, r->status == 201, "newAccount answers 201");
	check(st, status && strcmp(status, "valid") == 0, "account is valid");
	check(st, r->location != NULL, "newAccount gives a Location");
	check(st, r->replay_nonce != NULL, "newAccount gives a Replay-Nonce");
	if (r->status != 201 || !r->location ||
	    !(st->kid = copy_str(r->location))) {
		shutdown_probe(st);
		return;
	}
	new_order(st);
}

static void new_account(struct probe *st)
{
	int rc;

	st->kr = keyring_new(1);
	check(st, st->kr != NULL && keyring_generate(st->kr, st->key_id) == 0,
	    "P-256 key generated");
	if (!st->kr || !st->key_id[0]) {
		shutdown_probe(st);
		return;
	}
	rc = acme2_post(st->c, st->kr, st->key_id, NULL,
	    acme2_directory(st->c)->new_account,
	    "{\"termsOfServiceAgreed\":true}", on_account, st);
	check(st, rc == 0, "newAccount starts");
	if (rc != 0)
		shutdown_probe(st);
}

static void on_loaded(void *arg, int ok, const char *why)
{
	struct probe *st = arg;
	const struct v2_directory *d;

	if (ok != 0) {
		fprintf(stderr, "acme2_probe: directory attempt %d: %s\n",
		    st->load_attempts + 1, why);
		if (++st->load_attempts >= PROBE_LOAD_ATTEMPTS) {
			check(st, 0, "directory loads");
			shutdown_probe(st);
		}
		return;
	}
	d = acme2_directory(st->c);
	check(st, d != NULL, "directory loads");
	check(st, d && d->new_nonce && d->new_account && d->new_order,
	    "directory has newNonce, newAccount, newOrder");
	check(st, d && d->revoke_cert && d->key_change,
	    "directory has revokeCert, keyChange");
	if (!d) {
		shutdown_probe(st);
		return;
	}
	new_account(st);
}

static int probe_start(struct probe *st, const char *url, const char *ca)
{
	st->up = upstream_new(&st->loop, ca, PROBE_UPSTREAM_TIMEOUT_MS);
	check(st, st->up != NULL, "upstream_new");
	if (!st->up)
		return -1;
	st->c = acme2_new(&st->loop, st->up, url, PROBE_POOL_CAP);
	check(st, st->c != NULL, "acme2_new");
	if (!st->c)
		return -1;
	acme2_load(st->c, PROBE_RETRY_MS, on_loaded, st);
	return 0;
}

static long env_repeat(void)
{
	const char *s = getenv("ACME2_PROBE_REPEAT");
	long n = s ? strtol(s, NULL, 10) : 1;

	return n < 1 ? 1 : n > PROBE_REPEAT_MAX ? PROBE_REPEAT_MAX : n;
}

int main(int argc, char **argv)
{
	static struct probe st;
	int closed;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s DIRECTORY_URL [CA_PEM]\n", argv[0]);
		return 2;
	}
	if (getenv("ACME2_PROBE_DEBUG"))
		log_min_level = LOG_DEBUG;
	st.repeat = env_repeat();
	if (uv_loop_init(&st.loop) != 0 ||
	    uv_timer_init(&st.loop, &st.guard) != 0) {
		fprintf(stderr, "acme2_probe: cannot set up the loop\n");
		return 1;
	}
	st.guard.data = &st;
	uv_timer_start(&st.guard, on_guard, PROBE_TIMEOUT_MS, 0);
	if (probe_start(&st, argv[1], argc == 3 ? argv[2] : NULL) < 0)
		shutdown_probe(&st);
	uv_run(&st.loop, UV_RUN_DEFAULT);
	check(&st, st.up_freed, "upstream closed and freed");
	closed = uv_loop_close(&st.loop);
	check(&st, closed == 0, "every handle closed");
	keyring_free(st.kr);
	free(st.kid);
	free(st.order_url);
	printf("acme2_probe: %d passed, %d failed\n", st.passed, st.failed);
	return st.failed == 0 && st.passed > 0 ? 0 : 1;
}
