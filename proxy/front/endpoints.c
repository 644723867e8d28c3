/* endpoints.c: the v1 front end: routing, Boulder-shaped replies (a fresh
 * Replay-Nonce on every answer), and the unauthenticated GET resources. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v1_nonce.h"
#include "acme2.h"
#include "b64url.h"
#include "endpoints.h"
#include "log.h"
#include "ratelimit.h"
#include "v1.h"
#include "v1_rules.h"

void
ep_obs_account(struct ep *e)
{
	/* The signer, else the owner whose upstream account was used. */
	if (e->obs.account_id == 0)
		e->obs.account_id = e->acct.id ? e->acct.id : e->up.account_id;
}

void
ep_header(struct ep *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->nhdr >= EP_HDR_MAX ||
	    (e->hdr[e->nhdr] = malloc(EP_HDR_LEN)) == NULL) {
		log_err("v1 req=%lu: response header dropped", e->req->id);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(e->hdr[e->nhdr], EP_HDR_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= EP_HDR_LEN) {
		log_err("v1 req=%lu: response header too long", e->req->id);
		free(e->hdr[e->nhdr]);
		e->hdr[e->nhdr] = NULL;
		return;
	}
	e->nhdr++;
}

static void
ep_free(struct ep *e)
{
	while (e->nhdr > 0)
		free(e->hdr[--e->nhdr]);
	jws_v1_free(&e->jws);
	store_account_clear(&e->acct);
	if (e->up.key[0] != '\0')
		keyring_release(e->b->keyring, e->up.key);
	free(e->up.kid);
	if (e->az != NULL) {
		store_authz_clear(&e->az->authz);
		free(e->az);
	}
	ep_cert_free(e->cert);
	free(e);
}

static void
ep_send(struct ep *e, int status, const char *ctype, const void *body,
    size_t len, const char *errtype)
{
	const char *h[EP_HDR_MAX + 4];
	char nonce_h[NONCE_LEN + 32], ctype_h[160];
	char nonce[NONCE_LEN + 1], ua[80], url[160];
	size_t n = 0, i;
	struct server_req *r = e->req;

	if (v1_nonce_issue(e->b, nonce) == 0) {
		snprintf(nonce_h, sizeof(nonce_h), "Replay-Nonce: %s", nonce);
		h[n++] = nonce_h;
	}
	h[n++] = "Cache-Control: public, max-age=0, no-cache";
	if (ctype != NULL) {
		snprintf(ctype_h, sizeof(ctype_h), "Content-Type: %s", ctype);
		h[n++] = ctype_h;
	}
	for (i = 0; i < e->nhdr; i++)
		h[n++] = e->hdr[i];
	ep_obs_account(e);
	observe_v1(e->b, r, &e->obs, status, errtype);
	log_info("v1 req=%lu peer=%s %s %s -> %d%s%s %.0fms ua=\"%s\"", r->id,
	    r->peer, r->method,
	    log_escape(r->url, strlen(r->url), url, sizeof(url)), status,
	    errtype ? " " : "", errtype ? errtype : "",
	    ((double)uv_hrtime() / 1e9 - r->start) * 1000,
	    log_escape(r->user_agent, strlen(r->user_agent), ua, sizeof(ua)));
	server_reply(r, status, h, n, body, len);
	e->req = NULL;
	ep_free(e);
}

void
ep_reply_body(
    struct ep *e, int status, const char *ctype, const void *body, size_t len)
{
	ep_send(e, status, ctype, body, len, NULL);
}

void
ep_reply_json(struct ep *e, int status, json_t *j)
{
	size_t len = 0;
	char *s = j ? v1_dump(j, &len) : NULL;

	json_decref(j);
	if (s == NULL) {
		ep_reply_error(
		    e, V1E_SERVER_INTERNAL, 500, "cannot render JSON");
		return;
	}
	ep_send(e, status, "application/json", s, len, NULL);
	free(s);
}

void
ep_reply_problem(struct ep *e, const struct problem *p)
{
	json_t *j = problem_v1_json(p);
	size_t len = 0;
	char *s = j ? v1_dump(j, &len) : NULL;
	char det[200];

	json_decref(j);
	if (p->retry_after > 0)
		ep_header(e, "Retry-After: %ld", p->retry_after);
	snprintf(
	    e->obs.error_detail, sizeof(e->obs.error_detail), "%s", p->detail);
	log_info("v1 req=%lu error %s: %s", e->req->id,
	    problem_v1_name(p->type),
	    log_escape(p->detail, strlen(p->detail), det, sizeof(det)));
	ep_send(e, p->status, "application/problem+json", s ? s : "",
	    s ? len : 0, problem_v1_name(p->type));
	free(s);
}

