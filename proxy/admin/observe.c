/* observe.c: the access log, metrics and client inventory (observe.h;
 * docs/observe.md). The JSON line is built by translate/accesslog.c, the
 * counters live in metrics.c; the inventory writes are inventory.h's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"
#include "fairq.h"
#include "fiber.h"
#include "bridge.h"
#include "inv_queue.h"
#include "store_inventory.h"
#include "log.h"
#include "metrics.h"
#include "nonce.h"
#include "observe.h"
#include "server.h"
#include "version.h"

#define LOG_MODE 0640
#define LOG_BUF_FLUSH (64 * 1024) /* written at once past this */
#define STORE_FLUSH_MS 5000	  /* inventory kept in memory this long */
#define HOUR 3600

/* Issue 10 item 4: nothing on the hot path waits for a write. Access log
 * lines gather in logbuf and go out in one write when the loop turn ends
 * (the prepare handle runs before the loop waits again), so a busy turn
 * writes once for all its requests and an idle bridge still writes each
 * line at once. The inventory (the traffic per hour, each request of a
 * known account, each issuance) is kept here and written in one
 * transaction every STORE_FLUSH_MS, when INVQ_MAX entries wait, before
 * the page reads it, on SIGHUP and at exit: a GET or HEAD writes nothing
 * to the store and a POST's answer waits for no inventory commit. A crash
 * loses at most those seconds of observations, never v1 state. */
struct obs_state {
	int fd;	     /* the access log; -1 = none */
	int own;     /* 1: a file of ours (log_file) */
	int failing; /* last write failed (warn once) */
	struct metrics *m;
	struct bridge *b;
	char *logbuf;
	size_t loglen, logcap;
	struct inv_queue *inv;
	long long t_hour, t_requests, t_failures;
	uv_prepare_t turn;
	uv_timer_t due; /* armed while the inventory holds something */
	int turn_on, due_on, due_armed;
};

static void log_flush(struct obs_state *s);
static void store_flush(struct obs_state *s);
static void on_turn(uv_prepare_t *h);
static void on_due(uv_timer_t *h);

static struct obs_state *
state(struct bridge *b)
{
	return b != NULL ? b->obs : NULL;
}

/* --- the log file ------------------------------------------------------- */

/* Open path for appending; a file created here gets LOG_MODE whatever the
 * umask (main sets 077 for the state file; the log holds no secret and log
 * shippers read it by group). -1 with errno. */
static int
open_log(const char *path)
{
	int fd, tries;

	for (tries = 0; tries < 3; tries++) {
		fd = open(path,
		    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
		    LOG_MODE);
		if (fd >= 0) {
			(void)fchmod(fd, LOG_MODE);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			return fd;
		/* renamed away in between: create it again */
	}
	return -1;
}

int
observe_init(struct bridge *b)
{
	struct obs_state *s = NULL;
	const char *path = b->cfg->log_file;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->m = metrics_new()) == NULL || (s->inv = invq_new()) == NULL)
		goto fail;
	for (size_t i = 0; i < b->cfg->nups; i++)
		metrics_upstream_add(s->m, b->cfg->ups[i].name);
	s->fd = STDOUT_FILENO;
	if (path[0] != '\0') {
		if ((s->fd = open_log(path)) == -1) {
			log_err("access log %s: %s", path, strerror(errno));
			goto fail;
		}
		s->own = 1;
		log_info("access log: %s", path);
	}
	s->b = b;
	if (b->loop != NULL && uv_prepare_init(b->loop, &s->turn) == 0) {
		s->turn.data = s;
		uv_prepare_start(&s->turn, on_turn);
		uv_unref((uv_handle_t *)&s->turn); /* never keeps the loop up */
		s->turn_on = 1;
	}
	if (b->loop != NULL && uv_timer_init(b->loop, &s->due) == 0) {
		s->due.data = s;
		uv_unref((uv_handle_t *)&s->due);
		s->due_on = 1;
	}
	b->obs = s;
	return 0;
fail:
	if (s != NULL) {
		metrics_free(s->m);
		invq_free(s->inv);
	}
	free(s);
	return -1;
}

