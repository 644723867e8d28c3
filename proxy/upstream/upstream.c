/* upstream.c: asynchronous HTTP(S) to the v2 CA: one libcurl multi handle
 * driven by libuv (upstream_sock.c: a uv_poll_t per socket curl asks
 * about, one uv_timer_t for curl's timeout), one easy handle per request.
 * Shaped like curl's docs/examples/multi-uv.c. Nothing here blocks the
 * loop. */
#include "upstream.h"
#include "fiber.h"
#include "upstream_int.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#if LIBCURL_VERSION_NUM < 0x075500
#error "libcurl >= 7.85 is needed (CURLOPT_PROTOCOLS_STR)"
#endif

#define UP_USER_AGENT "acme-bridge/0.1"
#define UP_PROTOCOLS "http,https"
#define UP_HEADER_LINE_MAX 8192
#define UP_HEADER_LINES_MAX 100
#define UP_CONNECT_TIMEOUT_MAX_MS 10000L
#define UP_RETRY_AFTER_MAX 86400L
#define UP_BODY_CHUNK 4096

/* One transfer in flight. */
struct up_req {
	struct upstream *u;
	CURL *easy;
	struct curl_slist *hdrs;
	upstream_cb cb;
	void *arg;
	struct upstream_resp resp;
	size_t cap;	  /* allocated size of resp.body */
	size_t nlines;	  /* header lines seen */
	size_t body_max;  /* 0: UPSTREAM_BODY_MAX */
	const char *fail; /* why a callback aborted the transfer */
	char errbuf[CURL_ERROR_SIZE];
	LIST_ENTRY(up_req) link;
};

/* ---- lists ---- */

static void
req_link(struct upstream *u, struct up_req *r)
{
	LIST_INSERT_HEAD(&u->reqs, r, link);
	u->pending++;
}

static void
req_unlink(struct upstream *u, struct up_req *r)
{
	LIST_REMOVE(r, link);
	u->pending--;
}

/* ---- teardown ---- */

static void
upstream_destroy(struct upstream *u)
{
	void (*free_cb)(void *) = u->free_cb;
	void *free_arg = u->free_arg;

	sk_X509_pop_free(u->extra_ca, X509_free);
	free(u);
	curl_global_cleanup();
	if (free_cb)
		free_cb(free_arg);
}

void
up_handle_gone(struct upstream *u)
{
	u->open_handles--;
	if (u->closing && u->open_handles == 0)
		upstream_destroy(u);
}

static void
on_timer_closed(uv_handle_t *h)
{
	up_handle_gone(h->data);
}

static void
resp_free(struct upstream_resp *r)
{
	free(r->body);
	free(r->location);
	free(r->replay_nonce);
	free(r->content_type);
}

/* ---- completion ---- */

static void
req_fill_result(struct up_req *r, CURLcode rc)
{
	struct upstream_resp *resp = &r->resp;
	const char *why;
	long os_errno = 0;

	curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &resp->seconds);
	if (rc == CURLE_OK && !r->fail) {
		curl_easy_getinfo(
		    r->easy, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->error[0] = '\0';
		return;
	}
	why = r->fail	   ? r->fail
	    : r->errbuf[0] ? r->errbuf
			   : curl_easy_strerror(rc);
	resp->status = 0;
	/* curl says "Couldn't connect to server": add why (refused, ...) */
	if (rc == CURLE_COULDNT_CONNECT && !r->fail &&
	    curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_errno) ==
		CURLE_OK &&
	    os_errno != 0)
		snprintf(resp->error, sizeof(resp->error), "%s (%s)", why,
		    strerror((int)os_errno));
	else
		snprintf(resp->error, sizeof(resp->error), "%s", why);
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

/* Detach r from curl and the list, run its callback, free it. */
static void
req_deliver(void *arg)
{
	struct up_req *r = arg;

	r->cb(r->arg, &r->resp);
}

static void
req_free(void *arg)
{
	struct up_req *r = arg;

	resp_free(&r->resp);
	free(r);
}

