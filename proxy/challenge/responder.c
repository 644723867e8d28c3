/* responder.c: the http-01 responder. The CA's validation authority fetches
 * /.well-known/acme-challenge/<token>; the answer is the bridge's own key
 * authorization, read from the store so that a restart in the middle of a
 * validation still answers. Everything else is 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "log.h"
#include "responder.h"
#include "server.h"
#include "store.h"

#define PREFIX "/.well-known/acme-challenge/"
#define TOKEN_MAX 256

static int
token_ok(const char *t)
{
	size_t i;

	for (i = 0; t[i] != '\0'; i++) {
		char c = t[i];

		if (i >= TOKEN_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return i > 0;
}

static void
answer(struct server_req *r, int status, const char *body)
{
	const char *h[] = { "Content-Type: text/plain" };
	char url[120];

	log_info("http-01 req=%lu peer=%s %s %s -> %d", r->id, r->peer,
	    r->method, log_escape(r->url, strlen(r->url), url, sizeof(url)),
	    status);
	server_reply(r, status, h, 1, body, strlen(body));
}

void
responder_handle(struct server_req *r, void *arg)
{
	struct bridge *b = arg;
	char *keyauth = NULL;
	const char *token;
	int rc;

	if (r->reject_status != 0) {
		answer(r, r->reject_status, "bad request\n");
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		answer(r, 405, "method not allowed\n");
		return;
	}
	if (strncmp(r->url, PREFIX, strlen(PREFIX)) != 0) {
		answer(r, 404, "not found\n");
		return;
	}
	token = r->url + strlen(PREFIX);
	if (!token_ok(token)) {
		answer(r, 404, "not found\n");
		return;
	}
	rc = store_http01_get(b->store, token, bridge_now(), &keyauth);
	if (rc != 0) {
		answer(r, rc == 1 ? 404 : 500,
		    rc == 1 ? "not found\n" : "store error\n");
		return;
	}
	answer(r, 200, keyauth);
	free(keyauth);
}
