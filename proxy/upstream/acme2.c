/* acme2.c: the bridge's RFC 8555 client on top of upstream.c: loads the
 * directory (retrying on a timer), keeps a pool of upstream nonces, signs
 * POSTs (keyring_sign_jws: the key stays in the keyring, held while the post
 * is in flight) and retries badNonce answers with the nonce they carry.
 *
 * Each in-flight post has exactly one upstream request outstanding (HEAD
 * newNonce or the signed POST). acme2_free answers the posts still in flight
 * with status 0 "aborted" and detaches them; a detached request frees itself
 * when its upstream request completes (or upstream_close aborts it). */
#include "acme2.h"
#include "str.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstate.h"
#include "keyring.h"
#include "log.h"
#include "nonce.h"
#include "v2.h"

#define ACME2_JOSE_TYPE "application/jose+json"

struct acme2_post;
struct acme2_dirload;

struct acme2 {
	uv_loop_t *loop;
	struct upstream *up;
	char *dir_url;
	struct nonce_pool *pool;
	struct v2_directory dir;
	int loaded;
	uv_timer_t *retry;     /* freed in its close callback */
	long retry_ms;	       /* the backoff's cap; 0: no retries */
	struct dirstate ds;    /* failures, last error, last log line */
	long long next_try_ms; /* uv_now of the next directory try, or 0 */
	long long nonce_ms;    /* uv_now when a nonce last arrived, or 0 */
	struct acme2_dirload *probe; /* HEAD newNonce for readiness */
	char probe_err[200];	     /* why the last probe got no nonce */
	void (*done)(void *arg, int ok, const char *why);
	void *done_arg;
	struct acme2_dirload *dirload; /* directory GET in flight */
	LIST_HEAD(, acme2_post) posts; /* posts in flight */
	int freeing;
};

/* The directory GET in flight; c is NULL once acme2_free detached it. */
struct acme2_dirload {
	struct acme2 *c;
};

struct acme2_post {
	struct acme2 *c;    /* NULL once detached by acme2_free */
	struct keyring *kr; /* holding key_id; NULL once released */
	char key_id[KEYRING_ID_LEN + 1];
	char *kid, *url, *payload;
	acme2_cb cb;
	void *arg;
	int retries_left;
	char nonce[NONCE_UPSTREAM_MAX + 1];
	LIST_ENTRY(acme2_post) link;
};

static void
fake_resp(struct upstream_resp *r, const char *why)
{
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
	snprintf(r->error, sizeof(r->error), "%s", why);
}

static json_t *
parse_body(const struct upstream_resp *r)
{
	if (!r->body || r->len == 0)
		return NULL;
	return json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL);
}

