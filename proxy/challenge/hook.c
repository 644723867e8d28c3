/* hook.c: the dns-01 hook (see hook.h, docs/dns01.md).
 *
 * One struct hook per run, with four handles: the process, a timer (the
 * timeout, then the kill grace period, then the output drain) and the two
 * pipes of stdout and stderr. The hook gets a process group of its own
 * (UV_PROCESS_DETACHED = setsid), so a timeout kills whatever it started
 * too. The struct is freed when the last handle's close callback ran.
 *
 * Hooks for the same domain run one at a time, in the order asked for: a
 * cleanup that clears every TXT record of a name never overtakes the next
 * present of that name. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "bridge.h"
#include "csr.h"
#include "fiber.h"
#include "hook.h"
#include "log.h"

#define HOOK_OUT_MAX 2048     /* output kept per stream */
#define HOOK_LOG_LINES 5      /* lines logged per stream */
#define HOOK_LINE_LOG 240     /* bytes of one escaped line */
#define HOOK_GRACE_MS 2000    /* SIGTERM -> SIGKILL -> give up */
#define HOOK_DRAIN_MS 500     /* output read after the exit */
#define HOOK_SHUTDOWN_MS 5000 /* cap on hooks started while stopping */
#define HOOK_VALUE_LEN 43     /* base64url of 32 bytes */

struct hook;

struct hook_out {
	struct hook *h;
	uv_pipe_t pipe;
	const char *name; /* "stdout" | "stderr" */
	char buf[HOOK_OUT_MAX];
	size_t len;
	size_t dropped; /* bytes beyond buf */
	char rd[1024];	/* libuv read buffer */
	int eof;
};

enum hook_kill { K_NONE, K_TERM, K_KILL };

struct hook {
	struct bridge *b;
	hook_cb cb;
	void *arg;
	char verb[8];
	char domain[CSR_NAME_MAX + 1];
	char value[HOOK_VALUE_LEN + 1];
	uv_process_t proc;
	uv_timer_t timer;
	struct hook_out out[2];
	int handles; /* not yet closed */
	int pid;
	long timeout_ms;
	uint64_t started_ms;
	int spawned; /* uv_spawn was called (proc is open) */
	int exited, timed_out, cancelled, done;
	char fail[128]; /* why it could not start, or "" */
	enum hook_kill kill;
	int64_t status;
	int term_signal;
	LIST_ENTRY(hook) link; /* b->hooks: callback not run yet */
};

static void start(struct hook *h);

static void
on_closed(uv_handle_t *handle)
{
	struct hook *h = handle->data;

	if (--h->handles == 0)
		free(h);
}

static void
on_pipe_closed(uv_handle_t *handle)
{
	struct hook_out *o = handle->data;

	if (--o->h->handles == 0)
		free(o->h);
}

static void
close_all(struct hook *h)
{
	size_t i;

	if (h->spawned && !uv_is_closing((uv_handle_t *)&h->proc))
		uv_close((uv_handle_t *)&h->proc, on_closed);
	if (!uv_is_closing((uv_handle_t *)&h->timer))
		uv_close((uv_handle_t *)&h->timer, on_closed);
	for (i = 0; i < 2; i++)
		if (!uv_is_closing((uv_handle_t *)&h->out[i].pipe))
			uv_close(
			    (uv_handle_t *)&h->out[i].pipe, on_pipe_closed);
}

/* Signal the hook's process group (the hook and what it started), or the
 * hook alone if that fails. Only before its exit was seen: until then its
 * pid cannot be reused. */
static void
signal_group(struct hook *h, int sig)
{
	if (h->pid > 0 && uv_kill(-h->pid, sig) != 0)
		(void)uv_kill(h->pid, sig);
}