void
ep_reply_error(
    struct ep *e, enum v1_error type, int status, const char *fmt, ...)
{
	struct problem p;
	va_list ap;

	memset(&p, 0, sizeof(p));
	p.type = type;
	p.status = status;
	va_start(ap, fmt);
	vsnprintf(p.detail, sizeof(p.detail), fmt, ap);
	va_end(ap);
	ep_reply_problem(e, &p);
}

/* 503 while the upstream directory is not loaded, with the cause and a
 * Retry-After of the seconds until the next try (issue 9 item 5). */
void
ep_reply_upstream_down(struct ep *e, const char *what)
{
	struct upstream_health h;

	acme2_health(e->u->acme, &h);
	ep_header(e, "Retry-After: %ld", h.retry_in_s);
	ep_reply_error(e, V1E_SERVER_INTERNAL, 503,
	    "the upstream CA's directory at %s is %s: %s", h.url, what,
	    h.last_error[0] ? h.last_error : "the first try has not answered");
}

/* --- verification ------------------------------------------------------ */

int
ep_rate_limit(struct ep *e, struct rate_table *t, const char *what)
{
	char key[RATE_KEY_LEN];
	struct problem p;
	long wait;

	if (t == NULL)
		return 0;
	rate_key(e->req->peer, key, sizeof(key));
	if ((wait = rate_take(t, key, bridge_now_ms())) == 0)
		return 0;
	observe_rate_limited(e->b, what);
	problem_set(&p, V1E_RATE_LIMITED, 429,
	    "too many %s from %s: retry after %ld s",
	    strcmp(what, "new-reg") == 0 ? "registrations" : "requests", key,
	    wait);
	p.retry_after = wait;
	ep_reply_problem(e, &p);
	return -1;
}

int
ep_verify(struct ep *e, const char *resource, int need_account)
{
	struct problem p;
	int rc;

	/* before any work: a refused POST costs no signature check */
	if (ep_rate_limit(e, e->b->rate_post, "post") == -1)
		return -1;
	memset(&p, 0, sizeof(p));
	if (!e->req->has_content_length && !e->req->chunked) {
		ep_reply_error(
		    e, V1E_MALFORMED, 411, "Content-Length header required");
		return -1;
	}
	if (e->req->body == NULL || e->req->body_len == 0) {
		ep_reply_error(e, V1E_MALFORMED, 400, "No body on POST");
		return -1;
	}
	if (jws_v1_verify(e->req->body, e->req->body_len, resource,
		v1_nonce_check, e->b, &e->jws, &p) == -1) {
		ep_reply_problem(e, &p);
		return -1;
	}
	if (!need_account)
		return 0;
	rc = store_account_by_thumbprint(
	    e->b->store, e->u->cfg->prefix, e->jws.thumbprint, &e->acct);
	if (v1_signer_check(rc, e->acct.status, &p) == -1) {
		ep_reply_problem(e, &p);
		return -1;
	}
	return 0;
}

/* --- base URL ------------------------------------------------------------ */

static int
host_ok(const char *h)
{
	size_t i;

	if (h[0] == '\0' || strlen(h) > 255)
		return 0;
	for (i = 0; h[i] != '\0'; i++)
		if (!isalnum((unsigned char)h[i]) &&
		    strchr(".-:[]_", h[i]) == NULL)
			return 0;
	return 1;
}

static void
set_base(struct ep *e)
{
	const struct config *c = e->b->cfg;
	/* the TLS listener's (issue 9 item 3) links are https ones */
	const char *sch = e->req->tls ? "https" : "http";
	const char *h = e->req->tls ? c->tls_host : c->listen_host;
	int port = e->req->tls ? c->tls_port : c->listen_port;

	if (c->base_url[0] != '\0')
		snprintf(e->base, sizeof(e->base), "%s", c->base_url);
	else if (host_ok(e->req->host))
		snprintf(
		    e->base, sizeof(e->base), "%s://%s", sch, e->req->host);
	else if (strchr(h, ':') != NULL)
		snprintf(
		    e->base, sizeof(e->base), "%s://[%s]:%d", sch, h, port);
	else
		snprintf(e->base, sizeof(e->base), "%s://%s:%d", sch, h, port);
	/* no trailing slash */
	if (e->base[0] != '\0' && e->base[strlen(e->base) - 1] == '/')
		e->base[strlen(e->base) - 1] = '\0';
}

/* The upstream the path's prefix names (the root's when none does), the
 * prefix moved from e->path to the end of e->base: every URL handed out
 * carries it, and routing sees the root's paths (issue 9 item 1). */
