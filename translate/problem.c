/* problem.c: v1 error documents and the v2 -> v1 mapping. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "problem.h"

#define V1_PREFIX "urn:acme:error:"
#define V2_PREFIX "urn:ietf:params:acme:error:"

/* v2 type suffix -> v1 type suffix and HTTP status. */
static const struct {
	const char *v2;
	const char *v1;
	int status;
} v2map[] = {
	{ "badNonce", "badNonce", 400 },
	{ "malformed", "malformed", 400 },
	{ "unauthorized", "unauthorized", 403 },
	{ "rateLimited", "rateLimited", 429 },
	{ "serverInternal", "serverInternal", 500 },
	{ "badCSR", "badCSR", 400 },
	{ "rejectedIdentifier", "rejectedIdentifier", 400 },
	{ "caa", "caa", 403 },
	{ "dns", "dns", 400 },
	{ "connection", "connection", 400 },
	{ "tls", "tls", 400 },
	{ "incorrectResponse", "unauthorized", 403 },
	{ "alreadyRevoked", "malformed", 409 },
	{ "accountDoesNotExist", "unauthorized", 403 },
	{ "orderNotReady", "malformed", 403 },
	{ "userActionRequired", "unauthorized", 403 },
	{ "externalAccountRequired", "unauthorized", 403 },
	{ "invalidContact", "invalidEmail", 400 },
	{ "unsupportedContact", "invalidEmail", 400 },
	{ "badPublicKey", "badPublicKey", 400 },
	{ "badSignatureAlgorithm", "malformed", 400 },
	{ "badRevocationReason", "malformed", 400 },
	{ "unsupportedIdentifier", "rejectedIdentifier", 400 },
	{ "compound", "malformed", 400 },
};

int
problem_set(struct problem *p, const char *type, int status,
    const char *fmt, ...)
{
	va_list ap;

	p->type = type;
	p->status = status;
	p->retry_after = 0;
	p->detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
		va_end(ap);
	}
	return -1;
}

json_t *
problem_v1_json(const struct problem *p)
{
	json_t *o = NULL;
	char type[128];
	const char *t;
	int n;

	t = p->type != NULL ? p->type : "serverInternal";
	n = snprintf(type, sizeof(type), V1_PREFIX "%s", t);
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

/* No usable problem document: a transport failure or a bare HTTP status. */
static void
from_status(struct problem *p, long http_status, const char *what)
{
	if (http_status == 0)
		problem_set(p, "serverInternal", 503, "upstream %s failed",
		    what);
	else if (http_status >= 400 && http_status < 500)
		problem_set(p, "malformed", (int)http_status,
		    "upstream %s answered HTTP %ld", what, http_status);
	else
		problem_set(p, "serverInternal", 503,
		    "upstream %s answered HTTP %ld", what, http_status);
}

void
problem_from_v2(struct problem *p, long http_status, const json_t *doc,
    const char *what)
{
	const char *t, *d, *v1 = NULL;
	int status = 0;
	size_t i;

	if (what == NULL)
		what = "request";
	if (!json_is_object(doc)) {
		from_status(p, http_status, what);
		return;
	}
	t = problem_v2_type(doc);
	for (i = 0; i < sizeof(v2map) / sizeof(v2map[0]); i++)
		if (strcmp(t, v2map[i].v2) == 0) {
			v1 = v2map[i].v1;
			status = v2map[i].status;
			break;
		}
	if (v1 == NULL && http_status >= 400 && http_status < 500) {
		v1 = "malformed";
		status = (int)http_status;
	} else if (v1 == NULL) {
		v1 = "serverInternal";
		status = 500;
	}
	if (strcmp(t, "alreadyRevoked") == 0) {
		problem_set(p, v1, status, "Certificate already revoked");
		return;
	}
	d = json_string_value(json_object_get(doc, "detail"));
	if (d != NULL)
		problem_set(p, v1, status, "%s: %s", what, d);
	else if (*t != '\0')
		problem_set(p, v1, status, "%s: upstream error %s", what, t);
	else
		problem_set(p, v1, status, "%s: upstream answered HTTP %ld",
		    what, http_status);
	append_subproblems(p, doc);
}

const char *
problem_v1_authz_status(const char *v2)
{
	static const char *const same[] = {
		"pending", "valid", "invalid", "deactivated"
	};
	size_t i;

	if (v2 == NULL)
		return "pending";
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (strcmp(v2, same[i]) == 0)
			return same[i];
	if (strcmp(v2, "expired") == 0 || strcmp(v2, "revoked") == 0)
		return "invalid";
	return "pending";
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
