/* accesslog.c: the access log's JSON line (accesslog.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

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

/* A cleaned string, or JSON null for NULL (and for "" when empty_null). */
static json_t *
jclean(const char *s, size_t max, int empty_null)
{
	char buf[CLEAN_MAX];

	if (s == NULL || (empty_null && s[0] == '\0'))
		return json_null();
	if (max > ACCESSLOG_PATH_MAX)
		max = ACCESSLOG_PATH_MAX;
	accesslog_clean(s, max, buf, sizeof(buf));
	return json_string(buf);
}

/* Milliseconds rounded to the microsecond. */
static json_t *
jms(double ms)
{
	if (!isfinite(ms) || ms < 0 || ms > 1e12)
		ms = 0;
	return json_real((double)(long long)(ms * 1000 + 0.5) / 1000);
}

static json_t *
names_array(const char *names)
{
	json_t *a = json_array();
	const char *p = names, *c;
	char one[CLEAN_MAX];
	size_t len;

	if (a == NULL)
		return NULL;
	while (p != NULL && *p != '\0') {
		c = strchr(p, ',');
		len = c != NULL ? (size_t)(c - p) : strlen(p);
		if (len > 0) {
			accesslog_clean(
			    p, len < 255 ? len : 255, one, sizeof(one));
			json_array_append_new(a, json_string(one));
		}
		p = c != NULL ? c + 1 : NULL;
	}
	return a;
}

static json_t *
upstream_array(const struct accesslog_entry *e)
{
	json_t *a = json_array(), *o;
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < e->nup; i++) {
		const struct accesslog_upcall *u = &e->up[i];

		o = json_object();
		json_object_set_new(o, "method", jclean(u->method, 16, 1));
		json_object_set_new(o, "resource", jclean(u->resource, 64, 1));
		json_object_set_new(o, "status", json_integer(u->status));
		json_object_set_new(o, "problem", jclean(u->problem, 64, 1));
		json_object_set_new(o, "latency_ms", jms(u->seconds * 1000));
		json_array_append_new(a, o);
	}
	return a;
}

/* The URL without its query (and fragment), cleaned. */
static json_t *
jpath(const char *url)
{
	size_t len = url != NULL ? strcspn(url, "?#") : 0;

	if (url == NULL)
		return json_null();
	return jclean(url, len, 0);
}

char *
accesslog_line(const struct accesslog_entry *e, size_t *len)
{
	json_t *o = NULL;
	char stamp[40], *s = NULL, *line = NULL;
	size_t n;

	if (accesslog_time(e->time_ms, stamp, sizeof(stamp)) == -1)
		stamp[0] = '\0';
	if ((o = json_object()) == NULL)
		goto out;
	json_object_set_new(o, "time", json_string(stamp));
	json_object_set_new(
	    o, "request_id", json_integer((json_int_t)e->request_id));
	json_object_set_new(o, "client", jclean(e->client, 64, 0));
	json_object_set_new(
	    o, "user_agent", jclean(e->user_agent, ACCESSLOG_UA_MAX, 0));
	json_object_set_new(o, "account_id",
	    e->account_id > 0 ? json_integer(e->account_id) : json_null());
	json_object_set_new(o, "method", jclean(e->method, 16, 0));
	json_object_set_new(o, "resource", jclean(e->resource, 32, 1));
	json_object_set_new(o, "upstream_name", jclean(e->upstream, 64, 1));
	json_object_set_new(o, "path", jpath(e->url));
	json_object_set_new(o, "names", names_array(e->names));
	json_object_set_new(o, "status", json_integer(e->status));
	json_object_set_new(o, "error_type", jclean(e->error_type, 64, 1));
	json_object_set_new(o, "latency_ms", jms(e->latency_ms));
	json_object_set_new(o, "upstream", upstream_array(e));
	if (e->dropped > 0)
		json_object_set_new(o, "upstream_dropped",
		    json_integer((json_int_t)e->dropped));
	if ((s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12))) == NULL)
		goto out;
	n = strlen(s);
	if ((line = malloc(n + 2)) == NULL)
		goto out;
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
out:
	free(s);
	json_decref(o);
	return line;
}
