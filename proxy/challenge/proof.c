/* proof.c: client-proof validation (see proof.h), the checks Boulder's VA
 * made: http-01 resolves NAME (A, then AAAA) with the configured resolver
 * and fetches http://NAME[:PORT]/.well-known/acme-challenge/TOKEN from that
 * address, expecting TOKEN.THUMBPRINT (trailing whitespace trimmed); dns-01
 * asks for the TXT records of _acme-challenge.NAME and expects one to be
 * base64url(SHA-256(TOKEN.THUMBPRINT)). Every proof in flight is on a list
 * so that a shutdown can end the DNS waits at once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <openssl/evp.h>

#include "b64url.h"
#include "dns.h"
#include "bridge.h"
#include "jwk.h"
#include "problem.h"
#include "log.h"
#include "netaddr.h"
#include "proof.h"
#include "resolver.h"
#include "upstream.h"
#include "v1.h"

#define PROOF_BODY_MAX 4096 /* bytes of a key authorization file read */
#define PROOF_SHOWN_MAX 100 /* bytes of a TXT record shown in a detail */
#define PROOF_BODY_SHOWN 64 /* bytes of a wrong http-01 body shown */
#define PROOF_URL_MAX 512

struct proof {
	struct bridge *b;
	struct proof_subject sub; /* strings point into the copies below */
	char name[DNS_NAME_MAX + 1];
	char token[256];
	char thumb[JWK_THUMBPRINT_LEN + 1];
	proof_cb done;
	void *arg;
	struct resolver_query *q; /* DNS lookup in flight, or NULL */
	int qtype;
	char host[DNS_NAME_MAX + 1]; /* the name looked up */
	char url[PROOF_URL_MAX];     /* http-01: what is fetched */
	char expected[JWK_THUMBPRINT_LEN + 64];
	char refused[NETADDR_TEXT_MAX]; /* first address not fetched from */
	enum netaddr_class refused_class;
	long long t0;		/* ms */
	int http;		/* http-01, else dns-01 */
	uv_timer_t kick;	/* starts the check on the next loop turn */
	LIST_ENTRY(proof) link; /* in flight */
};

/* ---- lifetime ---- */

static struct proof *
proof_new(
    struct bridge *b, const struct proof_subject *sub, proof_cb done, void *arg)
{
	struct proof *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->b = b;
	p->sub = *sub;
	snprintf(p->name, sizeof(p->name), "%s", sub->name);
	snprintf(p->token, sizeof(p->token), "%s", sub->token);
	snprintf(p->thumb, sizeof(p->thumb), "%s", sub->thumbprint);
	p->sub.name = p->name;
	p->sub.token = p->token;
	p->sub.thumbprint = p->thumb;
	p->done = done;
	p->arg = arg;
	p->t0 = bridge_now_ms();
	p->http = sub->chall == V1_CHALL_HTTP01;
	uv_timer_init(b->loop, &p->kick);
	p->kick.data = p;
	LIST_INSERT_HEAD(&b->proofs, p, link);
	return p;
}

static void
on_proof_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Off the list at once; the memory goes with the kick timer's close. */
static void
proof_free(struct proof *p)
{
	LIST_REMOVE(p, link);
	uv_close((uv_handle_t *)&p->kick, on_proof_closed);
}

/* The verdict: done(arg, PROOF_PROVEN, NULL) or (arg, PROOF_REFUTED,
 * prob). */
static void
proof_end(struct proof *p, const struct problem *prob)
{
	proof_cb done = p->done;
	void *arg = p->arg;

	log_info("client-proof: authz %lld (%s, %s): %s%s after %lld ms",
	    p->sub.authz_id, p->sub.name, v1_chall_type(p->sub.chall),
	    prob == NULL ? "proven" : "failed, ",
	    prob == NULL ? "" : problem_v1_name(prob->type),
	    bridge_now_ms() - p->t0);
	proof_free(p);
	done(arg, prob == NULL ? PROOF_PROVEN : PROOF_REFUTED, prob);
}

/* A failure of ours (not the client's): answered here, the authorization
 * stays pending so that the client may try again. */
