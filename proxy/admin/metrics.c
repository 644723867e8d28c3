/* metrics.c: Prometheus counters and the text exposition (metrics.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define NSTATUS 601 /* 0..599, and 600 = "other" */
#define STATUS_OTHER 600

static const char *const v1_resources[] = {
	"directory",
	"terms",
	"new-reg",
	"new-authz",
	"new-cert",
	"revoke-cert",
	"key-change",
	"reg",
	"authz",
	"challenge",
	"cert",
	"issuer-cert",
	"unknown",
	"other",
};
#define NV1 (sizeof(v1_resources) / sizeof(v1_resources[0]))

static const char *const up_resources[] = {
	"directory",
	"newNonce",
	"newAccount",
	"newOrder",
	"authorization",
	"challenge",
	"finalize",
	"order",
	"certificate",
	"revokeCert",
	"keyChange",
	"post",
	"other",
};
#define NUP (sizeof(up_resources) / sizeof(up_resources[0]))

/* v1 error types (urn:acme:error:*), reasons of failed issuances. */
static const char *const reasons[] = {
	"malformed",
	"unauthorized",
	"serverInternal",
	"badNonce",
	"badCSR",
	"badPublicKey",
	"rateLimited",
	"rejectedIdentifier",
	"unsupportedIdentifier",
	"invalidEmail",
	"caa",
	"dns",
	"connection",
	"tls",
	"unknownHost",
	"agreementRequired",
	"other",
};
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

/* Per-address rate limits (issue 8 item 6). */
static const char *const rate_limits[] = { "new-reg", "post", "other" };
#define NRATE (sizeof(rate_limits) / sizeof(rate_limits[0]))

/* Upper bounds of the latency histogram, seconds (+Inf is implied). */
static const double buckets[] = {
	0.005,
	0.01,
	0.025,
	0.05,
	0.1,
	0.25,
	0.5,
	1,
	2.5,
	5,
	10,
	30,
};
static const char *const bucket_le[] = {
	"0.005",
	"0.01",
	"0.025",
	"0.05",
	"0.1",
	"0.25",
	"0.5",
	"1",
	"2.5",
	"5",
	"10",
	"30",
};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct metrics {
	unsigned long long v1[NV1][NSTATUS];
	unsigned long long up[NUP][NSTATUS];
	unsigned long long up_bucket[NUP][NBUCKETS + 1]; /* not cumulative;
								 * last = +Inf */
	unsigned long long up_count[NUP];
	double up_sum[NUP];
	unsigned long long failures[NREASONS];
	unsigned long long log_errors;
	/* issue 9 item 1: per upstream, by name, in order of first use */
	struct {
		char name[CONFIG_PREFIX_MAX];
		unsigned long long requests, issued;
	} ups[CONFIG_UPSTREAMS_MAX];
	size_t nups;
	unsigned long long rate_limited[NRATE];
};

struct metrics *
metrics_new(void)
{
	return calloc(1, sizeof(struct metrics));
}

void
metrics_free(struct metrics *m)
{
	free(m);
}

/* Index of s in list (n entries, the last is "other"). */
static size_t
lookup(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i + 1 < n; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return n - 1;
}

static size_t
status_index(long status)
{
	return status >= 0 && status < STATUS_OTHER ? (size_t)status
						    : STATUS_OTHER;
}

/* The per-upstream slot of name, added on first use; NULL when all are
 * taken (there are never more upstreams than slots) or name is NULL. */
static size_t
upstream_slot(struct metrics *m, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < m->nups; i++)
		if (strcmp(m->ups[i].name, name) == 0)
			return i;
	if (name == NULL || m->nups >= CONFIG_UPSTREAMS_MAX ||
	    strlen(name) >= sizeof(m->ups[0].name))
		return CONFIG_UPSTREAMS_MAX;
	memcpy(m->ups[m->nups].name, name, strlen(name) + 1);
	return m->nups++;
}

