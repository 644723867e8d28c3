/* server.c: HTTP/1.1 on libuv + llhttp (see server.h).
 *
 * A connection's phase decides its one timer: waiting for a request's
 * headers and body (header_timeout), idle between keep-alive requests
 * (idle_timeout), or none while the handler works. While a request is with
 * its handler the connection stops reading; bytes already read that belong
 * to a next (pipelined) request are kept and parsed after the reply.
 *
 * Fairness (issue 8): a new connection is admitted by connfair_admit over
 * the open ones (closing ones do not count): an address at its cap is
 * refused; a full listener closes its oldest idle keep-alive connection
 * (the idle list is in the order they went idle) before it refuses. A
 * connection that has sent nothing has first_byte_timeout. Refusals are
 * counted and logged at most once a second, with their count.
 *
 * TLS (issue 9 item 3): a listener given a context with server_set_tls runs
 * every connection through tls.c: bytes read are decrypted before llhttp
 * sees them, answers encrypted before they are written, so the limits and
 * timers above see the same requests. A connection keeps the context it
 * was accepted with; server_set_tls only changes it for new ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <llhttp.h>

#include "connfair.h"
#include "log.h"
#include "fiber.h"
#include "server.h"
#include "tls.h"

#define READ_CHUNK 16384
#define HEADER_NAME_MAX 64
#define REFUSED_LOG_MS 1000 /* at most one refusal line a second */

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct server *srv;
	llhttp_t parser;
	struct server_req *req; /* being parsed or with the handler */
	int in_flight;		/* the handler has req */
	int closing;
	int open_handles;
	int keep_alive;
	char *pending; /* unparsed bytes read ahead */
	size_t pending_len;
	size_t header_bytes;
	char hname[HEADER_NAME_MAX + 1];
	size_t hname_len;
	int hname_over;
	char *hval;
	size_t hval_len;
	char peer[64];	       /* client address, read once at accept */
	int counted;	       /* admitted and not closing: in srv->nopen */
	int idle;	       /* between keep-alive requests: in srv->idle */
	LIST_ENTRY(conn) link; /* server's conns */
	TAILQ_ENTRY(conn) idle_link; /* server's idle, oldest first */
	struct tls_conn *tls;	     /* NULL on a plain listener */
};

struct server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	int listening;
	int accept_closed; /* server_stop_accepting closed the listener */
	struct server_limits lim;
	llhttp_settings_t settings;
	server_handler handler;
	void *arg;
	char name[32];
	LIST_HEAD(conn_list, conn) conns;
	size_t nconns; /* every struct conn, closing ones too */
	size_t nopen;  /* admitted and not closing */
	TAILQ_HEAD(idle_list, conn) idle;
	size_t nidle;
	/* refusals by reason (0 per address, 1 global), reclaims, and the
	 * refusals not yet logged */
	unsigned long long refused[2], reclaimed, log_pending[2];
	char log_peer[64]; /* last address refused for its cap */
	long long last_log_ms;
	uv_timer_t log_timer;
	int log_timer_open;
	unsigned long next_id;
	SSL_CTX *tls; /* new connections' TLS context; NULL = plain */
	int closing;
	void (*done)(void *);
	void *done_arg;
};

struct write_req {
	uv_write_t w;
	struct conn *c;
	char *buf;
	int close_after;
	int raw; /* TLS bytes of no reply (a handshake): no resume after */
};

static void conn_close(struct conn *c);
static void conn_feed(struct conn *c, const char *data, size_t len);

static void
server_maybe_done(struct server *s)
{
	if (!s->closing || s->nconns > 0 || s->listening || s->log_timer_open)
		return;
	if (s->done != NULL)
		s->done(s->done_arg);
	SSL_CTX_free(s->tls);
	free(s);
}

/* --- requests ----------------------------------------------------------- */

static struct server_req *
req_new(struct conn *c)
{
	struct server_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->id = ++c->srv->next_id;
	r->conn = c;
	r->srv = c->srv;
	r->tls = c->tls != NULL;
	memcpy(r->peer, c->peer, sizeof(r->peer));
	return r;
}

static void
req_free(struct server_req *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r);
}

/* The idle list: a connection is on it from the end of a reply until the
 * first byte of its next request (or its close). */
static void
idle_enter(struct conn *c)
{
	if (c->idle || c->closing)
		return;
	c->idle = 1;
	TAILQ_INSERT_TAIL(&c->srv->idle, c, idle_link);
	c->srv->nidle++;
}

