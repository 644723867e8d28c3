/* test_fiber.c: fibers (proxy/core/fiber.h): a function that waits goes
 * back to its caller and continues on fiber_wake, in order, on its own
 * stack (a deep one works); done runs once it finished, never before;
 * a fiber_run from inside a fiber is a plain call; with fibers off every
 * run is a plain call; finished fibers' stacks are reused. */
#include <stdio.h>
#include <string.h>

#include "fiber.h"
#include "t.h"

static char trace[128];
static struct fiber *parked[64];
static size_t nparked;

static void
note(char c)
{
	size_t n = strlen(trace);

	if (n + 1 < sizeof(trace)) {
		trace[n] = c;
		trace[n + 1] = '\0';
	}
}

/* 'a', wait, 'b', wait, 'c' */
static void
two_waits(void *arg)
{
	(void)arg;
	note('a');
	parked[nparked++] = fiber_self();
	fiber_wait();
	note('b');
	parked[nparked++] = fiber_self();
	fiber_wait();
	note('c');
}

static void
done_note(void *arg)
{
	note(*(const char *)arg);
}

static void
inner(void *arg)
{
	(void)arg;
	note(fiber_self() != NULL ? 'i' : '?');
}

/* A fiber_run from inside a fiber runs at once, on the same fiber. */
static void
outer(void *arg)
{
	static const char d = 'j';

	(void)arg;
	fiber_run(inner, NULL, done_note, (void *)&d);
	note('o');
}

/* 100 KiB of locals: the stack is big enough for OpenSSL's and libpq's
 * deepest calls. */
static void
deep(void *arg)
{
	volatile char big[100 * 1024];

	big[0] = 1;
	big[sizeof(big) - 1] = 2;
	*(int *)arg = big[0] + big[sizeof(big) - 1];
}

static void
test_off(void)
{
	static const char d = 'D';

	trace[0] = '\0';
	nparked = 0;
	CHECK(!fiber_enabled());
	fiber_run(inner, NULL, done_note, (void *)&d);
	CHECK_STR(trace, "?D"); /* a plain call, then done */
}

static void
test_waits(void)
{
	static const char d = 'D';

	trace[0] = '\0';
	nparked = 0;
	fiber_run(two_waits, NULL, done_note, (void *)&d);
	CHECK_STR(trace, "a"); /* back here at the first wait */
	CHECK(fiber_self() == NULL && fiber_waiting() == 1);
	fiber_wake(parked[0]);
	CHECK_STR(trace, "ab");
	fiber_wake(parked[1]);
	CHECK_STR(trace, "abcD"); /* done after the end, once */
	CHECK(fiber_waiting() == 0);
}

static void
test_many(void)
{
	trace[0] = '\0';
	nparked = 0;
	for (int i = 0; i < 20; i++)
		fiber_run(two_waits, NULL, NULL, NULL);
	CHECK(nparked == 20 && fiber_waiting() == 20);
	for (int i = 19; i >= 0; i--) /* woken in another order */
		fiber_wake(parked[i]);
	CHECK(nparked == 40 && fiber_waiting() == 20);
	for (int i = 20; i < 40; i++)
		fiber_wake(parked[i]);
	CHECK(fiber_waiting() == 0);
	CHECK(strlen(trace) == 60);
}

int
main(void)
{
	int r = 0;

	test_off();
	fiber_enable();
	test_waits();
	test_many();
	trace[0] = '\0';
	fiber_run(outer, NULL, NULL, NULL);
	CHECK_STR(trace, "ijo");
	fiber_run(deep, &r, NULL, NULL);
	CHECK(r == 3);
	fiber_wake(NULL); /* harmless */
	fiber_cleanup();
	return T_DONE();
}