/* A nonce usable as is: 1..NONCE_UPSTREAM_MAX base64url characters. */
static int
nonce_usable(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= NONCE_UPSTREAM_MAX &&
	    strspn(s,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_") == n;
}

static void
keep_nonce(struct acme2 *c, const struct upstream_resp *r)
{
	if (r->replay_nonce) {
		nonce_pool_put(c->pool, r->replay_nonce);
		c->nonce_ms = (long long)uv_now(c->loop);
	}
}

/* ---- directory loading (the document is translate/v2's) ---- */

static void dir_try(struct acme2 *c);

static void
on_retry(uv_timer_t *t)
{
	dir_try(t->data);
}

static void
on_retry_closed(uv_handle_t *h)
{
	free(h);
}

/* Judge a directory answer: 0 with c->dir replaced, or -1 and why. */
static int
dir_accept(
    struct acme2 *c, const struct upstream_resp *r, char *why, size_t whylen)
{
	struct v2_directory d;
	json_t *doc;
	int rc;

	memset(&d, 0, sizeof(d));
	if (r->status == 0) {
		snprintf(why, whylen, "directory: %s", r->error);
		return -1;
	}
	if (r->status != 200) {
		snprintf(why, whylen, "directory answered HTTP %ld", r->status);
		return -1;
	}
	doc = parse_body(r);
	if (!doc) {
		snprintf(why, whylen, "directory is not JSON");
		return -1;
	}
	rc = v2_directory_parse(doc, &d, why, whylen);
	json_decref(doc);
	if (rc < 0)
		return -1;
	v2_directory_clear(&c->dir);
	c->dir = d;
	c->loaded = 1;
	return 0;
}

/* One log line per change of state, a reminder while it lasts
 * (translate/v2/dirstate decides). Only the retrying server logs. */
static void
dir_log(struct acme2 *c, enum dirstate_log what, long delay_ms)
{
	char esc[256];
	const char *url = log_escape(
	    c->dir_url, strlen(c->dir_url), esc, sizeof(esc));

	if (what == DIRSTATE_CHANGED)
		log_warn("upstream directory %s: %s (retrying in %ld s, then "
			 "less and less often)",
		    url, c->ds.why, (delay_ms + 999) / 1000);
	else if (what == DIRSTATE_REMIND)
		log_warn("upstream directory %s still not loaded after %d "
			 "tries: %s (next try in %ld s)",
		    url, c->ds.failures, c->ds.why, (delay_ms + 999) / 1000);
	else if (what == DIRSTATE_RECOVERED)
		log_info("upstream directory %s reachable again", url);
}

/* After an attempt: note the state, arm the retry with backoff on failure,
 * then tell the caller last, since done may free c. */
static void
dir_attempted(struct acme2 *c, int rc, const char *why)
{
	void (*done)(void *, int, const char *) = c->done;
	void *arg = c->done_arg;
	long long now = (long long)uv_now(c->loop);
	enum dirstate_log what;
	long delay = 0;

	c->next_try_ms = 0;
	if (rc == 0)
		what = dirstate_loaded(&c->ds);
	else {
		what = dirstate_failed(&c->ds, why, now);
		delay = dirstate_delay_ms(
		    c->ds.failures, DIRSTATE_FIRST_MS, c->retry_ms);
	}
	if (rc < 0 && c->retry_ms > 0) {
		c->next_try_ms = now + delay;
		uv_timer_start(c->retry, on_retry, (uint64_t)delay, 0);
		dir_log(c, what, delay);
	} else if (c->retry_ms > 0)
		dir_log(c, what, 0);
	if (rc == 0)
		acme2_probe_nonce(c);
	if (done)
		done(arg, rc, rc < 0 ? why : "");
}

static void
on_dir(void *arg, const struct upstream_resp *r)
{
	struct acme2_dirload *dl = arg;
	struct acme2 *c = dl->c;
	char why[320];
	int rc;

	free(dl);
	if (!c)
		return;
	c->dirload = NULL;
	keep_nonce(c, r);
	rc = dir_accept(c, r, why, sizeof(why));
	dir_attempted(c, rc, why);
}

static void
dir_try(struct acme2 *c)
{
	struct acme2_dirload *dl;

	if (c->dirload)
		return;
	dl = calloc(1, sizeof(*dl));
	if (!dl) {
		dir_attempted(c, -1, "out of memory");
		return;
	}
	dl->c = c;
	if (upstream_fetch(
		c->up, "GET", c->dir_url, NULL, 0, NULL, on_dir, dl) < 0) {
		free(dl);
		dir_attempted(c, -1, "cannot start the directory request");
		return;
	}
	c->dirload = dl;
}

void
acme2_load(struct acme2 *c, long retry_ms,
    void (*done)(void *arg, int ok, const char *why), void *arg)
{
	if (!c || c->freeing)
		return;
	c->retry_ms = retry_ms;
	c->done = done;
	c->done_arg = arg;
	uv_timer_stop(c->retry);
	dir_try(c);
}

const struct v2_directory *
acme2_directory(const struct acme2 *c)
{
	return c && c->loaded ? &c->dir : NULL;
}

/* ---- health (issue 9 item 4) ---- */

static void
on_probe(void *arg, const struct upstream_resp *r)
{
	struct acme2_dirload *dl = arg;
	struct acme2 *c = dl->c;

	free(dl);
	if (!c)
		return;
	c->probe = NULL;
	keep_nonce(c, r);
	if (r->replay_nonce)
		c->probe_err[0] = '\0';
	else if (r->status == 0)
		snprintf(c->probe_err, sizeof(c->probe_err), "newNonce: %s",
		    r->error);
	else
		snprintf(c->probe_err, sizeof(c->probe_err),
		    "newNonce answered HTTP %ld without a Replay-Nonce",
		    r->status);
}

void
acme2_probe_nonce(struct acme2 *c)
{
	struct acme2_dirload *dl;

	if (!c || c->freeing || !c->loaded || c->probe || !c->dir.new_nonce)
		return;
	if ((dl = calloc(1, sizeof(*dl))) == NULL)
		return;
	dl->c = c;
	if (upstream_fetch(c->up, "HEAD", c->dir.new_nonce, NULL, 0, NULL,
		on_probe, dl) < 0) {
		free(dl);
		return;
	}
	c->probe = dl;
}

void
acme2_health(const struct acme2 *c, struct upstream_health *h)
{
	long long now = (long long)uv_now(c->loop);
	long long left = c->next_try_ms - now;

	memset(h, 0, sizeof(*h));
	h->url = c->dir_url;
	h->loaded = c->loaded;
	h->nonce_ok = c->loaded &&
	    (nonce_pool_count(c->pool) > 0 ||
		(c->nonce_ms > 0 && now - c->nonce_ms < HEALTH_NONCE_FRESH_MS));
	h->failures = c->ds.failures;
	h->last_error = c->ds.failures > 0 ? c->ds.why
	    : !h->nonce_ok		   ? c->probe_err
					   : "";
	/* seconds until the next try, at least 1, at most the cap */
	h->retry_in_s = 1;
	if (c->next_try_ms > 0 && left > 0)
		h->retry_in_s = (long)((left + 999) / 1000);
	if (h->retry_in_s > DIRSTATE_CAP_MS / 1000)
		h->retry_in_s = DIRSTATE_CAP_MS / 1000;
}

/* ---- signed posts ---- */

/* Let the keyring evict the key again: done when p is answered or detached,
 * so that a detached post never touches a keyring freed since. */
static void
post_release_key(struct acme2_post *p)
{
	if (p->kr != NULL)
		keyring_release(p->kr, p->key_id);
	p->kr = NULL;
}

static void
post_destroy(struct acme2_post *p)
{
	post_release_key(p);
	free(p->kid);
	free(p->url);
	free(p->payload);
	free(p);
}

/* The final answer: detach p, call back, free p. Leaves c alone after the
 * callback (which may free c). */
static void
post_finish(struct acme2_post *p, const struct upstream_resp *r, json_t *json)
{
	acme2_cb cb = p->cb;
	void *arg = p->arg;

	LIST_REMOVE(p, link);
	p->c = NULL;
	post_release_key(p);
	cb(arg, r, json);
	post_destroy(p);
}

static void
post_fail(struct acme2_post *p, const char *why)
{
	struct upstream_resp r;

	fake_resp(&r, why);
	post_finish(p, &r, NULL);
}

/* Fail p as a transport failure saying why, keeping the answer's
 * Retry-After (the flows pass it on to the v1 client). */
static void
post_fail_answer(
    struct acme2_post *p, const struct upstream_resp *ans, const char *why)
{
	struct upstream_resp r;

	fake_resp(&r, why);
	r.retry_after = ans->retry_after;
	r.seconds = ans->seconds;
	post_finish(p, &r, NULL);
}

static void on_post_answer(void *arg, const struct upstream_resp *r);
static void on_nonce(void *arg, const struct upstream_resp *r);

/* Sign with p->nonce (used up either way) and send. 0 or -1. */
static int
post_send(struct acme2_post *p)
{
	char *jws = keyring_sign_jws(
	    p->kr, p->key_id, p->kid, p->nonce, p->url, p->payload);
	int rc;

	p->nonce[0] = '\0';
	if (!jws)
		return -1;
	rc = upstream_fetch(p->c->up, "POST", p->url, jws, strlen(jws),
	    ACME2_JOSE_TYPE, on_post_answer, p);
	free(jws);
	return rc;
}

/* Send with a pooled nonce, or ask newNonce for one first. 0 or -1. */
static int
post_start(struct acme2_post *p)
{
	struct acme2 *c = p->c;

	if (nonce_pool_take(c->pool, p->nonce) == 0)
		return post_send(p);
	if (!c->dir.new_nonce)
		return -1;
	return upstream_fetch(
	    c->up, "HEAD", c->dir.new_nonce, NULL, 0, NULL, on_nonce, p);
}

static void
on_nonce(void *arg, const struct upstream_resp *r)
{
	struct acme2_post *p = arg;

	if (!p->c) {
		post_destroy(p);
		return;
	}
	if (r->status == 0 || r->status == 429) {
		/* the transport error, or a rate limit the v1 client sees */
		post_finish(p, r, NULL);
		return;
	}
	if (r->status < 200 || r->status > 299) {
		char why[64];

		/* not the answer of the POST the flow asked for */
		snprintf(
		    why, sizeof(why), "newNonce answered HTTP %ld", r->status);
		post_fail_answer(p, r, why);
		return;
	}
	if (!nonce_usable(r->replay_nonce)) {
		post_fail(p, "newNonce gave no usable Replay-Nonce");
		return;
	}
	snprintf(p->nonce, sizeof(p->nonce), "%s", r->replay_nonce);
	if (post_send(p) < 0)
		post_fail(p, "cannot start the signed upstream request");
}

static int
is_bad_nonce(const struct upstream_resp *r, const json_t *json)
{
	return v2_is_bad_nonce(r->status, json);
}

/* Retry after badNonce with the answer's nonce, else a fresh one. */
static int
post_retry(struct acme2_post *p, const struct upstream_resp *r)
{
	char esc[256];

	p->retries_left--;
	log_debug("acme2: badNonce from %s, retrying (%d retries left)",
	    log_escape(p->url, strlen(p->url), esc, sizeof(esc)),
	    p->retries_left);
	if (nonce_usable(r->replay_nonce)) {
		snprintf(p->nonce, sizeof(p->nonce), "%s", r->replay_nonce);
		return post_send(p);
	}
	return post_start(p);
}

/* A body that says it is JSON (application/json, problem+json) and is not:
 * a broken answer, not one the flows should read as "no document". */
static int
is_broken_json(const struct upstream_resp *r, const json_t *json)
{
	return !json && r->status != 0 && r->body && r->len > 0 &&
	    r->content_type && strstr(r->content_type, "json");
}

static void
on_post_answer(void *arg, const struct upstream_resp *r)
{
	struct acme2_post *p = arg;
	json_t *json;
	char why[160], esc[256];

	if (!p->c) {
		post_destroy(p);
		return;
	}
	json = parse_body(r);
	if (is_bad_nonce(r, json) && p->retries_left > 0 &&
	    post_retry(p, r) == 0) {
		json_decref(json);
		return;
	}
	if (is_bad_nonce(r, json))
		log_warn("acme2: %s still answers badNonce after %d retries; "
			 "giving up",
		    log_escape(p->url, strlen(p->url), esc, sizeof(esc)),
		    ACME2_BADNONCE_RETRIES);
	keep_nonce(p->c, r);
	if (is_broken_json(r, json)) {
		snprintf(why, sizeof(why),
		    "the CA's answer (HTTP %ld, %.60s) "
		    "is not valid JSON",
		    r->status, r->content_type);
		post_fail_answer(p, r, why);
		return;
	}
	post_finish(p, r, json);
	json_decref(json);
}

static struct acme2_post *
post_new(struct acme2 *c, struct keyring *kr, const char *key_id,
    const char *kid, const char *url, const char *payload)
{
	struct acme2_post *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->c = c;
	p->retries_left = ACME2_BADNONCE_RETRIES;
	p->url = str_dup(url);
	p->payload = str_dup(payload);
	p->kid = str_dup(kid);
	if (!p->url || !p->payload || (kid && !p->kid) ||
	    strlen(key_id) > KEYRING_ID_LEN || keyring_hold(kr, key_id) != 0) {
		post_destroy(p);
		return NULL;
	}
	p->kr = kr;
	snprintf(p->key_id, sizeof(p->key_id), "%s", key_id);
	return p;
}

int
acme2_post(struct acme2 *c, struct keyring *kr, const char *key_id,
    const char *kid, const char *url, const char *payload, acme2_cb cb,
    void *arg)
{
	struct acme2_post *p;

	if (!c || c->freeing || !c->loaded || !kr || !key_id || !url ||
	    !payload || !cb)
		return -1;
	p = post_new(c, kr, key_id, kid, url, payload);
	if (!p)
		return -1;
	p->cb = cb;
	p->arg = arg;
	LIST_INSERT_HEAD(&c->posts, p, link);
	if (post_start(p) < 0) {
		LIST_REMOVE(p, link);
		post_destroy(p);
		return -1;
	}
	return 0;
}

size_t
acme2_nonce_pool_size(const struct acme2 *c)
{
	return c ? nonce_pool_count(c->pool) : 0;
}

/* ---- lifetime ---- */

struct acme2 *
acme2_new(uv_loop_t *loop, struct upstream *up, const char *directory_url,
    size_t nonce_pool_cap)
{
	struct acme2 *c;

	if (!loop || !up || !directory_url)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	LIST_INIT(&c->posts);
	c->loop = loop;
	c->up = up;
	c->dir_url = str_dup(directory_url);
	c->pool = nonce_pool_new(nonce_pool_cap);
	c->retry = malloc(sizeof(*c->retry));
	if (!c->dir_url || !c->pool || !c->retry ||
	    uv_timer_init(loop, c->retry) != 0)
		goto fail;
	c->retry->data = c;
	return c;
fail:
	free(c->retry);
	nonce_pool_free(c->pool);
	free(c->dir_url);
	free(c);
	return NULL;
}

/* Answer every post in flight with "aborted" and detach it. */
static void
abort_posts(struct acme2 *c)
{
	struct upstream_resp r;

	fake_resp(&r, "aborted");
	while (!LIST_EMPTY(&c->posts)) {
		struct acme2_post *p = LIST_FIRST(&c->posts);
		acme2_cb cb = p->cb;

		LIST_REMOVE(p, link);
		p->c = NULL;
		post_release_key(p);
		cb(p->arg, &r, NULL);
	}
}

void
acme2_free(struct acme2 *c)
{
	if (!c || c->freeing)
		return;
	c->freeing = 1;
	if (c->dirload) {
		c->dirload->c = NULL;
		c->dirload = NULL;
	}
	if (c->probe) {
		c->probe->c = NULL;
		c->probe = NULL;
	}
	abort_posts(c);
	uv_timer_stop(c->retry);
	uv_close((uv_handle_t *)c->retry, on_retry_closed);
	v2_directory_clear(&c->dir);
	nonce_pool_free(c->pool);
	free(c->dir_url);
	free(c);
}