static void
idle_leave(struct conn *c)
{
	if (!c->idle)
		return;
	c->idle = 0;
	TAILQ_REMOVE(&c->srv->idle, c, idle_link);
	c->srv->nidle--;
}

static void
on_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (!c->in_flight) {
		log_debug("%s: connection timed out", c->srv->name);
		conn_close(c);
	}
}

static void
arm(struct conn *c, long ms)
{
	if (c->closing)
		return;
	uv_timer_stop(&c->timer);
	if (ms > 0)
		uv_timer_start(&c->timer, on_timeout, (uint64_t)ms, 0);
}

/* The handler, on a fiber of its own (fiber.h): it may wait for the
 * store. It reads what it needs from c before any wait. */
static void
handle(void *arg)
{
	struct conn *c = arg;

	c->srv->handler(c->req, c->srv->arg);
}

static void
dispatch(struct conn *c)
{
	struct server_req *r = c->req;

	c->in_flight = 1;
	idle_leave(c); /* a request refused before on_message_begin, too */
	uv_read_stop((uv_stream_t *)&c->tcp);
	uv_timer_stop(&c->timer);
	if (r->start == 0)
		r->start = (double)uv_hrtime() / 1e9;
	fiber_run(handle, c, NULL, NULL);
}

/* Refuse the request being parsed: the handler renders the error, then
 * the connection closes. */
static int
reject(struct conn *c, int status, const char *why)
{
	if (c->req == NULL && (c->req = req_new(c)) == NULL)
		return -1;
	if (c->req->reject_status == 0) {
		c->req->reject_status = status;
		c->req->reject_reason = why;
	}
	c->keep_alive = 0;
	return -1;
}

/* --- llhttp callbacks ------------------------------------------------------ */

static int
on_message_begin(llhttp_t *p)
{
	struct conn *c = p->data;

	idle_leave(c);
	req_free(c->req);
	if ((c->req = req_new(c)) == NULL)
		return -1;
	c->header_bytes = 0;
	c->hname_len = 0;
	c->hname_over = 0;
	c->hval_len = 0;
	arm(c, c->srv->lim.header_timeout_ms);
	return 0;
}

static int
on_url(llhttp_t *p, const char *at, size_t len)
{
	struct conn *c = p->data;
	size_t have = strlen(c->req->url);

	if (len > SERVER_URL_MAX - have)
		return reject(c, 414, "request URL too long");
	memcpy(c->req->url + have, at, len);
	c->req->url[have + len] = '\0';
	return 0;
}

static int
count_header(struct conn *c, size_t len)
{
	if (len > c->srv->lim.max_header_bytes - c->header_bytes)
		return reject(c, 431, "request headers too large");
	c->header_bytes += len;
	return 0;
}

static int
on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct conn *c = p->data;

	if (count_header(c, len) == -1)
		return -1;
	if (len > HEADER_NAME_MAX - c->hname_len) {
		c->hname_over = 1;
		return 0;
	}
	memcpy(c->hname + c->hname_len, at, len);
	c->hname_len += len;
	c->hname[c->hname_len] = '\0';
	return 0;
}

static int
on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct conn *c = p->data;
	char *n;

	if (count_header(c, len) == -1)
		return -1;
	/* header_bytes bounds hval_len + len */
	if ((n = realloc(c->hval, c->hval_len + len + 1)) == NULL)
		return -1;
	c->hval = n;
	memcpy(c->hval + c->hval_len, at, len);
	c->hval_len += len;
	c->hval[c->hval_len] = '\0';
	return 0;
}