void
observe_reopen(struct bridge *b)
{
	struct obs_state *s = state(b);
	int fd;

	if (s == NULL || !s->own)
		return; /* standard output: nothing to do */
	log_flush(s);	/* what was written so far goes to the old file */
	if ((fd = open_log(b->cfg->log_file)) == -1) {
		log_warn("access log %s: cannot reopen (%s); still writing to "
			 "the old file",
		    b->cfg->log_file, strerror(errno));
		return;
	}
	close(s->fd);
	s->fd = fd;
	s->failing = 0;
}

void
observe_close(struct bridge *b)
{
	struct obs_state *s = state(b);

	if (s == NULL)
		return;
	/* after the loop: the handle was closed with the others (main) */
	log_flush(s);
	store_flush(s);
	if (s->own && s->fd >= 0)
		close(s->fd);
	free(s->logbuf);
	invq_free(s->inv);
	metrics_free(s->m);
	free(s);
	b->obs = NULL;
}

/* The gathered lines in as few writes as the kernel takes (O_APPEND: whole
 * lines, never interleaved with another writer's). */
static void
write_line(struct obs_state *s, const char *line, size_t len)
{
	ssize_t n;
	size_t off = 0;

	while (off < len) {
		n = write(s->fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			metrics_log_error(s->m);
			if (!s->failing)
				log_warn("access log: write failed: %s",
				    n < 0 ? strerror(errno) : "short write");
			s->failing = 1;
			return;
		}
		off += (size_t)n;
	}
	s->failing = 0;
}

static void
log_flush(struct obs_state *s)
{
	if (s->loglen == 0)
		return;
	write_line(s, s->logbuf, s->loglen);
	s->loglen = 0;
}

/* The inventory held since the last flush, into the store in one
 * transaction. Should one be open already (begin refuses to nest), the
 * rows join it rather than wait: nothing is dropped. */
static void
store_flush(struct obs_state *s)
{
	struct store *st = s->b->store;
	int tx;
	size_t refused;

	if (st != NULL && (s->t_requests > 0 || invq_len(s->inv) > 0)) {
		tx = store_begin(st) == 0;
		if (s->t_requests > 0)
			(void)inventory_count_n(
			    st, s->t_requests, s->t_failures, s->t_hour);
		if ((refused = invq_write(s->inv, st)) > 0)
			log_warn("inventory: %zu rows not written (see above)",
			    refused);
		if (tx && store_commit(st) == -1)
			(void)store_rollback(st);
	}
	s->t_requests = s->t_failures = 0;
	if (s->due_armed)
		uv_timer_stop(&s->due);
	s->due_armed = 0;
}

/* Something was kept in memory: written STORE_FLUSH_MS later at the
 * latest, even if the bridge sees no other request (a loop turn alone
 * would wait for the next event). */
static void
store_flush_arm(struct obs_state *s)
{
	if (s->due_on && !s->due_armed &&
	    uv_timer_start(&s->due, on_due, STORE_FLUSH_MS, 0) == 0)
		s->due_armed = 1;
}

static void
flush_on_fiber(void *arg)
{
	store_flush(arg);
}

static void
on_due(uv_timer_t *h)
{
	struct obs_state *s = h->data;

	s->due_armed = 0;
	fiber_run(flush_on_fiber, s, NULL, NULL); /* may wait for the store */
}

static void
traffic_note(struct obs_state *s, int failed, long long now)
{
	long long hour = now - now % HOUR;

	if (s->t_requests > 0 && hour != s->t_hour)
		store_flush(s);
	s->t_hour = hour;
	s->t_requests++;
	s->t_failures += failed ? 1 : 0;
	store_flush_arm(s);
}

/* The end of a loop turn: its log lines. */
static void
on_turn(uv_prepare_t *h)
{
	struct obs_state *s = h->data;

	log_flush(s);
}

void
observe_flush(struct bridge *b)
{
	struct obs_state *s = state(b);

	if (s == NULL)
		return;
	log_flush(s);
	store_flush(s);
}

/* --- client inventory ---------------------------------------------------
 * The inventory writes (translate/inventory.h: inventory_count for every
 * v1 request, inventory_record for those of a known account,
 * inventory_issued) go here. Note: o->error_detail may quote what the
 * client sent (names, URLs); the access log leaves it out. */
/* After an entry was queued (rc 0) or lost (-1, out of memory): a full
 * queue is written now, not at the end of the turn, so a busy turn never
 * drops one. */
