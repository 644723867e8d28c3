/* acme2.h: the bridge's RFC 8555 client: the upstream directory, a pool of
 * upstream nonces, JWS-signed POSTs (kid or jwk) with transparent retries on
 * badNonce using the nonce from the error, POST-as-GET. */
#ifndef ACME2_H
#define ACME2_H

#include <jansson.h>
#include "health.h"
#include "upstream.h"
#include "v2.h"

#define ACME2_BADNONCE_RETRIES 8

struct acme2;
struct keyring;

/* Called with the final answer: json is the parsed body when it was JSON
 * (NULL otherwise), r the raw response. Both are freed after return. */
typedef void (*acme2_cb)(
    void *arg, const struct upstream_resp *r, json_t *json);

struct acme2 *acme2_new(uv_loop_t *loop, struct upstream *up,
    const char *directory_url, size_t nonce_pool_cap);
/* Fetch the directory now and, while it fails, again after a backoff of
 * 1 s doubling up to `retry_ms` (0: no retries; then nothing is logged
 * here); done is called with 0 (loaded) or -1 and the reason after each
 * failure. Once loaded, a nonce is fetched for readiness. */
void acme2_load(struct acme2 *c, long retry_ms,
    void (*done)(void *arg, int ok, const char *why), void *arg);
/* NULL until the directory is loaded. */
const struct v2_directory *acme2_directory(const struct acme2 *c);

/* POST payload to url signed with key key_id of kr (held there until the
 * answer): kid is the account URL, or NULL to embed the public jwk
 * (newAccount). payload "" is a POST-as-GET. Gets a
 * nonce from the pool or newNonce, retries badNonce up to
 * ACME2_BADNONCE_RETRIES times, keeps every Replay-Nonce it sees. 0, or -1
 * when nothing could be started (cb not called). */
int acme2_post(struct acme2 *c, struct keyring *kr, const char *key_id,
    const char *kid, const char *url, const char *payload, acme2_cb cb,
    void *arg);

size_t acme2_nonce_pool_size(const struct acme2 *c);

/* Health (issue 9 items 4, 5): ready when the directory is loaded and a
 * nonce is in the pool or arrived within HEALTH_NONCE_FRESH_MS. */
void acme2_health(const struct acme2 *c, struct upstream_health *h);
/* Fetch a nonce (HEAD newNonce) into the pool, unless one is on its way:
 * readiness checks call it when no nonce is fresh. */
void acme2_probe_nonce(struct acme2 *c);
void acme2_free(struct acme2 *c);

#endif
