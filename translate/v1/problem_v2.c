/* problem_v2.c: upstream problems and flow failures as v1 problems, v2
 * statuses as v1 ones (see problem_v2.h, docs/errors.md). */
#include <stdio.h>
#include <string.h>

#include "problem_v2.h"
#include "str.h"

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

/* v2 type -> v1 type, HTTP status and the detail's lead; every RFC 8555
 * section 6.7 type has a row (mapped 1 below). */
static const struct {
	int mapped;
	enum v1_error v1;
	int status;
	enum lead lead;
} v2map[V2E_OTHER + 1] = {
	/* The bridge retries badNonce itself (acme2.c): one that reaches a
	 * flow means the CA kept refusing, which the v1 client (whose own
	 * nonce was fine) cannot fix. */
	[V2E_BAD_NONCE] = { 1, V1E_SERVER_INTERNAL, 503, L_NONCE },
	[V2E_MALFORMED] = { 1, V1E_MALFORMED, 400, L_REFUSED },
	[V2E_UNAUTHORIZED] = { 1, V1E_UNAUTHORIZED, 403, L_REFUSED },
	[V2E_RATE_LIMITED] = { 1, V1E_RATE_LIMITED, 429, L_RATE },
	[V2E_SERVER_INTERNAL] = { 1, V1E_SERVER_INTERNAL, 503, L_FAILED },
	[V2E_BAD_CSR] = { 1, V1E_BAD_CSR, 400, L_REFUSED },
	[V2E_REJECTED_IDENTIFIER] = { 1, V1E_REJECTED_IDENTIFIER, 400,
	    L_REFUSED },
	[V2E_CAA] = { 1, V1E_CAA, 403, L_REFUSED },
	[V2E_DNS] = { 1, V1E_DNS, 400, L_VALIDATION },
	[V2E_CONNECTION] = { 1, V1E_CONNECTION, 400, L_VALIDATION },
	[V2E_TLS] = { 1, V1E_TLS, 400, L_VALIDATION },
	[V2E_INCORRECT_RESPONSE] = { 1, V1E_UNAUTHORIZED, 403, L_VALIDATION },
	[V2E_ALREADY_REVOKED] = { 1, V1E_MALFORMED, 409, L_REFUSED },
	[V2E_ACCOUNT_DOES_NOT_EXIST] = { 1, V1E_UNAUTHORIZED, 403, L_ACCOUNT },
	[V2E_ORDER_NOT_READY] = { 1, V1E_MALFORMED, 403, L_REFUSED },
	[V2E_USER_ACTION_REQUIRED] = { 1, V1E_UNAUTHORIZED, 403, L_USER },
	[V2E_EXTERNAL_ACCOUNT_REQUIRED] = { 1, V1E_UNAUTHORIZED, 403, L_EAB },
	[V2E_INVALID_CONTACT] = { 1, V1E_INVALID_EMAIL, 400, L_REFUSED },
	[V2E_UNSUPPORTED_CONTACT] = { 1, V1E_INVALID_EMAIL, 400, L_REFUSED },
	[V2E_BAD_PUBLIC_KEY] = { 1, V1E_BAD_PUBLIC_KEY, 400, L_REFUSED },
	[V2E_BAD_SIGNATURE_ALGORITHM] = { 1, V1E_MALFORMED, 400, L_REFUSED },
	[V2E_BAD_REVOCATION_REASON] = { 1, V1E_MALFORMED, 400, L_REFUSED },
	[V2E_UNSUPPORTED_IDENTIFIER] = { 1, V1E_UNSUPPORTED_IDENTIFIER, 400,
	    L_REFUSED },
	[V2E_COMPOUND] = { 1, V1E_MALFORMED, 400, L_REFUSED },
};

static int
is_mapped(enum v2_err t)
{
	return (unsigned)t <= V2E_OTHER && v2map[t].mapped;
}

/* compound: the type every subproblem shares when it is a mapped one (so
 * names that are all rejected read as rejectedIdentifier), else compound. */
static enum v2_err
compound_type(const struct v2_problem *doc)
{
	enum v2_err t = V2E_NONE;
	size_t i;

	for (i = 0; i < doc->nsub; i++) {
		enum v2_err st = doc->sub[i].type;

		if (st == V2E_NONE || st == V2E_COMPOUND ||
		    (t != V2E_NONE && t != st))
			return V2E_COMPOUND;
		t = st;
	}
	return is_mapped(t) ? t : V2E_COMPOUND;
}

