/* test_problem.c: v1 problem documents and the v2 -> v1 mapping
 * (problem_v2.c, fed through the v2 problem parser as the flow does). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "problem.h"
#include "problem_v2.h"
#include "v2.h"
#include "t.h"

/* The old problem_from_v2: a document that is not a problem maps as none. */
static void
from_v2(struct problem *p, long status, const json_t *doc, const char *what)
{
	struct v2_problem q;

	if (v2_problem_parse(doc, &q) == -1)
		problem_v2_map(p, status, NULL, what);
	else
		problem_v2_map(p, status, &q, what);
}

/* The type suffix of doc as parsed, "" when none. */
static const char *
v2type(const json_t *doc)
{
	static struct v2_problem q;

	return v2_problem_parse(doc, &q) == -1 ? "" : q.type_name;
}

static void
test_set(void)
{
	struct problem p;
	char big[2 * PROBLEM_DETAIL_MAX];

	memset(&p, 0xa5, sizeof(p));
	CHECK(problem_set(&p, V1E_MALFORMED, 400, "bad %s %d", "thing", 7) == -1);
	CHECK_STR(problem_v1_name(p.type), "malformed");
	CHECK(p.status == 400);
	CHECK_STR(p.detail, "bad thing 7");
	CHECK(p.retry_after == 0);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(problem_set(&p, V1E_SERVER_INTERNAL, 500, "%s", big) == -1);
	CHECK(strlen(p.detail) == PROBLEM_DETAIL_MAX - 1);
}

static void
test_v1_json(void)
{
	struct problem p;
	json_t *o;
	char *s;

	problem_set(&p, V1E_MALFORMED, 409, "Registration key is already in use");
	o = problem_v1_json(&p);
	CHECK(o != NULL);
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	CHECK_STR(s, "{\"type\":\"urn:acme:error:malformed\","
	    "\"detail\":\"Registration key is already in use\",\"status\":409}");
	free(s);
	json_decref(o);

	problem_set(&p, V1E_BAD_NONCE, 400, "JWS has an invalid anti-replay nonce: \"x\"");
	o = problem_v1_json(&p);
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	CHECK_STR(s, "{\"type\":\"urn:acme:error:badNonce\","
	    "\"detail\":\"JWS has an invalid anti-replay nonce: \\\"x\\\"\","
	    "\"status\":400}");
	free(s);
	json_decref(o);
}

/* Every RFC 8555 section 6.7 type, the v1 type and status it becomes, and
 * how the detail reads for an upstream "upstream says no". */
static const struct {
	const char *v2;		/* type suffix sent upstream */
	const char *v1;
	int status;
	const char *detail;
} map[] = {
	{ "accountDoesNotExist", "unauthorized", 403,
	  "the CA does not know this registration's upstream account "
	  "(newOrder; deactivated upstream, or --upstream now names another "
	  "CA?): upstream says no" },
	{ "alreadyRevoked", "malformed", 409, "Certificate already revoked" },
	{ "badCSR", "badCSR", 400, "the CA refused newOrder: upstream says no" },
	{ "badNonce", "serverInternal", 503,
	  "upstream kept rejecting nonces: the CA answered newOrder with "
	  "badNonce to every retry (try again later): upstream says no" },
	{ "badPublicKey", "badPublicKey", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "badRevocationReason", "malformed", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "badSignatureAlgorithm", "malformed", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "caa", "caa", 403, "the CA refused newOrder: upstream says no" },
	{ "compound", "malformed", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "connection", "connection", 400,
	  "the CA could not validate the name (newOrder): upstream says no" },
	{ "dns", "dns", 400,
	  "the CA could not validate the name (newOrder): upstream says no" },
	{ "externalAccountRequired", "unauthorized", 403,
	  "the CA requires External Account Binding: set eab_kid and "
	  "eab_hmac_key (docs/config.md); its answer to newOrder: upstream "
	  "says no" },
	{ "incorrectResponse", "unauthorized", 403,
	  "the CA could not validate the name (newOrder): upstream says no" },
	{ "invalidContact", "invalidEmail", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "malformed", "malformed", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "orderNotReady", "malformed", 403,
	  "the CA refused newOrder: upstream says no" },
	{ "rateLimited", "rateLimited", 429,
	  "the CA rate-limited newOrder: upstream says no" },
	{ "rejectedIdentifier", "rejectedIdentifier", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "serverInternal", "serverInternal", 503,
	  "the CA failed newOrder (try again later): upstream says no" },
	{ "tls", "tls", 400,
	  "the CA could not validate the name (newOrder): upstream says no" },
	{ "unauthorized", "unauthorized", 403,
	  "the CA refused newOrder: upstream says no" },
	{ "unsupportedContact", "invalidEmail", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "unsupportedIdentifier", "unsupportedIdentifier", 400,
	  "the CA refused newOrder: upstream says no" },
	{ "userActionRequired", "unauthorized", 403,
	  "the CA requires action from the account holder before newOrder "
	  "(new terms of service?): upstream says no" },
	/* not in RFC 8555: the upstream status decides (500 here) */
	{ "somethingNew", "serverInternal", 503,
	  "the CA failed newOrder (try again later): upstream says no" },
};