static void
pick_upstream(struct ep *e)
{
	const char *prefixes[CONFIG_UPSTREAMS_MAX];
	size_t i, which, n, len;

	for (i = 0; i < e->b->nups; i++)
		prefixes[i] = e->b->ups[i].cfg->prefix;
	n = v1_prefix_match(e->path, prefixes, e->b->nups, &which);
	e->u = &e->b->ups[which < e->b->nups ? which : 0];
	snprintf(
	    e->obs.upstream, sizeof(e->obs.upstream), "%s", e->u->cfg->name);
	snprintf(e->obs.prefix, sizeof(e->obs.prefix), "%s", e->u->cfg->prefix);
	if (n == 0)
		return;
	len = strlen(e->base);
	snprintf(e->base + len, sizeof(e->base) - len, "%s", prefixes[which]);
	memmove(e->path, e->path + n, strlen(e->path + n) + 1);
}

/* --- GET resources --------------------------------------------------------- */

static void
get_directory(struct ep *e)
{
	ep_reply_json(e, 200, v1_directory(e->base));
}

/* %XX decoding for data: URLs; 0 or -1. */
static int
pct_decode(const char *s, char *out, size_t outlen, size_t *n)
{
	size_t o = 0;
	unsigned int v;

	for (; *s != '\0'; s++) {
		if (o + 1 >= outlen)
			return -1;
		if (*s == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2]) &&
		    sscanf(s + 1, "%2x", &v) == 1) {
			out[o++] = (char)v;
			s += 2;
		} else
			out[o++] = *s;
	}
	out[o] = '\0';
	*n = o;
	return 0;
}

/* The terms: a redirect to the CA's terms, or, for a data: URL (Pebble),
 * its content served here. */
static void
get_terms(struct ep *e)
{
	const struct v2_directory *d = acme2_directory(e->u->acme);
	const char *tos = d ? d->terms_of_service : NULL;
	const char *comma;
	char ctype[100], *buf = NULL;
	size_t n = 0, blen;

	if (d == NULL) {
		/* not "no terms": the bridge cannot know them yet */
		ep_reply_upstream_down(
		    e, "unreachable, so its terms of service are unknown");
		return;
	}
	if (tos == NULL) {
		ep_reply_error(e, V1E_MALFORMED, 404,
		    "the upstream CA publishes no terms of service");
		return;
	}
	if (strncmp(tos, "https://", 8) == 0 ||
	    strncmp(tos, "http://", 7) == 0) {
		ep_header(e, "Location: %s", tos);
		ep_reply_body(e, 302, NULL, "", 0);
		return;
	}
	if (strncmp(tos, "data:", 5) == 0 &&
	    (comma = strchr(tos, ',')) != NULL &&
	    strstr(tos, ";base64") == NULL) {
		snprintf(ctype, sizeof(ctype), "%.*s", (int)(comma - tos - 5),
		    tos + 5);
		blen = strlen(comma);
		if ((buf = malloc(blen + 1)) != NULL &&
		    pct_decode(comma + 1, buf, blen + 1, &n) == 0) {
			ep_reply_body(
			    e, 200, ctype[0] ? ctype : "text/plain", buf, n);
			free(buf);
			return;
		}
		free(buf);
	}
	ep_reply_error(e, V1E_SERVER_INTERNAL, 500,
	    "cannot serve the upstream terms of service URL");
}

static void
send_der(struct ep *e, const unsigned char *der, size_t len, const char *up)
{
	if (up != NULL && up[0] != '\0')
		ep_header(e, "Link: <%s/acme/issuer-cert/%s>;rel=\"up\"",
		    e->base, up);
	ep_reply_body(e, 200, "application/pkix-cert", der, len);
}

static void
get_cert(struct ep *e, const char *serial)
{
	struct store_cert c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = store_cert_by_serial(e->b->store, e->u->cfg->prefix, serial, &c);
	if (rc != 0) {
		ep_reply_error(e, V1E_MALFORMED, rc == 1 ? 404 : 500,
		    rc == 1 ? "Certificate not found" : "store error");
		return;
	}
	send_der(e, c.der, c.der_len, c.issuer_id);
	store_cert_clear(&c);
}

static void
get_issuer(struct ep *e, const char *id)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char up[33] = "";
	int rc = store_issuer_get(e->b->store, id, &der, &len, up);

	if (rc != 0) {
		ep_reply_error(e, V1E_MALFORMED, rc == 1 ? 404 : 500,
		    rc == 1 ? "Issuer certificate not found" : "store error");
		return;
	}
	send_der(e, der, len, up);
	free(der);
}

/* --- routing -------------------------------------------------------------- */

