/* test_policy.c: name policy rules, shared account groups, name patterns
 * (translate/v1/policy.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policy.h"
#include "problem.h"
#include "t.h"

#define TP_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define TP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-_"

static json_t *
js(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

	if (j == NULL)
		fprintf(stderr, "bad test JSON: %s: %s\n", text, e.text);
	return j;
}

/* check(text) must succeed */
static int
ok_with(int (*check)(const json_t *, char *, size_t), const char *text)
{
	char why[512] = "";
	json_t *j = js(text);
	int rc = j != NULL ? check(j, why, sizeof(why)) : -1;

	if (rc != 0)
		fprintf(stderr, "  refused %s: %s\n", text, why);
	json_decref(j);
	return rc == 0;
}

/* check(text) must fail with a reason containing want */
static int
bad_with(int (*check)(const json_t *, char *, size_t), const char *text,
    const char *want)
{
	char why[512] = "";
	json_t *j = js(text);
	int rc = j != NULL ? check(j, why, sizeof(why)) : 0;

	json_decref(j);
	if (rc != -1) {
		fprintf(stderr, "  accepted %s\n", text);
		return 0;
	}
	if (strstr(why, want) == NULL) {
		fprintf(stderr, "  %s: reason \"%s\" lacks \"%s\"\n", text, why,
		    want);
		return 0;
	}
	return 1;
}

/* --- patterns ----------------------------------------------------------- */

static void
test_patterns_check(void)
{
	char long_label[80], long_name[300];
	size_t i;

	CHECK(ok_with(policy_patterns_check, "[\"example.com\", \"*.example.org\","
	    " \"A.Example.COM\", \"*.com\", \"xn--bcher-kva.example\", \"a-b.c\"]"));
	CHECK(ok_with(policy_patterns_check, "[\"localhost\"]"));
	CHECK(bad_with(policy_patterns_check, "{}", "must be an array"));
	CHECK(bad_with(policy_patterns_check, "\"example.com\"", "must be an array"));
	CHECK(bad_with(policy_patterns_check, "[]", "is empty"));
	CHECK(bad_with(policy_patterns_check, "[\"*\"]", "not a pattern alone"));
	CHECK(bad_with(policy_patterns_check, "[\"ok.example\", \"a.*.b\"]",
	    "[1] \"a.*.b\""));
	CHECK(bad_with(policy_patterns_check, "[\"a.*.b\"]", "whole leading label"));
	CHECK(bad_with(policy_patterns_check, "[\"*example.com\"]",
	    "whole leading label"));
	CHECK(bad_with(policy_patterns_check, "[\"**.example.com\"]",
	    "whole leading label"));
	CHECK(bad_with(policy_patterns_check, "[\"*.*.example.com\"]",
	    "whole leading label"));
	CHECK(bad_with(policy_patterns_check, "[\"example.*\"]",
	    "whole leading label"));
	CHECK(bad_with(policy_patterns_check, "[\"*.\"]", "1.."));
	CHECK(bad_with(policy_patterns_check, "[\"\"]", "1.."));
	CHECK(bad_with(policy_patterns_check, "[\".example.com\"]", "empty label"));
	CHECK(bad_with(policy_patterns_check, "[\"example.com.\"]", "empty label"));
	CHECK(bad_with(policy_patterns_check, "[\"a..b\"]", "empty label"));
	CHECK(bad_with(policy_patterns_check, "[\"-a.example\"]", "'-'"));
	CHECK(bad_with(policy_patterns_check, "[\"a-.example\"]", "'-'"));
	CHECK(bad_with(policy_patterns_check, "[\"under_score.example\"]",
	    "not a letter"));
	CHECK(bad_with(policy_patterns_check, "[\"sp ace.example\"]",
	    "not a letter"));
	CHECK(bad_with(policy_patterns_check, "[3]", "[0] is not a string"));
	CHECK(bad_with(policy_patterns_check, "[\"a\\u0000b.example\"]",
	    "not a string"));
	memset(long_label, 'a', 64);
	snprintf(long_label + 64, sizeof(long_label) - 64, ".example");
	{
		json_t *j = json_pack("[s]", long_label);
		char why[256] = "";

		CHECK(policy_patterns_check(j, why, sizeof(why)) == -1);
		CHECK(strstr(why, "longer than 63") != NULL);
		json_decref(j);
	}
	long_label[1] = '.';		/* now labels of 1 and 62: fine */
	{
		json_t *j = json_pack("[s]", long_label);
		char why[256] = "";

		CHECK(policy_patterns_check(j, why, sizeof(why)) == 0);
		json_decref(j);
	}
	for (i = 0; i < 254; i += 2) {
		long_name[i] = 'a';
		long_name[i + 1] = '.';
	}
	long_name[253] = '\0';		/* 253 characters: the limit */
	long_name[252] = 'a';
	{
		json_t *j = json_pack("[s]", long_name);
		char why[256] = "";

		CHECK(policy_patterns_check(j, why, sizeof(why)) == 0);
		json_decref(j);
		long_name[253] = 'a';
		long_name[254] = '\0';	/* 254: too long */
		j = json_pack("[s]", long_name);
		CHECK(policy_patterns_check(j, why, sizeof(why)) == -1);
		CHECK(strstr(why, "1..253") != NULL);
		json_decref(j);
	}
}