static void
req_finish(struct up_req *r, CURLcode rc)
{
	struct upstream *u = r->u;

	req_fill_result(r, rc);
	req_unlink(u, r);
	curl_multi_remove_handle(u->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	/* on a fiber: the callback may wait for the store (PostgreSQL), so
	 * the response it reads is freed once it is done, not before */
	fiber_run(req_deliver, r, req_free, r);
}

void
up_check_multi_info(struct upstream *u)
{
	CURLMsg *msg;
	int left;

	while (!u->closing && (msg = curl_multi_info_read(u->multi, &left))) {
		char *priv = NULL;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
			req_finish((struct up_req *)(void *)priv, rc);
	}
}

/* ---- response callbacks ---- */

static int
body_reserve(struct up_req *r, size_t need)
{
	size_t cap = r->cap ? r->cap : UP_BODY_CHUNK;
	char *p;

	if (need <= r->cap)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	p = realloc(r->resp.body, cap);
	if (!p)
		return -1;
	r->resp.body = p;
	r->cap = cap;
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t n, void *userp)
{
	struct up_req *r = userp;
	size_t len;

	if (n && size > SIZE_MAX / n)
		return 0;
	len = size * n;
	if (len >
	    (r->body_max ? r->body_max : UPSTREAM_BODY_MAX) - r->resp.len) {
		r->fail = "upstream answer too large";
		return 0;
	}
	if (body_reserve(r, r->resp.len + len + 1) < 0) {
		r->fail = "out of memory for the upstream answer";
		return 0;
	}
	memcpy(r->resp.body + r->resp.len, data, len);
	r->resp.len += len;
	r->resp.body[r->resp.len] = '\0';
	return len;
}

/* Delta seconds or an HTTP date, as seconds from now clamped to 0..86400;
 * -1 when it is neither. */
static long
parse_retry_after(const char *v)
{
	const char *p = v;
	long n = 0;
	time_t when;
	double d;

	while (*p >= '0' && *p <= '9') {
		if (n <= UP_RETRY_AFTER_MAX)
			n = n * 10 + (*p - '0');
		p++;
	}
	if (p != v && *p == '\0')
		return n > UP_RETRY_AFTER_MAX ? UP_RETRY_AFTER_MAX : n;
	when = curl_getdate(v, NULL);
	if (when == (time_t)-1)
		return -1;
	d = difftime(when, time(NULL));
	if (d < 0)
		return 0;
	return d > UP_RETRY_AFTER_MAX ? UP_RETRY_AFTER_MAX : (long)d;
}

static int
header_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

static char **
header_slot(struct upstream_resp *resp, const char *name, size_t nlen)
{
	if (header_is(name, nlen, "location"))
		return &resp->location;
	if (header_is(name, nlen, "replay-nonce"))
		return &resp->replay_nonce;
	if (header_is(name, nlen, "content-type"))
		return &resp->content_type;
	return NULL;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A new response head (after a 1xx, say): forget what the last one said. */
static void
headers_reset(struct upstream_resp *resp)
{
	free(resp->location);
	free(resp->replay_nonce);
	free(resp->content_type);
	resp->location = resp->replay_nonce = resp->content_type = NULL;
	resp->retry_after = -1;
}

/* One "Name: value" line of len bytes. 0, or -1 out of memory. */
static int
header_line(struct up_req *r, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len), *v, *end = line + len;
	char **slot, *copy;
	size_t vlen;

	if (!colon)
		return 0;
	v = colon + 1;
	while (v < end && is_ows(*v))
		v++;
	while (end > v && is_ows(end[-1]))
		end--;
	vlen = (size_t)(end - v);
	copy = malloc(vlen + 1);
	if (!copy)
		return -1;
	memcpy(copy, v, vlen);
	copy[vlen] = '\0';
	if (header_is(line, (size_t)(colon - line), "retry-after")) {
		r->resp.retry_after = parse_retry_after(copy);
		free(copy);
		return 0;
	}
	slot = header_slot(&r->resp, line, (size_t)(colon - line));
	if (!slot) {
		free(copy);
		return 0;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *userp)
{
	struct up_req *r = userp;
	size_t len;

	if (n && size > SIZE_MAX / n)
		return 0;
	len = size * n;
	if (len > UP_HEADER_LINE_MAX) {
		r->fail = "upstream header line too long";
		return 0;
	}
	if (++r->nlines > UP_HEADER_LINES_MAX) {
		r->fail = "too many upstream header lines";
		return 0;
	}
	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		headers_reset(&r->resp);
		return len;
	}
	if (header_line(r, buf, len) < 0) {
		r->fail = "out of memory for upstream headers";
		return 0;
	}
	return len;
}

/* Adds the extra roots to the store curl built from the system bundle. */
static CURLcode
on_ssl_ctx(CURL *easy, void *ssl_ctx, void *userp)
{
	STACK_OF(X509) *extra = userp;
	X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
	int i;

	(void)easy;
	if (!store)
		return CURLE_SSL_CACERT_BADFILE;
	for (i = 0; i < sk_X509_num(extra); i++) {
		if (X509_STORE_add_cert(store, sk_X509_value(extra, i)) != 1) {
			ERR_clear_error();
			return CURLE_SSL_CACERT_BADFILE;
		}
	}
	return CURLE_OK;
}

/* ---- request setup ---- */

static int
url_scheme_ok(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0 ||
	    strncasecmp(url, "http://", 7) == 0;
}

static int
req_set_common(struct up_req *r, const char *url)
{
	struct upstream *u = r->u;
	CURL *e = r->easy;
	long connect_ms = u->timeout_ms < UP_CONNECT_TIMEOUT_MAX_MS
	    ? u->timeout_ms
	    : UP_CONNECT_TIMEOUT_MAX_MS;
	int ok = 1;

	ok = ok && curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_PRIVATE, r) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf) == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, u->timeout_ms) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) ==
		CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, UP_PROTOCOLS) ==
		CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, UP_PROTOCOLS) ==
		CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_USERAGENT, UP_USER_AGENT) == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_HEADERDATA, r) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_WRITEDATA, r) == CURLE_OK;
	ok = ok && up_easy_sockets(e, u) == 0;
	return ok ? 0 : -1;
}

