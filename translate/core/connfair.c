/* connfair.c: the admission rule of connfair.h. */
#include "connfair.h"

enum connfair_verdict
connfair_admit(const struct connfair_state *st)
{
	if (st->max_per_address > 0 && st->from_address >= st->max_per_address)
		return CONNFAIR_REFUSE_ADDRESS;
	if (st->open < st->max_open)
		return CONNFAIR_ADMIT;
	/* Full: an idle keep-alive costs its client only a reconnect, a
	 * refusal costs the new client its request. */
	return st->idle > 0 ? CONNFAIR_RECLAIM : CONNFAIR_REFUSE_GLOBAL;
}

const char *
connfair_reason(enum connfair_verdict v)
{
	switch (v) {
	case CONNFAIR_REFUSE_ADDRESS:
		return "per_address";
	case CONNFAIR_REFUSE_GLOBAL:
		return "global";
	default:
		return NULL;
	}
}

int
connfair_log_due(long long now_ms, long long last_ms, long interval_ms)
{
	return last_ms < 0 || now_ms - last_ms >= interval_ms;
}