enum { M_GET = 1, M_HEAD = 2, M_POST = 4, M_OPTIONS = 8 };

static int
method_bit(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return M_GET;
	if (strcmp(m, "HEAD") == 0)
		return M_HEAD;
	if (strcmp(m, "POST") == 0)
		return M_POST;
	if (strcmp(m, "OPTIONS") == 0)
		return M_OPTIONS;
	return 0;
}

/* "Allow: GET, HEAD, POST" for the methods in allowed (HEAD with GET). */
static void
allow_header(struct ep *e, int allowed)
{
	ep_header(e, "Allow: %s%s%s", (allowed & M_GET) ? "GET, HEAD" : "",
	    (allowed & M_GET) && (allowed & M_POST) ? ", " : "",
	    (allowed & M_POST) ? "POST" : "");
}

static void
method_not_allowed(struct ep *e, int allowed)
{
	allow_header(e, allowed);
	ep_reply_error(e, V1E_MALFORMED, 405, "Method not allowed");
}

/* OPTIONS (Boulder: every resource, CORS preflight): 200, Allow, a nonce,
 * no body; the resource itself is not looked at. */
static void
options_reply(struct ep *e, int allowed)
{
	allow_header(e, allowed);
	ep_reply_body(e, 200, NULL, "", 0);
}

/* One resource: its GET (HEAD too) and POST handlers, either NULL. */
static void
dispatch(struct ep *e, void (*get)(struct ep *), void (*post)(struct ep *))
{
	int m = method_bit(e->req->method);
	int allowed = (get ? M_GET : 0) | (post ? M_POST : 0);

	if (m == M_OPTIONS) {
		options_reply(e, allowed);
		return;
	}
	if ((m & (M_GET | M_HEAD)) && get != NULL) {
		get(e);
		return;
	}
	if (m == M_POST && post != NULL) {
		post(e);
		return;
	}
	method_not_allowed(e, allowed);
}

static void
get_cert_route(struct ep *e)
{
	get_cert(e, e->tail);
}

static void
get_issuer_route(struct ep *e)
{
	get_issuer(e, e->tail);
}

/* Methods per resource as Boulder's WFE1 (reference 1.2): GET implies
 * HEAD; OPTIONS everywhere; anything else 405 with Allow and a nonce. */
static const struct {
	void (*get)(struct ep *);
	void (*post)(struct ep *);
} handlers[V1R_COUNT] = {
	[V1R_DIRECTORY] = { get_directory, NULL },
	[V1R_TERMS] = { get_terms, NULL },
	[V1R_NEW_REG] = { NULL, ep_new_reg },
	[V1R_NEW_AUTHZ] = { NULL, ep_new_authz },
	[V1R_NEW_CERT] = { NULL, ep_new_cert },
	[V1R_REVOKE_CERT] = { NULL, ep_revoke_cert },
	[V1R_KEY_CHANGE] = { NULL, ep_key_change },
	[V1R_REG] = { NULL, ep_reg },
	[V1R_AUTHZ] = { ep_get_authz, ep_authz_post },
	[V1R_CHALLENGE] = { ep_get_challenge, ep_challenge_post },
	[V1R_CERT] = { get_cert_route, NULL },
	[V1R_ISSUER_CERT] = { get_issuer_route, NULL },
};

static void
route(struct ep *e)
{
	struct v1_route r;

	v1_route(e->path, &r);
	snprintf(e->obs.resource, sizeof(e->obs.resource), "%s",
	    v1_resource_name(r.res));
	e->id = r.id;
	e->authz = r.authz;
	e->idx = r.idx;
	e->tail = r.tail;
	if (r.res == V1R_UNKNOWN) {
		ep_reply_error(
		    e, V1E_MALFORMED, 404, "Not found: no such v1 resource");
		return;
	}
	dispatch(e, handlers[r.res].get, handlers[r.res].post);
}

void
endpoints_handle(struct server_req *r, void *arg)
{
	struct bridge *b = arg;
	struct ep *e;
	char *q;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		server_reply(r, 500, NULL, 0, NULL, 0);
		return;
	}
	e->b = b;
	e->req = r;
	set_base(e);
	snprintf(e->path, sizeof(e->path), "%s", r->url);
	if ((q = strchr(e->path, '?')) != NULL)
		*q = '\0';
	pick_upstream(e);
	if (r->reject_status != 0) {
		ep_reply_error(e, V1E_MALFORMED, r->reject_status, "%s",
		    r->reject_reason ? r->reject_reason : "bad request");
		return;
	}
	if (b->stopping || b->draining) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 503,
		    "acme-bridge is shutting down");
		return;
	}
	route(e);
}
