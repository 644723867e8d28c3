/* fuzz_http.c: request bytes through the server's own llhttp callbacks and
 * limits (proxy/net/server.c, included here so that its static parsing and
 * connection code runs as it is, without sockets). A connection is made as
 * on_connection makes one but never opened; the "handler" checks each
 * request it is handed and answers as server_reply and on_written do (close
 * or resume, parsing pipelined bytes). Input: byte 0 sets the size of the
 * reads the bytes arrive in, byte 1 whether the next read arrives before
 * the answer (kept pending) or after it; the rest is the stream.
 *
 * It depends on server.c's internals (struct conn, conn_feed, conn_resume,
 * conn_close, keep_pending, req_free): a change there may need one here. */
#include "server.c"

#include "fuzz.h"

static uv_loop_t *loop;
static struct server *srv;
static struct server_req *got; /* the request with the handler */

static void
handler(struct server_req *r, void *arg)
{
	(void)arg;
	FUZZ_ASSERT(got == NULL); /* one request at a time */
	got = r;
}

static void
check_req(const struct server_req *r)
{
	const struct server_limits *lim = &srv->lim;

	FUZZ_ASSERT(strlen(r->url) <= SERVER_URL_MAX);
	FUZZ_ASSERT(strlen(r->host) < sizeof(r->host));
	FUZZ_ASSERT(strlen(r->method) < sizeof(r->method));
	FUZZ_ASSERT(r->body_len <= lim->max_body_bytes);
	FUZZ_ASSERT(r->body == NULL || r->body[r->body_len] == '\0');
	if (r->reject_status != 0)
		FUZZ_ASSERT(r->reject_reason != NULL &&
		    (r->reject_status == 400 || r->reject_status == 413 ||
			r->reject_status == 414 || r->reject_status == 431));
	else
		FUZZ_ASSERT(r->method[0] != '\0');
}

/* The answer written: what server_reply and on_written do. */
static void
answer(struct conn *c)
{
	struct server_req *r = got;

	got = NULL;
	check_req(r);
	req_free(r);
	if (c->closing)
		return; /* closed while the handler had it: r was its own */
	c->req = NULL;
	if (!c->keep_alive)
		conn_close(c);
	else
		conn_resume(c);
}

static struct conn *
conn_open(void)
{
	struct conn *c = calloc(1, sizeof(*c));

	FUZZ_ASSERT(c != NULL);
	c->srv = srv;
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	c->open_handles = 2;
	LIST_INSERT_HEAD(&srv->conns, c, link);
	srv->nconns++;
	llhttp_init(&c->parser, HTTP_REQUEST, &srv->settings);
	c->parser.data = c;
	return c;
}

static void
setup(void)
{
	/* small limits, so that short inputs reach every one of them */
	const struct server_limits lim = {
		.max_connections = 8,
		.max_per_address = 8,
		.max_header_bytes = 1024,
		.max_body_bytes = 2048,
		.first_byte_timeout_ms = 10000,
		.header_timeout_ms = 10000,
		.idle_timeout_ms = 60000,
	};

	log_min_level = LOG_ERR;
	loop = uv_default_loop();
	srv = server_new(loop, &lim, handler, NULL, "fuzz");
	FUZZ_ASSERT(srv != NULL);
}

/* One read of len bytes, as on_read hands it over. */
static void
read_in(struct conn *c, const char *data, size_t len, int late)
{
	if (c->in_flight)
		keep_pending(c, data, len);
	else
		conn_feed(c, data, len);
	while (got != NULL && !late && !c->closing)
		answer(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn *c;
	size_t chunk, off, n;
	int late, was;

	if (size < 2)
		return 0;
	if (srv == NULL)
		setup();
	chunk = (size_t)data[0] + 1;
	late = data[1] & 1;
	c = conn_open();
	for (off = 2; off < size && !c->closing; off += n) {
		n = size - off < chunk ? size - off : chunk;
		was = got != NULL;
		read_in(c, (const char *)data + off, n, late);
		while (late && was && got != NULL && !c->closing)
			answer(c);
	}
	while (got != NULL && !c->closing)
		answer(c);
	conn_close(c);
	if (got != NULL) { /* the client left while the handler had it */
		req_free(got);
		got = NULL;
	}
	uv_run(loop, UV_RUN_NOWAIT);
	FUZZ_ASSERT(srv->nconns == 0);
	return 0;
}
