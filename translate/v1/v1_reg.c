/* v1_reg.c: the rules of new-reg and reg (v1_rules.h), Boulder's WFE1
 * details kept byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "v1_rules.h"

int
v1_signer_check(int rc, enum account_status status, struct problem *p)
{
	if (rc == 1)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "No registration exists matching provided key");
	if (rc != 0)
		return problem_set(p, V1E_SERVER_INTERNAL, 500, "store error");
	if (status != ACCOUNT_VALID)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "Registration is not valid, has status '%s'",
		    account_status_name(status));
	return 0;
}

int
v1_new_reg_check(int rc, struct problem *p)
{
	if (rc == 0)
		return problem_set(p, V1E_MALFORMED, 409,
		    "Registration key is already in use");
	if (rc == -1)
		return problem_set(p, V1E_SERVER_INTERNAL, 500, "store error");
	return 0;
}

int
v1_reg_owner(long long signer_id, long long url_id, struct problem *p)
{
	if (signer_id != url_id)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "Request signing key did not match registration key");
	return 0;
}

/* Boulder took any mailto: URL; the bridge also refuses what could not be
 * an address or would break a header (space, CR, LF, comma, angles). */
static int
contact_ok(const char *s)
{
	return s != NULL && strncmp(s, "mailto:", 7) == 0 &&
	    strlen(s) <= V1_CONTACT_LEN && strchr(s, '@') != NULL &&
	    strpbrk(s, " \r\n,<>") == NULL;
}

static int
contact_check(const json_t *c, struct problem *p)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(c) || json_array_size(c) > V1_CONTACT_MAX)
		return problem_set(p, V1E_MALFORMED, 400,
		    "contact must be an array of at most %d URLs",
		    V1_CONTACT_MAX);
	json_array_foreach(c, i, v)
		if (!contact_ok(json_string_value(v)))
			return problem_set(p, V1E_INVALID_EMAIL, 400,
			    "contact %zu is not a mailto: address", i);
	return 0;
}

static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* An agreement: "" (none), or one of t's URLs. */
static int
agreement_check(const json_t *a, const struct v1_terms *t, struct problem *p)
{
	const char *s = json_string_value(a);
	size_t n = strlen(t->base);

	if (!json_is_string(a))
		return problem_set(
		    p, V1E_MALFORMED, 400, "agreement must be a string");
	if (s[0] == '\0' ||
	    (strncmp(s, t->base, n) == 0 && strcmp(s + n, "/terms") == 0) ||
	    same(s, t->upstream) || same(s, t->current))
		return 0;
	return problem_set(p, V1E_MALFORMED, 400,
	    "Provided agreement URL [%.200s] does not match current agreement "
	    "URL [%s/terms]",
	    s, t->base);
}

int
v1_reg_payload(const json_t *payload, const struct v1_terms *t,
    struct v1_reg_update *u, struct problem *p)
{
	const json_t *c = json_object_get(payload, "contact");
	const json_t *a = json_object_get(payload, "agreement");

	memset(u, 0, sizeof(*u));
	if (c != NULL && !json_is_null(c) && contact_check(c, p) == -1)
		return -1;
	if (a != NULL && !json_is_null(a)) {
		if (agreement_check(a, t, p) == -1)
			return -1;
		u->agreement = json_string_value(a);
	}
	if (c != NULL && !json_is_null(c) &&
	    (u->contact = json_dumps(c, JSON_COMPACT)) == NULL)
		return problem_set(
		    p, V1E_SERVER_INTERNAL, 500, "out of memory");
	return 0;
}

void
v1_reg_update_clear(struct v1_reg_update *u)
{
	free(u->contact);
	memset(u, 0, sizeof(*u));
}

int
v1_reg_status(const json_t *payload, enum account_status cur,
    enum v1_reg_status *out, struct problem *p)
{
	const json_t *st = json_object_get(payload, "status");
	const char *s = json_string_value(st);

	/* Boulder: a status equal to the current one (clients POST their
	 * whole registration back) or empty is ignored; "deactivated"
	 * deactivates, whatever else the update holds; others are refused. */
	*out = V1_REG_KEEP;
	if (st == NULL || json_is_null(st) ||
	    (s != NULL &&
		(s[0] == '\0' || strcmp(s, account_status_name(cur)) == 0)))
		return 0;
	if (s != NULL && strcmp(s, "deactivated") == 0) {
		*out = V1_REG_DEACTIVATE;
		return 0;
	}
	return problem_set(
	    p, V1E_MALFORMED, 400, "Invalid value provided for status field");
}