static void
copy_header(char *dst, size_t size, const char *v, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static int
on_header_value_complete(llhttp_t *p)
{
	struct conn *c = p->data;
	struct server_req *r = c->req;
	const char *v = c->hval ? c->hval : "";

	if (!c->hname_over) {
		if (strcasecmp(c->hname, "host") == 0) {
			if (c->hval_len >= sizeof(r->host))
				return reject(c, 400, "Host header too long");
			copy_header(r->host, sizeof(r->host), v, c->hval_len);
		} else if (strcasecmp(c->hname, "user-agent") == 0)
			copy_header(r->user_agent, sizeof(r->user_agent), v,
			    c->hval_len);
		else if (strcasecmp(c->hname, "content-type") == 0)
			copy_header(r->content_type, sizeof(r->content_type), v,
			    c->hval_len);
		else if (strcasecmp(c->hname, "content-length") == 0)
			r->has_content_length = 1;
	}
	c->hname_len = 0;
	c->hname[0] = '\0';
	c->hname_over = 0;
	c->hval_len = 0;
	return 0;
}

static int
on_headers_complete(llhttp_t *p)
{
	struct conn *c = p->data;
	struct server_req *r = c->req;
	const char *m = llhttp_method_name(llhttp_get_method(p));

	copy_header(r->method, sizeof(r->method), m, strlen(m));
	r->start = (double)uv_hrtime() / 1e9;
	/* A chunked body is framed too: on_body holds it to max_body_bytes. */
	r->chunked = (p->flags & F_CHUNKED) != 0;
	if ((p->flags & F_CONTENT_LENGTH) &&
	    p->content_length > c->srv->lim.max_body_bytes)
		return reject(c, 413, "request body too large");
	return 0;
}

static int
on_body(llhttp_t *p, const char *at, size_t len)
{
	struct conn *c = p->data;
	struct server_req *r = c->req;
	char *n;

	if (len > c->srv->lim.max_body_bytes - r->body_len)
		return reject(c, 413, "request body too large");
	if ((n = realloc(r->body, r->body_len + len + 1)) == NULL)
		return -1;
	r->body = n;
	memcpy(r->body + r->body_len, at, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

static int
on_message_complete(llhttp_t *p)
{
	struct conn *c = p->data;

	c->keep_alive = llhttp_should_keep_alive(p);
	return HPE_PAUSED;
}

/* --- connection I/O --------------------------------------------------- */

static void
on_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct server *s = c->srv;

	if (--c->open_handles > 0)
		return;
	LIST_REMOVE(c, link);
	s->nconns--;
	free(c->pending);
	free(c->hval);
	tls_conn_free(c->tls);
	free(c);
	server_maybe_done(s);
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	idle_leave(c);
	if (c->counted) {
		c->counted = 0;
		c->srv->nopen--;
	}
	uv_read_stop((uv_stream_t *)&c->tcp);
	uv_timer_stop(&c->timer);
	if (c->req != NULL) {
		if (c->in_flight)
			c->req->conn = NULL; /* its owner frees it */
		else
			req_free(c->req);
		c->req = NULL;
	}
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void
keep_pending(struct conn *c, const char *data, size_t len)
{
	char *n;

	if (len == 0)
		return;
	if (len > SIZE_MAX - c->pending_len - 1 ||
	    c->pending_len + len > c->srv->lim.max_header_bytes +
		    c->srv->lim.max_body_bytes + READ_CHUNK) {
		conn_close(c);
		return;
	}
	if ((n = malloc(c->pending_len + len)) == NULL) {
		conn_close(c);
		return;
	}
	if (c->pending_len > 0)
		memcpy(n, c->pending, c->pending_len);
	memcpy(n + c->pending_len, data, len);
	free(c->pending);
	c->pending = n;
	c->pending_len += len;
}

/* Parse data; dispatch a complete request; keep what follows it. */
static void
conn_feed(struct conn *c, const char *data, size_t len)
{
	llhttp_errno_t e;
	const char *pos;

	e = llhttp_execute(&c->parser, data, len);
	if (e == HPE_OK)
		return;
	if (e == HPE_PAUSED) {
		pos = llhttp_get_error_pos(&c->parser);
		llhttp_resume(&c->parser);
		if (pos != NULL && pos >= data && pos < data + len)
			keep_pending(c, pos, (size_t)(data + len - pos));
		if (!c->closing)
			dispatch(c);
		return;
	}
	if (c->req == NULL || c->req->reject_status == 0) {
		log_debug("%s: bad request: %s", c->srv->name,
		    llhttp_get_error_reason(&c->parser));
		reject(c, 400, "malformed HTTP request");
	}
	if (c->req == NULL) {
		conn_close(c);
		return;
	}
	c->keep_alive = 0;
	dispatch(c);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = malloc(READ_CHUNK);
	buf->len = buf->base ? READ_CHUNK : 0;
}

/* Plaintext from the client: parsed, or kept while a request is with
 * the handler. */
static void
conn_data(struct conn *c, const char *data, size_t len)
{
	if (c->in_flight)
		keep_pending(c, data, len);
	else
		conn_feed(c, data, len);
}

static void on_written(uv_write_t *w, int status);

/* Write what TLS has for the client outside a reply (handshake records,
 * alerts). -1 (c closed) when that fails. */
static int
tls_flush(struct conn *c, int close_after)
{
	struct write_req *wr;
	char *out;
	size_t len;
	uv_buf_t b;

	if (tls_conn_take(c->tls, &out, &len) == -1 ||
	    (len > 0 && (wr = calloc(1, sizeof(*wr))) == NULL)) {
		free(out);
		conn_close(c);
		return -1;
	}
	if (len == 0) {
		if (close_after)
			conn_close(c);
		return 0;
	}
	wr->c = c;
	wr->buf = out;
	wr->raw = 1;
	wr->close_after = close_after;
	b = uv_buf_init(out, (unsigned int)len);
	if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
		free(out);
		free(wr);
		conn_close(c);
		return -1;
	}
	return 0;
}

/* Ciphertext from the client: decrypted and handed on, and whatever TLS
 * answers (the handshake) written back. */
static void
tls_read(struct conn *c, const char *data, size_t len)
{
	char buf[READ_CHUNK], why[160];
	int n = 0;

	if (tls_conn_in(c->tls, data, len) == -1) {
		conn_close(c);
		return;
	}
	while (!c->closing &&
	    (n = tls_conn_read(c->tls, buf, sizeof(buf), why, sizeof(why))) > 0)
		conn_data(c, buf, (size_t)n);
	if (c->closing)
		return;
	if (n < 0)
		log_debug("%s: TLS from %s: %s", c->srv->name, c->peer, why);
	/* an alert, if any, goes out before the close */
	(void)tls_flush(c, n < 0);
}

static void
on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = st->data;

	if (nread < 0)
		conn_close(c);
	else if (nread > 0 && c->tls != NULL)
		tls_read(c, buf->base, (size_t)nread);
	else if (nread > 0)
		conn_data(c, buf->base, (size_t)nread);
	free(buf->base);
}

static void
conn_resume(struct conn *c)
{
	char *data = c->pending;
	size_t len = c->pending_len;

	c->in_flight = 0;
	c->req = NULL;
	c->pending = NULL;
	c->pending_len = 0;
	arm(c, c->srv->lim.idle_timeout_ms);
	idle_enter(c); /* until on_message_begin */
	if (len > 0)
		conn_feed(c, data, len);
	free(data);
	if (!c->closing && !c->in_flight)
		uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void
on_written(uv_write_t *w, int status)
{
	struct write_req *wr = (struct write_req *)w;
	struct conn *c = wr->c;

	free(wr->buf);
	if (status < 0 || wr->close_after || c->srv->closing)
		conn_close(c);
	else if (!c->closing && !wr->raw)
		conn_resume(c);
	free(wr);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 302:
		return "Found";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Payload Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Unknown";
	}
}

int
server_req_alive(const struct server_req *r)
{
	return r->conn != NULL;
}

/* Bytes needed for the answer's head (status line, headers, framing) and
 * body; 0 when that would overflow. */
static size_t
reply_size(const char *const *hdrs, size_t nhdrs, size_t len, int head)
{
	size_t size = 256, i;

	for (i = 0; i < nhdrs; i++) {
		if (strlen(hdrs[i]) > SIZE_MAX / 2 - size)
			return 0;
		size += strlen(hdrs[i]) + 2;
	}
	if (!head && len > SIZE_MAX / 2 - size)
		return 0;
	return size + (head ? 0 : len);
}

/* Render the answer into buf (of the size reply_size gave); its length. */
static size_t
reply_render(char *buf, size_t size, int status, const char *const *hdrs,
    size_t nhdrs, const void *body, size_t len, int head, int keep_alive)
{
	size_t off, i;

	off = (size_t)snprintf(
	    buf, size, "HTTP/1.1 %d %s\r\n", status, status_text(status));
	for (i = 0; i < nhdrs; i++)
		off += (size_t)snprintf(
		    buf + off, size - off, "%s\r\n", hdrs[i]);
	off += (size_t)snprintf(buf + off, size - off,
	    "Content-Length: %zu\r\nConnection: %s\r\n\r\n", len,
	    keep_alive ? "keep-alive" : "close");
	if (!head && len > 0) {
		memcpy(buf + off, body, len);
		off += len;
	}
	return off;
}

/* On a TLS connection: the rendered answer in wr->buf replaced by its
 * records; 0 or -1. */
static int
reply_encrypt(struct conn *c, struct write_req *wr, size_t *off)
{
	char *out;

	if (tls_conn_write(c->tls, wr->buf, *off) == -1 ||
	    tls_conn_take(c->tls, &out, off) == -1 || out == NULL)
		return -1;
	free(wr->buf);
	wr->buf = out;
	return 0;
}

void
server_reply(struct server_req *r, int status, const char *const *hdrs,
    size_t nhdrs, const void *body, size_t len)
{
	struct conn *c = r->conn;
	struct write_req *wr = NULL;
	size_t size, off;
	int head;
	uv_buf_t b;

	if (c == NULL || c->closing) {
		req_free(r);
		return;
	}
	head = strcmp(r->method, "HEAD") == 0;
	if ((size = reply_size(hdrs, nhdrs, len, head)) == 0 ||
	    (wr = calloc(1, sizeof(*wr))) == NULL ||
	    (wr->buf = malloc(size)) == NULL)
		goto fail;
	off = reply_render(
	    wr->buf, size, status, hdrs, nhdrs, body, len, head, c->keep_alive);
	if (c->tls != NULL && reply_encrypt(c, wr, &off) == -1)
		goto fail;
	wr->c = c;
	wr->close_after = !c->keep_alive;
	req_free(r);
	c->req = NULL;
	b = uv_buf_init(wr->buf, (unsigned int)off);
	if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
		free(wr->buf);
		free(wr);
		conn_close(c);
	}
	return;
fail:
	if (wr != NULL)
		free(wr->buf);
	free(wr);
	req_free(r);
	c->req = NULL;
	conn_close(c);
}

