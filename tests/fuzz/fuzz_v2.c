/* fuzz_v2.c: every RFC 8555 document the CA sends, through its v2.h parser,
 * and a problem through problem_v2 (the v1 problem a client then sees). The
 * first byte picks the document; the rest is its JSON text. */
#include "fuzz.h"
#include "problem_v2.h"
#include "v2.h"

static void
doc_directory(const json_t *doc)
{
	struct v2_directory d;
	char why[256];

	if (v2_directory_parse(doc, &d, why, sizeof(why)) == 0) {
		FUZZ_ASSERT(d.new_nonce && d.new_account && d.new_order);
		v2_directory_clear(&d);
	}
}

static void
doc_account(const json_t *doc)
{
	struct v2_account a;

	if (v2_account_parse(doc, &a) == 0)
		v2_account_clear(&a);
}

static void
doc_order(const json_t *doc)
{
	struct v2_order o;

	if (v2_order_parse(doc, &o) == 0) {
		FUZZ_ASSERT(o.finalize != NULL && o.nauthz <= V2_ORDER_MAX);
		v2_order_clear(&o);
	}
}

static void
doc_authz(const json_t *doc)
{
	static struct v2_authz z; /* 16 challenges: not on the stack */

	if (v2_authz_parse(doc, &z) == 0) {
		FUZZ_ASSERT(z.nchall <= V2_CHALL_MAX);
		(void)v2_authz_challenge(&z, V2C_HTTP01);
		(void)problem_v2_authz_status(z.status);
		v2_authz_clear(&z);
	}
}

static void
doc_challenge(const json_t *doc)
{
	struct v2_challenge c;
	json_t *e;

	if (v2_challenge_parse(doc, &c) != 0)
		return;
	FUZZ_ASSERT(c.url != NULL && strlen(c.token) <= V2_TOKEN_MAX);
	FUZZ_ASSERT(problem_v2_chall_status(c.status) != NULL);
	if (c.error != NULL && (e = problem_v2_chall_error(c.error)) != NULL)
		json_decref(e);
	v2_challenge_clear(&c);
}

static void
doc_problem(const json_t *doc)
{
	static const long http[] = { 400, 403, 404, 429, 500, 503 };
	static struct v2_problem pr; /* 12 KB */
	struct problem p;
	long st = http[json_object_size(doc) % 6];

	(void)v2_problem_type(doc);
	(void)v2_is_bad_nonce(st, doc);
	memset(&p, 0, sizeof(p));
	if (v2_problem_parse(doc, &pr) == 0) {
		FUZZ_ASSERT(pr.nsub <= V2_SUB_MAX);
		problem_v2_map(&p, st, &pr, "newOrder");
		FUZZ_ASSERT(p.status >= 400 && p.status < 600);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const parse[])(const json_t *) = { doc_directory,
		doc_account, doc_order, doc_authz, doc_challenge, doc_problem };
	json_t *doc;

	if (size < 1)
		return 0;
	/* as acme2.c reads an answer */
	doc = json_loadb(
	    (const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL)
		return 0;
	parse[data[0] % (sizeof(parse) / sizeof(parse[0]))](doc);
	json_decref(doc);
	return 0;
}
