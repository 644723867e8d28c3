/* test_v2.c: the RFC 8555 document parsers, enums and request bodies. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "t.h"
#include "v2.h"

static json_t *
J(const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);

	if (j == NULL)
		fprintf(stderr, "bad test JSON: %s\n", text);
	return j;
}

/* A string of n copies of c (static, n < 4096). */
static const char *
rep(char c, size_t n)
{
	static char buf[4096];

	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void
test_enums(void)
{
	static const char *const st[] = { "pending", "ready", "processing",
		"valid", "invalid", "deactivated", "expired", "revoked" };
	size_t i;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		CHECK(v2_status_parse(st[i]) == (enum v2_status)i);
		CHECK_STR(v2_status_name((enum v2_status)i), st[i]);
	}
	CHECK(v2_status_parse("Valid") == V2S_UNKNOWN);
	CHECK(v2_status_parse("") == V2S_UNKNOWN);
	CHECK(v2_status_parse(NULL) == V2S_UNKNOWN);
	CHECK_STR(v2_status_name(V2S_UNKNOWN), "unknown");
	CHECK_STR(v2_status_name((enum v2_status)99), "unknown");
	CHECK(v2_chall_type_parse("http-01") == V2C_HTTP01);
	CHECK(v2_chall_type_parse("dns-01") == V2C_DNS01);
	CHECK(v2_chall_type_parse("tls-alpn-01") == V2C_OTHER);
	CHECK(v2_chall_type_parse(NULL) == V2C_OTHER);
	CHECK_STR(v2_chall_type_name(V2C_HTTP01), "http-01");
	CHECK_STR(v2_chall_type_name(V2C_DNS01), "dns-01");
	CHECK_STR(v2_chall_type_name((enum v2_chall_type)7), "other");
}

static void
test_err_names(void)
{
	char urn[128];
	int i;

	/* Every known type reads back through its URN. */
	for (i = V2E_NONE + 1; i < V2E_OTHER; i++) {
		snprintf(urn, sizeof(urn), "urn:ietf:params:acme:error:%s",
		    v2_err_name((enum v2_err)i));
		CHECK(v2_err_parse(urn) == (enum v2_err)i);
		snprintf(urn, sizeof(urn), "urn:acme:error:%s",
		    v2_err_name((enum v2_err)i));
		CHECK(v2_err_parse(urn) == (enum v2_err)i);
	}
	CHECK(v2_err_parse("urn:ietf:params:acme:error:badNonce") ==
	    V2E_BAD_NONCE);
	CHECK(v2_err_parse("urn:ietf:params:acme:error:alreadyRevoked") ==
	    V2E_ALREADY_REVOKED);
	CHECK(v2_err_parse("urn:ietf:params:acme:error:nope") == V2E_OTHER);
	CHECK(v2_err_parse("badNonce") == V2E_OTHER);
	CHECK(v2_err_parse("about:blank") == V2E_OTHER);
	CHECK(v2_err_parse(NULL) == V2E_NONE);
	CHECK_STR(v2_err_name(V2E_NONE), "");
	CHECK_STR(v2_err_name(V2E_OTHER), "other");
	CHECK_STR(v2_err_name((enum v2_err)999), "other");
}

