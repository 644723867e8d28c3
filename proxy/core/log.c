/* log.c: one line per event on stderr, written with a single write(2) so
 * lines from concurrent writers never interleave. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048 /* whole line, newline included */

enum log_level log_min_level = LOG_INFO;

static const char *
log_level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOG_DEBUG:
		return "DEBUG";
	case LOG_INFO:
		return "INFO";
	case LOG_WARN:
		return "WARN";
	case LOG_ERR:
		return "ERROR";
	}
	return "?";
}

/* "2026-11-22T16:40:01.123Z"; returns its length (0 if the clock fails). */
static size_t
log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL)
		return 0;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return 0;
	r = snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000L);
	if (r < 0 || (size_t)r >= len - n)
		return 0;
	return n + (size_t)r;
}

/* A format argument may still hold a newline; keep the record on one line. */
static void
log_flatten(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			s[i] = '?';
	}
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	size_t n, room, body;
	va_list ap;
	int r;

	if (lvl < log_min_level)
		return;
	n = log_stamp(buf, sizeof(buf));
	r = snprintf(buf + n, sizeof(buf) - n, "%s%s ", n ? " " : "",
	    log_level_name(lvl));
	if (r < 0)
		return;
	n += (size_t)r;
	room = sizeof(buf) - n - 1; /* keep one byte for the newline */
	va_start(ap, fmt);
	r = vsnprintf(buf + n, room + 1, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	body = (size_t)r;
	if (body > room) { /* truncated: end with "..." */
		body = room;
		memcpy(buf + n + body - 3, "...", 3);
	}
	log_flatten(buf + n, body);
	n += body;
	buf[n++] = '\n';
	while (write(STDERR_FILENO, buf, n) < 0 && errno == EINTR)
		;
}

char *
log_escape(const char *s, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outlen == 0)
		return out;
	for (size_t i = 0; s != NULL && i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f) {
			if (o + 1 > outlen - 1)
				break;
			out[o++] = (char)ch;
			continue;
		}
		if (o + 4 > outlen - 1) /* never cut an escape in half */
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 0x0f];
	}
	out[o] = '\0';
	return out;
}
