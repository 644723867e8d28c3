/* test_flow_dns.c: the dns-01 side of translate/flow: the TXT value of a
 * key authorization (flow_dns01_txt), the dns-01 SEND of a flow told to use
 * dns-01 for a name, and flow_abort (a hook that failed). Vectors computed
 * with: printf %s "$keyauth" | openssl dgst -sha256 -binary |
 *       basenc --base64url | tr -d = */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "flow.h"
#include "problem.h"
#include "problem_v2.h"
#include "t.h"

#define THUMB "THUMBprint_0123456789abcdefghijklmnopqrstuv"

static const struct flow_dir dir = {
	"https://ca/new-acct", "https://ca/new-order"
};

static void
test_txt(void)
{
	char out[FLOW_DNS01_TXT_LEN + 1];

	CHECK(flow_dns01_txt("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
	    "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI", out) == 0);
	CHECK_STR(out, "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM");
	CHECK(strlen(out) == FLOW_DNS01_TXT_LEN);
	CHECK(flow_dns01_txt("token." THUMB, out) == 0);
	CHECK_STR(out, "n5KN9HF7Fzf_DL6_gxsmgaWHolZdd1wBHd8EarAkqzc");
	/* The empty string still hashes (SHA-256 of nothing). */
	CHECK(flow_dns01_txt("", out) == 0);
	CHECK_STR(out, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
	CHECK(flow_dns01_txt(NULL, out) == -1);
	CHECK(out[0] == '\0');
}

static void
answer(struct flow *f, long status, json_t *body, const char *location,
    long long now, struct flow_action *a)
{
	struct flow_resp r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.json = body;
	r.location = location;
	r.retry_after = -1;
	flow_step(f, &r, now, a);
	json_decref(body);
}

/* A pending authorization with an http-01 and a dns-01 challenge. */
static json_t *
authz_both(const char *name)
{
	return json_pack("{s:{s:s, s:s}, s:s, s:[{s:s, s:s, s:s, s:s}, "
	    "{s:s, s:s, s:s, s:s}]}",
	    "identifier", "type", "dns", "value", name, "status", "pending",
	    "challenges",
	    "type", "http-01", "url", "https://ca/chall/http", "status",
	    "pending", "token", "httptoken",
	    "type", "dns-01", "url", "https://ca/chall/dns", "status",
	    "pending", "token", "token");
}

/* A flow told to use dns-01 answers the dns-01 challenge and says what to
 * provision; flow_abort then fails it with the given problem. */
static void
test_dns01_send_and_abort(void)
{
	const char *names[] = { "a.dns.example" };
	struct flow *f;
	struct flow_action a;
	struct flow_failure p;
	const struct flow_failure *got;
	struct problem v1;
	char txt[FLOW_DNS01_TXT_LEN + 1];

	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(flow_set_challenge(f, "a.dns.example", V2C_DNS01) == 0);
	flow_start(f, 0, &a);
	answer(f, 201, json_pack("{s:s, s:s, s:[s]}", "status", "pending",
	    "finalize", "https://ca/order/1/finalize", "authorizations",
	    "https://ca/authz/1"), "https://ca/order/1", 10, &a);
	CHECK(a.act == FLOW_SEND);
	answer(f, 200, authz_both("a.dns.example"), NULL, 20, &a);
	CHECK(a.act == FLOW_SEND && a.url != NULL &&
	    strcmp(a.url, "https://ca/chall/dns") == 0);
	CHECK(a.provision_type == V2C_DNS01);
	CHECK_STR(a.provision_name, "a.dns.example");
	CHECK_STR(a.provision_token, "token");
	CHECK_STR(a.provision_keyauth, "token." THUMB);
	CHECK(flow_dns01_txt(a.provision_keyauth, txt) == 0);
	CHECK_STR(txt, "n5KN9HF7Fzf_DL6_gxsmgaWHolZdd1wBHd8EarAkqzc");

	/* The hook failed: the flow fails with exactly that problem. */
	CHECK(flow_failure_set(&p, V2E_SERVER_INTERNAL, 500,
	    "dns-01 hook failed for %s: %s", "a.dns.example",
	    "hook exited with status 1") == -1);
	flow_abort(f, &p, &a);
	CHECK(a.act == FLOW_FAIL);
	got = flow_failure(f);
	CHECK(got->source == FLOW_FAILED_BRIDGE);
	CHECK(got->type == V2E_SERVER_INTERNAL);
	CHECK(got->http_status == 500);
	CHECK(!got->has_doc);
	CHECK_STR(got->detail, "dns-01 hook failed for a.dns.example: hook "
	    "exited with status 1");
	/* As v1: exactly that problem. */
	problem_v2_flow(&v1, got);
	CHECK_STR(problem_v1_name(v1.type), "serverInternal");
	CHECK(v1.status == 500);
	CHECK_STR(v1.detail, got->detail);
	CHECK(flow_authz_get(f, 0) != NULL &&
	    flow_authz_get(f, 0)->status == V2S_PENDING);
	/* Nothing more to do after the abort. */
	answer(f, 200, NULL, NULL, 30, &a);
	CHECK(a.act == FLOW_FAIL);
	flow_free(f);
}

/* Without flow_set_challenge the same authorization is answered with
 * http-01, as before. */
static void
test_http01_unchanged(void)
{
	const char *names[] = { "a.example" };
	struct flow *f;
	struct flow_action a;

	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	flow_start(f, 0, &a);
	answer(f, 201, json_pack("{s:s, s:s, s:[s]}", "status", "pending",
	    "finalize", "https://ca/order/1/finalize", "authorizations",
	    "https://ca/authz/1"), "https://ca/order/1", 10, &a);
	answer(f, 200, authz_both("a.example"), NULL, 20, &a);
	CHECK(a.act == FLOW_SEND && a.url != NULL &&
	    strcmp(a.url, "https://ca/chall/http") == 0);
	CHECK(a.provision_type == V2C_HTTP01);
	CHECK_STR(a.provision_token, "httptoken");
	flow_free(f);
}

int
main(void)
{
	test_txt();
	test_dns01_send_and_abort();
	test_http01_unchanged();
	return T_DONE();
}