static void
test_map(void)
{
	struct problem p;
	json_t *doc;
	char type[128];
	const char *pfx[] = { "urn:ietf:params:acme:error:", "urn:acme:error:" };
	size_t i, j;

	CHECK(sizeof(map) / sizeof(map[0]) == 25);	/* 24 RFC types + 1 */
	for (j = 0; j < 2; j++)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			snprintf(type, sizeof(type), "%s%s", pfx[j], map[i].v2);
			doc = json_pack("{s:s, s:s, s:i}", "type", type,
			    "detail", "upstream says no", "status", 400);
			memset(&p, 0, sizeof(p));
			p.retry_after = 7;
			from_v2(&p, 500, doc, "newOrder");
			if (strcmp(problem_v1_name(p.type), map[i].v1) != 0 ||
			    p.status != map[i].status)
				fprintf(stderr, "  (%s)\n", map[i].v2);
			CHECK_STR(problem_v1_name(p.type), map[i].v1);
			CHECK(p.status == map[i].status);
			CHECK(p.retry_after == 0);
			CHECK_STR(p.detail, map[i].detail);
			CHECK_STR(v2type(doc), map[i].v2);
			json_decref(doc);
			CHECK(p.type != V1E_NONE);
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
	from_v2(&p, 400, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "rejectedIdentifier");
	CHECK(p.status == 400);
	CHECK_STR(p.detail,
	    "the CA refused newOrder: Order includes forbidden names");
	json_decref(doc);

	/* unknown type, upstream 4xx -> malformed with that status */
	doc = json_pack("{s:s, s:s}", "type", "urn:ietf:params:acme:error:new",
	    "detail", "d");
	from_v2(&p, 404, doc, "order");
	CHECK_STR(problem_v1_name(p.type), "malformed");
	CHECK(p.status == 404);
	CHECK_STR(p.detail, "the CA refused order: d");
	json_decref(doc);

	/* unknown type with 429: a rate limit all the same */
	from_v2(&p, 429, NULL, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "rateLimited");
	CHECK(p.status == 429);
	doc = json_pack("{s:s, s:s}", "type", "urn:example:slowDown",
	    "detail", "later");
	from_v2(&p, 429, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "rateLimited");
	CHECK(p.status == 429);
	CHECK_STR(p.detail, "the CA rate-limited newOrder: later");
	json_decref(doc);

	/* object without type, upstream 5xx: a failing CA, 503 */
	doc = json_pack("{s:s}", "detail", "boom");
	from_v2(&p, 502, doc, "finalize");
	CHECK_STR(problem_v1_name(p.type), "serverInternal");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "the CA failed finalize (try again later): boom");
	json_decref(doc);

	/* an object with neither type nor detail */
	doc = json_pack("{s:s}", "error", "x");
	from_v2(&p, 500, doc, "order");
	CHECK_STR(problem_v1_name(p.type), "serverInternal");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "the CA failed order (try again later): HTTP 500");
	json_decref(doc);

	/* a type but no detail */
	doc = json_pack("{s:s}", "type", "urn:ietf:params:acme:error:badCSR");
	from_v2(&p, 400, doc, "finalize");
	CHECK_STR(problem_v1_name(p.type), "badCSR");
	CHECK_STR(p.detail, "the CA refused finalize: error badCSR");
	json_decref(doc);

	/* a non-ACME type namespace */
	doc = json_pack("{s:s, s:s}", "type", "about:blank", "detail", "x");
	CHECK_STR(v2type(doc), "");
	from_v2(&p, 500, doc, "w");
	CHECK_STR(problem_v1_name(p.type), "serverInternal");
	CHECK(p.status == 503);
	json_decref(doc);

	/* transport failure, NULL doc */
	from_v2(&p, 0, NULL, "newAccount");
	CHECK_STR(problem_v1_name(p.type), "serverInternal");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "upstream newAccount failed");

	/* 5xx without a problem document */
	from_v2(&p, 502, NULL, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "serverInternal");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "upstream newOrder answered HTTP 502 without a "
	    "problem document (try again later)");

	/* non-object doc, transport failure */
	doc = json_string("not an object");
	from_v2(&p, 0, doc, "finalize");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "upstream finalize failed");
	CHECK_STR(v2type(doc), "");
	json_decref(doc);

	/* NULL doc with 4xx: not the client's fault either */
	from_v2(&p, 404, NULL, "authorization");
	CHECK_STR(problem_v1_name(p.type), "serverInternal");
	CHECK(p.status == 503);
	CHECK_STR(p.detail, "upstream authorization answered HTTP 404 "
	    "without a problem document (try again later)");

	/* NULL what */
	from_v2(&p, 503, NULL, NULL);
	CHECK_STR(p.detail, "upstream request answered HTTP 503 without a "
	    "problem document (try again later)");

	CHECK_STR(v2type(NULL), "");

	/* rateLimited: retry_after is the caller's */
	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:rateLimited", "detail", "slow down");
	p.retry_after = 99;
	from_v2(&p, 429, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "rateLimited");
	CHECK(p.status == 429);
	CHECK(p.retry_after == 0);
	json_decref(doc);

	/* compound with subproblems of different types */
	doc = json_loads("{\"type\":\"urn:ietf:params:acme:error:compound\","
	    "\"detail\":\"Cannot issue\",\"subproblems\":["
	    "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
	    "\"detail\":\"forbidden\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"a.example\"}},"
	    "{\"type\":\"urn:ietf:params:acme:error:caa\","
	    "\"detail\":\"CAA says no\"}]}", 0, NULL);
	CHECK(doc != NULL);
	from_v2(&p, 400, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "malformed");
	CHECK(p.status == 400);
	CHECK_STR(p.detail, "the CA refused newOrder: Cannot issue; "
	    "a.example: forbidden; CAA says no");
	CHECK_STR(v2type(doc), "compound");
	json_decref(doc);

	/* compound whose subproblems agree: their type */
	doc = json_loads("{\"type\":\"urn:ietf:params:acme:error:compound\","
	    "\"detail\":\"Cannot issue for 2 names\",\"subproblems\":["
	    "{\"type\":\"urn:ietf:params:acme:error:caa\","
	    "\"detail\":\"CAA forbids\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"a.example\"}},"
	    "{\"type\":\"urn:ietf:params:acme:error:caa\","
	    "\"identifier\":{\"type\":\"dns\",\"value\":\"b.example\"}}]}",
	    0, NULL);
	CHECK(doc != NULL);
	from_v2(&p, 403, doc, "finalize");
	CHECK_STR(problem_v1_name(p.type), "caa");
	CHECK(p.status == 403);
	CHECK_STR(p.detail, "the CA refused finalize: Cannot issue for 2 "
	    "names; a.example: CAA forbids; b.example: caa");
	json_decref(doc);

	/* Boulder's rejectedIdentifier with per-name subproblems */
	doc = json_loads("{\"type\":\"urn:ietf:params:acme:error:"
	    "rejectedIdentifier\",\"detail\":\"Cannot issue for "
	    "\\\"x.local\\\": Domain name does not end with a valid public "
	    "suffix (TLD) (and 1 more problems. Refer to sub-problems for "
	    "more information.)\",\"status\":400,\"subproblems\":["
	    "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
	    "\"detail\":\"Domain name does not end with a valid public "
	    "suffix (TLD)\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"x.local\"}},"
	    "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
	    "\"detail\":\"Domain name contains an invalid character\","
	    "\"identifier\":{\"type\":\"dns\",\"value\":\"y_.example\"}}]}",
	    0, NULL);
	CHECK(doc != NULL);
	from_v2(&p, 400, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "rejectedIdentifier");
	CHECK(p.status == 400);
	CHECK(strstr(p.detail, "; x.local: Domain name does not end with a "
	    "valid public suffix (TLD)") != NULL);
	CHECK(strstr(p.detail, "; y_.example: Domain name contains an "
	    "invalid character") != NULL);
	json_decref(doc);
}