/* Log up to HOOK_LOG_LINES lines of one stream, escaped. */
static void
log_output(const struct hook *h, const struct hook_out *o, int failed)
{
	char esc[HOOK_LINE_LOG];
	size_t i = 0, start, n = 0, more = 0;

	while (i < o->len) {
		start = i;
		while (i < o->len && o->buf[i] != '\n')
			i++;
		if (i > start) {
			if (n < HOOK_LOG_LINES) {
				log_escape(o->buf + start, i - start, esc,
				    sizeof(esc));
				if (failed)
					log_warn("dns-01 hook %s %s: %s: %s",
					    h->verb, h->domain, o->name, esc);
				else
					log_info("dns-01 hook %s %s: %s: %s",
					    h->verb, h->domain, o->name, esc);
				n++;
			} else
				more++;
		}
		i++;
	}
	if ((more > 0 || o->dropped > 0) &&
	    log_min_level <= (failed ? LOG_WARN : LOG_INFO))
		log_msg(failed ? LOG_WARN : LOG_INFO,
		    "dns-01 hook %s %s: %s: %zu more lines, %zu bytes not kept",
		    h->verb, h->domain, o->name, more, o->dropped);
}

static void
describe(const struct hook *h, int *ok, char *why, size_t whylen)
{
	*ok = 0;
	if (h->fail[0] != '\0')
		snprintf(why, whylen, "%s", h->fail);
	else if (h->cancelled)
		snprintf(why, whylen,
		    "hook stopped: acme-bridge is shutting "
		    "down");
	else if (h->timed_out)
		snprintf(
		    why, whylen, "hook timed out after %ld ms", h->timeout_ms);
	else if (!h->exited)
		snprintf(why, whylen, "hook did not exit after SIGKILL");
	else if (h->term_signal != 0)
		snprintf(
		    why, whylen, "hook killed by signal %d", h->term_signal);
	else if (h->status != 0)
		snprintf(why, whylen, "hook exited with status %lld",
		    (long long)h->status);
	else {
		*ok = 1;
		snprintf(why, whylen, "%s", "");
	}
}

/* The oldest queued hook for domain, unless one for it is running. */
static struct hook *
next_queued(struct bridge *b, const char *domain)
{
	struct hook *h, *oldest = NULL;

	LIST_FOREACH(h, &b->hooks, link) {
		if (h->done || strcmp(h->domain, domain) != 0)
			continue;
		if (h->spawned)
			return NULL;
		oldest = h;
	}
	return oldest;
}

/* The end of a run: log, call back once, close everything, start the
 * next hook queued for the same domain. */
/* The hook's outcome to its caller, on a fiber (fiber.h: the caller may
 * wait for the store); what it reads is copied, since h and why go when
 * complete returns. Out of memory: a plain call. */
struct hook_outcome {
	hook_cb cb;
	void *arg;
	int ok;
	char why[256];
};

static void
outcome_run(void *arg)
{
	struct hook_outcome *o = arg;

	o->cb(o->arg, o->ok, o->why);
}

static void
deliver(hook_cb cb, void *arg, int ok, const char *why)
{
	struct hook_outcome *o = malloc(sizeof(*o));

	if (o == NULL) {
		cb(arg, ok, why);
		return;
	}
	o->cb = cb;
	o->arg = arg;
	o->ok = ok;
	snprintf(o->why, sizeof(o->why), "%s", why != NULL ? why : "");
	fiber_run(outcome_run, o, free, o);
}

static void
complete(struct hook *h)
{
	char why[128];
	char domain[CSR_NAME_MAX + 1];
	struct bridge *b = h->b;
	struct hook *n;
	int ok;

	if (h->done)
		return;
	h->done = 1;
	uv_timer_stop(&h->timer);
	LIST_REMOVE(h, link);
	describe(h, &ok, why, sizeof(why));
	log_output(h, &h->out[0], !ok);
	log_output(h, &h->out[1], !ok);
	if (ok)
		log_info("dns-01 hook %s %s: ok (pid %d, %llu ms)", h->verb,
		    h->domain, h->pid,
		    (unsigned long long)(uv_now(h->b->loop) - h->started_ms));
	else
		log_warn("dns-01 hook %s %s: %s (pid %d)", h->verb, h->domain,
		    why, h->pid);
	snprintf(domain, sizeof(domain), "%s", h->domain);
	deliver(h->cb, h->arg, ok, why);
	close_all(h); /* h is freed in the close callbacks */
	if ((n = next_queued(b, domain)) != NULL)
		start(n);
}

