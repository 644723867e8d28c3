/* test_connfair.c: translate/core/connfair.c. */
#include <string.h>

#include "connfair.h"
#include "t.h"

static enum connfair_verdict
verdict(size_t open, size_t max_open, size_t from, size_t per, size_t idle)
{
	struct connfair_state st;

	st.open = open;
	st.max_open = max_open;
	st.from_address = from;
	st.max_per_address = per;
	st.idle = idle;
	return connfair_admit(&st);
}

static void
test_admit(void)
{
	CHECK(verdict(0, 256, 0, 32, 0) == CONNFAIR_ADMIT);
	CHECK(verdict(255, 256, 31, 32, 0) == CONNFAIR_ADMIT);
	/* the per-address cap, whether or not the listener is full */
	CHECK(verdict(32, 256, 32, 32, 0) == CONNFAIR_REFUSE_ADDRESS);
	CHECK(verdict(256, 256, 40, 32, 10) == CONNFAIR_REFUSE_ADDRESS);
	/* full: reclaim an idle one, else refuse */
	CHECK(verdict(256, 256, 1, 32, 1) == CONNFAIR_RECLAIM);
	CHECK(verdict(256, 256, 1, 32, 0) == CONNFAIR_REFUSE_GLOBAL);
	CHECK(verdict(300, 256, 0, 32, 0) == CONNFAIR_REFUSE_GLOBAL);
	/* 0 = no per-address cap */
	CHECK(verdict(100, 256, 100, 0, 0) == CONNFAIR_ADMIT);
	/* a cap of 1 connection per address */
	CHECK(verdict(1, 256, 0, 1, 0) == CONNFAIR_ADMIT);
	CHECK(verdict(1, 256, 1, 1, 0) == CONNFAIR_REFUSE_ADDRESS);
	/* a per-address cap above the global one: the global one rules */
	CHECK(verdict(4, 4, 4, 32, 0) == CONNFAIR_REFUSE_GLOBAL);
}

static void
test_reason(void)
{
	CHECK_STR(connfair_reason(CONNFAIR_REFUSE_ADDRESS), "per_address");
	CHECK_STR(connfair_reason(CONNFAIR_REFUSE_GLOBAL), "global");
	CHECK(connfair_reason(CONNFAIR_ADMIT) == NULL);
	CHECK(connfair_reason(CONNFAIR_RECLAIM) == NULL);
}

static void
test_log_due(void)
{
	CHECK(connfair_log_due(0, -1, 1000) == 1);
	CHECK(connfair_log_due(5000, 4001, 1000) == 0);
	CHECK(connfair_log_due(5000, 4000, 1000) == 1);
	CHECK(connfair_log_due(5000, 5000, 1000) == 0);
}

int
main(void)
{
	test_admit();
	test_reason();
	test_log_due();
	return T_DONE();
}
