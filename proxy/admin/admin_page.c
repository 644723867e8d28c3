/* admin_page.c: the migration page on the admin listener (admin_page.h).
 * Reads the inventory from the store (translate/inventory.h), renders it
 * with translate/page.c and answers; the page is bounded (page.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_page.h"
#include "bridge.h"
#include "store_inventory.h"
#include "log.h"
#include "observe.h"
#include "page.h"
#include "server.h"
#include "version.h"

#define HDR_CSP \
	"Content-Security-Policy: default-src 'self'; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
#define HDR_NOSNIFF "X-Content-Type-Options: nosniff"
#define HDR_REFERRER "Referrer-Policy: no-referrer"

/* status with a short text body and the security headers; allow adds
 * Allow: GET, HEAD (405). */
static void
reply_text(struct server_req *r, int status, const char *text, int allow)
{
	const char *h[] = { "Content-Type: text/plain; charset=utf-8", HDR_CSP,
		HDR_NOSNIFF, HDR_REFERRER, "Allow: GET, HEAD" };

	server_reply(r, status, h, allow ? 5 : 4, text, strlen(text));
}

static void
reply_body(struct server_req *r, const char *type, const char *cache,
    const char *body, size_t len)
{
	char ct[96];
	const char *h[] = { ct, cache, HDR_CSP, HDR_NOSNIFF, HDR_REFERRER };

	snprintf(ct, sizeof(ct), "Content-Type: %s", type);
	server_reply(r, 200, h, 5, body, len);
}

/* Each upstream CA's name, URL, state and last error, and the bridge's
 * version (issue 9 items 1, 4). pu has room for every upstream. */
static void
page_upstream_fill(
    struct bridge *b, struct page_upstream *pu, struct page_data *d)
{
	struct upstream_health h;
	size_t i;

	d->version = ACME_BRIDGE_VERSION;
	d->upstreams = pu;
	for (i = 0; i < b->nups && b->upstream_health != NULL; i++) {
		b->upstream_health(b, i, &h, 0);
		pu[i].name = b->ups[i].cfg->name;
		pu[i].url = h.url;
		pu[i].loaded = h.loaded;
		pu[i].ready = h.loaded && h.nonce_ok;
		pu[i].last_error = h.last_error;
		d->nupstreams = i + 1;
	}
}

/* The page from the store's inventory; NULL on a store error or when it
 * cannot be rendered. */
static char *
render_page(struct bridge *b, size_t *len)
{
	struct inventory_list inv = { NULL, 0 };
	struct inventory_summary sum = { 0, 0, 0 };
	struct inventory_failure *fails = NULL;
	size_t nfails = 0;
	long long counts[PAGE_HOURS], failed[PAGE_HOURS];
	struct page_data d;
	struct page_upstream pu[CONFIG_UPSTREAMS_MAX];
	char *html = NULL;

	memset(&d, 0, sizeof(d));
	page_upstream_fill(b, pu, &d);
	memset(counts, 0, sizeof(counts));
	memset(failed, 0, sizeof(failed));
	d.now = bridge_now();
	d.traffic_from = page_traffic_from(d.now);
	observe_flush(b); /* the traffic counted in memory first */
	if (inventory_summary(b->store, 0, d.now, PAGE_EXPIRY_WINDOW, &sum) !=
		0 ||
	    inventory_list(b->store, 0, d.now, &inv) != 0 ||
	    inventory_traffic(
		b->store, d.traffic_from, PAGE_HOURS, counts, failed) != 0 ||
	    inventory_failures(b->store, PAGE_MAX_FAILURES, &fails, &nfails) !=
		0) {
		log_err("admin: cannot read the inventory from the store");
		goto out;
	}
	d.summary = &sum;
	d.inv = &inv;
	d.counts = counts;
	d.failures = failed;
	d.fails = fails;
	d.nfails = nfails;
	if ((html = page_render(&d, len)) == NULL)
		log_err(
		    "admin: cannot render the migration page (%zu accounts)",
		    inv.n);
out:
	inventory_list_free(&inv);
	inventory_failures_free(fails, nfails);
	return html;
}

void
admin_page_handle(struct server_req *r, struct bridge *b)
{
	char path[SERVER_URL_MAX + 1];
	const struct admin_asset *a = NULL;
	char *html = NULL;
	size_t n, len = 0;

	n = strcspn(r->url, "?#");
	memcpy(path, r->url, n);
	path[n] = '\0';
	if (strcmp(path, "/") != 0 && (a = admin_asset_find(path)) == NULL) {
		reply_text(r, 404, "not found\n", 0);
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		reply_text(r, 405, "method not allowed\n", 1);
		return;
	}
	if (a != NULL) {
		reply_body(
		    r, a->type, "Cache-Control: no-cache", a->body, a->len);
		return;
	}
	if ((html = render_page(b, &len)) == NULL) {
		reply_text(
		    r, 500, "the inventory cannot be read (see the log)\n", 0);
		return;
	}
	reply_body(r, "text/html; charset=utf-8", "Cache-Control: no-store",
	    html, len);
	free(html);
}