void
metrics_upstream_add(struct metrics *m, const char *upstream)
{
	if (m != NULL)
		(void)upstream_slot(m, upstream);
}

void
metrics_v1(struct metrics *m, const char *upstream, const char *resource,
    const char *method, int status, const char *errtype)
{
	size_t res = lookup(v1_resources, NV1, resource), u;

	if (m == NULL)
		return;
	if ((u = upstream_slot(m, upstream)) < CONFIG_UPSTREAMS_MAX)
		m->ups[u].requests++;
	m->v1[res][status_index(status)]++;
	if (strcmp(v1_resources[res], "new-cert") == 0 && status >= 400 &&
	    method != NULL && strcmp(method, "POST") == 0)
		m->failures[lookup(reasons, NREASONS, errtype)]++;
}

void
metrics_upstream(
    struct metrics *m, const char *resource, long status, double seconds)
{
	size_t res = lookup(up_resources, NUP, resource), b;

	if (m == NULL)
		return;
	if (!(seconds >= 0)) /* NaN too */
		seconds = 0;
	m->up[res][status_index(status)]++;
	for (b = 0; b < NBUCKETS && seconds > buckets[b]; b++)
		;
	m->up_bucket[res][b]++;
	m->up_count[res]++;
	m->up_sum[res] += seconds;
}

void
metrics_issued(struct metrics *m, const char *upstream)
{
	size_t u;

	if (m != NULL &&
	    (u = upstream_slot(m, upstream)) < CONFIG_UPSTREAMS_MAX)
		m->ups[u].issued++;
}

void
metrics_log_error(struct metrics *m)
{
	if (m != NULL)
		m->log_errors++;
}

void
metrics_rate_limited(struct metrics *m, const char *what)
{
	if (m != NULL)
		m->rate_limited[lookup(rate_limits, NRATE, what)]++;
}

/* Label values from the inventory: [A-Za-z0-9._+-] kept, anything else
 * '_', so no escaping is ever needed; "" becomes "other". */
static void
label_copy(char *out, size_t outlen, const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		s = "other";
	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++) {
		char c = s[i];

		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			     c == '-' || c == '+')
		    ? c
		    : '_';
	}
	out[i] = '\0';
}

void
metrics_clients_add(struct metrics_clients *mc, const char *family,
    const char *version, long long n)
{
	char f[sizeof(mc->c[0].family)], v[sizeof(mc->c[0].version)];
	size_t i;

	label_copy(f, sizeof(f), family);
	label_copy(
	    v, sizeof(v), family != NULL && family[0] != '\0' ? version : NULL);
	for (i = 0; i < mc->n; i++)
		if (strcmp(mc->c[i].family, f) == 0 &&
		    strcmp(mc->c[i].version, v) == 0) {
			mc->c[i].accounts += n;
			return;
		}
	if (mc->n >= METRICS_CLIENTS_MAX) {
		/* Full: into the "other" pair (a row of its own when there
		 * is none among the first ones). */
		for (i = 0; i < mc->n; i++)
			if (strcmp(mc->c[i].family, "other") == 0 &&
			    strcmp(mc->c[i].version, "other") == 0) {
				mc->c[i].accounts += n;
				return;
			}
		mc->other += n;
		return;
	}
	memcpy(mc->c[mc->n].family, f, sizeof(f));
	memcpy(mc->c[mc->n].version, v, sizeof(v));
	mc->c[mc->n++].accounts = n;
}