static void
on_timer(uv_timer_t *t)
{
	struct hook *h = t->data;

	if (h->exited) {
		complete(h); /* end of the output drain */
		return;
	}
	switch (h->kill) {
	case K_NONE:
		h->timed_out = 1;
		h->kill = K_TERM;
		signal_group(h, SIGTERM);
		break;
	case K_TERM:
		h->kill = K_KILL;
		signal_group(h, SIGKILL);
		break;
	case K_KILL:
	default:
		complete(h); /* unkillable: give up on it */
		return;
	}
	uv_timer_start(&h->timer, on_timer, HOOK_GRACE_MS, 0);
}

static void
maybe_complete(struct hook *h)
{
	if (h->exited && h->out[0].eof && h->out[1].eof)
		complete(h);
}

static void
on_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
	struct hook *h = p->data;

	h->exited = 1;
	h->status = status;
	h->term_signal = term_signal;
	/* A killed hook's children go with it (the group only: the pid is
	 * reaped and may be reused). */
	if (h->kill != K_NONE && h->pid > 0)
		(void)uv_kill(-h->pid, SIGKILL);
	uv_timer_stop(&h->timer);
	if (h->done)
		return;
	maybe_complete(h);
	if (!h->done)
		uv_timer_start(&h->timer, on_timer, HOOK_DRAIN_MS, 0);
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct hook_out *o = handle->data;

	(void)suggested;
	buf->base = o->rd;
	buf->len = sizeof(o->rd);
}

static void
on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct hook_out *o = s->data;
	size_t n, room;

	if (nread < 0) {
		o->eof = 1;
		uv_read_stop(s);
		if (!o->h->done)
			maybe_complete(o->h);
		return;
	}
	n = (size_t)nread;
	room = sizeof(o->buf) - o->len;
	if (n > room) {
		o->dropped += n - room;
		n = room;
	}
	memcpy(o->buf + o->len, buf->base, n);
	o->len += n;
}

