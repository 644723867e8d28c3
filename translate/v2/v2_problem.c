/* v2_problem.c: RFC 8555 problem documents and the spelling of their
 * types (see v2.h). */
#include <string.h>

#include "str.h"
#include "v2.h"

#define V2_PREFIX "urn:ietf:params:acme:error:"
#define V1_PREFIX "urn:acme:error:"

static const char *const err_names[] = {
	[V2E_NONE] = "",
	[V2E_ACCOUNT_DOES_NOT_EXIST] = "accountDoesNotExist",
	[V2E_ALREADY_REVOKED] = "alreadyRevoked",
	[V2E_BAD_CSR] = "badCSR",
	[V2E_BAD_NONCE] = "badNonce",
	[V2E_BAD_PUBLIC_KEY] = "badPublicKey",
	[V2E_BAD_REVOCATION_REASON] = "badRevocationReason",
	[V2E_BAD_SIGNATURE_ALGORITHM] = "badSignatureAlgorithm",
	[V2E_CAA] = "caa",
	[V2E_COMPOUND] = "compound",
	[V2E_CONNECTION] = "connection",
	[V2E_DNS] = "dns",
	[V2E_EXTERNAL_ACCOUNT_REQUIRED] = "externalAccountRequired",
	[V2E_INCORRECT_RESPONSE] = "incorrectResponse",
	[V2E_INVALID_CONTACT] = "invalidContact",
	[V2E_MALFORMED] = "malformed",
	[V2E_ORDER_NOT_READY] = "orderNotReady",
	[V2E_RATE_LIMITED] = "rateLimited",
	[V2E_REJECTED_IDENTIFIER] = "rejectedIdentifier",
	[V2E_SERVER_INTERNAL] = "serverInternal",
	[V2E_TLS] = "tls",
	[V2E_UNAUTHORIZED] = "unauthorized",
	[V2E_UNSUPPORTED_CONTACT] = "unsupportedContact",
	[V2E_UNSUPPORTED_IDENTIFIER] = "unsupportedIdentifier",
	[V2E_USER_ACTION_REQUIRED] = "userActionRequired",
	[V2E_OTHER] = "other",
};

const char *
v2_err_name(enum v2_err e)
{
	if ((unsigned)e > V2E_OTHER)
		return "other";
	return err_names[e];
}

/* The suffix of a type URN, or NULL when it has neither prefix. */
static const char *
type_suffix(const char *urn)
{
	if (strncmp(urn, V2_PREFIX, strlen(V2_PREFIX)) == 0)
		return urn + strlen(V2_PREFIX);
	if (strncmp(urn, V1_PREFIX, strlen(V1_PREFIX)) == 0)
		return urn + strlen(V1_PREFIX);
	return NULL;
}

enum v2_err
v2_err_parse(const char *urn)
{
	const char *t;
	int i;

	if (urn == NULL)
		return V2E_NONE;
	if ((t = type_suffix(urn)) == NULL)
		return V2E_OTHER;
	for (i = V2E_NONE + 1; i < V2E_OTHER; i++)
		if (strcmp(t, err_names[i]) == 0)
			return (enum v2_err)i;
	return V2E_OTHER;
}

/* The string member key of o into *s: 0 (NULL when absent), -1 when it is
 * there and not a string. */
static int
opt_str(const json_t *o, const char *key, const char **s)
{
	const json_t *v = json_object_get(o, key);

	*s = json_string_value(v);
	return v != NULL && *s == NULL ? -1 : 0;
}

static int
parse_sub(const json_t *j, struct v2_subproblem *sp)
{
	const char *type, *detail, *value = NULL;
	const json_t *id = json_object_get(j, "identifier");

	if (!json_is_object(j) || opt_str(j, "type", &type) == -1 ||
	    opt_str(j, "detail", &detail) == -1 ||
	    (id != NULL &&
		(!json_is_object(id) || opt_str(id, "value", &value) == -1)))
		return -1;
	if (value != NULL && strlen(value) > V2_NAME_MAX)
		return -1;
	sp->type = v2_err_parse(type);
	str_copy(sp->identifier, sizeof(sp->identifier), value);
	/* No detail: the type speaks for it, as its suffix. */
	if (detail == NULL && type != NULL && type_suffix(type) != NULL)
		detail = type_suffix(type);
	str_copy(sp->detail, sizeof(sp->detail), detail);
	return 0;
}

static int
parse_subs(const json_t *doc, struct v2_problem *p)
{
	const json_t *subs = json_object_get(doc, "subproblems"), *j;
	size_t i;

	if (subs == NULL)
		return 0;
	if (!json_is_array(subs))
		return -1;
	json_array_foreach(subs, i, j) {
		if (p->nsub == V2_SUB_MAX)
			break; /* the detail has no room for more anyway */
		if (parse_sub(j, &p->sub[p->nsub]) == -1)
			return -1;
		p->nsub++;
	}
	return 0;
}

int
v2_problem_parse(const json_t *doc, struct v2_problem *out)
{
	const char *type, *detail, *instance;
	const json_t *st = json_object_get(doc, "status");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(doc) || opt_str(doc, "type", &type) == -1 ||
	    opt_str(doc, "detail", &detail) == -1 ||
	    opt_str(doc, "instance", &instance) == -1 ||
	    (st != NULL && !json_is_integer(st)) || parse_subs(doc, out) == -1)
		goto bad;
	out->type = v2_err_parse(type);
	if (type != NULL && type_suffix(type) != NULL)
		str_copy(
		    out->type_name, sizeof(out->type_name), type_suffix(type));
	out->status = st != NULL ? (long)json_integer_value(st) : 0;
	out->has_detail = detail != NULL;
	str_copy(out->detail, sizeof(out->detail), detail);
	str_copy(out->instance, sizeof(out->instance), instance);
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -1;
}

const char *
v2_problem_type(const json_t *doc)
{
	const char *t = json_string_value(json_object_get(doc, "type"));

	if (t == NULL || (t = type_suffix(t)) == NULL)
		return "";
	return t;
}

int
v2_is_bad_nonce(long http_status, const json_t *doc)
{
	const char *type = json_string_value(json_object_get(doc, "type"));

	/* Only the full RFC 8555 URN: a v1 spelling is not the CA's. */
	return http_status == 400 && type != NULL &&
	    strcmp(type, V2_PREFIX "badNonce") == 0;
}
