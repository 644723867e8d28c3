/* metrics.h: the Prometheus counters and their text exposition (format
 * 0.0.4; docs/observe.md). Fixed label sets: resources come from fixed
 * lists, statuses are numbers 0..599, anything else is "other", so memory is
 * bounded whatever clients send. Called on the loop only (no locking). */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

#include "config.h"

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* An upstream by name ("/", "/staging"): its per-upstream counters are
 * shown from now on, at 0 until used (issue 9 item 1). */
void metrics_upstream_add(struct metrics *m, const char *upstream);
/* A v1 request answered at upstream (its name): resource ("new-cert"),
 * HTTP method and status, v1 error type or NULL. A failed POST to
 * new-cert counts as an issuance failure with the error type as its
 * reason. */
void metrics_v1(struct metrics *m, const char *upstream, const char *resource,
    const char *method, int status, const char *errtype);
/* An upstream call finished: RFC 8555 resource ("newOrder"), HTTP status
 * (0 = transport failure), its duration. */
void metrics_upstream(
    struct metrics *m, const char *resource, long status, double seconds);
/* A certificate was issued by upstream (its name). */
void metrics_issued(struct metrics *m, const char *upstream);
/* An access log line could not be written. */
void metrics_log_error(struct metrics *m);
/* A v1 request was refused by the per-address rate limit what ("new-reg"
 * or "post"). */
void metrics_rate_limited(struct metrics *m, const char *what);

/* v1 accounts by client family and version (at most METRICS_CLIENTS_MAX
 * distinct pairs; the rest count as family="other",version="other"). */
#define METRICS_CLIENTS_MAX 64
struct metrics_clients {
	struct {
		char family[48];
		char version[32];
		long long accounts;
	} c[METRICS_CLIENTS_MAX];
	size_t n;
	long long other;
	int ok; /* 0: the inventory is unavailable;
					 * the gauge is left out */
};
/* n more accounts of family/version. */
void metrics_clients_add(struct metrics_clients *mc, const char *family,
    const char *version, long long n);

/* Connection fairness per listener (issue 8), counted by the servers and
 * read at scrape time; present = 0 when that listener is off. */
enum metrics_listener {
	METRICS_LISTENER_V1,
	METRICS_LISTENER_HTTP01,
	METRICS_LISTENER_ADMIN,
	METRICS_NLISTENERS
};
struct metrics_conns {
	int present;
	unsigned long long refused_per_address, refused_global, reclaimed;
};

/* Values read at scrape time. */
struct metrics_gauges {
	struct metrics_conns conns[METRICS_NLISTENERS];
	long long open_connections;
	long long nonces_outstanding;
	const struct metrics_clients *clients; /* may be NULL */
	/* issue 9 items 1, 4: each upstream's state, by its name ("/",
	 * "/staging"; borrowed) */
	struct metrics_upstream {
		const char *name, *url;
		int up;
		long long nonce_pool;
		long long inflight, queued; /* issue 10 item 5 */
	} ups[CONFIG_UPSTREAMS_MAX];
	size_t nups;
	const char *version;
};

/* The whole exposition, malloc'd; *len its length. NULL when out of
 * memory. */
char *metrics_text(
    const struct metrics *m, const struct metrics_gauges *g, size_t *len);

#endif
