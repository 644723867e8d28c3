/* test_dirstate.c: backoff and log decisions for the upstream directory. */
#include <string.h>

#include "dirstate.h"
#include "t.h"

static void
test_delay(void)
{
	CHECK(dirstate_delay_ms(0, 1000, 300000) == 1000);
	CHECK(dirstate_delay_ms(1, 1000, 300000) == 1000);
	CHECK(dirstate_delay_ms(2, 1000, 300000) == 2000);
	CHECK(dirstate_delay_ms(3, 1000, 300000) == 4000);
	CHECK(dirstate_delay_ms(9, 1000, 300000) == 256000);
	CHECK(dirstate_delay_ms(10, 1000, 300000) == 300000);
	CHECK(dirstate_delay_ms(1000000, 1000, 300000) == 300000);
	CHECK(dirstate_delay_ms(5, 0, 0) == 16000);
	CHECK(dirstate_delay_ms(5, 1000, 3000) == 3000);
}

static void
test_log(void)
{
	struct dirstate s;
	long long t = 5000;
	int i, lines = 0;

	memset(&s, 0, sizeof(s));
	CHECK(dirstate_loaded(&s) == DIRSTATE_QUIET);
	CHECK(dirstate_failed(&s, "refused", t) == DIRSTATE_CHANGED);
	CHECK(s.failures == 1);
	CHECK_STR(s.why, "refused");
	CHECK(dirstate_failed(&s, "refused", t + 1000) == DIRSTATE_QUIET);
	/* a different cause is a change of state */
	CHECK(dirstate_failed(&s, "HTTP 500", t + 2000) == DIRSTATE_CHANGED);
	CHECK_STR(s.why, "HTTP 500");
	CHECK(dirstate_failed(&s, "HTTP 500", t + 2000 + DIRSTATE_REMIND_MS) ==
	    DIRSTATE_REMIND);
	CHECK(dirstate_failed(&s, "HTTP 500", t + 3000 + DIRSTATE_REMIND_MS) ==
	    DIRSTATE_QUIET);
	CHECK(s.failures == 5);
	CHECK(dirstate_loaded(&s) == DIRSTATE_RECOVERED);
	CHECK(s.failures == 0);
	CHECK(dirstate_loaded(&s) == DIRSTATE_QUIET);
	/* an hour of the same trouble at the cap: 1 + 6 reminders */
	for (i = 0, t = 0; t <= 3600LL * 1000; i++, t += DIRSTATE_CAP_MS)
		lines += dirstate_failed(&s, "down", t) != DIRSTATE_QUIET;
	CHECK(lines == 7);
	CHECK(dirstate_failed(&s, NULL, t) == DIRSTATE_CHANGED);
}

static void
test_same_cause(void)
{
	struct dirstate s;

	CHECK(dirstate_same_cause("", ""));
	CHECK(dirstate_same_cause("refused after 0 ms", "refused after 12 ms"));
	CHECK(!dirstate_same_cause("HTTP 500", "HTTP 503"));
	CHECK(!dirstate_same_cause("after 1 ms", "after 1 s"));
	CHECK(!dirstate_same_cause("abc", "abcd"));
	/* curl's varying duration is not a change of state */
	memset(&s, 0, sizeof(s));
	CHECK(dirstate_failed(&s, "Failed to connect after 0 ms", 0) ==
	    DIRSTATE_CHANGED);
	CHECK(dirstate_failed(&s, "Failed to connect after 3 ms", 1000) ==
	    DIRSTATE_QUIET);
}

int
main(void)
{
	test_same_cause();
	test_delay();
	test_log();
	return T_DONE();
}