static void
test_name_match(void)
{
	json_t *p = js("[\"exact.example\", \"*.example.org\", \"*.Mixed.Case\"]");

	CHECK(policy_name_match(p, "exact.example") == 1);
	CHECK(policy_name_match(p, "EXACT.example") == 1);
	CHECK(policy_name_match(p, "sub.exact.example") == 0);
	CHECK(policy_name_match(p, "xexact.example") == 0);
	CHECK(policy_name_match(p, "a.example.org") == 1);
	CHECK(policy_name_match(p, "a.b.example.org") == 1);
	CHECK(policy_name_match(p, "example.org") == 0);	/* strictly below */
	CHECK(policy_name_match(p, "aexample.org") == 0);
	CHECK(policy_name_match(p, "example.org.evil") == 0);
	CHECK(policy_name_match(p, "a.example.org.evil") == 0);
	CHECK(policy_name_match(p, "x.mixed.case") == 1);
	CHECK(policy_name_match(p, ".example.org") == 0);	/* not below */
	CHECK(policy_name_match(p, "other.example") == 0);
	CHECK(policy_name_match(p, NULL) == 0);
	CHECK(policy_name_match(NULL, "exact.example") == 0);
	json_decref(p);
}

/* --- rules: the checks ---------------------------------------------------- */

#define RULE(m, a) "[{\"name\": \"r\", \"match\": " m ", \"allow\": " a "}]"
#define ALLOW1 "[\"example.com\"]"

static void
test_rules_check_ok(void)
{
	CHECK(ok_with(policy_rules_check,
	    "[{\"name\": \"web-hosts\", \"match\": {\"accounts\": [3, 7],"
	    " \"thumbprints\": [\"" TP_A "\"], \"addresses\": [\"10.0.0.0/8\","
	    " \"192.0.2.7\"]}, \"allow\": [\"example.com\", \"*.example.org\"],"
	    " \"_comment\": \"the web servers\"},"
	    " {\"name\": \"everyone else\", \"match\": {\"any\": true},"
	    " \"allow\": [\"*.public.example\"]}]"));
	CHECK(ok_with(policy_rules_check, RULE("{\"addresses\": [\"0.0.0.0/0\","
	    " \"::/0\", \"192.0.2.7/32\", \"2001:db8::1/128\", \"2001:db8::/32\","
	    " \"2001:db8:8000::/33\", \"10.0.0.128/25\", \"::1\", \"fe80::/10\"]}",
	    ALLOW1)));
	CHECK(ok_with(policy_rules_check, RULE("{\"thumbprints\": [\"" TP_B "\"]}",
	    ALLOW1)));
}

