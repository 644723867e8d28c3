/* accesslog.c: the access log's JSON line (accesslog.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accesslog.h"

#define CLEAN_MAX (4 * ACCESSLOG_PATH_MAX + 1)

int
accesslog_time(long long time_ms, char *buf, size_t len)
{
	time_t t = (time_t)(time_ms / 1000);
	struct tm tm;
	size_t n;
	int r;

	if (time_ms < 0 || gmtime_r(&t, &tm) == NULL)
		return -1;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return -1;
	r = snprintf(buf + n, len - n, ".%03dZ", (int)(time_ms % 1000));
	if (r < 0 || (size_t)r >= len - n)
		return -1;
	return 0;
}

void
accesslog_clean(const char *s, size_t max, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f) {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)ch;
			continue;
		}
		if (o + 4 >= outlen)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 0x0f];
	}
	out[o] = '\0';
}

/* --- the line, written straight into a growing buffer (issue 10 item 4:
 * no JSON tree built and dumped per request) --- */

struct lb {
	char **buf;
	size_t *len, *cap;
	int oom;
};

/* Room for n more bytes (and a NUL). */
static int
lb_room(struct lb *b, size_t n)
{
	size_t ncap;
	char *nb;

	if (b->oom)
		return -1;
	if (n > SIZE_MAX / 4 - *b->len) {
		b->oom = 1;
		return -1;
	}
	if (*b->len + n + 1 <= *b->cap)
		return 0;
	ncap = (*b->len + n + 1) * 2;
	if (ncap < 4096)
		ncap = 4096;
	if ((nb = realloc(*b->buf, ncap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	*b->buf = nb;
	*b->cap = ncap;
	return 0;
}

static void
lb_put(struct lb *b, const char *s, size_t n)
{
	if (lb_room(b, n) == -1)
		return;
	memcpy(*b->buf + *b->len, s, n);
	*b->len += n;
	(*b->buf)[*b->len] = '\0';
}

static void
lb_str(struct lb *b, const char *s)
{
	lb_put(b, s, strlen(s));
}

static void
lb_int(struct lb *b, long long v)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%lld", v);

	lb_put(b, t, n > 0 ? (size_t)n : 0);
}

/* "key": */
static void
lb_key(struct lb *b, const char *key, int first)
{
	if (!first)
		lb_put(b, ",", 1);
	lb_put(b, "\"", 1);
	lb_str(b, key);
	lb_put(b, "\":", 2);
}

/* A cleaned string (accesslog_clean: printable ASCII) as a JSON string:
 * only '"' and '\' need escaping; or null for NULL (and for "" when
 * empty_null). */
static void
lb_clean(struct lb *b, const char *s, size_t max, int empty_null)
{
	char buf[CLEAN_MAX];
	const char *p;

	if (s == NULL || (empty_null && s[0] == '\0')) {
		lb_put(b, "null", 4);
		return;
	}
	if (max > ACCESSLOG_PATH_MAX)
		max = ACCESSLOG_PATH_MAX;
	accesslog_clean(s, max, buf, sizeof(buf));
	lb_put(b, "\"", 1);
	/* runs without a quote or a backslash in one copy each */
	for (p = buf; *p != '\0';) {
		size_t run = strcspn(p, "\"\\");

		lb_put(b, p, run);
		p += run;
		if (*p != '\0') {
			lb_put(b, "\\", 1);
			lb_put(b, p++, 1);
		}
	}
	lb_put(b, "\"", 1);
}

/* Milliseconds rounded to the microsecond, always with a fraction or an
 * exponent (a JSON real, as before). */
static void
lb_ms(struct lb *b, double ms)
{
	char t[40];
	int n;

	if (!isfinite(ms) || ms < 0 || ms > 1e12)
		ms = 0;
	n = snprintf(
	    t, sizeof(t), "%.12g", (double)(long long)(ms * 1000 + 0.5) / 1000);
	if (n <= 0 || (size_t)n >= sizeof(t) - 3)
		n = snprintf(t, sizeof(t), "0");
	if (strpbrk(t, ".e") == NULL)
		memcpy(t + n, ".0", 3);
	lb_str(b, t);
}

static void
lb_names(struct lb *b, const char *names)
{
	const char *p = names, *c;
	size_t len;
	int first = 1;

	lb_put(b, "[", 1);
	while (p != NULL && *p != '\0') {
		c = strchr(p, ',');
		len = c != NULL ? (size_t)(c - p) : strlen(p);
		if (len > 0) {
			if (!first)
				lb_put(b, ",", 1);
			lb_clean(b, p, len < 255 ? len : 255, 0);
			first = 0;
		}
		p = c != NULL ? c + 1 : NULL;
	}
	lb_put(b, "]", 1);
}

static void
lb_upcalls(struct lb *b, const struct accesslog_entry *e)
{
	size_t i;

	lb_put(b, "[", 1);
	for (i = 0; i < e->nup; i++) {
		const struct accesslog_upcall *u = &e->up[i];

		lb_put(b, i ? ",{" : "{", i ? 2 : 1);
		lb_key(b, "method", 1);
		lb_clean(b, u->method, 16, 1);
		lb_key(b, "resource", 0);
		lb_clean(b, u->resource, 64, 1);
		lb_key(b, "status", 0);
		lb_int(b, u->status);
		lb_key(b, "problem", 0);
		lb_clean(b, u->problem, 64, 1);
		lb_key(b, "latency_ms", 0);
		lb_ms(b, u->seconds * 1000);
		lb_put(b, "}", 1);
	}
	lb_put(b, "]", 1);
}

/* The request's own fields, in the documented order. */
static void
lb_request(struct lb *b, const struct accesslog_entry *e)
{
	lb_key(b, "client", 0);
	lb_clean(b, e->client, 64, 0);
	lb_key(b, "user_agent", 0);
	lb_clean(b, e->user_agent, ACCESSLOG_UA_MAX, 0);
	lb_key(b, "account_id", 0);
	if (e->account_id > 0)
		lb_int(b, e->account_id);
	else
		lb_str(b, "null");
	lb_key(b, "method", 0);
	lb_clean(b, e->method, 16, 0);
	lb_key(b, "resource", 0);
	lb_clean(b, e->resource, 32, 1);
	lb_key(b, "upstream_name", 0);
	lb_clean(b, e->upstream, 64, 1);
	lb_key(b, "path", 0);
	if (e->url == NULL)
		lb_str(b, "null");
	else
		lb_clean(b, e->url, strcspn(e->url, "?#"), 0);
}

int
accesslog_append(
    const struct accesslog_entry *e, char **buf, size_t *len, size_t *cap)
{
	struct lb b = { buf, len, cap, 0 };
	size_t start = *len;
	char stamp[40];

	if (accesslog_time(e->time_ms, stamp, sizeof(stamp)) == -1)
		stamp[0] = '\0';
	lb_put(&b, "{", 1);
	lb_key(&b, "time", 1);
	lb_clean(&b, stamp, sizeof(stamp), 0);
	lb_key(&b, "request_id", 0);
	lb_int(&b, (long long)e->request_id);
	lb_request(&b, e);
	lb_key(&b, "names", 0);
	lb_names(&b, e->names);
	lb_key(&b, "status", 0);
	lb_int(&b, e->status);
	lb_key(&b, "error_type", 0);
	lb_clean(&b, e->error_type, 64, 1);
	lb_key(&b, "latency_ms", 0);
	lb_ms(&b, e->latency_ms);
	lb_key(&b, "upstream", 0);
	lb_upcalls(&b, e);
	if (e->dropped > 0) {
		lb_key(&b, "upstream_dropped", 0);
		lb_int(&b, (long long)e->dropped);
	}
	lb_put(&b, "}\n", 2);
	if (b.oom) {
		*len = start; /* no half line */
		if (*buf != NULL)
			(*buf)[start] = '\0';
		return -1;
	}
	return 0;
}

char *
accesslog_line(const struct accesslog_entry *e, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (accesslog_append(e, &buf, &n, &cap) == -1) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}
