/* resolver.h: one DNS question over UDP to one server (client-proof
 * lookups), on the libuv loop: a connected uv_udp_t (so only the server's
 * datagrams are read), a timer, one retry, the answer parsed by
 * translate/dns.c. No TCP fallback (the answers asked for are small; a
 * truncated answer is a failure). Never blocks the loop. */
#ifndef RESOLVER_H
#define RESOLVER_H

#include <stddef.h>
#include <uv.h>

#include "dns.h"

struct resolver_query;

/* Called once on the loop: res (rcode + answers) when the server answered,
 * else res == NULL and why says what failed ("timed out after 2 tries",
 * "malformed answer: ...", "connection refused"). Both only valid during
 * the call; the query is gone after it returns. */
typedef void (*resolver_cb)(
    void *arg, const struct dns_result *res, const char *why);

/* Ask server:port (a numeric IPv4/IPv6 address; host "" = the first
 * nameserver of /etc/resolv.conf, port 53) for name and type, each try
 * waiting timeout_ms / 2 (at least 50 ms). The query, or NULL with err set
 * when it could not be started (cb is then not called). */
struct resolver_query *resolver_query(uv_loop_t *loop, const char *host,
    int port, const char *name, int type, long timeout_ms, resolver_cb cb,
    void *arg, char *err, size_t errlen);

/* Abandon q: its callback will not run; its handles close and it is freed
 * later. q must not be used afterwards. */
void resolver_cancel(struct resolver_query *q);

#endif
