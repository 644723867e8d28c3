/* problem.c: v1 error documents (the v2 -> v1 mapping is
 * translate/v1/problem_v2.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "problem.h"

#define V1_PREFIX "urn:acme:error:"

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