static void
test_rules_check_bad(void)
{
	CHECK(bad_with(policy_rules_check, "{}", "must be an array"));
	CHECK(bad_with(policy_rules_check, "[]", "is empty"));
	CHECK(bad_with(policy_rules_check, "[3]", "rule [0] must be an object"));
	/* names */
	CHECK(bad_with(policy_rules_check, "[{\"match\": {\"any\": true},"
	    " \"allow\": " ALLOW1 "}]", "rule [0]: name must be"));
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"\", \"match\":"
	    " {\"any\": true}, \"allow\": " ALLOW1 "}]", "name must be 1..64"));
	CHECK(bad_with(policy_rules_check, "[{\"name\": 5, \"match\":"
	    " {\"any\": true}, \"allow\": " ALLOW1 "}]", "name must be"));
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"tab\\there\", \"match\":"
	    " {\"any\": true}, \"allow\": " ALLOW1 "}]", "printable"));
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"x234567890123456789012"
	    "3456789012345678901234567890123456789012345\", \"match\":"
	    " {\"any\": true}, \"allow\": " ALLOW1 "}]", "name must be 1..64"));
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"a\", \"match\":"
	    " {\"any\": true}, \"allow\": " ALLOW1 "}, {\"name\": \"a\","
	    " \"match\": {\"any\": true}, \"allow\": " ALLOW1 "}]",
	    "rule [1]: name 'a' is used twice"));
	/* members */
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"r\", \"match\":"
	    " {\"any\": true}, \"allows\": " ALLOW1 "}]",
	    "rule [0] 'r': unknown member 'allows'"));
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"r\", \"allow\": "
	    ALLOW1 "}]", "match must be an object"));
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"r\", \"match\":"
	    " {\"any\": true}}]", "allow is missing"));
	/* match */
	CHECK(bad_with(policy_rules_check, RULE("[]", ALLOW1),
	    "match must be an object"));
	CHECK(bad_with(policy_rules_check, RULE("{}", ALLOW1), "match is empty"));
	CHECK(bad_with(policy_rules_check, RULE("{\"address\": [\"1.2.3.4\"]}",
	    ALLOW1), "unknown member 'address'"));
	CHECK(bad_with(policy_rules_check, RULE("{\"any\": false}", ALLOW1),
	    "match.any must be true"));
	CHECK(bad_with(policy_rules_check, RULE("{\"accounts\": []}", ALLOW1),
	    "match.accounts must be a non-empty array"));
	CHECK(bad_with(policy_rules_check, RULE("{\"accounts\": 3}", ALLOW1),
	    "match.accounts must be a non-empty array"));
	CHECK(bad_with(policy_rules_check, RULE("{\"accounts\": [1, 0]}", ALLOW1),
	    "match.accounts[1]"));
	CHECK(bad_with(policy_rules_check, RULE("{\"accounts\": [-2]}", ALLOW1),
	    "integer >= 1"));
	CHECK(bad_with(policy_rules_check, RULE("{\"accounts\": [\"3\"]}", ALLOW1),
	    "match.accounts[0]"));
	CHECK(bad_with(policy_rules_check, RULE("{\"accounts\": [1.5]}", ALLOW1),
	    "match.accounts[0]"));
	CHECK(bad_with(policy_rules_check, RULE("{\"thumbprints\": [\"abc\"]}",
	    ALLOW1), "match.thumbprints[0] must be an RFC 7638"));
	CHECK(bad_with(policy_rules_check, RULE("{\"thumbprints\": [\""
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"]}", ALLOW1),
	    "43 base64url"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": []}", ALLOW1),
	    "match.addresses must be a non-empty array"));
	/* addresses and CIDRs */
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"10.0.0.0/33\"]}",
	    ALLOW1), "match.addresses[0] \"10.0.0.0/33\": prefix length must be 0..32"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"::/129\"]}",
	    ALLOW1), "prefix length must be 0..128"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"10.0.0.0/\"]}",
	    ALLOW1), "prefix length"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"10.0.0.0/08\"]}",
	    ALLOW1), "prefix length"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"10.0.0.0/-1\"]}",
	    ALLOW1), "prefix length"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"10.0.0.0/8/8\"]}",
	    ALLOW1), "prefix length"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"10.0.0.1/8\"]}",
	    ALLOW1), "bits set beyond the /8 prefix"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"192.0.2.7/31\"]}",
	    ALLOW1), "bits set beyond the /31"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"1.2.3.4/0\"]}",
	    ALLOW1), "bits set beyond the /0"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"2001:db8::1/64\"]}",
	    ALLOW1), "bits set beyond the /64"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"2001:db8:c000::/33\"]}",
	    ALLOW1), "bits set beyond the /33"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"1.2.3\"]}",
	    ALLOW1), "not an IPv4 or IPv6 address"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"256.1.1.1\"]}",
	    ALLOW1), "not an IPv4 or IPv6 address"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"example.com\"]}",
	    ALLOW1), "not an IPv4 or IPv6 address"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"/8\"]}",
	    ALLOW1), "not an IPv4 or IPv6 address"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"[::1]\"]}",
	    ALLOW1), "not an IPv4 or IPv6 address"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [\"::ffff:10.0.0.0/104\"]}",
	    ALLOW1), "IPv4-mapped"));
	CHECK(bad_with(policy_rules_check, RULE("{\"addresses\": [7]}", ALLOW1),
	    "match.addresses[0] must be a string"));
	/* allow */
	CHECK(bad_with(policy_rules_check, RULE("{\"any\": true}", "[]"),
	    "rule [0] 'r': allow: is empty"));
	CHECK(bad_with(policy_rules_check, RULE("{\"any\": true}", "\"a.example\""),
	    "allow: must be an array"));
	CHECK(bad_with(policy_rules_check, RULE("{\"any\": true}", "[\"*\"]"),
	    "allow: [0] \"*\": not a pattern alone"));
	CHECK(bad_with(policy_rules_check, RULE("{\"any\": true}",
	    "[\"ok.example\", \"a.*.b\"]"), "allow: [1] \"a.*.b\""));
	CHECK(bad_with(policy_rules_check, RULE("{\"any\": true}",
	    "[\"*example.com\"]"), "allow: [0] \"*example.com\""));
	/* the second rule is named in the reason */
	CHECK(bad_with(policy_rules_check, "[{\"name\": \"a\", \"match\":"
	    " {\"any\": true}, \"allow\": " ALLOW1 "}, {\"name\": \"b\","
	    " \"match\": {\"addresses\": [\"10.0.0.0/99\"]}, \"allow\": " ALLOW1
	    "}]", "rule [1] 'b': match.addresses[0]"));
}

