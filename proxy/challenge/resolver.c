/* resolver.c: one DNS question over UDP (see resolver.h). */
#include "resolver.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiber.h"
#include "log.h"

#define RESOLV_CONF "/etc/resolv.conf"
#define RESOLV_CONF_MAX 8192
#define TRIES 2
#define TRY_MS_MIN 50

struct resolver_query {
	uv_udp_t udp;
	uv_timer_t timer;
	int have_udp, have_timer; /* initialised handles */
	int open_handles;	  /* not yet closed */
	int finished;		  /* callback ran or cancelled */
	int tries;
	long try_ms;
	uint16_t id;
	int type;
	char name[DNS_NAME_MAX + 2];
	char server[80]; /* for logs */
	unsigned char qbuf[DNS_QUERY_MAX];
	size_t qlen;
	unsigned char rbuf[DNS_UDP_MAX];
	char last_err[128]; /* the last send error, for the timeout */
	struct dns_result res;
	resolver_cb cb;
	void *arg;
};

/* ---- lifetime ---- */

static void
on_closed(uv_handle_t *h)
{
	struct resolver_query *q = h->data;

	if (--q->open_handles == 0)
		free(q);
}

static void
close_all(struct resolver_query *q)
{
	if (q->have_udp) {
		uv_udp_recv_stop(&q->udp);
		uv_close((uv_handle_t *)&q->udp, on_closed);
		q->have_udp = 0;
	}
	if (q->have_timer) {
		uv_timer_stop(&q->timer);
		uv_close((uv_handle_t *)&q->timer, on_closed);
		q->have_timer = 0;
	}
}

/* The answer to the caller, on a fiber (fiber.h: it may wait for the
 * store), with copies of what q held: q goes once finish returns. */
struct answer_out {
	resolver_cb cb;
	void *arg;
	int has_res;
	struct dns_result res;
	char why[256];
};

static void
answer_run(void *arg)
{
	struct answer_out *o = arg;

	o->cb(o->arg, o->has_res ? &o->res : NULL, o->why[0] ? o->why : NULL);
}

static void
finish(struct resolver_query *q, const struct dns_result *res, const char *why)
{
	struct answer_out *o;

	if (q->finished)
		return;
	q->finished = 1;
	uv_timer_stop(&q->timer);
	uv_udp_recv_stop(&q->udp);
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		q->cb(q->arg, res, why);
	} else {
		o->cb = q->cb;
		o->arg = q->arg;
		o->has_res = res != NULL;
		if (res != NULL)
			o->res = *res;
		snprintf(o->why, sizeof(o->why), "%s", why != NULL ? why : "");
		fiber_run(answer_run, o, free, o);
	}
	close_all(q);
}

void
resolver_cancel(struct resolver_query *q)
{
	if (q == NULL || q->finished)
		return;
	q->finished = 1;
	close_all(q);
}

/* ---- the server ---- */

/* The first nameserver of resolv.conf into host. 0 or -1. */
static int
system_nameserver(char *host, size_t hostlen)
{
	char *text = NULL;
	FILE *f = NULL;
	size_t n;
	int rc = -1;

	if ((f = fopen(RESOLV_CONF, "r")) == NULL ||
	    (text = malloc(RESOLV_CONF_MAX + 1)) == NULL)
		goto out;
	n = fread(text, 1, RESOLV_CONF_MAX, f);
	text[n] = '\0';
	rc = dns_resolv_conf_first(text, host, hostlen);
out:
	if (f != NULL)
		fclose(f);
	free(text);
	return rc;
}

static int
server_addr(const char *host, int port, struct sockaddr_storage *ss,
    char *shown, size_t shownlen, char *err, size_t errlen)
{
	char def[64];

	if (host == NULL || host[0] == '\0') {
		if (system_nameserver(def, sizeof(def)) == -1) {
			snprintf(
			    err, errlen, "no nameserver in %s", RESOLV_CONF);
			return -1;
		}
		host = def;
		port = 53;
	}
	if (port <= 0 || port > 65535)
		port = 53;
	memset(ss, 0, sizeof(*ss));
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0) {
		snprintf(shown, shownlen, "%s:%d", host, port);
		return 0;
	}
	if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0) {
		snprintf(shown, shownlen, "[%s]:%d", host, port);
		return 0;
	}
	snprintf(
	    err, errlen, "resolver %.64s is not a numeric IP address", host);
	return -1;
}

/* ---- I/O ---- */

