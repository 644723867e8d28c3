/* test_records.c: the records' closed sets (translate/core/records.c):
 * every enum value has its wire/store spelling and parses back; unknown
 * words are refused; out-of-range values read as the first name. */
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

int
main(void)
{
	test_account();
	test_authz();
	test_v1_errors();
	return T_DONE();
}