/* --- rules: decisions ------------------------------------------------------ */

/* 1 when w (account id, thumbprint, addr) may have name under rules. */
static int
allowed(const json_t *rules, long long id, const char *tp, const char *addr,
    const char *name)
{
	struct policy_who w = { id, tp, addr };
	struct problem p;

	memset(&p, 0, sizeof(p));
	return policy_name_allowed(rules, &w, name, &p) == 0;
}

/* A one-rule policy matching addresses `cidr`, allowing "ok.example". */
static int
addr_covers(const char *cidr, const char *addr)
{
	char text[256];
	json_t *r;
	int rc;

	snprintf(text, sizeof(text), RULE("{\"addresses\": [\"%s\"]}",
	    "[\"ok.example\"]"), cidr);
	r = js(text);
	rc = allowed(r, 1, TP_A, addr, "ok.example");
	json_decref(r);
	return rc;
}

static void
test_cidr(void)
{
	/* /0 */
	CHECK(addr_covers("0.0.0.0/0", "192.0.2.1"));
	CHECK(addr_covers("0.0.0.0/0", "255.255.255.255"));
	CHECK(addr_covers("0.0.0.0/0", "::ffff:192.0.2.1"));	/* mapped */
	CHECK(!addr_covers("0.0.0.0/0", "2001:db8::1"));
	CHECK(addr_covers("::/0", "2001:db8::1"));
	CHECK(addr_covers("::/0", "::"));
	CHECK(!addr_covers("::/0", "192.0.2.1"));
	CHECK(!addr_covers("::/0", "::ffff:192.0.2.1"));	/* it is IPv4 */
	/* /32 and a bare IPv4 address */
	CHECK(addr_covers("192.0.2.7/32", "192.0.2.7"));
	CHECK(!addr_covers("192.0.2.7/32", "192.0.2.8"));
	CHECK(!addr_covers("192.0.2.7/32", "192.0.2.6"));
	CHECK(addr_covers("192.0.2.7", "192.0.2.7"));
	CHECK(addr_covers("192.0.2.7", "::ffff:192.0.2.7"));
	CHECK(!addr_covers("192.0.2.7", "192.0.2.70"));
	CHECK(addr_covers("127.0.0.1/32", "127.0.0.1"));
	/* partial bytes */
	CHECK(addr_covers("192.0.2.6/31", "192.0.2.6"));
	CHECK(addr_covers("192.0.2.6/31", "192.0.2.7"));
	CHECK(!addr_covers("192.0.2.6/31", "192.0.2.5"));
	CHECK(!addr_covers("192.0.2.6/31", "192.0.2.8"));
	CHECK(addr_covers("10.0.0.128/25", "10.0.0.200"));
	CHECK(addr_covers("10.0.0.128/25", "10.0.0.128"));
	CHECK(addr_covers("10.0.0.128/25", "10.0.0.255"));
	CHECK(!addr_covers("10.0.0.128/25", "10.0.0.127"));
	CHECK(addr_covers("10.0.0.0/8", "10.255.255.255"));
	CHECK(!addr_covers("10.0.0.0/8", "11.0.0.0"));
	CHECK(!addr_covers("10.0.0.0/8", "9.255.255.255"));
	CHECK(addr_covers("172.16.0.0/12", "172.31.255.255"));
	CHECK(!addr_covers("172.16.0.0/12", "172.32.0.0"));
	/* /128 and IPv6 spellings */
	CHECK(addr_covers("2001:db8::1/128", "2001:db8::1"));
	CHECK(addr_covers("2001:db8::1/128", "2001:0db8:0000:0:0::0001"));
	CHECK(!addr_covers("2001:db8::1/128", "2001:db8::2"));
	CHECK(addr_covers("2001:db8::1", "2001:DB8::1"));
	CHECK(addr_covers("2001:db8::/32", "2001:db8:ffff::1"));
	CHECK(!addr_covers("2001:db8::/32", "2001:db9::1"));
	CHECK(addr_covers("2001:db8:8000::/33", "2001:db8:8000::1"));
	CHECK(addr_covers("2001:db8:8000::/33", "2001:db8:ffff:ffff::1"));
	CHECK(!addr_covers("2001:db8:8000::/33", "2001:db8:7fff::1"));
	CHECK(addr_covers("::1", "::1"));
	CHECK(!addr_covers("::1", "127.0.0.1"));
	/* a zone is ignored */
	CHECK(addr_covers("fe80::/10", "fe80::1%eth0"));
	CHECK(!addr_covers("fe80::/10", "fec0::1"));
	/* not an address: no address rule matches */
	CHECK(!addr_covers("0.0.0.0/0", "garbage"));
	CHECK(!addr_covers("0.0.0.0/0", ""));
	CHECK(!addr_covers("0.0.0.0/0", NULL));
	CHECK(!addr_covers("::/0", "%eth0"));
	CHECK(!addr_covers("0.0.0.0/0", "10.0.0.1/8"));
}