/* Let's Encrypt specifics, with the CA's own words. */
static void
test_letsencrypt(void)
{
	struct problem p;
	json_t *doc;
	char url[1200], det[2 * PROBLEM_DETAIL_MAX];
	size_t i;

	/* an account paused for names that kept failing validation: the
	 * unpause URL (a long JWT) must reach the v1 client whole */
	snprintf(url, sizeof(url), "%s",
	    "https://portal.letsencrypt.org/sfe/v1/unpause?jwt=");
	for (i = strlen(url); i < 900; i++)
		url[i] = (char)('a' + i % 26);
	url[i] = '\0';
	snprintf(det, sizeof(det), "Your account is temporarily prevented "
	    "from requesting certificates for a.example.com, b.example.com "
	    "and possibly others. Please visit: %s", url);
	doc = json_pack("{s:s, s:s, s:i}", "type",
	    "urn:ietf:params:acme:error:rateLimited", "detail", det,
	    "status", 429);
	from_v2(&p, 429, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "rateLimited");
	CHECK(p.status == 429);
	CHECK(strncmp(p.detail, "the CA has paused this account for these "
	    "names (newOrder); the account holder must open the unpause URL",
	    103) == 0);
	CHECK(strstr(p.detail, url) != NULL);
	CHECK(strstr(p.detail, "a.example.com, b.example.com") != NULL);
	json_decref(doc);

	/* the same as unauthorized */
	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:unauthorized", "detail",
	    "Your account is temporarily prevented from requesting "
	    "certificates for c.example.com and possibly others. Please "
	    "visit: https://portal.letsencrypt.org/sfe/v1/unpause?jwt=abc");
	from_v2(&p, 403, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "unauthorized");
	CHECK(p.status == 403);
	CHECK(strstr(p.detail, "has paused this account") != NULL);
	CHECK(strstr(p.detail, "unpause?jwt=abc") != NULL);
	json_decref(doc);

	/* an ordinary rate limit is not a pause; the CA's text stays */
	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:rateLimited", "detail",
	    "too many certificates (5) already issued for this exact set of "
	    "identifiers in the last 168h0m0s, retry after 2026-01-01 "
	    "00:00:00 UTC: see https://letsencrypt.org/docs/rate-limits/"
	    "#new-certificates-per-exact-set-of-hostnames");
	from_v2(&p, 429, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "rateLimited");
	CHECK(strncmp(p.detail, "the CA rate-limited newOrder: too many "
	    "certificates (5)", 55) == 0);
	CHECK(strstr(p.detail, "#new-certificates-per-exact-set-of-hostnames")
	    != NULL);
	json_decref(doc);

	/* badCSR, caa, dns, connection as Boulder words them */
	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:badCSR", "detail",
	    "Error finalizing order :: CSR contains more than one public key");
	from_v2(&p, 400, doc, "finalize");
	CHECK_STR(problem_v1_name(p.type), "badCSR");
	CHECK(p.status == 400);
	CHECK_STR(p.detail, "the CA refused finalize: Error finalizing order "
	    ":: CSR contains more than one public key");
	json_decref(doc);

	doc = json_pack("{s:s, s:s}", "type", "urn:ietf:params:acme:error:caa",
	    "detail", "CAA record for example.com prevents issuance");
	from_v2(&p, 403, doc, "finalize");
	CHECK_STR(problem_v1_name(p.type), "caa");
	CHECK(p.status == 403);
	json_decref(doc);

	doc = json_pack("{s:s, s:s}", "type", "urn:ietf:params:acme:error:dns",
	    "detail", "DNS problem: NXDOMAIN looking up A for x.example.com");
	from_v2(&p, 403, doc, "validation");
	CHECK_STR(problem_v1_name(p.type), "dns");
	CHECK(p.status == 400);
	CHECK(strstr(p.detail, "NXDOMAIN looking up A") != NULL);
	json_decref(doc);

	/* userActionRequired: the instance URL is what the holder needs */
	doc = json_pack("{s:s, s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:userActionRequired", "detail",
	    "Terms of service have changed", "instance",
	    "https://example.com/acme/agreement/?token=W8Ih3PswD-8");
	from_v2(&p, 403, doc, "newOrder");
	CHECK_STR(problem_v1_name(p.type), "unauthorized");
	CHECK(p.status == 403);
	CHECK_STR(p.detail, "the CA requires action from the account holder "
	    "before newOrder (new terms of service?): Terms of service have "
	    "changed (see https://example.com/acme/agreement/"
	    "?token=W8Ih3PswD-8)");
	json_decref(doc);

	/* a detail longer than the room: truncated, never overflowing */
	memset(det, 'x', sizeof(det) - 1);
	det[sizeof(det) - 1] = '\0';
	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:malformed", "detail", det);
	from_v2(&p, 400, doc, "newOrder");
	CHECK(strlen(p.detail) == PROBLEM_DETAIL_MAX - 1);
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
		CHECK_STR(authz_status_name(problem_v2_authz_status(v2_status_parse(tab[i].in))), tab[i].authz);
		CHECK_STR(problem_v2_chall_status(v2_status_parse(tab[i].in)), tab[i].chall);
	}
	CHECK_STR(authz_status_name(problem_v2_authz_status(v2_status_parse(NULL))), "pending");
	CHECK_STR(problem_v2_chall_status(v2_status_parse(NULL)), "pending");
}

