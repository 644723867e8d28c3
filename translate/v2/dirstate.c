/* dirstate.c: backoff and log decisions for the upstream directory (see
 * dirstate.h). */
#include "dirstate.h"

#include <stdio.h>
#include <string.h>

long
dirstate_delay_ms(int failures, long first_ms, long cap_ms)
{
	long d = first_ms > 0 ? first_ms : DIRSTATE_FIRST_MS;
	int i;

	if (cap_ms <= 0)
		cap_ms = DIRSTATE_CAP_MS;
	/* doubling stops at the cap, so d never overflows */
	for (i = 1; i < failures && d < cap_ms; i++)
		d *= 2;
	return d < cap_ms ? d : cap_ms;
}

/* Whether a and b name the same trouble: equal but for durations
 * ("<digits> ms", as in curl's "after 3 ms"), which vary per try. */
int
dirstate_same_cause(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		size_t na = strspn(a, "0123456789"),
		       nb = strspn(b, "0123456789");

		if (na > 0 && nb > 0 && strncmp(a + na, " ms", 3) == 0 &&
		    strncmp(b + nb, " ms", 3) == 0) {
			a += na;
			b += nb;
			continue;
		}
		if (*a != *b)
			return 0;
		a++;
		b++;
	}
	return *a == *b;
}

enum dirstate_log
dirstate_failed(struct dirstate *s, const char *why, long long now_ms)
{
	int same;

	if (why == NULL)
		why = "failed";
	same = s->failures > 0 && dirstate_same_cause(s->why, why);
	s->failures++;
	if (!same) {
		snprintf(s->why, sizeof(s->why), "%s", why);
		s->last_log_ms = now_ms;
		return DIRSTATE_CHANGED;
	}
	if (now_ms - s->last_log_ms >= DIRSTATE_REMIND_MS) {
		s->last_log_ms = now_ms;
		return DIRSTATE_REMIND;
	}
	return DIRSTATE_QUIET;
}

enum dirstate_log
dirstate_loaded(struct dirstate *s)
{
	int was_failing = s->failures > 0;

	memset(s, 0, sizeof(*s));
	return was_failing ? DIRSTATE_RECOVERED : DIRSTATE_QUIET;
}
