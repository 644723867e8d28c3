/* fuzz_v1_rules.c: the payload rules of each v1 operation (v1_rules.h) on
 * a payload the JWS carried (any JSON the client signed). The first byte
 * picks the rule; the rest is the payload's JSON text. The names asked for
 * also go through a name policy (v1_names_allowed). */
#include <stdio.h>

#include "csr.h"
#include "fuzz.h"
#include "jws.h"
#include "policy.h"
#include "v1_rules.h"

#define TP "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

static void
rule_reg(const json_t *pl, struct problem *p)
{
	const struct v1_terms t = { "http://bridge:4000",
		"https://ca.example/terms", NULL };
	struct v1_reg_update u;
	enum v1_reg_status st;

	if (v1_reg_payload(pl, &t, &u, p) == 0)
		v1_reg_update_clear(&u);
	(void)v1_reg_status(pl, ACCOUNT_VALID, &st, p);
}

/* The names a client asks for against a policy (checked once, as
 * config_load checks it). */
static void
names_allowed(const char *const *names, size_t n, struct problem *p)
{
	static json_t *rules;
	const struct policy_who w = { 7, TP, "10.1.2.3" };

	if (rules == NULL) {
		rules = json_loads(
		    "[{\"name\": \"web\", \"match\": "
		    "{\"addresses\": [\"10.0.0.0/8\"]}, "
		    "\"allow\": [\"*.example.com\", \"example.org\"]}]",
		    0, NULL);
		FUZZ_ASSERT(rules != NULL &&
		    policy_rules_check(rules, p->detail, sizeof(p->detail)) ==
			0);
	}
	(void)v1_names_allowed(rules, &w, names, n, p);
}

static void
rule_authz(const json_t *pl, struct problem *p)
{
	char name[V1_NAME_MAX];
	const char *names[1] = { name };
	struct store_authz z;
	char want[256];

	if (v1_authz_identifier(pl, name, p) == 0) {
		FUZZ_ASSERT(strlen(name) < V1_NAME_MAX && csr_name_valid(name));
		names_allowed(names, 1, p);
	}
	memset(&z, 0, sizeof(z));
	z.account_id = 7;
	z.status = AUTHZ_PENDING;
	snprintf(z.token, sizeof(z.token), "%s", "tok-Abc_123");
	(void)v1_key_authorization(pl, z.token, TP, want, sizeof(want), p);
	(void)v1_authz_deactivate_check(pl, &z, 7, p);
}

static void
csr_names(const unsigned char *der, size_t len, struct csr_names *names,
    struct problem *p)
{
	const char *list[CSR_MAX_NAMES];
	size_t i;

	if (csr_names_get(der, len, names, p) != 0)
		return;
	for (i = 0; i < names->n; i++)
		list[i] = names->names[i];
	names_allowed(list, names->n, p);
}

static void
rule_cert(const json_t *pl, struct problem *p)
{
	unsigned char *der = NULL;
	size_t len = 0;
	struct csr_names *names;
	int reason;

	if (v1_cert_csr(pl, &der, &len, p) == 0) {
		if ((names = malloc(sizeof(*names))) != NULL)
			csr_names(der, len, names, p);
		free(names);
		free(der);
	}
	if (v1_revoke_reason(pl, &reason, p) == 0)
		FUZZ_ASSERT(reason == -1 || (reason >= 0 && reason <= 5));
}

/* The key another account holds: its thumbprint starts with 'A'. */
static int
lookup(void *arg, const char *thumbprint, long long *id)
{
	(void)arg;
	if (thumbprint[0] != 'A')
		return 1;
	*id = 9;
	return 0;
}

static void
rule_key_change(const json_t *pl, struct problem *p)
{
	struct jws_v1 in;
	long long other = 0;

	if (jws_v1_verify_object(pl, &in, p) != 0)
		return;
	(void)v1_key_change_check(
	    "http://bridge:4000", 7, &in, lookup, NULL, &other, p);
	jws_v1_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const rule[])(const json_t *, struct problem *) = {
		rule_reg, rule_authz, rule_cert, rule_key_change
	};
	struct problem p;
	json_t *pl;

	if (size < 1)
		return 0;
	pl = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	if (pl == NULL)
		return 0;
	memset(&p, 0, sizeof(p));
	/* the front hands the rules a payload object; others too, here */
	rule[data[0] % (sizeof(rule) / sizeof(rule[0]))](pl, &p);
	json_decref(pl);
	return 0;
}