/* --- listener ----------------------------------------------------------- */

/* One line for the refusals since the last one, then none for a second. */
static void
refused_log(struct server *s)
{
	unsigned long long pa = s->log_pending[0], gl = s->log_pending[1];
	char a[160] = "", g[96] = "";

	if (pa + gl == 0)
		return;
	if (pa > 0)
		snprintf(a, sizeof(a),
		    "%llu over the per-address limit (%zu; last from %s)", pa,
		    s->lim.max_per_address, s->log_peer);
	if (gl > 0)
		snprintf(g, sizeof(g),
		    "%s%llu with the connection limit (%zu) "
		    "reached",
		    pa > 0 ? ", " : "", gl, s->lim.max_connections);
	log_warn("%s: refused %llu connection%s: %s%s", s->name, pa + gl,
	    pa + gl == 1 ? "" : "s", a, g);
	s->log_pending[0] = s->log_pending[1] = 0;
	s->last_log_ms = (long long)uv_now(s->loop);
}

static void
on_log_timer(uv_timer_t *t)
{
	refused_log(t->data);
}

static void
refused_note(struct server *s, enum connfair_verdict v, const char *peer)
{
	int i = v == CONNFAIR_REFUSE_ADDRESS ? 0 : 1;
	long long now = (long long)uv_now(s->loop);

	s->refused[i]++;
	s->log_pending[i]++;
	if (i == 0)
		snprintf(s->log_peer, sizeof(s->log_peer), "%s", peer);
	if (connfair_log_due(now, s->last_log_ms, REFUSED_LOG_MS))
		refused_log(s);
	else if (!uv_is_active((uv_handle_t *)&s->log_timer))
		uv_timer_start(&s->log_timer, on_log_timer,
		    (uint64_t)(s->last_log_ms + REFUSED_LOG_MS - now), 0);
}