static void
inventory_queued(struct obs_state *s, int rc)
{
	if (rc == -1) {
		metrics_log_error(s->m);
		log_warn("inventory: out of memory, one request not kept");
	}
	if (invq_len(s->inv) >= INVQ_MAX)
		store_flush(s);
	else
		store_flush_arm(s);
}

static void
inventory_note_v1(struct bridge *b, const struct server_req *r,
    const struct obs_req *o, int status, const char *errtype)
{
	struct inventory_seen v;
	long long now = bridge_now();

	/* inventory.c cuts every string, replaces control characters, and
	 * hides what follows "nonce" and long base64url runs in a detail
	 * before storing it. Failures are logged by the store; the request
	 * is answered anyway. */
	if (b->store == NULL)
		return;
	traffic_note(
	    state(b), inventory_failed(o->resource, r->method, status), now);
	memset(&v, 0, sizeof(v));
	v.account_id = o->account_id;
	v.addr = r->peer;
	v.user_agent = r->user_agent;
	v.content_type = r->content_type;
	v.names = o->names;
	v.status = status;
	v.error_type = errtype;
	v.error_detail = status >= 400 ? o->error_detail : NULL;
	v.resource = o->resource;
	v.method = r->method;
	v.upstream = o->prefix;
	if (inventory_kept(&v)) /* a GET /directory queues nothing */
		inventory_queued(
		    state(b), invq_add_seen(state(b)->inv, &v, now));
}

static void
inventory_note_issued(struct bridge *b, long long account_id,
    const char *serial, const char *names, long long not_after)
{
	/* the certificate itself is in the store already (certs table) */
	(void)names;
	(void)serial;
	(void)not_after;
	if (b->store != NULL)
		inventory_queued(state(b),
		    invq_add_issued(state(b)->inv, account_id, bridge_now()));
}

/* --- hooks ---------------------------------------------------------------- */

void
observe_name(struct obs_req *o, const char *name)
{
	size_t have = strlen(o->names), len = strlen(name);
	const char *p = o->names;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == o->names || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == '\0'))
			return; /* already there */
		p += len;
	}
	if (have + (have ? 1 : 0) + len >= sizeof(o->names))
		return;
	snprintf(o->names + have, sizeof(o->names) - have, "%s%s",
	    have ? "," : "", name);
}

void
observe_upstream(struct bridge *b, struct obs_req *o, const char *what,
    long status, const char *ptype, double seconds)
{
	struct obs_state *s = state(b);
	struct obs_upcall *u;

	if (s != NULL)
		metrics_upstream(s->m, what, status, seconds);
	if (o == NULL)
		return;
	if (o->nup >= OBS_UPCALLS_MAX) {
		o->dropped++;
		return;
	}
	u = &o->up[o->nup++];
	snprintf(u->what, sizeof(u->what), "%s", what);
	u->status = status;
	snprintf(u->ptype, sizeof(u->ptype), "%s", ptype ? ptype : "");
	u->seconds = seconds;
}

static long long
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
access_log(struct obs_state *s, const struct server_req *r,
    const struct obs_req *o, int status, const char *errtype)
{
	struct accesslog_upcall up[OBS_UPCALLS_MAX];
	struct accesslog_entry e;
	size_t i;

	memset(&e, 0, sizeof(e));
	for (i = 0; i < o->nup && i < OBS_UPCALLS_MAX; i++) {
		/* flowrun sends RFC 8555 requests only as POSTs (POST-as-GET
		 * included); the directory and newNonce are not reported. */
		up[i].method = "POST";
		up[i].resource = o->up[i].what;
		up[i].status = o->up[i].status;
		up[i].problem = o->up[i].ptype;
		up[i].seconds = o->up[i].seconds;
	}
	e.time_ms = now_ms();
	e.request_id = r->id;
	e.client = r->peer;
	e.user_agent = r->user_agent;
	e.account_id = o->account_id;
	e.resource = o->resource;
	e.upstream = o->upstream;
	e.method = r->method;
	e.url = r->url;
	e.names = o->names;
	e.status = status;
	e.error_type = errtype;
	e.latency_ms = r->start > 0
	    ? ((double)uv_hrtime() / 1e9 - r->start) * 1000
	    : 0;
	e.up = up;
	e.nup = i;
	e.dropped = o->dropped;
	if (accesslog_append(&e, &s->logbuf, &s->loglen, &s->logcap) == -1) {
		metrics_log_error(s->m);
		return;
	}
	if (s->loglen >= LOG_BUF_FLUSH || !s->turn_on)
		log_flush(s);
}

