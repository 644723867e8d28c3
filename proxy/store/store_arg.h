/* store_arg.h: a statement's bound parameters, the one shape both SQL
 * stores (store_sqlite*.c, store_pg*.c) take them in, so an operation's
 * arguments read the same in either. Private to proxy/store. */
#ifndef STORE_ARG_H
#define STORE_ARG_H

#include <stddef.h>

/* One bound parameter (?1 / $1, ?2 / $2, ... in order): an integer, text (NULL is
 * SQL NULL) or bytes (NULL or 0 bytes: an empty blob). */
enum store_arg_type { ARG_INT, ARG_TEXT, ARG_BLOB };
struct store_arg {
	enum store_arg_type type;
	long long i;
	const char *s;
	const void *b;
	size_t len;
};
#define ARG_I(v) \
	{ \
		ARG_INT, (v), NULL, NULL, 0 \
	}
#define ARG_T(v) \
	{ \
		ARG_TEXT, 0, (v), NULL, 0 \
	}
#define ARG_B(p, n) \
	{ \
		ARG_BLOB, 0, NULL, (p), (n) \
	}
#define ARG_N(a) (sizeof(a) / sizeof((a)[0]))

#endif