/* --- exposition ---------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t want, ncap;
	char *np;
	int n;

	if (sb->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->err = 1;
		return;
	}
	if ((size_t)n < sb->cap - sb->len) {
		sb->len += (size_t)n;
		return;
	}
	want = sb->len + (size_t)n + 1;
	ncap = sb->cap;
	while (ncap < want) {
		if (ncap > ((size_t)1 << 28)) {
			sb->err = 1;
			return;
		}
		ncap *= 2;
	}
	if ((np = realloc(sb->p, ncap)) == NULL) {
		sb->err = 1;
		return;
	}
	sb->p = np;
	sb->cap = ncap;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->cap - sb->len) {
		sb->err = 1;
		return;
	}
	sb->len += (size_t)n;
}

static void
head(struct sbuf *sb, const char *name, const char *type, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
status_label(char *buf, size_t len, size_t st)
{
	if (st == STATUS_OTHER)
		snprintf(buf, len, "other");
	else
		snprintf(buf, len, "%zu", st);
}

static void
by_status(struct sbuf *sb, const char *name, const char *const *res,
    size_t nres, const unsigned long long (*c)[NSTATUS])
{
	char st[8];
	size_t r, s;

	for (r = 0; r < nres; r++)
		for (s = 0; s < NSTATUS; s++) {
			if (c[r][s] == 0)
				continue;
			status_label(st, sizeof(st), s);
			sb_printf(sb,
			    "%s{resource=\"%s\",status=\"%s\"} %llu\n", name,
			    res[r], st, c[r][s]);
		}
}

static void
histogram(struct sbuf *sb, const struct metrics *m)
{
	static const char name[] =
	    "acme_bridge_upstream_request_duration_seconds";
	unsigned long long cum;
	size_t r, b;

	head(sb, name, "histogram",
	    "Duration of upstream (RFC 8555) "
	    "requests, by upstream resource (the final HTTP exchange of each: "
	    "the bridge's badNonce retries are not counted separately).");
	for (r = 0; r < NUP; r++) {
		if (m->up_count[r] == 0)
			continue;
		cum = 0;
		for (b = 0; b < NBUCKETS; b++) {
			cum += m->up_bucket[r][b];
			sb_printf(sb,
			    "%s_bucket{resource=\"%s\",le=\"%s\"} %llu\n", name,
			    up_resources[r], bucket_le[b], cum);
		}
		sb_printf(sb, "%s_bucket{resource=\"%s\",le=\"+Inf\"} %llu\n",
		    name, up_resources[r], m->up_count[r]);
		sb_printf(sb, "%s_sum{resource=\"%s\"} %.6f\n", name,
		    up_resources[r], m->up_sum[r]);
		sb_printf(sb, "%s_count{resource=\"%s\"} %llu\n", name,
		    up_resources[r], m->up_count[r]);
	}
}

static void label_escape(char *out, size_t outlen, const char *s);

/* issue 9 item 1: v1 requests and issuances by upstream. */
static void
per_upstream(struct sbuf *sb, const struct metrics *m)
{
	char name[CONFIG_PREFIX_MAX * 2];
	size_t i;

	head(sb, "acme_bridge_v1_requests_by_upstream_total", "counter",
	    "ACME v1 requests answered, by the upstream their path prefix "
	    "names (\"/\": the root).");
	for (i = 0; i < m->nups; i++) {
		label_escape(name, sizeof(name), m->ups[i].name);
		sb_printf(sb,
		    "acme_bridge_v1_requests_by_upstream_total{upstream=\"%s\"}"
		    " "
		    "%llu\n",
		    name, m->ups[i].requests);
	}
	head(sb, "acme_bridge_issuances_total", "counter",
	    "Certificates issued to v1 clients, by upstream.");
	for (i = 0; i < m->nups; i++) {
		label_escape(name, sizeof(name), m->ups[i].name);
		sb_printf(sb,
		    "acme_bridge_issuances_total{upstream=\"%s\"} %llu\n", name,
		    m->ups[i].issued);
	}
}