static void
test_problem(void)
{
	struct v2_problem p;
	json_t *j;

	j = J("{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
	      "\"detail\":\"no\",\"status\":400,\"instance\":\"https://i\","
	      "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:caa\","
	      "\"detail\":\"CAA forbids\",\"identifier\":{\"type\":\"dns\","
	      "\"value\":\"a.example\"}},{\"type\":"
	      "\"urn:ietf:params:acme:error:dns\"}]}");
	CHECK(v2_problem_parse(j, &p) == 0);
	CHECK(p.type == V2E_REJECTED_IDENTIFIER);
	CHECK_STR(p.type_name, "rejectedIdentifier");
	CHECK(p.status == 400);
	CHECK(p.has_detail);
	CHECK_STR(p.detail, "no");
	CHECK_STR(p.instance, "https://i");
	CHECK(p.nsub == 2);
	CHECK(p.sub[0].type == V2E_CAA);
	CHECK_STR(p.sub[0].identifier, "a.example");
	CHECK_STR(p.sub[0].detail, "CAA forbids");
	CHECK(p.sub[1].type == V2E_DNS);
	CHECK_STR(p.sub[1].identifier, "");
	CHECK_STR(p.sub[1].detail, "dns"); /* the type speaks for it */
	json_decref(j);

	/* Optional members: all absent. */
	j = J("{}");
	CHECK(v2_problem_parse(j, &p) == 0);
	CHECK(p.type == V2E_NONE && p.status == 0 && !p.has_detail);
	CHECK_STR(p.type_name, "");
	json_decref(j);
	j = J("{\"type\":\"urn:ietf:params:acme:error:whatever\"}");
	CHECK(v2_problem_parse(j, &p) == 0);
	CHECK(p.type == V2E_OTHER);
	CHECK_STR(p.type_name, "whatever");
	json_decref(j);
	j = J("{\"type\":\"about:blank\"}");
	CHECK(v2_problem_parse(j, &p) == 0);
	CHECK(p.type == V2E_OTHER);
	CHECK_STR(p.type_name, "");
	json_decref(j);
}

static void
test_problem_errors(void)
{
	static const char *const bad[] = {
		"[]",
		"\"text\"",
		"{\"type\":7}",
		"{\"detail\":[]}",
		"{\"instance\":false}",
		"{\"status\":\"400\"}",
		"{\"status\":4.5}",
		"{\"subproblems\":{}}",
		"{\"subproblems\":[1]}",
		"{\"subproblems\":[{\"type\":1}]}",
		"{\"subproblems\":[{\"detail\":1}]}",
		"{\"subproblems\":[{\"identifier\":\"a\"}]}",
		"{\"subproblems\":[{\"identifier\":{\"value\":1}}]}",
	};
	struct v2_problem p;
	char text[1024];
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = J(bad[i]);
		memset(&p, 0x5a, sizeof(p));
		CHECK(v2_problem_parse(j, &p) == -1);
		CHECK(p.type == V2E_NONE && p.nsub == 0); /* left empty */
		json_decref(j);
	}
	CHECK(v2_problem_parse(NULL, &p) == -1);
	/* An oversize identifier is refused; oversize prose is cut. */
	snprintf(text, sizeof(text),
	    "{\"subproblems\":[{\"identifier\":{\"value\":\"%s\"}}]}",
	    rep('a', V2_NAME_MAX + 1));
	j = J(text);
	CHECK(v2_problem_parse(j, &p) == -1);
	json_decref(j);
	j = json_pack("{s:s}", "detail", rep('d', 3000));
	CHECK(v2_problem_parse(j, &p) == 0);
	CHECK(strlen(p.detail) == V2_DETAIL_MAX - 1);
	json_decref(j);
	/* More subproblems than kept: the first V2_SUB_MAX. */
	j = json_pack("{s:[]}", "subproblems");
	for (i = 0; i < V2_SUB_MAX + 5; i++)
		json_array_append_new(json_object_get(j, "subproblems"),
		    json_pack("{s:s}", "detail", "x"));
	CHECK(v2_problem_parse(j, &p) == 0);
	CHECK(p.nsub == V2_SUB_MAX);
	json_decref(j);
}

static void
test_problem_type(void)
{
	json_t *a = J("{\"type\":\"urn:ietf:params:acme:error:rateLimited\"}");
	json_t *b = J("{\"type\":\"urn:ietf:params:acme:error:newThing\"}");
	json_t *c = J("{\"type\":\"http-01\",\"status\":\"valid\"}");
	json_t *d = J("{\"type\":\"urn:acme:error:malformed\"}");

	CHECK_STR(v2_problem_type(a), "rateLimited");
	CHECK_STR(v2_problem_type(b), "newThing"); /* as the CA gave it */
	CHECK_STR(v2_problem_type(c), "");	   /* a challenge, no problem */
	CHECK_STR(v2_problem_type(d), "malformed");
	CHECK_STR(v2_problem_type(NULL), "");
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}

