/* log.h: levelled one-line logs on stderr; strings from the network are
 * escaped by the caller with log_escape. Never give it keys or nonces. */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERR };

extern enum log_level log_min_level;

void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) \
	do { \
		if (log_min_level <= LOG_DEBUG) \
			log_msg(LOG_DEBUG, __VA_ARGS__); \
	} while (0)
#define log_info(...) \
	do { \
		if (log_min_level <= LOG_INFO) \
			log_msg(LOG_INFO, __VA_ARGS__); \
	} while (0)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)

/* Copy s into out (size outlen) with control and non-ASCII bytes escaped as
 * \xNN and at most outlen-1 bytes; returns out. */
char *log_escape(const char *s, size_t len, char *out, size_t outlen);

#endif