/* Append "; <identifier>: <detail>" for each subproblem, as room allows. */
static void
append_subproblems(struct problem *p, const struct v2_problem *doc)
{
	size_t i, len;
	int n;

	for (i = 0; i < doc->nsub; i++) {
		const struct v2_subproblem *sp = &doc->sub[i];

		len = strlen(p->detail);
		if (len + 1 >= sizeof(p->detail))
			return;
		if (sp->identifier[0] != '\0')
			n = snprintf(p->detail + len, sizeof(p->detail) - len,
			    "; %s: %s", sp->identifier, sp->detail);
		else
			n = snprintf(p->detail + len, sizeof(p->detail) - len,
			    "; %s", sp->detail);
		if (n < 0 || (size_t)n >= sizeof(p->detail) - len)
			return;
	}
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
 * ... Please visit: <unpause URL>"), as rateLimited (or unauthorized). Only
 * the wording of the v1 detail depends on it, no decision. */
static int
is_paused(enum v2_err t, const char *d)
{
	if (t != V2E_RATE_LIMITED && t != V2E_UNAUTHORIZED)
		return 0;
	return contains_ci(d, "temporarily prevented from requesting") ||
	    contains_ci(d, "paused") || contains_ci(d, "unpause");
}

/* How each lead reads: before, the operation, after, then the CA's own
 * text (docs/errors.md). */
static const struct {
	const char *before, *after;
} lead_words[] = {
	[L_REFUSED] = { "the CA refused ", ": " },
	[L_RATE] = { "the CA rate-limited ", ": " },
	[L_FAILED] = { "the CA failed ", " (try again later): " },
	[L_NONCE] = { "upstream kept rejecting nonces: the CA answered ",
	    " with badNonce to every retry (try again later): " },
	[L_ACCOUNT] = { "the CA does not know this registration's upstream "
			"account (",
	    "; deactivated upstream, or --upstream now names another CA?): " },
	[L_EAB] = { "the CA requires External Account Binding: set eab_kid "
		    "and eab_hmac_key (docs/config.md); its answer to ",
	    ": " },
	[L_USER] = { "the CA requires action from the account holder before ",
	    " (new terms of service?): " },
	[L_VALIDATION] = { "the CA could not validate the name (", "): " },
};

/* The detail: what the bridge makes of it, then the CA's own text (kept
 * whole: it may carry a URL the account holder needs). */
static void
set_detail(struct problem *p, enum lead lead, const char *what, const char *d)
{
	if ((unsigned)lead >= sizeof(lead_words) / sizeof(lead_words[0]))
		lead = L_REFUSED;
	snprintf(p->detail, sizeof(p->detail), "%s%s%s%s",
	    lead_words[lead].before, what, lead_words[lead].after, d);
}

/* Append " (see <url>)" as room allows. */
static void
append_instance(struct problem *p, const char *url)
{
	size_t len = strlen(p->detail);

	if (*url == '\0' || strstr(p->detail, url) != NULL)
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

/* The type, status and lead of doc's mapping (no detail yet). */
static enum lead
map_type(struct problem *p, long http_status, enum v2_err t)
{
	if (is_mapped(t)) {
		problem_set(p, v2map[t].v1, v2map[t].status, "%s", "");
		return v2map[t].lead;
	}
	if (http_status == 429) {
		problem_set(p, V1E_RATE_LIMITED, 429, "%s", "");
		return L_RATE;
	}
	if (http_status >= 400 && http_status < 500) {
		problem_set(p, V1E_MALFORMED, (int)http_status, "%s", "");
		return L_REFUSED;
	}
	problem_set(p, V1E_SERVER_INTERNAL, 503, "%s", "");
	return L_FAILED;
}

void
problem_v2_map(struct problem *p, long http_status,
    const struct v2_problem *doc, const char *what)
{
	enum v2_err t;
	const char *d;
	char dbuf[96];
	enum lead lead;

	if (what == NULL)
		what = "request";
	if (doc == NULL) {
		from_status(p, http_status, what);
		return;
	}
	t = doc->type == V2E_COMPOUND ? compound_type(doc) : doc->type;
	if (t == V2E_ALREADY_REVOKED) {
		problem_set(
		    p, V1E_MALFORMED, 409, "Certificate already revoked");
		return;
	}
	lead = map_type(p, http_status, t);
	d = doc->detail;
	if (!doc->has_detail) {
		if (doc->type_name[0] != '\0')
			snprintf(dbuf, sizeof(dbuf), "error %.60s",
			    t == doc->type ? doc->type_name : v2_err_name(t));
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
		append_instance(p, doc->instance);
	append_subproblems(p, doc);
}

void
problem_v2_flow(struct problem *p, const struct flow_failure *ff)
{
	switch (ff->source) {
	case FLOW_FAILED_UPSTREAM:
		problem_v2_map(p, ff->http_status,
		    ff->has_doc ? &ff->doc : NULL, ff->what);
		if (ff->retry_after > 0)
			p->retry_after = ff->retry_after;
		return;
	case FLOW_FAILED_BRIDGE:
		problem_set(p,
		    ff->type == V2E_UNAUTHORIZED ? V1E_UNAUTHORIZED
						 : V1E_SERVER_INTERNAL,
		    (int)ff->http_status, "%s", ff->detail);
		p->retry_after = ff->retry_after;
		return;
	case FLOW_FAILED_NOT:
	default:
		memset(p, 0, sizeof(*p));
		return;
	}
}

json_t *
problem_v2_chall_error(const struct v2_problem *err)
{
	struct problem p;

	problem_v2_map(&p, 403, err, "validation");
	/* The v2 detail is what the CA saw; keep it. */
	if (err->has_detail)
		str_copy(p.detail, sizeof(p.detail), err->detail);
	return problem_v1_json(&p);
}

enum authz_status
problem_v2_authz_status(enum v2_status s)
{
	switch (s) {
	case V2S_VALID:
		return AUTHZ_VALID;
	case V2S_INVALID:
	case V2S_EXPIRED:
	case V2S_REVOKED:
		return AUTHZ_INVALID;
	case V2S_DEACTIVATED:
		return AUTHZ_DEACTIVATED;
	default:
		return AUTHZ_PENDING;
	}
}

const char *
problem_v2_chall_status(enum v2_status s)
{
	if (s == V2S_VALID)
		return "valid";
	if (s == V2S_INVALID)
		return "invalid";
	return "pending";
}