static int
req_set_ca(struct up_req *r)
{
	CURL *e = r->easy;
	int ok = 1;

	if (!r->u->extra_ca)
		return 0;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) ==
		CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, r->u->extra_ca) ==
		CURLE_OK;
	return ok ? 0 : -1;
}

static int
req_add_header(struct up_req *r, const char *h)
{
	struct curl_slist *l = curl_slist_append(r->hdrs, h);

	if (!l)
		return -1;
	r->hdrs = l;
	return 0;
}

static int
req_set_post(
    struct up_req *r, const char *body, size_t len, const char *content_type)
{
	CURL *e = r->easy;
	char line[256];
	int n, ok = 1;

	if (!body && len)
		return -1;
	/* no content_type: drop curl's default form type */
	if (content_type && strpbrk(content_type, "\r\n"))
		return -1;
	n = snprintf(line, sizeof(line), "Content-Type:%s%s",
	    content_type ? " " : "", content_type ? content_type : "");
	if (n < 0 || (size_t)n >= sizeof(line) || req_add_header(r, line) < 0)
		return -1;
	/* no "Expect: 100-continue" round trip for larger bodies */
	if (req_add_header(r, "Expect:") < 0)
		return -1;
	ok = ok && curl_easy_setopt(e, CURLOPT_POST, 1L) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) ==
		CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body ? body : "") ==
		CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs) == CURLE_OK;
	return ok ? 0 : -1;
}

static int
req_set_method(struct up_req *r, const char *method, const char *body,
    size_t len, const char *content_type)
{
	if (strcmp(method, "GET") == 0)
		return curl_easy_setopt(r->easy, CURLOPT_HTTPGET, 1L) ==
			CURLE_OK
		    ? 0
		    : -1;
	if (strcmp(method, "HEAD") == 0)
		return curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L) == CURLE_OK
		    ? 0
		    : -1;
	if (strcmp(method, "POST") == 0)
		return req_set_post(r, body, len, content_type);
	return -1;
}

static void
req_discard(struct up_req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	resp_free(&r->resp);
	free(r);
}

/* A transfer of url with the options every request has, not yet added
 * to the multi handle; NULL when curl refuses (nothing to free). */
static struct up_req *
req_new(struct upstream *u, const char *url, upstream_cb cb, void *arg)
{
	struct up_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->u = u;
	r->cb = cb;
	r->arg = arg;
	r->resp.retry_after = -1;
	r->easy = curl_easy_init();
	if (!r->easy || req_set_common(r, url) < 0) {
		req_discard(r);
		return NULL;
	}
	return r;
}

int
upstream_fetch(struct upstream *u, const char *method, const char *url,
    const char *body, size_t len, const char *content_type, upstream_cb cb,
    void *arg)
{
	struct up_req *r;

	if (!u || u->closing || !method || !url || !cb || !url_scheme_ok(url))
		return -1;
	if ((r = req_new(u, url, cb, arg)) == NULL)
		return -1;
	if (req_set_ca(r) < 0 ||
	    req_set_method(r, method, body, len, content_type) < 0)
		goto fail;
	if (curl_multi_add_handle(u->multi, r->easy) != CURLM_OK)
		goto fail;
	req_link(u, r);
	return 0;
fail:
	req_discard(r);
	return -1;
}

