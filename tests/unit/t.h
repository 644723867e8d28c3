/* t.h: a tiny unit-test harness. Each test binary prints one line per
 * failure and a closing "N passed, N failed"; tests/unit/run.sh sums them. */
#ifndef T_H
#define T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond) do { \
	if (cond) t_pass++; \
	else { t_fail++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)
#define CHECK_STR(a, b) do { \
	const char *t_a_ = (a), *t_b_ = (b); \
	if (t_a_ && t_b_ && strcmp(t_a_, t_b_) == 0) t_pass++; \
	else { t_fail++; fprintf(stderr, "FAIL %s:%d: %s == \"%s\" (got \"%s\")\n", \
	    __FILE__, __LINE__, #a, t_b_ ? t_b_ : "(null)", t_a_ ? t_a_ : "(null)"); } \
} while (0)
#define T_DONE() (printf("%s: %d passed, %d failed\n", __FILE__, t_pass, t_fail), t_fail ? 1 : 0)

#endif
