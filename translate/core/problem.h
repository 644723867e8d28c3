/* problem.h: v1 error documents (urn:acme:error:*). The v2 -> v1 mapping
 * is translate/v1/problem_v2.h. */
#ifndef PROBLEM_H
#define PROBLEM_H

#include <stdarg.h>

#include <jansson.h>

#include "records.h"

#define PROBLEM_DETAIL_MAX 2048

/* The v1 error types (urn:acme:error:<name>) the bridge answers with.
 * V1E_NONE: no problem set yet (rendered as serverInternal). */
enum v1_error {
	V1E_NONE,
	V1E_MALFORMED,
	V1E_UNAUTHORIZED,
	V1E_SERVER_INTERNAL,
	V1E_BAD_NONCE,
	V1E_BAD_CSR,
	V1E_BAD_PUBLIC_KEY,
	V1E_CONNECTION,
	V1E_DNS,
	V1E_TLS,
	V1E_INVALID_EMAIL,
	V1E_RATE_LIMITED,
	V1E_REJECTED_IDENTIFIER,
	V1E_UNSUPPORTED_IDENTIFIER,
	V1E_CAA,
	V1E_COUNT
};

/* The wire name of a v1 error type ("malformed"); V1E_NONE and anything
 * out of range read "serverInternal". */
const char *problem_v1_name(enum v1_error type);

/* A v1 problem. */
struct problem {
	enum v1_error type;
	int status;
	char detail[PROBLEM_DETAIL_MAX];
	long retry_after; /* seconds, 0 when none (rateLimited) */
};

/* Fill p; detail is printf-formatted and truncated to fit. Returns -1 always,
 * so callers can write `return problem_set(...)`. */
int problem_set(struct problem *p, enum v1_error type, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* problem_set with a va_list, for functions that take a format too. */
int problem_vset(struct problem *p, enum v1_error type, int status,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* {"type":"urn:acme:error:<type>","detail":...,"status":N}, member order as
 * Boulder's probs.ProblemDetails. New reference. */
json_t *problem_v1_json(const struct problem *p);

#endif
