/* observe.h: what operators see of the v1 traffic during a migration: the
 * JSON access log (one line per v1 request, with the upstream calls it
 * caused), Prometheus metrics, and the client inventory kept in the store.
 * endpoints.c and flowrun.c report here; nothing else writes these. Never
 * given keys, nonces or signatures. */
#ifndef OBSERVE_H
#define OBSERVE_H

#include <stddef.h>

#include "config.h"

struct bridge;
struct server_req;

#define OBS_UPCALLS_MAX 32
#define OBS_NAMES_MAX 512

/* One upstream call caused by a v1 request. */
struct obs_upcall {
	char what[24];	/* upstream resource: "newOrder" */
	long status;	/* HTTP status, 0 = transport failure */
	char ptype[48]; /* RFC 8555 problem type suffix or "" */
	double seconds;
};

/* What a v1 request did, filled as it is answered (in struct ep). */
struct obs_req {
	char resource[24];		  /* "new-cert", "directory", ... */
	char upstream[CONFIG_PREFIX_MAX]; /* its upstream's name: "/", ... */
	char prefix[CONFIG_PREFIX_MAX];	  /* and its path prefix: "", ... */
	long long account_id;		  /* 0 when unknown */
	char names[OBS_NAMES_MAX];	  /* requested names, comma-separated */
	struct obs_upcall up[OBS_UPCALLS_MAX];
	size_t nup;
	size_t dropped;		/* upstream calls beyond the array */
	char error_detail[256]; /* v1 problem detail when it failed */
};

/* Open the log file (config log_file, "" = stdout) and the metrics. */
int observe_init(struct bridge *b);
/* Write what is gathered in memory now: access log lines and the
 * inventory (traffic counts, requests of known accounts, issuances), before
 * the page reads them and on SIGHUP (issue 10 items 3 and 4). */
void observe_flush(struct bridge *b);
/* SIGHUP: reopen the log file (log rotation); main writes the inventory
 * with observe_flush too. */
void observe_reopen(struct bridge *b);
void observe_close(struct bridge *b);

/* Add one requested name to o (bounded, deduplicated). */
void observe_name(struct obs_req *o, const char *name);

/* An upstream call finished (o may be NULL: no v1 request waits). */
void observe_upstream(struct bridge *b, struct obs_req *o, const char *what,
    long status, const char *ptype, double seconds);

/* A v1 request was answered: the access log line, the metrics, and the
 * client inventory (for requests of a known account). errtype is the v1
 * problem type suffix or NULL. */
void observe_v1(struct bridge *b, const struct server_req *r,
    const struct obs_req *o, int status, const char *errtype);

/* A certificate was issued (the inventory and the issuance metrics). */
void
observe_issued(struct bridge *b, const char *upstream, long long account_id,
    const char *serial, const char *names, long long not_after);

/* A v1 request was refused by the per-address rate limit what ("new-reg"
 * or "post"; the metrics). */
void observe_rate_limited(struct bridge *b, const char *what);

/* Prometheus text exposition of every metric into a malloc'd buffer. */
char *observe_metrics_text(struct bridge *b, size_t *len);

#endif