static void
peer_name(struct conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET6)
		uv_ip6_name(
		    (struct sockaddr_in6 *)&ss, c->peer, sizeof(c->peer));
	else
		uv_ip4_name(
		    (struct sockaddr_in *)&ss, c->peer, sizeof(c->peer));
}

/* Admit c (accepted, not yet counted), reclaiming an idle connection when
 * the listener is full; 0, or -1 when c was refused (and closed). */
static int
admit(struct server *s, struct conn *c)
{
	struct connfair_state st;
	enum connfair_verdict v;
	struct conn *o;

	memset(&st, 0, sizeof(st));
	st.open = s->nopen;
	st.max_open = s->lim.max_connections;
	st.max_per_address = s->lim.max_per_address;
	st.idle = s->nidle;
	LIST_FOREACH(o, &s->conns, link)
		if (o->counted && strcmp(o->peer, c->peer) == 0)
			st.from_address++;
	v = connfair_admit(&st);
	if (v == CONNFAIR_REFUSE_ADDRESS || v == CONNFAIR_REFUSE_GLOBAL) {
		refused_note(s, v, c->peer);
		conn_close(c);
		return -1;
	}
	if (v == CONNFAIR_RECLAIM) {
		o = TAILQ_FIRST(&s->idle);
		log_debug("%s: full: closing the oldest idle connection (%s)",
		    s->name, o->peer);
		s->reclaimed++;
		conn_close(o);
	}
	c->counted = 1;
	s->nopen++;
	return 0;
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct server *s = l->data;
	struct conn *c;
	long first;

	if (status < 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->srv = s;
	uv_tcp_init(s->loop, &c->tcp);
	uv_timer_init(s->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	c->open_handles = 2;
	LIST_INSERT_HEAD(&s->conns, c, link);
	s->nconns++;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	peer_name(c);
	if (admit(s, c) == -1)
		return;
	if (s->tls != NULL && (c->tls = tls_conn_new(s->tls)) == NULL) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	llhttp_init(&c->parser, HTTP_REQUEST, &s->settings);
	c->parser.data = c;
	/* Until its first byte: a client that means to talk does so at once. */
	first = s->lim.first_byte_timeout_ms;
	if (first <= 0 || first > s->lim.header_timeout_ms)
		first = s->lim.header_timeout_ms;
	arm(c, first);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

struct server *
server_new(uv_loop_t *loop, const struct server_limits *lim, server_handler h,
    void *arg, const char *name)
{
	struct server *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->loop = loop;
	LIST_INIT(&s->conns);
	TAILQ_INIT(&s->idle);
	s->lim = *lim;
	s->last_log_ms = -1;
	uv_timer_init(loop, &s->log_timer);
	s->log_timer.data = s;
	s->log_timer_open = 1;
	s->handler = h;
	s->arg = arg;
	snprintf(s->name, sizeof(s->name), "%s", name);
	llhttp_settings_init(&s->settings);
	s->settings.on_message_begin = on_message_begin;
	s->settings.on_url = on_url;
	s->settings.on_header_field = on_header_field;
	s->settings.on_header_value = on_header_value;
	s->settings.on_header_value_complete = on_header_value_complete;
	s->settings.on_headers_complete = on_headers_complete;
	s->settings.on_body = on_body;
	s->settings.on_message_complete = on_message_complete;
	return s;
}

void
server_set_tls(struct server *s, SSL_CTX *ctx)
{
	if (ctx != NULL)
		SSL_CTX_up_ref(ctx);
	/* connections on the old one hold a reference of their own */
	SSL_CTX_free(s->tls);
	s->tls = ctx;
}

int
server_listen(struct server *s, const char *host, int port)
{
	struct sockaddr_storage ss;
	int rc;

	if (strchr(host, ':') != NULL)
		rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
	if (rc != 0)
		return rc;
	if ((rc = uv_tcp_init(s->loop, &s->listener)) != 0)
		return rc;
	s->listener.data = s;
	s->listening = 1;
	if ((rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0)) != 0 ||
	    (rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection)) !=
		0)
		return rc;
	return 0;
}

size_t
server_connections(const struct server *s)
{
	return s->nconns;
}

unsigned long long
server_refused(const struct server *s, int global)
{
	return s->refused[global ? 1 : 0];
}

unsigned long long
server_reclaimed(const struct server *s)
{
	return s->reclaimed;
}

static void
on_listener_closed(uv_handle_t *h)
{
	struct server *s = h->data;

	s->listening = 0;
	server_maybe_done(s);
}

static void
on_log_timer_closed(uv_handle_t *h)
{
	struct server *s = h->data;

	s->log_timer_open = 0;
	server_maybe_done(s);
}

void
server_close(struct server *s, void (*done)(void *), void *arg)
{
	struct conn *c, *next;

	s->closing = 1;
	s->done = done;
	s->done_arg = arg;
	refused_log(s); /* what the rate limit held back */
	uv_close((uv_handle_t *)&s->log_timer, on_log_timer_closed);
	for (c = LIST_FIRST(&s->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, link);
		conn_close(c);
	}
	/* A server that never listened closes an unused handle all the same,
	 * so that done runs from the loop, never inside this call. */
	if (!s->listening && !s->accept_closed &&
	    uv_tcp_init(s->loop, &s->listener) == 0) {
		s->listener.data = s;
		s->listening = 1;
	}
	if (s->listening && !s->accept_closed)
		uv_close((uv_handle_t *)&s->listener, on_listener_closed);
	else /* a listener closing already calls it when it has closed */
		server_maybe_done(s);
}

void
server_stop_accepting(struct server *s)
{
	if (!s->listening || s->accept_closed)
		return;
	s->accept_closed = 1;
	uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}

size_t
server_requests_in_flight(const struct server *s)
{
	const struct conn *c;
	size_t n = 0;

	LIST_FOREACH(c, &s->conns, link)
		if (c->in_flight)
			n++;
	return n;
}