static void proof_abort(struct proof *p, int status, enum v1_error type,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
proof_abort(
    struct proof *p, int status, enum v1_error type, const char *fmt, ...)
{
	struct problem prob;
	proof_cb done = p->done;
	void *arg = p->arg;
	va_list ap;

	va_start(ap, fmt);
	problem_vset(&prob, type, status, fmt, ap);
	va_end(ap);
	if (status >= 500 && !p->b->stopping)
		log_err("client-proof: authz %lld: %s", p->sub.authz_id,
		    prob.detail);
	proof_free(p);
	done(arg, PROOF_ERROR, &prob);
}

static void proof_fail(struct proof *p, enum v1_error type, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
proof_fail(
    struct proof *p, enum v1_error type, int status, const char *fmt, ...)
{
	struct problem prob;
	va_list ap;

	va_start(ap, fmt);
	problem_vset(&prob, type, status, fmt, ap);
	va_end(ap);
	proof_end(p, &prob);
}

static int
stopping(struct proof *p)
{
	if (!p->b->stopping && p->b->ups[0].up != NULL)
		return 0;
	proof_abort(
	    p, 503, V1E_SERVER_INTERNAL, "acme-bridge is shutting down");
	return 1;
}

void
proof_cancel_all(struct bridge *b)
{
	struct proof *p = LIST_FIRST(&b->proofs), *next;

	/* HTTP fetches are aborted with the upstream client (on_http). */
	for (; p != NULL; p = next) {
		next = LIST_NEXT(p, link);
		if (p->q == NULL)
			continue;
		resolver_cancel(p->q);
		p->q = NULL;
		proof_abort(p, 503, V1E_SERVER_INTERNAL,
		    "acme-bridge is shutting down");
	}
}

/* ---- helpers ---- */

/* s (len bytes) for a detail: printable ASCII kept, '"' and '\' escaped,
 * other bytes as \xNN, at most max input bytes ("..." after). */
static void
shown(const char *s, size_t len, size_t max, char *out, size_t outlen)
{
	size_t i, o = 0, n = len > max ? max : len;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, outlen - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < len && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* base64url(SHA-256(s)) into out. 0 or -1. */
static int
digest_b64(const char *s, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *b = NULL;

	if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    (b = b64url_encode(md, mdlen)) == NULL)
		return -1;
	snprintf(out, outlen, "%s", b);
	free(b);
	return 0;
}

/* ---- DNS ---- */

static void on_dns(void *arg, const struct dns_result *res, const char *why);

/* Start a lookup of p->host; -1 after answering. */
static int
lookup(struct proof *p, int type)
{
	const struct config *c = p->b->cfg;
	char err[192] = "";

	p->qtype = type;
	p->q = resolver_query(p->b->loop, c->proof_resolver_host,
	    c->proof_resolver_port, p->host, type, c->proof_timeout_ms, on_dns,
	    p, err, sizeof(err));
	if (p->q != NULL)
		return 0;
	proof_abort(p, 500, V1E_SERVER_INTERNAL, "client-proof: %s", err);
	return -1;
}

/* The DNS problem of a failed lookup (timeouts read as Boulder's). */
static void
fail_lookup(struct proof *p, const struct dns_result *res, const char *why)
{
	char b[16], tb[16];
	const char *what = why;

	if (res != NULL)
		what = dns_rcode_name(res->rcode, b);
	else if (strncmp(why, "no answer", 9) == 0)
		what = "query timed out";
	if (res == NULL)
		log_warn("client-proof: authz %lld: %s %s: %s", p->sub.authz_id,
		    dns_type_name(p->qtype, tb), p->host, why);
	proof_fail(p, V1E_DNS, 400, "DNS problem: %s looking up %s for %s",
	    what, dns_type_name(p->qtype, tb), p->host);
}

static void fetch(struct proof *p, const struct dns_answer *a);

static void
check_txt(struct proof *p, const struct dns_result *res)
{
	char got[PROOF_SHOWN_MAX * 4 + 8], more[48] = "";
	size_t want = strlen(p->expected), i;

	if (res->n == 0) {
		proof_fail(
		    p, V1E_DNS, 400, "No TXT record found at %s", p->host);
		return;
	}
	for (i = 0; i < res->n; i++)
		if (!res->ans[i].truncated && res->ans[i].len == want &&
		    memcmp(res->ans[i].txt, p->expected, want) == 0) {
			proof_end(p, NULL);
			return;
		}
	shown(res->ans[0].txt, res->ans[0].len, PROOF_SHOWN_MAX, got,
	    sizeof(got));
	if (res->n > 1)
		snprintf(more, sizeof(more), " (and %zu more)", res->n - 1);
	proof_fail(p, V1E_UNAUTHORIZED, 403,
	    "Incorrect TXT record \"%s\"%s found "
	    "at %s",
	    got, more, p->host);
}

/* The first answer client-proof may fetch from (netaddr_proof_class: not
 * the bridge's own host, its link, no host or a multicast group, unless
 * allowed), the way Boulder's resolver dropped reserved addresses; the
 * first one refused is kept for the detail. NULL when none may be. */
static const struct dns_answer *
pick_addr(struct proof *p, const struct dns_result *res)
{
	const struct config *c = p->b->cfg;
	enum netaddr_class k;
	struct netaddr a;
	size_t i;

	for (i = 0; i < res->n; i++) {
		if (netaddr_from_bytes(res->ans[i].addr, res->ans[i].len, &a) ==
		    -1)
			continue;
		k = netaddr_proof_class(
		    &a, c->proof_deny_networks, c->proof_allow_networks);
		if (k == NETADDR_ORDINARY)
			return &res->ans[i];
		if (p->refused[0] != '\0')
			continue;
		netaddr_text(&a, p->refused);
		p->refused_class = k;
		log_info("client-proof: authz %lld: %s is %s (%s): not fetched",
		    p->sub.authz_id, p->host, p->refused,
		    netaddr_class_name(k));
	}
	return NULL;
}

/* No address to fetch from: Boulder's words, and why when the name had
 * only refused ones. */
static void
fail_no_addr(struct proof *p)
{
	enum netaddr_class k = p->refused_class;
	char what[48];

	if (p->refused[0] == '\0') {
		proof_fail(p, V1E_DNS, 400,
		    "No valid IP addresses found for %s", p->host);
		return;
	}
	if (k == NETADDR_DENIED)
		snprintf(what, sizeof(what), "in proof_deny_networks");
	else
		snprintf(what, sizeof(what), "%s %s address",
		    k == NETADDR_UNSPECIFIED ? "an" : "a",
		    netaddr_class_name(k));
	proof_fail(p, V1E_DNS, 400,
	    "No valid IP addresses found for %s: %s is %s, refused by "
	    "client-proof's address rules",
	    p->host, p->refused, what);
}

static void
on_dns(void *arg, const struct dns_result *res, const char *why)
{
	struct proof *p = arg;
	const struct dns_answer *a;

	p->q = NULL;
	if (stopping(p))
		return;
	if (res == NULL || res->rcode != DNS_RCODE_NOERROR) {
		/* the A records were all refused: that is the news */
		if (p->qtype == DNS_TYPE_AAAA && p->refused[0] != '\0')
			fail_no_addr(p);
		else
			fail_lookup(p, res, why);
		return;
	}
	if (p->qtype == DNS_TYPE_TXT) {
		check_txt(p, res);
		return;
	}
	if ((a = pick_addr(p, res)) != NULL) {
		fetch(p, a);
		return;
	}
	if (p->qtype == DNS_TYPE_A) {
		lookup(p, DNS_TYPE_AAAA);
		return;
	}
	fail_no_addr(p);
}

/* ---- HTTP ---- */

/* A byte a key authorization may hold (base64url and '.'). */
static int
keyauth_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* A wrong body as a detail shows it: its first PROOF_BODY_SHOWN bytes,
 * quoted, when they could be a key authorization, so a client sees its own
 * mistake; anything else only by its size, so that no other server's page
 * (an internal one, a metadata document) is reflected to whoever asked for
 * the check. */
static void
body_shown(const char *s, size_t len, char *out, size_t outlen)
{
	char q[PROOF_BODY_SHOWN * 4 + 8];
	size_t i, n = len > PROOF_BODY_SHOWN ? PROOF_BODY_SHOWN : len;

	for (i = 0; i < n; i++)
		if (!keyauth_char(s[i]))
			break;
	if (i < n) {
		snprintf(out, outlen,
		    "%zu bytes that are not a key authorization", len);
		return;
	}
	shown(s, len, PROOF_BODY_SHOWN, q, sizeof(q));
	snprintf(out, outlen, "\"%s\"", q);
}

static void
check_body(struct proof *p, const struct upstream_resp *r)
{
	char got[PROOF_BODY_SHOWN * 4 + 64];
	size_t len = r->len, want = strlen(p->expected);

	while (len > 0 && strchr(" \t\r\n", r->body[len - 1]) != NULL)
		len--;
	if (len == want && memcmp(r->body, p->expected, want) == 0) {
		proof_end(p, NULL);
		return;
	}
	body_shown(r->body != NULL ? r->body : "", len, got, sizeof(got));
	proof_fail(p, V1E_UNAUTHORIZED, 403,
	    "The key authorization file from the "
	    "server did not match this challenge: expected \"%s\" got %s "
	    "(%s: HTTP %ld)",
	    p->expected, got, p->url, r->status);
}

static void
on_http(void *arg, const struct upstream_resp *r)
{
	struct proof *p = arg;

	if (stopping(p))
		return;
	log_info("client-proof: authz %lld: GET %s -> %ld%s%s (%.0f ms)",
	    p->sub.authz_id, p->url, r->status, r->status ? "" : " ", r->error,
	    r->seconds * 1000);
	if (r->status == 0 && strstr(r->error, "too large") != NULL) {
		proof_fail(p, V1E_UNAUTHORIZED, 403,
		    "Invalid response from "
		    "%s: larger than %d bytes",
		    p->url, PROOF_BODY_MAX);
		return;
	}
	if (r->status == 0) {
		proof_fail(p, V1E_CONNECTION, 400, "Fetching %s: %s", p->url,
		    r->error[0] ? r->error : "connection failed");
		return;
	}
	if (r->status != 200) {
		proof_fail(p, V1E_UNAUTHORIZED, 403,
		    "Invalid response from "
		    "%s: %ld",
		    p->url, r->status);
		return;
	}
	check_body(p, r);
}

static void
fetch(struct proof *p, const struct dns_answer *a)
{
	char addr[64];
	int rc;

	rc = a->type == DNS_TYPE_A
	    ? uv_inet_ntop(AF_INET, a->addr, addr, sizeof(addr))
	    : uv_inet_ntop(AF_INET6, a->addr, addr, sizeof(addr));
	if (rc != 0) {
		proof_abort(
		    p, 500, V1E_SERVER_INTERNAL, "client-proof: bad address");
		return;
	}
	log_debug("client-proof: authz %lld: %s is %s", p->sub.authz_id,
	    p->host, addr);
	if (upstream_get_at(p->b->ups[0].up, p->url, addr,
		p->b->cfg->proof_timeout_ms, PROOF_BODY_MAX, on_http, p) == -1)
		proof_abort(p, 500, V1E_SERVER_INTERNAL,
		    "client-proof: cannot start the HTTP request");
}

/* ---- entry ---- */

static int
setup_http01(struct proof *p)
{
	int port = p->b->cfg->proof_http_port, n;

	snprintf(p->host, sizeof(p->host), "%s", p->name);
	snprintf(p->expected, sizeof(p->expected), "%s.%s", p->token, p->thumb);
	n = port == 80
	    ? snprintf(p->url, sizeof(p->url),
		  "http://%s/.well-known/acme-challenge/%s", p->name, p->token)
	    : snprintf(p->url, sizeof(p->url),
		  "http://%s:%d/.well-known/acme-challenge/%s", p->name, port,
		  p->token);
	return n > 0 && (size_t)n < sizeof(p->url) ? 0 : -1;
}

static int
setup_dns01(struct proof *p)
{
	char keyauth[JWK_THUMBPRINT_LEN + 300];
	int n;

	n = snprintf(p->host, sizeof(p->host), "_acme-challenge.%s", p->name);
	snprintf(keyauth, sizeof(keyauth), "%s.%s", p->token, p->thumb);
	if (n < 0 || (size_t)n >= sizeof(p->host))
		return 1;
	return digest_b64(keyauth, p->expected, sizeof(p->expected));
}

/* Set up the check and start its lookup; every outcome from here on is
 * reported through p->done. Runs from the kick timer, so that even a check
 * that fails at once answers on the next loop turn, never inside
 * proof_check. */
static void
start(uv_timer_t *t)
{
	struct proof *p = t->data;
	int rc, http = p->http;

	if (stopping(p))
		return;
	rc = http ? setup_http01(p) : setup_dns01(p);
	if (rc == 1 || (rc == 0 && !dns_name_ok(p->host))) {
		proof_fail(p, V1E_DNS, 400,
		    "DNS problem: %.80s... is too "
		    "long to look up",
		    p->host);
		return;
	}
	if (rc != 0) {
		proof_abort(p, 500, V1E_SERVER_INTERNAL,
		    "client-proof: cannot prepare the check");
		return;
	}
	log_info("client-proof: authz %lld (%s): checking %s", p->sub.authz_id,
	    p->name, http ? p->url : p->host);
	lookup(p, http ? DNS_TYPE_A : DNS_TYPE_TXT);
}

int
proof_check(struct bridge *b, const struct proof_subject *sub, proof_cb done,
    void *arg, struct problem *err)
{
	struct proof *p;

	if (sub->chall != V1_CHALL_HTTP01 && sub->chall != V1_CHALL_DNS01)
		return problem_set(err, V1E_MALFORMED, 400,
		    "challenge type cannot be checked");
	if (b->stopping || b->ups[0].up == NULL)
		return problem_set(err, V1E_SERVER_INTERNAL, 503,
		    "acme-bridge is shutting down");
	if ((p = proof_new(b, sub, done, arg)) == NULL)
		return problem_set(
		    err, V1E_SERVER_INTERNAL, 500, "out of memory");
	if (uv_timer_start(&p->kick, start, 0, 0) != 0) {
		proof_free(p);
		return problem_set(
		    err, V1E_SERVER_INTERNAL, 500, "cannot start the check");
	}
	return 0;
}