static void
test_match_members(void)
{
	json_t *r = js("[{\"name\": \"r\", \"match\": {\"accounts\": [3, 7],"
	    " \"thumbprints\": [\"" TP_B "\"], \"addresses\": [\"10.0.0.0/8\"]},"
	    " \"allow\": [\"*.ok.example\"]}]");

	/* any one member is enough */
	CHECK(allowed(r, 3, TP_A, "192.0.2.1", "a.ok.example"));
	CHECK(allowed(r, 7, NULL, NULL, "a.ok.example"));
	CHECK(allowed(r, 5, TP_B, "192.0.2.1", "a.ok.example"));
	CHECK(allowed(r, 5, TP_A, "10.1.2.3", "a.ok.example"));
	CHECK(!allowed(r, 5, TP_A, "192.0.2.1", "a.ok.example"));
	CHECK(!allowed(r, 0, TP_A, "192.0.2.1", "a.ok.example"));
	CHECK(!allowed(r, 4, NULL, NULL, "a.ok.example"));
	/* matched, but the name is not allowed */
	CHECK(!allowed(r, 3, TP_A, "10.1.2.3", "ok.example"));
	CHECK(!allowed(r, 3, TP_A, "10.1.2.3", "b.bad.example"));
	json_decref(r);

	r = js(RULE("{\"any\": true}", "[\"pub.example\"]"));
	CHECK(allowed(r, 0, NULL, NULL, "pub.example"));
	CHECK(allowed(r, 99, TP_A, "2001:db8::1", "PUB.example"));
	CHECK(!allowed(r, 99, TP_A, "2001:db8::1", "other.example"));
	json_decref(r);
}

