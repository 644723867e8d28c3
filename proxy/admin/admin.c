/* admin.c: the admin listener (see admin.h): /metrics, /healthz, /readyz,
 * then the page and its assets. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "store.h"
#include "admin_page.h"
#include "bridge.h"
#include "observe.h"
#include "server.h"

static const char *const json_h[] = { "Content-Type: application/json",
	"Cache-Control: no-store" };

static int
method_ok(struct server_req *r)
{
	const char *allow[] = { "Allow: GET, HEAD" };

	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return 1;
	server_reply(r, 405, allow, 1, "method not allowed\n", 19);
	return 0;
}

/* One upstream's readiness: {"url","directory","nonce","last_error"}.
 * The url is "" until several upstreams give it a label of its own. */
static json_t *
upstream_json(const char *name, const struct upstream_health *h)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I}", "name", name,
	    "url", h->url ? h->url : "", "directory",
	    h->loaded ? "loaded" : "not loaded", "nonce",
	    h->nonce_ok ? "recent" : "none recently", "last_error",
	    h->last_error ? h->last_error : "", "failures", h->failures,
	    "retry_in_s", (json_int_t)(h->loaded ? 0 : h->retry_in_s));
}

/* Every upstream's state into arr; whether all are ready. */
static int
upstreams_json(struct bridge *b, json_t *arr)
{
	struct upstream_health h;
	int ready = 1;
	size_t i;

	for (i = 0; i < b->nups && b->upstream_health != NULL; i++) {
		memset(&h, 0, sizeof(h));
		b->upstream_health(b, i, &h, 1); /* a stale nonce: fetch one */
		ready = ready && h.loaded && h.nonce_ok;
		if (json_array_append_new(
			arr, upstream_json(b->ups[i].cfg->name, &h)) != 0)
			ready = 0;
	}
	return ready;
}

/* /readyz: 200 when every upstream directory is loaded and a nonce came
 * recently from each, and the store is usable (a database: connected);
 * else 503 naming what is not (docs/operations.md, docs/ha.md). */
static void
readyz(struct server_req *r, struct bridge *b)
{
	json_t *j = NULL, *arr = json_array();
	char *body;
	int ready = 0;

	if (arr != NULL) {
		int store_ok = b->store == NULL || store_usable(b->store);

		ready = upstreams_json(b, arr) && store_ok;
		j = json_pack("{s:b, s:o, s:b}", "ready", ready, "upstreams",
		    arr, "store", store_ok);
	}
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (body == NULL) {
		server_reply(r, 500, NULL, 0, "out of memory\n", 14);
		return;
	}
	server_reply(r, ready ? 200 : 503, json_h, 2, body, strlen(body));
	free(body);
}

static void
metrics(struct server_req *r, struct bridge *b)
{
	const char *h[] = { "Content-Type: text/plain; version=0.0.4" };
	char *body;
	size_t len = 0;

	/* Prometheus text format 0.0.4 (docs/observe.md) */
	if ((body = observe_metrics_text(b, &len)) == NULL) {
		server_reply(
		    r, 500, NULL, 0, "cannot render the metrics\n", 26);
		return;
	}
	server_reply(r, 200, h, 1, body, len);
	free(body);
}

void
admin_handle(struct server_req *r, void *arg)
{
	struct bridge *b = arg;
	int is_metrics = strcmp(r->url, "/metrics") == 0;
	int is_healthz = strcmp(r->url, "/healthz") == 0;
	int is_readyz = strcmp(r->url, "/readyz") == 0;

	if (r->reject_status != 0) {
		server_reply(r, r->reject_status, NULL, 0, NULL, 0);
		return;
	}
	if (!is_metrics && !is_healthz && !is_readyz) {
		admin_page_handle(r, b); /* the page, its assets, 404 */
		return;
	}
	if (!method_ok(r))
		return;
	if (is_metrics)
		metrics(r, b);
	else if (is_readyz)
		readyz(r, b);
	else /* /healthz: the loop answers, so the process is alive */
		server_reply(r, 200, json_h, 2, "{\"alive\":true}\n", 15);
}