static void
test_bad_nonce(void)
{
	json_t *j = J("{\"type\":\"urn:ietf:params:acme:error:badNonce\"}");
	json_t *k = J("{\"type\":\"urn:ietf:params:acme:error:malformed\"}");
	json_t *v1 = J("{\"type\":\"urn:acme:error:badNonce\"}");

	CHECK(v2_is_bad_nonce(400, j) == 1);
	CHECK(v2_is_bad_nonce(403, j) == 0);
	CHECK(v2_is_bad_nonce(400, k) == 0);
	CHECK(v2_is_bad_nonce(400, v1) == 0);
	CHECK(v2_is_bad_nonce(400, NULL) == 0);
	json_decref(j);
	json_decref(k);
	json_decref(v1);
}

static void
test_directory(void)
{
	struct v2_directory d;
	char why[128];
	json_t *j;

	j = J("{\"newNonce\":\"https://ca/nn\",\"newAccount\":\"https://ca/na\","
	      "\"newOrder\":\"https://ca/no\",\"revokeCert\":\"https://ca/rc\","
	      "\"keyChange\":\"https://ca/kc\",\"meta\":{\"termsOfService\":"
	      "\"https://ca/tos\"}}");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == 0);
	CHECK_STR(d.new_nonce, "https://ca/nn");
	CHECK_STR(d.new_account, "https://ca/na");
	CHECK_STR(d.new_order, "https://ca/no");
	CHECK_STR(d.revoke_cert, "https://ca/rc");
	CHECK_STR(d.key_change, "https://ca/kc");
	CHECK_STR(d.terms_of_service, "https://ca/tos");
	v2_directory_clear(&d);
	CHECK(d.new_nonce == NULL);
	json_decref(j);

	/* Optional members absent or unusable: left out. */
	j = J("{\"newNonce\":\"n\",\"newAccount\":\"a\",\"newOrder\":\"o\","
	      "\"revokeCert\":\"\",\"keyChange\":5,\"meta\":[]}");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == 0);
	CHECK(d.revoke_cert == NULL && d.key_change == NULL &&
	    d.terms_of_service == NULL);
	v2_directory_clear(&d);
	json_decref(j);

	j = J("[]");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == -1);
	CHECK_STR(why, "directory is not a JSON object");
	json_decref(j);
	j = J("{\"newAccount\":\"a\",\"newOrder\":\"o\"}");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == -1);
	CHECK_STR(why, "directory lacks newNonce");
	CHECK(d.new_account == NULL); /* cleared */
	json_decref(j);
	/* a v1 directory (Let's Encrypt's acme-v01 shape) is named as such */
	j = J("{\"new-reg\":\"r\",\"new-authz\":\"a\",\"new-cert\":\"c\","
	      "\"revoke-cert\":\"v\",\"key-change\":\"k\"}");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == -1);
	CHECK(strstr(why, "ACME v1 directory") != NULL);
	CHECK(strstr(why, "RFC 8555") != NULL);
	json_decref(j);
	j = J("{\"new-authz\":\"a\"}");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == -1);
	CHECK(strstr(why, "ACME v1 directory") != NULL);
	json_decref(j);
	j = J("{\"newNonce\":\"n\",\"newAccount\":\"\",\"newOrder\":\"o\"}");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == -1);
	CHECK_STR(why, "directory lacks newAccount");
	json_decref(j);
	j = J("{\"newNonce\":\"n\",\"newAccount\":\"a\",\"newOrder\":1}");
	CHECK(v2_directory_parse(j, &d, why, sizeof(why)) == -1);
	CHECK_STR(why, "directory lacks newOrder");
	json_decref(j);
}

