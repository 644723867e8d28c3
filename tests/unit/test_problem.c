/* test_problem.c: v1 problem documents and the v2 -> v1 mapping. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "problem.h"
#include "t.h"

static void
test_set(void)
{
	struct problem p;
	char big[2 * PROBLEM_DETAIL_MAX];

	memset(&p, 0xa5, sizeof(p));
	CHECK(problem_set(&p, "malformed", 400, "bad %s %d", "thing", 7) == -1);
	CHECK_STR(p.type, "malformed");
	CHECK(p.status == 400);
	CHECK_STR(p.detail, "bad thing 7");
	CHECK(p.retry_after == 0);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(problem_set(&p, "serverInternal", 500, "%s", big) == -1);
	CHECK(strlen(p.detail) == PROBLEM_DETAIL_MAX - 1);
}

static void
test_v1_json(void)
{
	struct problem p;
	json_t *o;
	char *s;

	problem_set(&p, "malformed", 409, "Registration key is already in use");
	o = problem_v1_json(&p);
	CHECK(o != NULL);
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	CHECK_STR(s, "{\"type\":\"urn:acme:error:malformed\","
	    "\"detail\":\"Registration key is already in use\",\"status\":409}");
	free(s);
	json_decref(o);

	problem_set(&p, "badNonce", 400, "JWS has an invalid anti-replay nonce: \"x\"");
	o = problem_v1_json(&p);
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	CHECK_STR(s, "{\"type\":\"urn:acme:error:badNonce\","
	    "\"detail\":\"JWS has an invalid anti-replay nonce: \\\"x\\\"\","
	    "\"status\":400}");
	free(s);
	json_decref(o);
}

static const struct {
	const char *v2;		/* type suffix sent upstream */
	const char *v1;
	int status;
} map[] = {
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
	{ "somethingNew", "serverInternal", 500 },
};

static void
test_map(void)
{
	struct problem p;
	json_t *doc;
	char type[128], want[PROBLEM_DETAIL_MAX];
	const char *pfx[] = { "urn:ietf:params:acme:error:", "urn:acme:error:" };
	size_t i, j;

	for (j = 0; j < 2; j++)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			snprintf(type, sizeof(type), "%s%s", pfx[j], map[i].v2);
			doc = json_pack("{s:s, s:s, s:i}", "type", type,
			    "detail", "upstream says no", "status", 400);
			memset(&p, 0, sizeof(p));
			problem_from_v2(&p, 500, doc, "newOrder");
			CHECK_STR(p.type, map[i].v1);
			if (p.status != map[i].status)
				fprintf(stderr, "  (%s)\n", map[i].v2);
			CHECK(p.status == map[i].status);
			CHECK(p.retry_after == 0);
			if (strcmp(map[i].v2, "alreadyRevoked") == 0)
				snprintf(want, sizeof(want),
				    "Certificate already revoked");
			else
				snprintf(want, sizeof(want),
				    "newOrder: upstream says no");
			CHECK_STR(p.detail, want);
			CHECK_STR(problem_v2_type(doc), map[i].v2);
			json_decref(doc);
			/* p->type must not point into doc (ASan would see) */
			CHECK(p.type != NULL && strlen(p.type) > 0);
		}
}

