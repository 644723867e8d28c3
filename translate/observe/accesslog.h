/* accesslog.h: one JSON line of the access log (docs/observe.md): a v1
 * request and the upstream calls it caused. Pure: the caller gathers the
 * fields (proxy/observe.c) and writes the line. Only the fields below exist:
 * never a key, a nonce, a signature or a header other than User-Agent. */
#ifndef ACCESSLOG_H
#define ACCESSLOG_H

#include <stddef.h>

#define ACCESSLOG_UA_MAX 256   /* User-Agent bytes kept */
#define ACCESSLOG_PATH_MAX 512 /* URL path bytes kept */

struct accesslog_upcall {
	const char *method;   /* "POST" */
	const char *resource; /* "newOrder" */
	long status;	      /* HTTP status, 0 = transport failure */
	const char *problem;  /* RFC 8555 problem type suffix, "" or NULL */
	double seconds;
};

struct accesslog_entry {
	long long time_ms; /* unix milliseconds of the answer */
	unsigned long request_id;
	const char *client;	/* client address */
	const char *user_agent; /* "" when none */
	long long account_id;	/* 0 = unknown (null) */
	const char *resource;	/* "new-cert"; "" = none (null) */
	const char *upstream;	/* the CA's name, "/" or a prefix; NULL or
				 * "" = none (null) */
	const char *method;
	const char *url;   /* path and query as sent; the query is
					 * dropped */
	const char *names; /* comma-separated, may be "" */
	int status;
	const char *error_type; /* v1 problem type suffix or NULL */
	double latency_ms;
	const struct accesslog_upcall *up;
	size_t nup;
	size_t dropped; /* upstream calls not in up */
};

/* "2026-11-22T16:40:01.123Z" into buf (at least 25 bytes). 0 or -1. */
int accesslog_time(long long time_ms, char *buf, size_t len);

/* Copy at most max bytes of s into out (size outlen) as printable ASCII:
 * control and non-ASCII bytes become "\xNN" (never cut in half). */
void accesslog_clean(const char *s, size_t max, char *out, size_t outlen);

/* The compact JSON line, newline-terminated, malloc'd (*len without the
 * NUL). NULL when out of memory. */
char *accesslog_line(const struct accesslog_entry *e, size_t *len);
/* The same line appended to the growing buffer *buf (*len bytes used of
 * *cap, NUL-terminated; realloc'd as needed). 0, or -1 out of memory with
 * nothing appended. */
int accesslog_append(
    const struct accesslog_entry *e, char **buf, size_t *len, size_t *cap);

#endif