static void
test_name_allowed(void)
{
	struct policy_who w = { 3, TP_A, "192.0.2.1" };
	struct problem p;
	json_t *r;

	memset(&p, 0, sizeof(p));
	CHECK(policy_name_allowed(NULL, &w, "anything.example", &p) == 0);

	r = js("[{\"name\": \"web\", \"match\": {\"accounts\": [3]},"
	    " \"allow\": [\"*.ok.example\"]},"
	    " {\"name\": \"mail\", \"match\": {\"addresses\": [\"192.0.2.0/24\"]},"
	    " \"allow\": [\"mail.example\"]},"
	    " {\"name\": \"other\", \"match\": {\"accounts\": [4]},"
	    " \"allow\": [\"*.bad.example\"]}]");
	/* allowed by the first or the second matching rule */
	CHECK(policy_name_allowed(r, &w, "a.ok.example", &p) == 0);
	CHECK(policy_name_allowed(r, &w, "mail.example", &p) == 0);
	/* a rule that does not match the client does not allow anything */
	CHECK(policy_name_allowed(r, &w, "b.bad.example", &p) == -1);
	CHECK_STR(problem_v1_name(p.type), "unauthorized");
	CHECK(p.status == 403);
	CHECK(p.retry_after == 0);
	CHECK(strstr(p.detail, "b.bad.example") != NULL);
	CHECK(strstr(p.detail, "rules 'web', 'mail' match this client and do "
	    "not allow it") != NULL);
	CHECK(strstr(p.detail, "'other'") == NULL);

	/* one matching rule: singular */
	w.addr = "198.51.100.1";
	CHECK(policy_name_allowed(r, &w, "b.bad.example", &p) == -1);
	CHECK(strstr(p.detail, "rule 'web' matches this client and does not "
	    "allow it") != NULL);

	/* no rule matches: the client is described */
	w.account_id = 12;
	CHECK(policy_name_allowed(r, &w, "a.ok.example", &p) == -1);
	CHECK_STR(problem_v1_name(p.type), "unauthorized");
	CHECK(p.status == 403);
	CHECK(strstr(p.detail, "no rule matches this client (account 12, key "
	    "thumbprint " TP_A ", address 198.51.100.1)") != NULL);
	CHECK(strstr(p.detail, "a.ok.example") != NULL);
	w.thumbprint = NULL;
	w.addr = NULL;
	CHECK(policy_name_allowed(r, &w, "a.ok.example", &p) == -1);
	CHECK(strstr(p.detail, "key thumbprint -, address -") != NULL);
	json_decref(r);
}

/* Many matching rules with long names: the detail is cut with "...". */
static void
test_name_allowed_many(void)
{
	struct policy_who w = { 1, TP_A, "192.0.2.1" };
	struct problem p;
	json_t *rules = json_array();
	char name[80];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "a-rather-long-rule-name-number-%02d",
		    i);
		json_array_append_new(rules, json_pack("{s:s, s:{s:b}, s:[s]}",
		    "name", name, "match", "any", 1, "allow", "x.example"));
	}
	{
		char why[256];

		CHECK(policy_rules_check(rules, why, sizeof(why)) == 0);
	}
	memset(&p, 0, sizeof(p));
	CHECK(policy_name_allowed(rules, &w, "y.example", &p) == -1);
	CHECK(strstr(p.detail, "'a-rather-long-rule-name-number-00'") != NULL);
	CHECK(strstr(p.detail, "...") != NULL);
	CHECK(strstr(p.detail, "number-39") == NULL);
	CHECK(strlen(p.detail) < sizeof(p.detail));
	CHECK(policy_name_allowed(rules, &w, "x.example", &p) == 0);
	json_decref(rules);
}