static void
send_try(struct resolver_query *q)
{
	uv_buf_t b = uv_buf_init((char *)q->qbuf, (unsigned)q->qlen);
	int rc;

	q->tries++;
	rc = uv_udp_try_send(&q->udp, &b, 1, NULL);
	if (rc < 0)
		snprintf(q->last_err, sizeof(q->last_err), "send: %s",
		    uv_strerror(rc));
}

static void
on_timer(uv_timer_t *t)
{
	struct resolver_query *q = t->data;
	char why[192];

	if (q->finished)
		return;
	if (q->tries < TRIES) {
		log_debug("dns: no answer from %s for %s, retrying", q->server,
		    q->name);
		send_try(q);
		uv_timer_start(&q->timer, on_timer, (uint64_t)q->try_ms, 0);
		return;
	}
	snprintf(why, sizeof(why),
	    "no answer from %s after %d tries of %ld ms%s%s", q->server, TRIES,
	    q->try_ms, q->last_err[0] ? ", " : "", q->last_err);
	finish(q, NULL, why);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct resolver_query *q = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)q->rbuf, sizeof(q->rbuf));
}

static void
on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *addr, unsigned flags)
{
	struct resolver_query *q = h->data;
	char err[128], why[192];
	int rc;

	(void)buf;
	(void)addr;
	if (q->finished || nread == 0)
		return;
	if (nread < 0) {
		snprintf(why, sizeof(why), "%s from %s",
		    uv_strerror((int)nread), q->server);
		finish(q, NULL, why);
		return;
	}
	if (flags & UV_UDP_PARTIAL) {
		finish(q, NULL, "answer larger than 4096 bytes");
		return;
	}
	rc = dns_parse(q->rbuf, (size_t)nread, q->id, q->name, q->type, &q->res,
	    err, sizeof(err));
	if (rc == DNS_EMISMATCH) {
		log_debug(
		    "dns: ignored a datagram from %s: %s", q->server, err);
		return;
	}
	if (rc != DNS_OK) {
		snprintf(why, sizeof(why), "malformed answer from %s: %s",
		    q->server, err);
		finish(q, NULL, why);
		return;
	}
	finish(q, &q->res, NULL);
}

/* ---- start ---- */

static int
start(struct resolver_query *q, uv_loop_t *loop,
    const struct sockaddr_storage *ss, char *err, size_t errlen)
{
	int rc;

	if ((rc = uv_udp_init(loop, &q->udp)) != 0)
		goto fail;
	q->udp.data = q;
	q->have_udp = 1;
	q->open_handles++;
	if ((rc = uv_timer_init(loop, &q->timer)) != 0)
		goto fail;
	q->timer.data = q;
	q->have_timer = 1;
	q->open_handles++;
	if ((rc = uv_udp_connect(&q->udp, (const struct sockaddr *)ss)) != 0 ||
	    (rc = uv_udp_recv_start(&q->udp, on_alloc, on_recv)) != 0)
		goto fail;
	send_try(q);
	if ((rc = uv_timer_start(
		 &q->timer, on_timer, (uint64_t)q->try_ms, 0)) != 0)
		goto fail;
	return 0;
fail:
	snprintf(
	    err, errlen, "DNS query to %s: %s", q->server, uv_strerror(rc));
	return -1;
}

struct resolver_query *
resolver_query(uv_loop_t *loop, const char *host, int port, const char *name,
    int type, long timeout_ms, resolver_cb cb, void *arg, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	struct resolver_query *q = NULL;

	if (loop == NULL || cb == NULL || !dns_name_ok(name)) {
		snprintf(
		    err, errlen, "cannot look up '%.64s'", name ? name : "");
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	q->try_ms = timeout_ms / TRIES < TRY_MS_MIN ? TRY_MS_MIN
						    : timeout_ms / TRIES;
	snprintf(q->name, sizeof(q->name), "%s", name);
	if (server_addr(host, port, &ss, q->server, sizeof(q->server), err,
		errlen) == -1) {
		free(q);
		return NULL;
	}
	if (dns_random_id(&q->id) == -1 ||
	    dns_query_build(
		q->id, name, type, q->qbuf, sizeof(q->qbuf), &q->qlen) == -1) {
		snprintf(
		    err, errlen, "cannot build a DNS query for %.64s", name);
		free(q);
		return NULL;
	}
	if (start(q, loop, &ss, err, errlen) == -1) {
		q->finished = 1;
		if (q->open_handles == 0)
			free(q);
		else
			close_all(q);
		return NULL;
	}
	return q;
}
