/* endpoints.c: the v1 front end: routing, Boulder-shaped replies (a fresh
 * Replay-Nonce on every answer), and the unauthenticated GET resources. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme2.h"
#include "b64url.h"
#include "endpoints.h"
#include "log.h"
#include "v1.h"
#include "v1_rules.h"

void
ep_header(struct ep *e, const char *fmt, ...)
{
	va_list ap;

	if (e->nhdr >= EP_HDR_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(e->hdr[e->nhdr++], EP_HDR_LEN, fmt, ap);
	va_end(ap);
}

static void
ep_free(struct ep *e)
{
	size_t i;

	jws_v1_free(&e->jws);
	store_account_clear(&e->acct);
	store_authz_clear(&e->authz);
	if (e->v2key[0] != '\0')
		keyring_release(e->b->keyring, e->v2key);
	free(e->kid);
	free(e->csr_b64);
	for (i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->names);
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

	if (nonce_set_issue(e->b->nonces, nonce) == 0) {
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
	if (e->obs.account_id == 0)
		e->obs.account_id = e->acct.id;
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

	if (c->base_url[0] != '\0')
		snprintf(e->base, sizeof(e->base), "%s", c->base_url);
	else if (host_ok(e->req->host))
		snprintf(e->base, sizeof(e->base), "http://%s", e->req->host);
	else if (strchr(c->listen_host, ':') != NULL)
		snprintf(e->base, sizeof(e->base), "http://[%s]:%d",
		    c->listen_host, c->listen_port);
	else
		snprintf(e->base, sizeof(e->base), "http://%s:%d",
		    c->listen_host, c->listen_port);
	/* no trailing slash */
	if (e->base[0] != '\0' && e->base[strlen(e->base) - 1] == '/')
		e->base[strlen(e->base) - 1] = '\0';
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
	const struct acme2_dir *d = acme2_directory(e->b->acme);
	const char *tos = d ? d->terms_of_service : NULL;
	const char *comma;
	char ctype[100], *buf = NULL;
	size_t n = 0, blen;

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
get_authz_done(struct ep *e)
{
	ep_send_authz(e, 200);
}

static void
get_authz(struct ep *e)
{
	int rc = store_authz_by_id(e->b->store, e->id, &e->authz);

	if (rc != 0) {
		ep_reply_error(e, V1E_MALFORMED, rc == 1 ? 404 : 500,
		    rc == 1 ? "No such authorization" : "store error");
		return;
	}
	if (e->authz.expires <= bridge_now()) {
		ep_reply_error(e, V1E_MALFORMED, 404, "Expired authorization");
		return;
	}
	if (e->authz.status != AUTHZ_PENDING) {
		ep_send_authz(e, 200);
		return;
	}
	e->readonly = 1;
	ep_authz_refresh(e, 0, get_authz_done);
}

static void
get_challenge(struct ep *e)
{
	int rc = store_authz_by_id(e->b->store, e->id, &e->authz);

	if (rc != 0 || e->idx < 0 || e->idx >= V1_CHALL_COUNT) {
		ep_reply_error(e, V1E_MALFORMED, rc == -1 ? 500 : 404,
		    rc == -1 ? "store error" : "No such challenge");
		return;
	}
	if (e->authz.status != AUTHZ_PENDING) {
		ep_send_challenge(e);
		return;
	}
	e->readonly = 1;
	ep_authz_refresh(e, 0, ep_send_challenge);
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
	rc = store_cert_by_serial(e->b->store, serial, &c);
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

#define CERT_PREFIX "/acme/cert/"
#define ISSUER_PREFIX "/acme/issuer-cert/"

static void
get_cert_route(struct ep *e)
{
	get_cert(e, e->path + strlen(CERT_PREFIX));
}

static void
get_issuer_route(struct ep *e)
{
	get_issuer(e, e->path + strlen(ISSUER_PREFIX));
}

/* Methods per resource as Boulder's WFE1 (reference 1.2): GET implies
 * HEAD; OPTIONS everywhere; anything else 405 with Allow and a nonce. */
static void
set_resource(struct ep *e, const char *resource)
{
	snprintf(e->obs.resource, sizeof(e->obs.resource), "%s", resource);
}

static void
route(struct ep *e)
{
	static const struct {
		const char *path;
		const char *resource; /* for the access log and metrics */
		void (*get)(struct ep *);
		void (*post)(struct ep *);
	} fixed[] = {
		{ "/directory", "directory", get_directory, NULL },
		{ "/", "directory", get_directory, NULL },
		{ "/terms", "terms", get_terms, NULL },
		{ "/acme/new-reg", "new-reg", NULL, ep_new_reg },
		{ "/acme/new-authz", "new-authz", NULL, ep_new_authz },
		{ "/acme/new-cert", "new-cert", NULL, ep_new_cert },
		{ "/acme/revoke-cert", "revoke-cert", NULL, ep_revoke_cert },
		{ "/acme/key-change", "key-change", NULL, ep_key_change },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(e->path, fixed[i].path) == 0) {
			set_resource(e, fixed[i].resource);
			dispatch(e, fixed[i].get, fixed[i].post);
			return;
		}
	if (v1_path_id(e->path, "/acme/reg/", &e->id)) {
		set_resource(e, "reg");
		dispatch(e, NULL, ep_reg);
		return;
	}
	if (v1_path_id(e->path, "/acme/authz/", &e->id)) {
		set_resource(e, "authz");
		dispatch(e, get_authz, ep_authz_post);
		return;
	}
	if (v1_path_challenge(e->path, &e->id, &e->idx)) {
		set_resource(e, "challenge");
		dispatch(e, get_challenge, ep_challenge_post);
		return;
	}
	if (v1_path_hex(e->path, CERT_PREFIX) != NULL) {
		set_resource(e, "cert");
		dispatch(e, get_cert_route, NULL);
		return;
	}
	if (v1_path_hex(e->path, ISSUER_PREFIX) != NULL) {
		set_resource(e, "issuer-cert");
		dispatch(e, get_issuer_route, NULL);
		return;
	}
	set_resource(e, "unknown");
	ep_reply_error(e, V1E_MALFORMED, 404, "Not found: no such v1 resource");
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
	if (r->reject_status != 0) {
		ep_reply_error(e, V1E_MALFORMED, r->reject_status, "%s",
		    r->reject_reason ? r->reject_reason : "bad request");
		return;
	}
	if (b->stopping) {
		ep_reply_error(e, V1E_SERVER_INTERNAL, 503,
		    "acme-bridge is shutting down");
		return;
	}
	route(e);
}