static void
test_account(void)
{
	static const char *const bad[] = { "[]", "{}", "{\"status\":1}",
		"{\"status\":\"active\"}",
		"{\"status\":\"valid\",\"orders\":3}",
		"{\"status\":\"valid\",\"orders\":\"\"}" };
	struct v2_account a;
	size_t i;
	json_t *j;

	j = J("{\"status\":\"valid\",\"orders\":\"https://ca/o\"}");
	CHECK(v2_account_parse(j, &a) == 0);
	CHECK(a.status == V2S_VALID);
	CHECK_STR(a.orders, "https://ca/o");
	v2_account_clear(&a);
	json_decref(j);
	j = J("{\"status\":\"deactivated\"}");
	CHECK(v2_account_parse(j, &a) == 0);
	CHECK(a.status == V2S_DEACTIVATED && a.orders == NULL);
	v2_account_clear(&a);
	json_decref(j);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = J(bad[i]);
		CHECK(v2_account_parse(j, &a) == -1);
		CHECK(a.orders == NULL);
		json_decref(j);
	}
}

static void
test_order(void)
{
	struct v2_order o;
	json_t *j;

	j = J("{\"status\":\"valid\",\"finalize\":\"https://ca/f\","
	      "\"certificate\":\"https://ca/c\",\"authorizations\":"
	      "[\"https://ca/a1\",\"https://ca/a2\"]}");
	CHECK(v2_order_parse(j, &o) == 0);
	CHECK(o.status == V2S_VALID);
	CHECK_STR(o.finalize, "https://ca/f");
	CHECK_STR(o.certificate, "https://ca/c");
	CHECK(o.nauthz == 2);
	CHECK_STR(o.authz[0], "https://ca/a1");
	CHECK_STR(o.authz[1], "https://ca/a2");
	CHECK(o.error == NULL);
	v2_order_clear(&o);
	CHECK(o.authz == NULL && o.nauthz == 0);
	json_decref(j);

	j = J("{\"status\":\"invalid\",\"finalize\":\"f\",\"authorizations\":"
	      "[],\"error\":{\"type\":\"urn:ietf:params:acme:error:badCSR\","
	      "\"detail\":\"bad\"}}");
	CHECK(v2_order_parse(j, &o) == 0);
	CHECK(o.status == V2S_INVALID && o.nauthz == 0 &&
	    o.certificate == NULL);
	CHECK(o.error != NULL && o.error->type == V2E_BAD_CSR);
	CHECK_STR(o.error->detail, "bad");
	v2_order_clear(&o);
	json_decref(j);
}

static void
test_order_errors(void)
{
	static const char *const bad[] = {
		"[]",
		"{\"finalize\":\"f\",\"authorizations\":[]}",
		"{\"status\":\"weird\",\"finalize\":\"f\",\"authorizations\":[]}",
		"{\"status\":\"ready\",\"authorizations\":[]}",
		"{\"status\":\"ready\",\"finalize\":\"\",\"authorizations\":[]}",
		"{\"status\":\"ready\",\"finalize\":\"f\"}",
		"{\"status\":\"ready\",\"finalize\":\"f\",\"authorizations\":{}}",
		"{\"status\":\"ready\",\"finalize\":\"f\",\"authorizations\":"
		"[\"a\",2]}",
		"{\"status\":\"ready\",\"finalize\":\"f\",\"authorizations\":"
		"[\"\"]}",
		"{\"status\":\"ready\",\"finalize\":\"f\",\"authorizations\":[],"
		"\"certificate\":7}",
		"{\"status\":\"ready\",\"finalize\":\"f\",\"authorizations\":[],"
		"\"error\":\"no\"}",
	};
	struct v2_order o;
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = J(bad[i]);
		CHECK(v2_order_parse(j, &o) == -1);
		CHECK(o.finalize == NULL && o.authz == NULL && o.error == NULL);
		json_decref(j);
	}
	/* Too many authorizations for one order. */
	j = json_pack("{s:s, s:s, s:[]}", "status", "pending", "finalize",
	    "f", "authorizations");
	for (i = 0; i <= V2_ORDER_MAX; i++)
		json_array_append_new(
		    json_object_get(j, "authorizations"), json_string("a"));
	CHECK(v2_order_parse(j, &o) == -1);
	json_decref(j);
}

