/* proof.c: client-proof validation (see proof.h). First cut: refuses, so
 * that authz_mode "client-proof" never lets an unproven client through. */
#include <string.h>

#include "endpoints.h"
#include "proof.h"

void
proof_check(struct ep *e, void (*done)(struct ep *e, const struct problem *p))
{
	struct problem p;

	memset(&p, 0, sizeof(p));
	problem_set(&p, "unauthorized", 403,
	    "client-proof validation is not available in this build");
	done(e, &p);
}
