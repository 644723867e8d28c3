/* problem.c: v1 error documents and the v2 -> v1 mapping. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "problem.h"

#define V1_PREFIX "urn:acme:error:"
#define V2_PREFIX "urn:ietf:params:acme:error:"

/* How the detail of a mapped problem reads (docs/errors.md). */
enum lead {
	L_REFUSED,   /* "the CA refused <what>: <CA detail>" */
	L_RATE,	     /* rate limited */
	L_FAILED,    /* the CA failed: try again later */
	L_NONCE,     /* badNonce after every retry the bridge made */
	L_ACCOUNT,   /* the bridge's upstream account is unknown */
	L_EAB,	     /* external account binding required */
	L_USER,	     /* the account holder must act (terms, ...) */
	L_VALIDATION /* the CA could not validate the name */
};

/* v2 type suffix -> v1 type suffix, HTTP status and the detail's lead.
 * Every RFC 8555 section 6.7 type is here. */
static const struct {
	const char *v2;
	enum v1_error v1;
	int status;
	enum lead lead;
} v2map[] = {
	/* The bridge retries badNonce itself (acme2.c): one that reaches a
	 * flow means the CA kept refusing, which the v1 client (whose own
	 * nonce was fine) cannot fix. */
	{ "badNonce", V1E_SERVER_INTERNAL, 503, L_NONCE },
	{ "malformed", V1E_MALFORMED, 400, L_REFUSED },
	{ "unauthorized", V1E_UNAUTHORIZED, 403, L_REFUSED },
	{ "rateLimited", V1E_RATE_LIMITED, 429, L_RATE },
	{ "serverInternal", V1E_SERVER_INTERNAL, 503, L_FAILED },
	{ "badCSR", V1E_BAD_CSR, 400, L_REFUSED },
	{ "rejectedIdentifier", V1E_REJECTED_IDENTIFIER, 400, L_REFUSED },
	{ "caa", V1E_CAA, 403, L_REFUSED },
	{ "dns", V1E_DNS, 400, L_VALIDATION },
	{ "connection", V1E_CONNECTION, 400, L_VALIDATION },
	{ "tls", V1E_TLS, 400, L_VALIDATION },
	{ "incorrectResponse", V1E_UNAUTHORIZED, 403, L_VALIDATION },
	{ "alreadyRevoked", V1E_MALFORMED, 409, L_REFUSED },
	{ "accountDoesNotExist", V1E_UNAUTHORIZED, 403, L_ACCOUNT },
	{ "orderNotReady", V1E_MALFORMED, 403, L_REFUSED },
	{ "userActionRequired", V1E_UNAUTHORIZED, 403, L_USER },
	{ "externalAccountRequired", V1E_UNAUTHORIZED, 403, L_EAB },
	{ "invalidContact", V1E_INVALID_EMAIL, 400, L_REFUSED },
	{ "unsupportedContact", V1E_INVALID_EMAIL, 400, L_REFUSED },
	{ "badPublicKey", V1E_BAD_PUBLIC_KEY, 400, L_REFUSED },
	{ "badSignatureAlgorithm", V1E_MALFORMED, 400, L_REFUSED },
	{ "badRevocationReason", V1E_MALFORMED, 400, L_REFUSED },
	{ "unsupportedIdentifier", V1E_UNSUPPORTED_IDENTIFIER, 400, L_REFUSED },
	{ "compound", V1E_MALFORMED, 400, L_REFUSED },
};

/* Wire names by enum v1_error. */
static const char *const v1_names[V1E_COUNT] = {
	[V1E_NONE] = "serverInternal",
	[V1E_MALFORMED] = "malformed",
	[V1E_UNAUTHORIZED] = "unauthorized",
	[V1E_SERVER_INTERNAL] = "serverInternal",
	[V1E_BAD_NONCE] = "badNonce",
	[V1E_BAD_CSR] = "badCSR",
	[V1E_BAD_PUBLIC_KEY] = "badPublicKey",
	[V1E_CONNECTION] = "connection",
	[V1E_DNS] = "dns",
	[V1E_TLS] = "tls",
	[V1E_INVALID_EMAIL] = "invalidEmail",
	[V1E_RATE_LIMITED] = "rateLimited",
	[V1E_REJECTED_IDENTIFIER] = "rejectedIdentifier",
	[V1E_UNSUPPORTED_IDENTIFIER] = "unsupportedIdentifier",
	[V1E_CAA] = "caa",
};

const char *
problem_v1_name(enum v1_error type)
{
	if ((unsigned)type >= V1E_COUNT)
		return "serverInternal";
	return v1_names[type];
}

int
problem_vset(struct problem *p, enum v1_error type, int status, const char *fmt,
    va_list ap)
{
	p->type = type;
	p->status = status;
	p->retry_after = 0;
	p->detail[0] = '\0';
	if (fmt != NULL)
		(void)vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	return -1;
}

