/* test_records.c: the records' closed sets (translate/core/records.c):
 * every enum value has its wire/store spelling and parses back; unknown
 * words are refused; out-of-range values read as the first name. The
 * *_clear functions free every heap member (ASan's leak check) and zero
 * the record. */
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "records.h"
#include "t.h"

static void
test_account(void)
{
	enum account_status st = ACCOUNT_VALID;
	enum account_mode m = ACCOUNT_PER_CLIENT;

	CHECK_STR(account_status_name(ACCOUNT_VALID), "valid");
	CHECK_STR(account_status_name(ACCOUNT_DEACTIVATED), "deactivated");
	CHECK(account_status_parse("deactivated", &st) == 0 &&
	    st == ACCOUNT_DEACTIVATED);
	CHECK(account_status_parse("revoked", &st) == -1 &&
	    st == ACCOUNT_DEACTIVATED);
	CHECK(account_status_parse(NULL, &st) == -1);
	CHECK_STR(account_mode_name(ACCOUNT_PER_CLIENT), "per-client");
	CHECK_STR(account_mode_name(ACCOUNT_SHARED), "shared");
	CHECK_STR(account_mode_name(ACCOUNT_IMPORTED), "imported");
	CHECK(account_mode_parse("imported", &m) == 0 && m == ACCOUNT_IMPORTED);
	CHECK(account_mode_parse("Imported", &m) == -1);
	CHECK_STR(account_mode_name((enum account_mode)42), "per-client");
}

static void
test_authz(void)
{
	static const char *const words[] = {
		"pending", "valid", "invalid", "deactivated"
	};
	enum authz_status st;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		CHECK(authz_status_parse(words[i], &st) == 0);
		CHECK(st == (enum authz_status)i);
		CHECK_STR(authz_status_name(st), words[i]);
	}
	CHECK(authz_status_parse("processing", &st) == -1);
	CHECK(authz_status_parse("", &st) == -1);
}

static void
test_v1_errors(void)
{
	CHECK_STR(problem_v1_name(V1E_MALFORMED), "malformed");
	CHECK_STR(problem_v1_name(V1E_SERVER_INTERNAL), "serverInternal");
	CHECK_STR(problem_v1_name(V1E_BAD_CSR), "badCSR");
	CHECK_STR(problem_v1_name(V1E_RATE_LIMITED), "rateLimited");
	CHECK_STR(problem_v1_name(V1E_UNSUPPORTED_IDENTIFIER),
	    "unsupportedIdentifier");
	CHECK_STR(problem_v1_name(V1E_NONE), "serverInternal");
	CHECK_STR(problem_v1_name(V1E_COUNT), "serverInternal");
}

/* Every byte of the size bytes at p is 0. */
static int
all_zero(const void *p, size_t size)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
test_clear(void)
{
	struct store_account a = { .id = 7 };
	struct store_group g = { .not_before = 1 };
	struct store_authz z = { .id = 3 };
	struct store_cert c = { .der_len = 2 };

	a.jwk = strdup("{}");
	a.contact = strdup("[]");
	a.v2_key_pem = strdup("-----BEGIN PRIVATE KEY-----");
	store_account_clear(&a); /* agreement, v2_account_url NULL */
	CHECK(all_zero(&a, sizeof(a)));
	g.v2_key_pem = strdup("pem");
	g.v2_account_url = strdup("https://ca.example/acct/1");
	store_group_clear(&g);
	CHECK(all_zero(&g, sizeof(g)));
	z.v2_order_url = strdup("o");
	z.v2_authz_url = strdup("a");
	z.v2_chall_url = strdup("c");
	z.error = strdup("{}");
	z.key_authorization = strdup("t.k");
	store_authz_clear(&z);
	CHECK(all_zero(&z, sizeof(z)));
	c.der = malloc(2);
	c.chain_pem = strdup("chain");
	c.v2_cert_url = strdup("u");
	store_cert_clear(&c);
	CHECK(all_zero(&c, sizeof(c)));
	store_account_clear(NULL);
	store_group_clear(NULL);
	store_authz_clear(NULL);
	store_cert_clear(NULL);
}

int
main(void)
{
	test_account();
	test_authz();
	test_v1_errors();
	test_clear();
	return T_DONE();
}