/* problem_v2_flow: each source of a flow failure as the v1 answer. */
static void
test_flow_failure(void)
{
	struct flow_failure ff;
	struct problem p;
	json_t *doc;

	memset(&ff, 0, sizeof(ff));
	memset(&p, 0x5a, sizeof(p));
	problem_v2_flow(&p, &ff); /* no failure: the run was stopped */
	CHECK(p.type == V1E_NONE && p.status == 0 && p.detail[0] == '\0');
	CHECK(p.retry_after == 0);

	CHECK(flow_failure_set(&ff, V2E_UNAUTHORIZED, 403, "authz is %s",
		  "invalid") == -1);
	problem_v2_flow(&p, &ff);
	CHECK_STR(problem_v1_name(p.type), "unauthorized");
	CHECK(p.status == 403);
	CHECK_STR(p.detail, "authz is invalid");
	flow_failure_set(&ff, V2E_SERVER_INTERNAL, 504, "timed out");
	problem_v2_flow(&p, &ff);
	CHECK_STR(problem_v1_name(p.type), "serverInternal");
	CHECK(p.status == 504);
	CHECK_STR(p.detail, "timed out");

	/* Upstream without a document: by its HTTP status. */
	memset(&ff, 0, sizeof(ff));
	ff.source = FLOW_FAILED_UPSTREAM;
	ff.http_status = 429;
	snprintf(ff.what, sizeof(ff.what), "newOrder");
	ff.retry_after = 60;
	problem_v2_flow(&p, &ff);
	CHECK_STR(problem_v1_name(p.type), "rateLimited");
	CHECK(p.status == 429 && p.retry_after == 60);
	CHECK(strstr(p.detail, "newOrder") != NULL);

	/* Upstream with a document: as problem_v2_map, plus Retry-After. */
	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:rateLimited", "detail", "too many");
	CHECK(v2_problem_parse(doc, &ff.doc) == 0);
	json_decref(doc);
	ff.has_doc = 1;
	ff.type = ff.doc.type;
	ff.retry_after = 0;
	problem_v2_flow(&p, &ff);
	CHECK_STR(problem_v1_name(p.type), "rateLimited");
	CHECK_STR(p.detail, "the CA rate-limited newOrder: too many");
	CHECK(p.retry_after == 0);
}

