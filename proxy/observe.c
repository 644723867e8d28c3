/* observe.c: the access log, metrics and client inventory (observe.h).
 * First cut: names only; the log, metrics and inventory come next. */
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "observe.h"
#include "server.h"

int
observe_init(struct bridge *b)
{
	(void)b;
	return 0;
}

void
observe_reopen(struct bridge *b)
{
	(void)b;
}

void
observe_close(struct bridge *b)
{
	(void)b;
}

void
observe_name(struct obs_req *o, const char *name)
{
	size_t have = strlen(o->names), len = strlen(name);
	const char *p = o->names;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == o->names || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == '\0'))
			return;		/* already there */
		p += len;
	}
	if (have + (have ? 1 : 0) + len >= sizeof(o->names))
		return;
	snprintf(o->names + have, sizeof(o->names) - have, "%s%s",
	    have ? "," : "", name);
}

void
observe_upstream(struct bridge *b, struct obs_req *o, const char *what,
    long status, const char *ptype, double seconds)
{
	struct obs_upcall *u;

	(void)b;
	if (o == NULL)
		return;
	if (o->nup >= OBS_UPCALLS_MAX) {
		o->dropped++;
		return;
	}
	u = &o->up[o->nup++];
	snprintf(u->what, sizeof(u->what), "%s", what);
	u->status = status;
	snprintf(u->ptype, sizeof(u->ptype), "%s", ptype ? ptype : "");
	u->seconds = seconds;
}

void
observe_v1(struct bridge *b, const struct server_req *r,
    const struct obs_req *o, int status, const char *errtype)
{
	(void)b;
	(void)r;
	(void)o;
	(void)status;
	(void)errtype;
}

void
observe_issued(struct bridge *b, long long account_id, const char *serial,
    const char *names, long long not_after)
{
	(void)b;
	(void)account_id;
	(void)serial;
	(void)names;
	(void)not_after;
}

char *
observe_metrics_text(struct bridge *b, size_t *len)
{
	(void)b;
	*len = 0;
	return NULL;
}
