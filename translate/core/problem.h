/* problem.h: v1 error documents (urn:acme:error:*) and the v2 -> v1 mapping. */
#ifndef PROBLEM_H
#define PROBLEM_H

#include <jansson.h>

#define PROBLEM_DETAIL_MAX 2048

/* A v1 problem. type is a static string, the v1 suffix ("malformed"). */
struct problem {
	const char *type;
	int status;
	char detail[PROBLEM_DETAIL_MAX];
	long retry_after;	/* seconds, 0 when none (rateLimited) */
};

/* Fill p; detail is printf-formatted and truncated to fit. Returns -1 always,
 * so callers can write `return problem_set(...)`. */
int problem_set(struct problem *p, const char *type, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* {"type":"urn:acme:error:<type>","detail":...,"status":N}, member order as
 * Boulder's probs.ProblemDetails. New reference. */
json_t *problem_v1_json(const struct problem *p);

/* Map an upstream RFC 8555 problem document (may be NULL or not JSON) and its
 * HTTP status to a v1 problem; `what` names the upstream operation for the
 * detail ("newOrder"). */
void problem_from_v2(struct problem *p, long http_status, const json_t *doc,
    const char *what);

/* The v2 problem type suffix ("badNonce") of doc, or "" when none. */
const char *problem_v2_type(const json_t *doc);

/* v2 -> v1 status words for authorizations and challenges. */
const char *problem_v1_authz_status(const char *v2);
const char *problem_v1_chall_status(const char *v2);

#endif
