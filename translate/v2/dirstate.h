/* dirstate.h: what the bridge does while the upstream CA's directory will
 * not load (issue 9 item 5): the delay before the next try (exponential
 * backoff, capped) and whether the attempt deserves a log line (a change of
 * state, or a reminder while the same trouble lasts). Pure: the caller
 * passes the time. */
#ifndef DIRSTATE_H
#define DIRSTATE_H

#define DIRSTATE_FIRST_MS 1000L
#define DIRSTATE_CAP_MS (300L * 1000)
#define DIRSTATE_REMIND_MS (600LL * 1000)
#define DIRSTATE_WHY_MAX 320

enum dirstate_log {
	DIRSTATE_QUIET = 0, /* same trouble, reminded recently */
	DIRSTATE_CHANGED,   /* first failure, or a different cause */
	DIRSTATE_REMIND,    /* same trouble, last said long ago */
	DIRSTATE_RECOVERED  /* loaded after failing */
};

struct dirstate {
	int failures; /* consecutive failed attempts */
	long long last_log_ms;
	char why[DIRSTATE_WHY_MAX];
};

/* Delay after `failures` consecutive failures: first_ms doubling, at most
 * cap_ms (cap_ms <= 0: DIRSTATE_CAP_MS). */
long dirstate_delay_ms(int failures, long first_ms, long cap_ms);
/* 1 when a and b are the same cause but for "<digits> ms" durations. */
int dirstate_same_cause(const char *a, const char *b);
/* Record a failed attempt at now_ms: what to log. */
enum dirstate_log
dirstate_failed(struct dirstate *s, const char *why, long long now_ms);
/* Record a loaded directory: DIRSTATE_RECOVERED after failures, else
 * DIRSTATE_QUIET. Clears the state. */
enum dirstate_log dirstate_loaded(struct dirstate *s);

#endif
