/* health.h: one upstream CA's state as the admin listener reports it
 * (issue 9 items 4, 5). Filled by proxy/upstream/acme2.c; read by
 * proxy/admin and proxy/front, which must not include upstream headers. */
#ifndef HEALTH_H
#define HEALTH_H

/* A nonce counts as recent for this long (or while the pool holds one). */
#define HEALTH_NONCE_FRESH_MS (300LL * 1000)

struct upstream_health {
	const char *url;	/* the directory URL; borrowed */
	int loaded, nonce_ok;	/* ready = loaded && nonce_ok */
	int failures;		/* consecutive failed directory tries */
	const char *last_error; /* "" when none; borrowed */
	long retry_in_s;	/* seconds until the next try, 1..300 */
};

#endif
