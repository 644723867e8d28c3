/* upstream.h: asynchronous HTTP(S) to the v2 CA with libcurl's multi-socket
 * API on the bridge's libuv loop (curl docs/examples/multi-uv.c pattern).
 * Nothing here blocks the loop. */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include <stddef.h>
#include <uv.h>

#define UPSTREAM_BODY_MAX (1024 * 1024) /* larger answers fail the request */

struct upstream;

struct upstream_resp {
	long status; /* HTTP status, 0 when the transfer failed */
	char *body;  /* NUL-terminated, may be NULL when empty */
	size_t len;
	char *location;	    /* Location header or NULL */
	char *replay_nonce; /* Replay-Nonce header or NULL */
	char *content_type; /* Content-Type header or NULL */
	long retry_after; /* Retry-After in seconds (delta or date), -1 none */
	char error[256];  /* transport error text when status == 0 */
	double seconds;	  /* total time of the transfer */
};

/* Called once per request on the loop thread; r is freed after it returns. */
typedef void (*upstream_cb)(void *arg, const struct upstream_resp *r);

/* ca_file: extra PEM roots to trust besides the system store (may be NULL).
 * timeout_ms: per-request total timeout. NULL on error. */
struct upstream *
upstream_new(uv_loop_t *loop, const char *ca_file, long timeout_ms);

/* Start a request. method "GET", "HEAD" or "POST"; body (len bytes) only for
 * POST, sent with content_type. 0, or -1 when it could not be started (cb is
 * then not called). */
int upstream_fetch(struct upstream *u, const char *method, const char *url,
    const char *body, size_t len, const char *content_type, upstream_cb cb,
    void *arg);

/* GET url (http:// only) from the numeric IPv4/IPv6 address addr instead of
 * resolving the URL's host (still sent as Host): client-proof http-01. No
 * redirects followed, no proxy, a fresh connection not kept afterwards,
 * timeout_ms in all, at most body_max bytes of body (0: UPSTREAM_BODY_MAX;
 * more fails with status 0, error "upstream answer too large"). 0, or -1
 * when it could not be started (cb is then not called). */
int upstream_get_at(struct upstream *u, const char *url, const char *addr,
    long timeout_ms, size_t body_max, upstream_cb cb, void *arg);

/* Number of transfers in flight. */
size_t upstream_pending(const struct upstream *u);

/* Abort everything in flight (their callbacks run with status 0 and error
 * "aborted"), then close the handles; free_cb (may be NULL) runs when all
 * handles are closed and u is freed. */
void upstream_close(struct upstream *u, void (*free_cb)(void *), void *arg);

#endif