static void
test_map_edges(void)
{
	struct problem p;
	json_t *doc;

	/* the task's example */
	doc = json_pack("{s:s, s:s, s:i}",
	    "type", "urn:ietf:params:acme:error:rejectedIdentifier",
	    "detail", "Order includes forbidden names", "status", 400);
	problem_from_v2(&p, 400, doc, "newOrder");
	CHECK_STR(p.type, "rejectedIdentifier");
	CHECK(p.status == 400);
	CHECK_STR(p.detail, "newOrder: Order includes forbidden names");
	json_decref(doc);

	/* unknown type, upstream 4xx -> malformed with that status */
	doc = json_pack("{s:s, s:s}", "type", "urn:ietf:params:acme:error:new",
	    "detail", "d");
	problem_from_v2(&p, 404, doc, "order");
	CHECK_STR(p.type, "malformed");
	CHECK(p.status == 404);
	CHECK_STR(p.detail, "order: d");
	json_decref(doc);

	/* object without type, upstream 5xx */
	doc = json_pack("{s:s}", "detail", "boom");
	problem_from_v2(&p, 502, doc, "finalize");
	CHECK_STR(p.type, "serverInternal");
	CHECK(p.status == 500);
	CHECK_STR(p.detail, "finalize: boom");
	json_decref(doc);

	/* a non-ACME type namespace */
	doc = json_pack("{s:s, s:s}", "type", "about:blank", "detail", "x");
	CHECK_STR(problem_v2_type(doc), "");
	problem_from_v2(&p, 500, doc, "w");
	CHECK_STR(p.type, "serverInternal");
	json_decref(doc);

	/* transport failure, NULL doc */
	problem_from_v2(&p, 0, NULL, "newAccount");
	CHECK_STR(p.type, "serverInternal");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "upstream newAccount failed");

	/* 5xx without a problem document */
	problem_from_v2(&p, 502, NULL, "newOrder");
	CHECK_STR(p.type, "serverInternal");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "upstream newOrder answered HTTP 502");

	/* non-object doc, transport failure */
	doc = json_string("not an object");
	problem_from_v2(&p, 0, doc, "finalize");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "upstream finalize failed");
	CHECK_STR(problem_v2_type(doc), "");
	json_decref(doc);

	/* NULL doc with 4xx */
	problem_from_v2(&p, 404, NULL, "authz");
	CHECK_STR(p.type, "malformed");
	CHECK(p.status == 404);

	CHECK_STR(problem_v2_type(NULL), "");

	/* rateLimited: retry_after is the caller's */
	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:rateLimited", "detail", "slow down");
	p.retry_after = 99;
	problem_from_v2(&p, 429, doc, "newOrder");
	CHECK_STR(p.type, "rateLimited");
	CHECK(p.status == 429);
	CHECK(p.retry_after == 0);
	json_decref(doc);

	/* compound with subproblems */
	doc = json_loads("{\"type\":\"urn:ietf:params:acme:error:compound\","
	    "\"detail\":\"Cannot issue\",\"subproblems\":["
	    "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
	    "\"detail\":\"forbidden\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"a.example\"}},"
	    "{\"type\":\"urn:ietf:params:acme:error:caa\","
	    "\"detail\":\"CAA says no\"}]}", 0, NULL);
	CHECK(doc != NULL);
	problem_from_v2(&p, 400, doc, "newOrder");
	CHECK_STR(p.type, "malformed");
	CHECK(p.status == 400);
	CHECK_STR(p.detail,
	    "newOrder: Cannot issue; a.example: forbidden; CAA says no");
	CHECK_STR(problem_v2_type(doc), "compound");
	json_decref(doc);
}

static void
test_status(void)
{
	static const struct { const char *in, *authz, *chall; } tab[] = {
		{ "pending", "pending", "pending" },
		{ "processing", "pending", "pending" },
		{ "valid", "valid", "valid" },
		{ "invalid", "invalid", "invalid" },
		{ "deactivated", "deactivated", "pending" },
		{ "expired", "invalid", "pending" },
		{ "revoked", "invalid", "pending" },
		{ "weird", "pending", "pending" },
		{ "", "pending", "pending" },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		CHECK_STR(problem_v1_authz_status(tab[i].in), tab[i].authz);
		CHECK_STR(problem_v1_chall_status(tab[i].in), tab[i].chall);
	}
	CHECK_STR(problem_v1_authz_status(NULL), "pending");
	CHECK_STR(problem_v1_chall_status(NULL), "pending");
}

int
main(void)
{
	test_set();
	test_v1_json();
	test_map();
	test_map_edges();
	test_status();
	return T_DONE();
}