/* CURLOPT_CONNECT_TO "::ADDR:" (any host and port of the URL -> ADDR, the
 * URL's port), kept in r->hdrs, which a GET does not otherwise use. */
static int
req_set_connect_to(struct up_req *r, const char *addr)
{
	char line[80];
	int n;

	n = snprintf(
	    line, sizeof(line), strchr(addr, ':') ? "::[%s]:" : "::%s:", addr);
	if (n < 0 || (size_t)n >= sizeof(line) || req_add_header(r, line) < 0)
		return -1;
	return curl_easy_setopt(r->easy, CURLOPT_CONNECT_TO, r->hdrs) ==
		CURLE_OK
	    ? 0
	    : -1;
}

int
upstream_get_at(struct upstream *u, const char *url, const char *addr,
    long timeout_ms, size_t body_max, upstream_cb cb, void *arg)
{
	struct up_req *r;
	CURL *e;
	int ok = 1;

	if (!u || u->closing || !url || !addr || !cb || timeout_ms <= 0 ||
	    strncasecmp(url, "http://", 7) != 0 || strpbrk(addr, "[]/ \r\n"))
		return -1;
	if ((r = req_new(u, url, cb, arg)) == NULL)
		return -1;
	r->body_max = body_max;
	e = r->easy;
	if (req_set_connect_to(r, addr) < 0)
		goto fail;
	ok = ok && curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http") == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_PROXY, "") == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L) == CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) ==
		CURLE_OK;
	if (!ok || curl_multi_add_handle(u->multi, e) != CURLM_OK)
		goto fail;
	req_link(u, r);
	return 0;
fail:
	req_discard(r);
	return -1;
}

size_t
upstream_pending(const struct upstream *u)
{
	return u ? u->pending : 0;
}

/* ---- lifetime ---- */

/* The PEM certificates of path (at least one), or NULL. */
static STACK_OF(X509) * load_ca_file(const char *path)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *bio = BIO_new_file(path, "r");
	unsigned long e;
	X509 *x;

	if (!sk || !bio)
		goto fail;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(sk, x) <= 0) {
			X509_free(x);
			goto fail;
		}
	}
	/* a clean end of file reports "no start line"; anything else is junk */
	e = ERR_peek_last_error();
	if (sk_X509_num(sk) <= 0 || ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		goto fail;
	ERR_clear_error();
	BIO_free(bio);
	return sk;
fail:
	ERR_clear_error();
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

struct upstream *
upstream_new(uv_loop_t *loop, const char *ca_file, long timeout_ms)
{
	struct upstream *u;

	if (!loop || timeout_ms <= 0)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		goto fail;
	u->loop = loop;
	LIST_INIT(&u->reqs);
	LIST_INIT(&u->socks);
	u->timeout_ms = timeout_ms;
	if (ca_file && !(u->extra_ca = load_ca_file(ca_file)))
		goto fail;
	if (up_multi_setup(u) < 0 || uv_timer_init(loop, &u->timer) != 0)
		goto fail;
	u->timer.data = u;
	u->open_handles = 1;
	return u;
fail:
	if (u) {
		if (u->multi)
			curl_multi_cleanup(u->multi);
		sk_X509_pop_free(u->extra_ca, X509_free);
		free(u);
	}
	curl_global_cleanup();
	return NULL;
}

void
upstream_close(struct upstream *u, void (*free_cb)(void *), void *arg)
{
	if (!u || u->closing)
		return;
	u->closing = 1;
	u->free_cb = free_cb;
	u->free_arg = arg;
	while (!LIST_EMPTY(&u->reqs)) {
		LIST_FIRST(&u->reqs)->fail = "aborted";
		req_finish(LIST_FIRST(&u->reqs), CURLE_ABORTED_BY_CALLBACK);
	}
	/* curl must not call back into handles that are going away */
	curl_multi_setopt(
	    u->multi, CURLMOPT_SOCKETFUNCTION, (curl_socket_callback)NULL);
	curl_multi_setopt(
	    u->multi, CURLMOPT_TIMERFUNCTION, (curl_multi_timer_callback)NULL);
	up_socks_close(u);
	curl_multi_cleanup(u->multi);
	u->multi = NULL;
	uv_timer_stop(&u->timer);
	uv_close((uv_handle_t *)&u->timer, on_timer_closed);
}