static void
test_authz(void)
{
	const struct v2_challenge *c;
	struct v2_authz z;
	json_t *j;

	j = J("{\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"},"
	      "\"status\":\"pending\",\"wildcard\":false,\"challenges\":["
	      "{\"type\":\"tls-alpn-01\",\"url\":\"https://ca/c0\","
	      "\"status\":\"pending\",\"token\":\"t0\"},"
	      "{\"type\":\"http-01\",\"url\":\"https://ca/c1\","
	      "\"status\":\"invalid\",\"token\":\"t1\",\"error\":{\"type\":"
	      "\"urn:ietf:params:acme:error:incorrectResponse\","
	      "\"detail\":\"wrong\"}},"
	      "{\"type\":\"dns-01\",\"url\":\"https://ca/c2\","
	      "\"status\":\"valid\"}]}");
	CHECK(v2_authz_parse(j, &z) == 0);
	CHECK_STR(z.name, "a.example");
	CHECK(z.status == V2S_PENDING && !z.wildcard && z.nchall == 3);
	CHECK(z.chall[0].type == V2C_OTHER);
	c = v2_authz_challenge(&z, V2C_HTTP01);
	CHECK(c == &z.chall[1]);
	CHECK(c != NULL && c->status == V2S_INVALID);
	CHECK(c != NULL && strcmp(c->url, "https://ca/c1") == 0);
	CHECK(c != NULL && strcmp(c->token, "t1") == 0);
	CHECK(c != NULL && c->error != NULL &&
	    c->error->type == V2E_INCORRECT_RESPONSE);
	c = v2_authz_challenge(&z, V2C_DNS01);
	CHECK(c != NULL && c->status == V2S_VALID && c->token[0] == '\0' &&
	    c->error == NULL);
	v2_authz_clear(&z);
	CHECK(z.nchall == 0);
	json_decref(j);

	j = J("{\"identifier\":{\"type\":\"dns\",\"value\":\"b.example\"},"
	      "\"status\":\"valid\",\"wildcard\":true,\"challenges\":[]}");
	CHECK(v2_authz_parse(j, &z) == 0);
	CHECK(z.status == V2S_VALID && z.wildcard && z.nchall == 0);
	CHECK(v2_authz_challenge(&z, V2C_HTTP01) == NULL);
	v2_authz_clear(&z);
	json_decref(j);
}

static void
test_authz_errors(void)
{
#define ID "\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"}"
#define CH(x) "{" ID ",\"status\":\"pending\",\"challenges\":[" x "]}"
	static const char *const bad[] = {
		"[]",
		"{\"status\":\"pending\",\"challenges\":[]}",
		"{\"identifier\":\"a\",\"status\":\"pending\",\"challenges\":[]}",
		"{\"identifier\":{\"type\":\"ip\",\"value\":\"1.2.3.4\"},"
		"\"status\":\"pending\",\"challenges\":[]}",
		"{\"identifier\":{\"type\":\"dns\",\"value\":\"\"},"
		"\"status\":\"pending\",\"challenges\":[]}",
		"{\"identifier\":{\"type\":\"dns\"},"
		"\"status\":\"pending\",\"challenges\":[]}",
		"{" ID ",\"challenges\":[]}",
		"{" ID ",\"status\":\"ready-ish\",\"challenges\":[]}",
		"{" ID ",\"status\":\"pending\"}",
		"{" ID ",\"status\":\"pending\",\"challenges\":{}}",
		"{" ID ",\"status\":\"pending\",\"wildcard\":1,\"challenges\":[]}",
		CH("1"),
		CH("{\"url\":\"u\",\"status\":\"pending\"}"),
		CH("{\"type\":\"http-01\",\"status\":\"pending\"}"),
		CH("{\"type\":\"http-01\",\"url\":\"\",\"status\":\"pending\"}"),
		CH("{\"type\":\"http-01\",\"url\":\"u\"}"),
		CH("{\"type\":\"http-01\",\"url\":\"u\",\"status\":\"nope\"}"),
		CH("{\"type\":\"http-01\",\"url\":\"u\",\"status\":\"pending\","
		   "\"token\":5}"),
		CH("{\"type\":\"http-01\",\"url\":\"u\",\"status\":\"pending\","
		   "\"error\":[]}"),
	};
	struct v2_challenge c;
	struct v2_authz z;
	char text[2048];
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = J(bad[i]);
		CHECK(v2_authz_parse(j, &z) == -1);
		CHECK(z.nchall == 0 && z.name[0] == '\0');
		json_decref(j);
	}
	/* Oversize identifier and token. */
	snprintf(text, sizeof(text),
	    "{\"identifier\":{\"type\":\"dns\",\"value\":\"%s\"},"
	    "\"status\":\"pending\",\"challenges\":[]}",
	    rep('a', V2_NAME_MAX + 1));
	j = J(text);
	CHECK(v2_authz_parse(j, &z) == -1);
	json_decref(j);
	snprintf(text, sizeof(text),
	    "{\"type\":\"http-01\",\"url\":\"u\",\"status\":\"pending\","
	    "\"token\":\"%s\"}",
	    rep('t', V2_TOKEN_MAX + 1));
	j = J(text);
	CHECK(v2_challenge_parse(j, &c) == -1);
	CHECK(c.url == NULL);
	json_decref(j);
	snprintf(text, sizeof(text),
	    "{\"type\":\"http-01\",\"url\":\"u\",\"status\":\"pending\","
	    "\"token\":\"%s\"}",
	    rep('t', V2_TOKEN_MAX));
	j = J(text);
	CHECK(v2_challenge_parse(j, &c) == 0);
	CHECK(strlen(c.token) == V2_TOKEN_MAX);
	v2_challenge_clear(&c);
	json_decref(j);
	/* More challenges than an authorization may carry. */
	j = J(CH(""));
	for (i = 0; i <= V2_CHALL_MAX; i++)
		json_array_append_new(json_object_get(j, "challenges"),
		    json_pack("{s:s, s:s, s:s}", "type", "http-01", "url", "u",
			"status", "pending"));
	CHECK(v2_authz_parse(j, &z) == -1);
	CHECK(z.nchall == 0);
	json_decref(j);