static void
counters(struct sbuf *sb, const struct metrics *m)
{
	size_t i;

	head(sb, "acme_bridge_v1_requests_total", "counter",
	    "ACME v1 requests answered, by v1 resource and HTTP status.");
	by_status(sb, "acme_bridge_v1_requests_total", v1_resources, NV1,
	    (const unsigned long long(*)[NSTATUS])m->v1);
	head(sb, "acme_bridge_upstream_requests_total", "counter",
	    "Upstream (RFC 8555) requests, by upstream resource and HTTP "
	    "status of the final answer (0: no HTTP answer).");
	by_status(sb, "acme_bridge_upstream_requests_total", up_resources, NUP,
	    (const unsigned long long(*)[NSTATUS])m->up);
	histogram(sb, m);
	per_upstream(sb, m);
	head(sb, "acme_bridge_issuance_failures_total", "counter",
	    "Failed v1 new-cert requests, by v1 error type.");
	for (i = 0; i < NREASONS; i++)
		if (m->failures[i] != 0)
			sb_printf(sb,
			    "acme_bridge_issuance_failures_total"
			    "{reason=\"%s\"} %llu\n",
			    reasons[i], m->failures[i]);
	head(sb, "acme_bridge_access_log_errors_total", "counter",
	    "Access log lines that could not be written.");
	sb_printf(
	    sb, "acme_bridge_access_log_errors_total %llu\n", m->log_errors);
	head(sb, "acme_bridge_rate_limited_total", "counter",
	    "v1 requests refused by a per-address rate limit, by limit.");
	for (i = 0; i + 1 < NRATE; i++)
		sb_printf(sb,
		    "acme_bridge_rate_limited_total{what=\"%s\"} %llu\n",
		    rate_limits[i], m->rate_limited[i]);
}

/* In enum metrics_listener order. */
static const char *const listener_names[METRICS_NLISTENERS] = {
	"v1",
	"http01",
	"admin",
};

