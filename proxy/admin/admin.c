/* admin.c: the admin listener (see admin.h). First cut: /metrics only. */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_page.h"
#include "bridge.h"
#include "observe.h"
#include "server.h"

void
admin_handle(struct server_req *r, void *arg)
{
	struct bridge *b = arg;
	const char *h[] = { "Content-Type: text/plain; version=0.0.4" };
	char *body;
	size_t len = 0;

	if (r->reject_status != 0) {
		server_reply(r, r->reject_status, NULL, 0, NULL, 0);
		return;
	}
	if (strcmp(r->url, "/metrics") != 0) {
		admin_page_handle(r, b); /* the page, its assets, 404 */
		return;
	}
	/* /metrics: Prometheus text format 0.0.4 (docs/observe.md) */
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		const char *allow[] = { "Allow: GET, HEAD" };

		server_reply(r, 405, allow, 1, "method not allowed\n", 19);
		return;
	}
	if ((body = observe_metrics_text(b, &len)) == NULL) {
		server_reply(
		    r, 500, NULL, 0, "cannot render the metrics\n", 26);
		return;
	}
	server_reply(r, 200, h, 1, body, len);
	free(body);
}