int
problem_set(
    struct problem *p, enum v1_error type, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_vset(p, type, status, fmt, ap);
	va_end(ap);
	return -1;
}

json_t *
problem_v1_json(const struct problem *p)
{
	json_t *o = NULL;
	char type[128];
	int n;

	n = snprintf(
	    type, sizeof(type), V1_PREFIX "%s", problem_v1_name(p->type));
	if (n < 0 || (size_t)n >= sizeof(type))
		goto out;
	if ((o = json_object()) == NULL)
		goto out;
	if (json_object_set_new(o, "type", json_string(type)) == -1 ||
	    json_object_set_new(o, "detail", json_string(p->detail)) == -1 ||
	    json_object_set_new(o, "status", json_integer(p->status)) == -1) {
		json_decref(o);
		o = NULL;
	}
out:
	return o;
}

static const char *
strip_prefix(const char *t)
{
	size_t l2 = strlen(V2_PREFIX), l1 = strlen(V1_PREFIX);

	if (strncmp(t, V2_PREFIX, l2) == 0)
		return t + l2;
	if (strncmp(t, V1_PREFIX, l1) == 0)
		return t + l1;
	return "";
}

const char *
problem_v2_type(const json_t *doc)
{
	const char *t;

	if (!json_is_object(doc))
		return "";
	t = json_string_value(json_object_get(doc, "type"));
	if (t == NULL)
		return "";
	return strip_prefix(t);
}

/* Append "; <identifier>: <detail>" for each subproblem, as room allows. */
static void
append_subproblems(struct problem *p, const json_t *doc)
{
	const json_t *subs, *sp;
	const char *d, *v;
	size_t i, len;
	int n;

	subs = json_object_get(doc, "subproblems");
	if (!json_is_array(subs))
		return;
	json_array_foreach(subs, i, sp) {
		if (!json_is_object(sp))
			continue;
		d = json_string_value(json_object_get(sp, "detail"));
		if (d == NULL)
			d = problem_v2_type(sp);
		v = json_string_value(json_object_get(
		    json_object_get(sp, "identifier"), "value"));
		len = strlen(p->detail);
		if (len + 1 >= sizeof(p->detail))
			return;
		if (v != NULL)
			n = snprintf(p->detail + len, sizeof(p->detail) - len,
			    "; %s: %s", v, d);
		else
			n = snprintf(p->detail + len, sizeof(p->detail) - len,
			    "; %s", d);
		if (n < 0 || (size_t)n >= sizeof(p->detail) - len)
			return;
	}
}

#define NMAP (sizeof(v2map) / sizeof(v2map[0]))

/* The v2map index of a v2 type suffix, or -1. */
static int
map_index(const char *t)
{
	size_t i;

	for (i = 0; i < NMAP; i++)
		if (strcmp(t, v2map[i].v2) == 0)
			return (int)i;
	return -1;
}

/* compound: the type every subproblem shares when it is a mapped one
 * (so names that are all rejected read as rejectedIdentifier), else
 * "compound". */
static const char *
compound_type(const json_t *doc)
{
	const json_t *subs = json_object_get(doc, "subproblems"), *sp;
	const char *t = NULL, *st;
	size_t i;

	if (!json_is_array(subs) || json_array_size(subs) == 0)
		return "compound";
	json_array_foreach(subs, i, sp) {
		st = problem_v2_type(sp);
		if (*st == '\0' || strcmp(st, "compound") == 0 ||
		    (t != NULL && strcmp(t, st) != 0))
			return "compound";
		t = st;
	}
	return map_index(t) >= 0 ? t : "compound";
}

