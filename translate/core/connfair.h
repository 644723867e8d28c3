/* connfair.h: whether a listener admits a new connection (issue 8: one
 * address must not take a listener's slots from the others). The server
 * counts; this decides, so the rule is tested without sockets. */
#ifndef CONNFAIR_H
#define CONNFAIR_H

#include <stddef.h>

enum connfair_verdict {
	CONNFAIR_ADMIT,		 /* a slot is free */
	CONNFAIR_RECLAIM,	 /* close the oldest idle keep-alive, admit */
	CONNFAIR_REFUSE_ADDRESS, /* its address holds max_per_address */
	CONNFAIR_REFUSE_GLOBAL	 /* full, and nothing idle to reclaim */
};

struct connfair_state {
	size_t open;	     /* open connections (closing ones not counted) */
	size_t max_open;     /* the listener's cap */
	size_t from_address; /* open ones from the new one's address */
	size_t max_per_address; /* 0 = no per-address cap */
	size_t idle;		/* open ones idle between keep-alive requests */
};

/* The verdict on one more connection. The per-address cap comes first: an
 * address at its cap never takes another's idle slot. */
enum connfair_verdict connfair_admit(const struct connfair_state *st);

/* The metric label of a refusal verdict ("per_address", "global"), NULL
 * for the others. */
const char *connfair_reason(enum connfair_verdict v);

/* Rate-limited logging: 1 when a line may be written at now_ms, the last
 * one having been at last_ms (-1 = never), at most one per interval_ms. */
int connfair_log_due(long long now_ms, long long last_ms, long interval_ms);

#endif