/* Arguments reach the hook's argv: only what a DNS API can take. */
static int
args_ok(const char *verb, const char *domain, const char *value)
{
	size_t i;

	if (verb == NULL || domain == NULL || value == NULL ||
	    (strcmp(verb, "present") != 0 && strcmp(verb, "cleanup") != 0) ||
	    !csr_name_valid(domain) || strlen(value) != HOOK_VALUE_LEN)
		return 0;
	for (i = 0; value[i] != '\0'; i++) {
		char c = value[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static void
init_handles(struct hook *h, uv_loop_t *loop)
{
	size_t i;

	h->proc.data = h;
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	h->handles = 1; /* the timer; spawn() counts the process */
	for (i = 0; i < 2; i++) {
		h->out[i].h = h;
		h->out[i].name = i == 0 ? "stdout" : "stderr";
		uv_pipe_init(loop, &h->out[i].pipe, 0);
		h->out[i].pipe.data = &h->out[i];
		h->handles++;
	}
}

/* Only stdin, stdout and stderr reach the hook: every other descriptor of
 * the bridge (libcurl's sockets to the CA, for one, are not close-on-exec)
 * is marked close-on-exec first. The bridge runs no other program. */
static void
cloexec_all(void)
{
	DIR *d;
	struct dirent *de;
	char *end;
	long fd;
	int flags;

#ifdef CLOSE_RANGE_CLOEXEC
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
	if ((d = opendir("/proc/self/fd")) == NULL) {
		for (fd = 3; fd < 1024; fd++)
			if ((flags = fcntl((int)fd, F_GETFD)) != -1)
				(void)fcntl(
				    (int)fd, F_SETFD, flags | FD_CLOEXEC);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		fd = strtol(de->d_name, &end, 10);
		if (*end != '\0' || end == de->d_name || fd < 3 ||
		    fd == dirfd(d) || fd > 1L << 30)
			continue;
		if ((flags = fcntl((int)fd, F_GETFD)) != -1)
			(void)fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
	}
	closedir(d);
}

static int
spawn(struct hook *h)
{
	const char *path = h->b->cfg->dns01_hook;
	char fqdn[CSR_NAME_MAX + 32];
	char *args[6];
	uv_stdio_container_t stdio[3];
	uv_process_options_t opt;
	int rc;

	snprintf(fqdn, sizeof(fqdn), "_acme-challenge.%s.", h->domain);
	args[0] = (char *)path;
	args[1] = h->verb;
	args[2] = h->domain;
	args[3] = fqdn;
	args[4] = h->value;
	args[5] = NULL;
	memset(stdio, 0, sizeof(stdio));
	stdio[0].flags = UV_IGNORE; /* /dev/null */
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&h->out[0].pipe;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&h->out[1].pipe;
	memset(&opt, 0, sizeof(opt));
	opt.exit_cb = on_exit_cb;
	opt.file = path;
	opt.args = args;
	opt.env = NULL;			 /* the bridge's environment */
	opt.flags = UV_PROCESS_DETACHED; /* own process group */
	opt.stdio_count = 3;
	opt.stdio = stdio;
	cloexec_all();
	/* uv_spawn initialises the process handle even when it fails. */
	rc = uv_spawn(h->b->loop, &h->proc, &opt);
	h->spawned = 1;
	h->handles++;
	return rc;
}

/* Spawn h and start reading its output and its clock. 0, or the libuv
 * error. */
static int
launch(struct hook *h)
{
	int rc;

	h->timeout_ms = h->b->cfg->dns01_hook_timeout_ms;
	if (h->b->stopping && h->timeout_ms > HOOK_SHUTDOWN_MS)
		h->timeout_ms = HOOK_SHUTDOWN_MS;
	h->started_ms = uv_now(h->b->loop);
	if ((rc = spawn(h)) != 0) {
		log_err("dns-01 hook %s %s: cannot start %s: %s", h->verb,
		    h->domain, h->b->cfg->dns01_hook, uv_strerror(rc));
		return rc;
	}
	h->pid = h->proc.pid;
	uv_read_start((uv_stream_t *)&h->out[0].pipe, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&h->out[1].pipe, on_alloc, on_read);
	uv_timer_start(&h->timer, on_timer, (uint64_t)h->timeout_ms, 0);
	log_info(
	    "dns-01 hook %s %s: started (pid %d)", h->verb, h->domain, h->pid);
	return 0;
}

/* A queued hook's turn: a failure to start, or a cancellation while it
 * waited, completes it at once. */
static void
start(struct hook *h)
{
	int rc;

	if (h->cancelled) {
		complete(h);
		return;
	}
	if ((rc = launch(h)) != 0) {
		snprintf(h->fail, sizeof(h->fail), "cannot start the hook: %s",
		    uv_strerror(rc));
		complete(h);
	}
}

static int
domain_busy(struct bridge *b, const char *domain)
{
	const struct hook *o;

	LIST_FOREACH(o, &b->hooks, link)
		if (!o->done && strcmp(o->domain, domain) == 0)
			return 1;
	return 0;
}

int
hook_run(struct bridge *b, const char *verb, const char *domain,
    const char *value, hook_cb cb, void *arg)
{
	struct hook *h = NULL;
	int queued;

	if (b->cfg->dns01_hook[0] == '\0') {
		log_err("dns-01: no dns01_hook configured");
		return -1;
	}
	if (!args_ok(verb, domain, value)) {
		log_err("dns-01 hook: refusing to run with bad arguments");
		return -1;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_err("dns-01 hook: out of memory");
		return -1;
	}
	h->b = b;
	h->cb = cb;
	h->arg = arg;
	snprintf(h->verb, sizeof(h->verb), "%s", verb);
	snprintf(h->domain, sizeof(h->domain), "%s", domain);
	snprintf(h->value, sizeof(h->value), "%s", value);
	init_handles(h, b->loop);
	queued = domain_busy(b, domain);
	if (!queued && launch(h) != 0) {
		h->done = 1;
		close_all(h);
		return -1;
	}
	LIST_INSERT_HEAD(&b->hooks, h, link);
	if (queued)
		log_info("dns-01 hook %s %s: queued behind the one running for "
			 "this name",
		    verb, domain);
	return 0;
}

void
hook_cancel_all(struct bridge *b)
{
	struct hook *h;

	LIST_FOREACH(h, &b->hooks, link) {
		if (h->done || h->exited || h->kill != K_NONE)
			continue;
		h->cancelled = 1;
		if (!h->spawned)
			continue; /* completed when its turn comes */
		h->kill = K_TERM;
		signal_group(h, SIGTERM);
		uv_timer_stop(&h->timer);
		uv_timer_start(&h->timer, on_timer, HOOK_GRACE_MS, 0);
	}
}
