/* v1_manage_rules.c: the rules of revoke-cert and key-change
 * (v1_rules.h). */
#include <stdio.h>
#include <string.h>

#include "jwk.h"
#include "v1_rules.h"

#define REASONS \
	"unspecified (0), keyCompromise (1), affiliationChanged (3), " \
	"superseded (4), cessationOfOperation (5)"
#define URL_MAX 400 /* "<base>/acme/reg/<id>": base is at most 320 */

int
v1_revoke_reason(const json_t *payload, int *reason, struct problem *p)
{
	const json_t *r = json_object_get(payload, "reason");
	json_int_t v;

	*reason = -1;
	if (r == NULL || json_is_null(r))
		return 0;
	if (!json_is_integer(r))
		return problem_set(p, V1E_MALFORMED, 400,
		    "reason must be an integer. Supported reasons: " REASONS);
	v = json_integer_value(r);
	/* 2 (cACompromise) and above 5 are the CA's to give. */
	if (v != 0 && v != 1 && (v < 3 || v > 5))
		return problem_set(p, V1E_MALFORMED, 400,
		    "unsupported revocation reason code provided: %lld. "
		    "Supported reasons: " REASONS,
		    (long long)v);
	*reason = (int)v;
	return 0;
}

int
v1_revoke_target(int rc, const struct store_cert *c, const unsigned char *der,
    size_t len, struct problem *p)
{
	if (rc == -1)
		return problem_set(p, V1E_SERVER_INTERNAL, 500, "store error");
	/* Same serial is not enough: another CA's certificate may share it. */
	if (rc == 1 || c->der_len != len || memcmp(c->der, der, len) != 0)
		return problem_set(p, V1E_MALFORMED, 404,
		    "unknown certificate: "
		    "Certificate not found (not issued through this bridge)");
	if (c->revoked)
		return problem_set(
		    p, V1E_MALFORMED, 409, "Certificate already revoked");
	return 0;
}

int
v1_revoke_allowed(int by_cert_key, int rc, const struct store_account *signer,
    long long owner_id, enum v1_revoker *out, struct problem *p)
{
	if (by_cert_key) {
		*out = V1_REVOKER_CERT_KEY;
		return 0;
	}
	if (rc == -1)
		return problem_set(p, V1E_SERVER_INTERNAL, 500, "store error");
	if (rc == 0 && signer->status != ACCOUNT_VALID)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "Registration is not valid, has status '%s'",
		    account_status_name(signer->status));
	if (rc != 0 || signer->id != owner_id)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "Revocation request must be signed by private key of cert "
		    "to be revoked, or by the account key of the account that "
		    "issued it.");
	*out = V1_REVOKER_ACCOUNT;
	return 0;
}

int
v1_revoke_unexpired(long long not_after, long long now, struct problem *p)
{
	if (not_after <= now)
		return problem_set(
		    p, V1E_UNAUTHORIZED, 403, "Certificate is expired");
	return 0;
}

int
v1_key_change_allowed(enum account_mode mode, struct problem *p)
{
	if (mode == ACCOUNT_IMPORTED)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "key-change is not "
		    "available for an imported account (its key is the "
		    "account key at the CA)");
	return 0;
}

int
v1_key_change_check(const char *base, long long acct_id,
    const struct jws_v1 *in, v1_account_lookup fn, void *arg, long long *other,
    struct problem *p)
{
	const char *acct = json_string_value(
	    json_object_get(in->payload, "account"));
	const json_t *nk = json_object_get(in->payload, "newKey");
	char want[URL_MAX];
	int rc;

	*other = 0;
	snprintf(want, sizeof(want), "%s/acme/reg/%lld", base, acct_id);
	if (acct == NULL || strcmp(acct, want) != 0)
		return problem_set(p, V1E_MALFORMED, 400,
		    "Incorrect account URL provided in payload (want %s)",
		    want);
	if (!json_is_object(nk) || !jwk_equal(nk, in->jwk))
		return problem_set(p, V1E_MALFORMED, 400,
		    "New JWK in inner "
		    "payload doesn't match key used to sign inner JWS");
	rc = fn(arg, in->thumbprint, other);
	if (rc == 0)
		return problem_set(p, V1E_MALFORMED, 409,
		    "New key is already in use for a different account");
	*other = 0;
	if (rc == -1)
		return problem_set(p, V1E_SERVER_INTERNAL, 500, "store error");
	return 0;
}