/* 1 when needle (lower case ASCII) occurs in s, ignoring ASCII case. */
static int
contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *s != '\0'; s++) {
		for (i = 0; i < n; i++) {
			char c = s[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[i])
				break;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

/* Let's Encrypt pauses an account for names that keep failing validation
 * ("Your account is temporarily prevented from requesting certificates for
 * ... Please visit: <unpause URL>"), as rateLimited (or unauthorized). */
static int
is_paused(const char *t, const char *d)
{
	if (d == NULL ||
	    (strcmp(t, "rateLimited") != 0 && strcmp(t, "unauthorized") != 0))
		return 0;
	return contains_ci(d, "temporarily prevented from requesting") ||
	    contains_ci(d, "paused") || contains_ci(d, "unpause");
}

/* Each lead's words around <what>, indexed by enum lead. */
static const struct {
	const char *pre, *post;
} leads[] = {
	[L_REFUSED] = { "the CA refused ", "" },
	[L_RATE] = { "the CA rate-limited ", "" },
	[L_FAILED] = { "the CA failed ", " (try again later)" },
	[L_NONCE] = { "upstream kept rejecting nonces: the CA answered ",
	    " with badNonce to every retry (try again later)" },
	[L_ACCOUNT] = { "the CA does not know this registration's upstream "
			"account (",
	    "; deactivated upstream, or --upstream now names another CA?)" },
	[L_EAB] = { "the CA requires external account binding (",
	    "), which acme-bridge does not support: use a CA that does not" },
	[L_USER] = { "the CA requires action from the account holder before ",
	    " (new terms of service?)" },
	[L_VALIDATION] = { "the CA could not validate the name (", ")" },
};

/* The detail: what the bridge makes of it, then the CA's own text (kept
 * whole: it may carry a URL the account holder needs). */
static void
set_detail(struct problem *p, enum lead lead, const char *what, const char *d)
{
	if ((size_t)lead >= sizeof(leads) / sizeof(leads[0]))
		lead = L_REFUSED;
	snprintf(p->detail, sizeof(p->detail), "%s%s%s: %s", leads[lead].pre,
	    what, leads[lead].post, d);
}

/* Append " (see <url>)" as room allows. */
static void
append_instance(struct problem *p, const char *url)
{
	size_t len = strlen(p->detail);

	if (url == NULL || *url == '\0' || strstr(p->detail, url) != NULL)
		return;
	(void)snprintf(
	    p->detail + len, sizeof(p->detail) - len, " (see %s)", url);
}

/* No usable problem document: a transport failure or a bare HTTP status. */
static void
from_status(struct problem *p, long http_status, const char *what)
{
	if (http_status == 0)
		problem_set(
		    p, V1E_SERVER_INTERNAL, 503, "upstream %s failed", what);
	else if (http_status == 429)
		problem_set(p, V1E_RATE_LIMITED, 429,
		    "the CA rate-limited %s (HTTP 429 without a problem "
		    "document)",
		    what);
	else
		problem_set(p, V1E_SERVER_INTERNAL, 503,
		    "upstream %s answered HTTP %ld without a problem document "
		    "(try again later)",
		    what, http_status);
}

void
problem_from_v2(
    struct problem *p, long http_status, const json_t *doc, const char *what)
{
	const char *t, *d;
	char dbuf[96];
	enum lead lead;
	int i;

	if (what == NULL)
		what = "request";
	if (!json_is_object(doc)) {
		from_status(p, http_status, what);
		return;
	}
	t = problem_v2_type(doc);
	if (strcmp(t, "compound") == 0)
		t = compound_type(doc);
	if (strcmp(t, "alreadyRevoked") == 0) {
		problem_set(
		    p, V1E_MALFORMED, 409, "Certificate already revoked");
		return;
	}
	if ((i = map_index(t)) >= 0) {
		problem_set(p, v2map[i].v1, v2map[i].status, "%s", "");
		lead = v2map[i].lead;
	} else if (http_status == 429) {
		problem_set(p, V1E_RATE_LIMITED, 429, "%s", "");
		lead = L_RATE;
	} else if (http_status >= 400 && http_status < 500) {
		problem_set(p, V1E_MALFORMED, (int)http_status, "%s", "");
		lead = L_REFUSED;
	} else {
		problem_set(p, V1E_SERVER_INTERNAL, 503, "%s", "");
		lead = L_FAILED;
	}
	d = json_string_value(json_object_get(doc, "detail"));
	if (d == NULL) {
		if (*t != '\0')
			snprintf(dbuf, sizeof(dbuf), "error %.60s", t);
		else
			snprintf(dbuf, sizeof(dbuf), "HTTP %ld", http_status);
		d = dbuf;
	}
	if (is_paused(t, d))
		snprintf(p->detail, sizeof(p->detail),
		    "the CA has paused this account for these names (%s); the "
		    "account holder must open the unpause URL in the CA's "
		    "message, then retry: %s",
		    what, d);
	else
		set_detail(p, lead, what, d);
	if (lead == L_USER)
		append_instance(
		    p, json_string_value(json_object_get(doc, "instance")));
	append_subproblems(p, doc);
}

enum authz_status
problem_v1_authz_status(const char *v2)
{
	enum authz_status st;

	if (v2 == NULL)
		return AUTHZ_PENDING;
	if (authz_status_parse(v2, &st) == 0) /* the same four words */
		return st;
	if (strcmp(v2, "expired") == 0 || strcmp(v2, "revoked") == 0)
		return AUTHZ_INVALID;
	return AUTHZ_PENDING;
}

const char *
problem_v1_chall_status(const char *v2)
{
	if (v2 == NULL)
		return "pending";
	if (strcmp(v2, "valid") == 0)
		return "valid";
	if (strcmp(v2, "invalid") == 0)
		return "invalid";
	return "pending";
}