#undef CH
#undef ID
}

static void
test_bodies(void)
{
	const char *names[2] = { "a.example", "b.example" };
	json_t *eab;
	char *s;

	s = v2_body_new_account(0);
	CHECK_STR(s, "{\"termsOfServiceAgreed\":true}");
	free(s);
	s = v2_body_new_account(1);
	CHECK_STR(s, "{\"onlyReturnExisting\":true}");
	free(s);
	eab = json_pack("{s:s, s:s, s:s}", "protected", "P", "payload", "Y",
	    "signature", "S");
	s = v2_body_new_account_eab(eab);
	CHECK_STR(s, "{\"termsOfServiceAgreed\":true,\"externalAccountBinding\":"
		     "{\"protected\":\"P\",\"payload\":\"Y\",\"signature\":\"S\"}}");
	free(s);
	CHECK(v2_body_new_account_eab(NULL) == NULL);
	json_decref(eab);
	s = v2_body_new_order(names, 2);
	CHECK_STR(s, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
		     "\"a.example\"},{\"type\":\"dns\",\"value\":\"b.example\"}]}");
	free(s);
	CHECK(v2_body_new_order(names, 0) == NULL);
	CHECK(v2_body_new_order(NULL, 1) == NULL);
	s = v2_body_finalize("Q1NS");
	CHECK_STR(s, "{\"csr\":\"Q1NS\"}");
	free(s);
	CHECK(v2_body_finalize(NULL) == NULL);
	s = v2_body_deactivate();
	CHECK_STR(s, "{\"status\":\"deactivated\"}");
	free(s);
	s = v2_body_revoke("Q0VSVA", 4);
	CHECK_STR(s, "{\"certificate\":\"Q0VSVA\",\"reason\":4}");
	free(s);
	s = v2_body_revoke("Q0VSVA", -1);
	CHECK_STR(s, "{\"certificate\":\"Q0VSVA\"}");
	free(s);
	CHECK(v2_body_revoke(NULL, 0) == NULL);
}

int
main(void)
{
	test_enums();
	test_err_names();
	test_problem();
	test_problem_errors();
	test_problem_type();
	test_bad_nonce();
	test_directory();
	test_account();
	test_order();
	test_order_errors();
	test_authz();
	test_authz_errors();
	test_bodies();
	return T_DONE();
}