void
observe_v1(struct bridge *b, const struct server_req *r,
    const struct obs_req *o, int status, const char *errtype)
{
	struct obs_state *s = state(b);

	if (s == NULL || r == NULL || o == NULL)
		return;
	metrics_v1(s->m, o->upstream, o->resource, r->method, status, errtype);
	if (s->fd >= 0)
		access_log(s, r, o, status, errtype);
	inventory_note_v1(b, r, o, status, errtype);
}

void
observe_issued(struct bridge *b, const char *upstream, long long account_id,
    const char *serial, const char *names, long long not_after)
{
	struct obs_state *s = state(b);

	if (s == NULL)
		return;
	metrics_issued(s->m, upstream);
	inventory_note_issued(b, account_id, serial, names, not_after);
}

void
observe_rate_limited(struct bridge *b, const char *what)
{
	struct obs_state *s = state(b);

	if (s != NULL)
		metrics_rate_limited(s->m, what);
}

/* --- /metrics ------------------------------------------------------------- */

static void
client_count(void *arg, const char *family, const char *version, long long n)
{
	metrics_clients_add(arg, family, version, n);
}

/* v1 accounts by client family and version: one GROUP BY on the
 * inventory, cheap enough for every scrape. */
static void
client_counts(struct bridge *b, struct metrics_clients *mc)
{
	mc->ok = 0;
	if (b->store == NULL ||
	    inventory_versions(b->store, client_count, mc) == -1)
		return; /* the gauge is left out */
	mc->ok = 1;
}

static void
conn_counts(struct metrics_conns *c, const struct server *s)
{
	if ((c->present = s != NULL) == 0)
		return;
	c->refused_per_address = server_refused(s, 0);
	c->refused_global = server_refused(s, 1);
	c->reclaimed = server_reclaimed(s);
}

static void
upstream_gauges(struct bridge *b, struct metrics_gauges *g)
{
	struct upstream_health h;
	size_t i;

	for (i = 0; i < b->nups && b->upstream_health != NULL; i++) {
		b->upstream_health(b, i, &h, 0);
		g->ups[i].name = b->ups[i].cfg->name;
		g->ups[i].url = h.url;
		g->ups[i].up = h.loaded && h.nonce_ok;
		g->ups[i].nonce_pool = b->upstream_nonce_pool != NULL
		    ? b->upstream_nonce_pool(b, i)
		    : 0;
		g->ups[i].inflight = (long long)b->ups[i].inflight;
		g->ups[i].queued = b->ups[i].queue != NULL
		    ? (long long)fairq_len(b->ups[i].queue)
		    : 0;
		g->nups = i + 1;
	}
}

char *
observe_metrics_text(struct bridge *b, size_t *len)
{
	struct obs_state *s = state(b);
	struct metrics_gauges g;
	struct metrics_clients *mc = NULL;
	char *text;

	*len = 0;
	if (s == NULL)
		return NULL;
	memset(&g, 0, sizeof(g));
	conn_counts(&g.conns[METRICS_LISTENER_V1], b->front);
	conn_counts(&g.conns[METRICS_LISTENER_HTTP01], b->http01);
	conn_counts(&g.conns[METRICS_LISTENER_ADMIN], b->admin);
	g.open_connections = b->front != NULL
	    ? (long long)server_connections(b->front)
	    : 0;
	g.nonces_outstanding = b->nonces != NULL
	    ? (long long)nonce_set_count(b->nonces)
	    : 0;
	upstream_gauges(b, &g);
	g.version = ACME_BRIDGE_VERSION;
	/* the accounts by client read the inventory: what is held in memory
	 * first (issue 10 item 3), as for the page */
	store_flush(s);
	if ((mc = calloc(1, sizeof(*mc))) != NULL)
		client_counts(b, mc);
	g.clients = mc;
	text = metrics_text(s->m, &g, len);
	free(mc);
	return text;
}
