/* problem_v2.h: the one place where an upstream RFC 8555 problem or a flow's
 * failure becomes a v1 problem (urn:acme:error:*, docs/errors.md), and
 * where v2 statuses become v1 ones. */
#ifndef PROBLEM_V2_H
#define PROBLEM_V2_H

#include <jansson.h>

#include "flow.h"
#include "problem.h"
#include "records.h"
#include "v2.h"

/* Map an upstream problem document (NULL: none, or not one) and its HTTP
 * status to a v1 problem; `what` names the upstream operation for the
 * detail ("newOrder"), NULL reads "request". */
void problem_v2_map(struct problem *p, long http_status,
    const struct v2_problem *doc, const char *what);

/* A flow's failure as the v1 problem to answer. FLOW_FAILED_NOT (the run
 * ended without a failure of the flow's own: shutting down) reads V1E_NONE. */
void problem_v2_flow(struct problem *p, const struct flow_failure *ff);

/* A failed challenge's v1 "error" object: the CA's type mapped, its detail
 * kept as the CA wrote it (what it saw). New reference, or NULL. */
json_t *problem_v2_chall_error(const struct v2_problem *err);

/* v2 -> v1 status words for authorizations and challenges. */
enum authz_status problem_v2_authz_status(enum v2_status s);
const char *problem_v2_chall_status(enum v2_status s);

#endif
