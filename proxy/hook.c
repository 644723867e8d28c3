/* hook.c: the dns-01 hook (see hook.h). First cut: none configured. */
#include "bridge.h"
#include "hook.h"
#include "log.h"

int
hook_run(struct bridge *b, const char *verb, const char *domain,
    const char *value, hook_cb cb, void *arg)
{
	(void)b;
	(void)verb;
	(void)domain;
	(void)value;
	(void)cb;
	(void)arg;
	log_err("dns-01: no dns01_hook configured");
	return -1;
}