/* --- accounts: checks and groups ------------------------------------------ */

static void
test_accounts_check(void)
{
	CHECK(ok_with(policy_accounts_check, "{\"mode\": \"per-client\"}"));
	CHECK(ok_with(policy_accounts_check, "{}"));
	CHECK(ok_with(policy_accounts_check, "{\"mode\": \"shared\", \"groups\":"
	    " [{\"name\": \"fleet-a\", \"match\": {\"addresses\": [\"10.0.0.0/8\"]}},"
	    " {\"name\": \"fleet_b.2\", \"match\": {\"accounts\": [4]},"
	    " \"_comment\": \"x\"}], \"_comment\": \"y\"}"));

	CHECK(bad_with(policy_accounts_check, "[]", "must be an object"));
	CHECK(bad_with(policy_accounts_check, "{\"mod\": \"shared\"}",
	    "unknown member 'mod'"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"pooled\"}",
	    "mode must be \"per-client\" or \"shared\""));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": 1}", "mode must be"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"per-client\","
	    " \"groups\": []}", "groups are only used with"));
	CHECK(bad_with(policy_accounts_check, "{\"groups\": [{\"name\": \"a\","
	    " \"match\": {\"any\": true}}]}", "groups are only used with"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\"}",
	    "needs a non-empty groups"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": []}", "needs a non-empty groups"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": {}}", "needs a non-empty groups"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [1]}", "groups[0] must be an object"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [{\"name\": \"has space\", \"match\": {\"any\": true}}]}",
	    "groups[0]: name must be"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [{\"name\": \"\", \"match\": {\"any\": true}}]}",
	    "groups[0]: name must be"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [{\"match\": {\"any\": true}}]}", "name must be"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [{\"name\": \"a\", \"match\": {\"any\": true}},"
	    " {\"name\": \"a\", \"match\": {\"any\": true}}]}",
	    "groups[1]: name 'a' is used twice"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [{\"name\": \"a\", \"match\": {\"any\": true},"
	    " \"allow\": []}]}", "groups[0] 'a': unknown member 'allow'"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [{\"name\": \"a\"}]}", "match must be an object"));
	CHECK(bad_with(policy_accounts_check, "{\"mode\": \"shared\","
	    " \"groups\": [{\"name\": \"fleet-a\", \"match\": {\"addresses\":"
	    " [\"10.0.0.0/33\"]}}]}",
	    "groups[0] 'fleet-a': match.addresses[0] \"10.0.0.0/33\": prefix"));
}

static void
test_account_group(void)
{
	struct policy_who w = { 5, TP_A, "10.1.2.3" };
	json_t *a = js("{\"mode\": \"shared\", \"groups\": ["
	    " {\"name\": \"by-id\", \"match\": {\"accounts\": [5]}},"
	    " {\"name\": \"lan\", \"match\": {\"addresses\": [\"10.0.0.0/8\"]}},"
	    " {\"name\": \"key\", \"match\": {\"thumbprints\": [\"" TP_B "\"]}}]}");
	json_t *pc = js("{\"mode\": \"per-client\"}");

	/* the first matching group in config order */
	CHECK_STR(policy_account_group(a, &w), "by-id");
	w.account_id = 6;
	CHECK_STR(policy_account_group(a, &w), "lan");
	w.addr = "192.0.2.1";
	CHECK(policy_account_group(a, &w) == NULL);	/* per-client */
	w.thumbprint = TP_B;
	CHECK_STR(policy_account_group(a, &w), "key");
	w.addr = "::ffff:10.9.9.9";
	CHECK_STR(policy_account_group(a, &w), "lan");
	CHECK(policy_account_group(pc, &w) == NULL);
	CHECK(policy_account_group(NULL, &w) == NULL);
	CHECK(policy_account_group(a, NULL) == NULL);
	json_decref(a);
	json_decref(pc);
}

int
main(void)
{
	test_patterns_check();
	test_name_match();
	test_rules_check_ok();
	test_rules_check_bad();
	test_cidr();
	test_match_members();
	test_name_allowed();
	test_name_allowed_many();
	test_accounts_check();
	test_account_group();
	return T_DONE();
}
