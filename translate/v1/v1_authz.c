/* v1_authz.c: the rules of new-authz, authorization and challenge
 * resources (v1_rules.h). */
#include <stdio.h>
#include <string.h>

#include "csr.h"
#include "v1.h"
#include "v1_rules.h"

int
v1_authz_identifier(
    const json_t *payload, char name[V1_NAME_MAX], struct problem *p)
{
	const json_t *id = json_object_get(payload, "identifier");
	const char *type = json_string_value(json_object_get(id, "type"));
	const char *value = json_string_value(json_object_get(id, "value"));
	size_t i;

	if (type == NULL || value == NULL || type[0] == '\0' ||
	    value[0] == '\0')
		return problem_set(p, V1E_MALFORMED, 400,
		    "Invalid new-authorization request: missing identifier");
	if (strcmp(type, "dns") != 0)
		return problem_set(p, V1E_UNSUPPORTED_IDENTIFIER, 400,
		    "identifier type '%.20s' is not supported", type);
	if (strlen(value) >= V1_NAME_MAX)
		return problem_set(p, V1E_MALFORMED, 400, "name too long");
	/* ASCII only: a name with other bytes is refused just below. */
	for (i = 0; value[i] != '\0'; i++)
		name[i] = (char)(value[i] >= 'A' && value[i] <= 'Z'
			? value[i] + 32
			: value[i]);
	name[i] = '\0';
	if (!csr_name_valid(name))
		return problem_set(p, V1E_REJECTED_IDENTIFIER, 400,
		    "'%.253s' is not a valid DNS name for a certificate", name);
	return 0;
}

int
v1_names_allowed(const json_t *rules, const struct policy_who *w,
    const char *const *names, size_t n, struct problem *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (policy_name_allowed(rules, w, names[i], p) == -1)
			return -1;
	return 0;
}

int
v1_authz_found(
    int rc, const struct store_authz *z, long long now, struct problem *p)
{
	if (rc == -1)
		return problem_set(p, V1E_MALFORMED, 500, "store error");
	if (rc != 0)
		return problem_set(
		    p, V1E_MALFORMED, 404, "No such authorization");
	if (z->expires <= now)
		return problem_set(
		    p, V1E_MALFORMED, 404, "Expired authorization");
	return 0;
}

int
v1_chall_found(int rc, int idx, struct problem *p)
{
	if (rc == -1)
		return problem_set(p, V1E_MALFORMED, 500, "store error");
	if (rc != 0 || idx < 0 || idx >= V1_CHALL_COUNT)
		return problem_set(p, V1E_MALFORMED, 404, "No such challenge");
	return 0;
}

int
v1_chall_owner(
    const struct store_authz *z, long long signer_id, struct problem *p)
{
	if (z->account_id != signer_id)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "User registration ID doesn't match registration ID in "
		    "authorization");
	return 0;
}

int
v1_key_authorization(const json_t *payload, const char *token,
    const char *thumbprint, char *want, size_t wantlen, struct problem *p)
{
	const json_t *ka = json_object_get(payload, "keyAuthorization");
	int n;

	if (ka == NULL)
		return 0;
	n = snprintf(want, wantlen, "%s.%s", token, thumbprint);
	if (n < 0 || (size_t)n >= wantlen)
		return problem_set(
		    p, V1E_SERVER_INTERNAL, 500, "key authorization too long");
	if (!json_is_string(ka) || strcmp(json_string_value(ka), want) != 0)
		return problem_set(p, V1E_MALFORMED, 400,
		    "provided key authorization was incorrect");
	return 1;
}

int
v1_authz_deactivate_check(const json_t *payload, const struct store_authz *z,
    long long signer_id, struct problem *p)
{
	const char *st = json_string_value(json_object_get(payload, "status"));

	if (z->account_id != signer_id)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "Registration ID doesn't match ID for authorization");
	if (st == NULL || strcmp(st, "deactivated") != 0)
		return problem_set(p, V1E_MALFORMED, 400,
		    "Invalid status value: an authorization POST only "
		    "deactivates (\"status\": \"deactivated\")");
	if (z->status != AUTHZ_VALID && z->status != AUTHZ_PENDING)
		return problem_set(p, V1E_MALFORMED, 400,
		    "Only valid and pending authorizations can be deactivated "
		    "(this one is %s)",
		    authz_status_name(z->status));
	return 0;
}

#define REFRESH_RETRY_MAX_S 3600 /* a longer Retry-After is not believed */

int
v1_get_refreshes(const struct v1_refresh *r, long long now_ms, long interval_ms)
{
	if (r == NULL)
		return 1;
	if (r->in_flight > 0 || now_ms < r->not_before_ms)
		return 0;
	return r->last_ms == 0 || now_ms - r->last_ms >= interval_ms;
}

void
v1_refresh_done(struct v1_refresh *r, long long now_ms, long retry_after)
{
	long long nb;

	if (r->in_flight > 0)
		r->in_flight--;
	if (retry_after <= 0)
		return;
	if (retry_after > REFRESH_RETRY_MAX_S)
		retry_after = REFRESH_RETRY_MAX_S;
	nb = now_ms + (long long)retry_after * 1000;
	if (nb > r->not_before_ms)
		r->not_before_ms = nb;
}

int
v1_refresh_spent(const struct v1_refresh *r, long long now_ms, long interval_ms)
{
	return r->in_flight == 0 && now_ms >= r->not_before_ms &&
	    now_ms - r->last_ms >= interval_ms;
}