static void
conn_counters(struct sbuf *sb, const struct metrics_gauges *g)
{
	const struct metrics_conns *c;
	size_t i;

	head(sb, "acme_bridge_connections_refused_total", "counter",
	    "Connections refused, by listener and reason: per_address (the "
	    "address held its cap) or global (the listener was full and had "
	    "no idle connection to reclaim).");
	for (i = 0; i < METRICS_NLISTENERS; i++) {
		if (!(c = &g->conns[i])->present)
			continue;
		sb_printf(sb,
		    "acme_bridge_connections_refused_total{listener=\"%s\","
		    "reason=\"per_address\"} %llu\n",
		    listener_names[i], c->refused_per_address);
		sb_printf(sb,
		    "acme_bridge_connections_refused_total{listener=\"%s\","
		    "reason=\"global\"} %llu\n",
		    listener_names[i], c->refused_global);
	}
	head(sb, "acme_bridge_connections_reclaimed_total", "counter",
	    "Idle keep-alive connections closed to make room for a new one, "
	    "by listener.");
	for (i = 0; i < METRICS_NLISTENERS; i++)
		if (g->conns[i].present)
			sb_printf(sb,
			    "acme_bridge_connections_reclaimed_total"
			    "{listener=\"%s\"} %llu\n",
			    listener_names[i], g->conns[i].reclaimed);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void
label_escape(char *out, size_t outlen, const char *s)
{
	size_t o = 0;

	for (; s != NULL && *s != '\0' && o + 3 < outlen; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			out[o++] = '\\';
		out[o++] = *s == '\n' ? 'n' : *s;
	}
	out[o] = '\0';
}

/* Whether each CA answers, and which build runs (issue 9 items 1, 4),
 * by the upstream's name and directory URL. */
static void
health_gauges(struct sbuf *sb, const struct metrics_gauges *g)
{
	char esc[600], name[CONFIG_PREFIX_MAX * 2];
	size_t i;

	head(sb, "acme_bridge_upstream_up", "gauge",
	    "1 when the upstream CA's directory is loaded and a nonce came "
	    "recently (what /readyz checks), else 0.");
	for (i = 0; i < g->nups; i++) {
		label_escape(name, sizeof(name), g->ups[i].name);
		label_escape(esc, sizeof(esc), g->ups[i].url);
		sb_printf(sb,
		    "acme_bridge_upstream_up{upstream=\"%s\",url=\"%s\"} "
		    "%d\n",
		    name, esc, g->ups[i].up ? 1 : 0);
	}
	label_escape(esc, sizeof(esc), g->version ? g->version : "unknown");
	head(sb, "acme_bridge_build_info", "gauge",
	    "Always 1; the version label names the running build.");
	sb_printf(sb, "acme_bridge_build_info{version=\"%s\"} 1\n", esc);
}

/* One gauge with a value per upstream: v(g, i) for ups[i]. */
static void
upstream_gauge(struct sbuf *sb, const struct metrics_gauges *g,
    const char *metric, const char *help,
    long long (*v)(const struct metrics_upstream *u))
{
	char name[CONFIG_PREFIX_MAX * 2];
	size_t i;

	head(sb, metric, "gauge", help);
	for (i = 0; i < g->nups; i++) {
		label_escape(name, sizeof(name), g->ups[i].name);
		sb_printf(sb, "%s{upstream=\"%s\"} %lld\n", metric, name,
		    v(&g->ups[i]));
	}
}

static long long
u_nonce_pool(const struct metrics_upstream *u)
{
	return u->nonce_pool;
}

static long long
u_inflight(const struct metrics_upstream *u)
{
	return u->inflight;
}

static long long
u_queued(const struct metrics_upstream *u)
{
	return u->queued;
}

/* Issue 10 item 5: the flows running at each CA, and those queued. */
static void
work_gauges(struct sbuf *sb, const struct metrics_gauges *g)
{
	upstream_gauge(sb, g, "acme_bridge_upstream_inflight",
	    "Flows (orders, account creations, ...) running at the upstream "
	    "CA, at most upstream_inflight_max.",
	    u_inflight);
	upstream_gauge(sb, g, "acme_bridge_upstream_queued",
	    "Flows waiting for a turn at the upstream CA (fair between v1 "
	    "accounts).",
	    u_queued);
}

static void
gauges(struct sbuf *sb, const struct metrics_gauges *g)
{
	const struct metrics_clients *mc = g->clients;
	size_t i;

	head(sb, "acme_bridge_open_connections", "gauge",
	    "Open client connections to the v1 front end.");
	sb_printf(
	    sb, "acme_bridge_open_connections %lld\n", g->open_connections);
	head(sb, "acme_bridge_nonces_outstanding", "gauge",
	    "v1 nonces handed out and not yet used.");
	sb_printf(
	    sb, "acme_bridge_nonces_outstanding %lld\n", g->nonces_outstanding);
	upstream_gauge(sb, g, "acme_bridge_upstream_nonce_pool",
	    "Upstream nonces held for the next RFC 8555 requests, by "
	    "upstream.",
	    u_nonce_pool);
	work_gauges(sb, g);
	health_gauges(sb, g);
	if (mc == NULL || !mc->ok)
		return;
	head(sb, "acme_bridge_v1_accounts", "gauge",
	    "v1 accounts in the client inventory, by the client family and "
	    "version they last used.");
	for (i = 0; i < mc->n; i++)
		sb_printf(sb,
		    "acme_bridge_v1_accounts{family=\"%s\","
		    "version=\"%s\"} %lld\n",
		    mc->c[i].family, mc->c[i].version, mc->c[i].accounts);
	if (mc->other > 0)
		sb_printf(sb,
		    "acme_bridge_v1_accounts{family=\"other\","
		    "version=\"other\"} %lld\n",
		    mc->other);
}

char *
metrics_text(
    const struct metrics *m, const struct metrics_gauges *g, size_t *len)
{
	struct sbuf sb;

	*len = 0;
	if (m == NULL || g == NULL)
		return NULL;
	sb.cap = 8192;
	sb.len = 0;
	sb.err = 0;
	if ((sb.p = malloc(sb.cap)) == NULL)
		return NULL;
	sb.p[0] = '\0';
	counters(&sb, m);
	conn_counters(&sb, g);
	gauges(&sb, g);
	if (sb.err) {
		free(sb.p);
		return NULL;
	}
	*len = sb.len;
	return sb.p;
}
