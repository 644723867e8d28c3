/* admin.c: the admin listener (see admin.h). First cut: /metrics only. */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
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
		server_reply(r, 404, NULL, 0, "not found\n", 10);
		return;
	}
	body = observe_metrics_text(b, &len);
	server_reply(r, 200, h, 1, body ? body : "", body ? len : 0);
	free(body);
}