/* A failed challenge's v1 error: type mapped, detail verbatim. */
static void
test_chall_error(void)
{
	struct v2_problem e;
	json_t *doc, *o;
	char *s;

	doc = json_pack("{s:s, s:s}", "type",
	    "urn:ietf:params:acme:error:incorrectResponse", "detail",
	    "The key authorization file from the server did not match");
	CHECK(v2_problem_parse(doc, &e) == 0);
	json_decref(doc);
	o = problem_v2_chall_error(&e);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_STR(s, "{\"type\":\"urn:acme:error:unauthorized\",\"detail\":"
		     "\"The key authorization file from the server did not "
		     "match\",\"status\":403}");
	free(s);
	json_decref(o);

	/* No detail: the bridge's wording for the type. */
	doc = json_pack("{s:s}", "type", "urn:ietf:params:acme:error:dns");
	CHECK(v2_problem_parse(doc, &e) == 0);
	json_decref(doc);
	o = problem_v2_chall_error(&e);
	CHECK_STR(json_string_value(json_object_get(o, "type")),
	    "urn:acme:error:dns");
	CHECK_STR(json_string_value(json_object_get(o, "detail")),
	    "the CA could not validate the name (validation): error dns");
	CHECK(json_integer_value(json_object_get(o, "status")) == 400);
	json_decref(o);
}

int
main(void)
{
	test_set();
	test_v1_json();
	test_map();
	test_map_edges();
	test_letsencrypt();
	test_status();
	test_flow_failure();
	test_chall_error();
	return T_DONE();
}
