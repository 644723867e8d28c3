/* inventory.h: the client inventory kept in the store (who still speaks v1,
 * with what, for which names), the v1 traffic per hour and recent failures,
 * plus User-Agent parsing: the types and the pure rules. The store side
 * (recording and reading) is proxy/store/store_inventory.h. */
#ifndef INVENTORY_H
#define INVENTORY_H

#include <stddef.h>

/* A User-Agent parsed into the v1 client family and version, e.g.
 * "dehydrated/0.7.0 curl/7.88.1" -> dehydrated 0.7.0,
 * "CertbotACMEClient/0.31.0 (certbot; ...)" -> certbot 0.31.0,
 * acme-client (node) -> acme-client 1.0.0, and any first "Name/1.2.3" token
 * otherwise; "" family when nothing is recognisable. */
struct ua_info {
	char family[48];
	char version[32];
};
void inventory_ua_parse(const char *ua, struct ua_info *out);
/* The client of a request: inventory_ua_parse(ua), and when there is no
 * User-Agent at all and the request's Content-Type is application/json,
 * acme-client 1.0.0 (the only v1 version of the node package: its `request`
 * library sends no User-Agent, and every other v1 client sends one). */
void inventory_client_identify(
    const char *ua, const char *content_type, struct ua_info *out);

/* Bounds of what is kept. */
#define INVENTORY_ADDRS_MAX 16	    /* addresses per account, newest */
#define INVENTORY_NAMES_MAX 256	    /* names per account, newest */
#define INVENTORY_NAMES_PER_REQ 100 /* names taken from one request */
#define INVENTORY_FAILURES_MAX 1000 /* failures kept, newest */
#define INVENTORY_TRAFFIC_KEEP (90LL * 86400) /* hours kept, seconds */

/* One v1 request of a known account, at unix time now. */
struct inventory_seen {
	long long account_id;
	const char *addr;	  /* client address */
	const char *user_agent;	  /* raw, bounded by the caller */
	const char *names;	  /* requested names, comma-separated */
	int status;		  /* HTTP status answered */
	const char *error_type;	  /* v1 problem type suffix or NULL */
	const char *error_detail; /* its detail or NULL */
	const char *resource;	  /* "new-cert", ... */
	const char *method;	  /* "POST", ...; NULL = unknown */
	const char *content_type; /* request Content-Type or NULL (to
					 * recognise acme-client 1.0.0) */
	const char *upstream;	  /* its upstream's path prefix ("" the
				   * root; NULL = "") */
};
/* src (NULL = "") into dst of size n, cut on a character boundary, as
 * valid UTF-8 without control characters (each becomes '?'). */
void inventory_clean(char *dst, size_t n, const char *src);
/* An error detail as kept: inventory_clean, and whatever follows "nonce"
 * and any mixed-case base64url run of 32+ characters hidden. */
void inventory_clean_detail(char *dst, size_t n, const char *src);
/* 1 when a request only fetched a nonce: a HEAD or GET answered 405 (a
 * POST-only resource). Boulder's WFE1 answered it so, with a Replay-Nonce,
 * and v1 clients HEAD the URL they are about to POST to for exactly that
 * nonce (method NULL = unknown: 0). */
int inventory_nonce_only(const char *method, int status);
/* 1 when a v1 answer counts as a failure (inventory, page, report): any
 * status >= 400 except 409 to new-reg (Boulder's answer to registering a
 * key again, which clients such as acme-client use to find their account)
 * and a nonce-only request (inventory_nonce_only). */
int inventory_failed(const char *resource, const char *method, int status);
/* 1 when v is kept at all: a request of a known account, or a failure
 * of a named resource (what inventory_record writes; everything else,
 * a GET /directory say, is only counted as traffic). */
int inventory_kept(const struct inventory_seen *v);

/* One row of the inventory (one v1 account). Strings are owned by the
 * list. */
struct inventory_row {
	long long account_id;
	char *thumbprint;
	char *addresses;  /* comma-separated, most recent first */
	char *family;	  /* latest client family */
	char *version;	  /* latest client version */
	char *user_agent; /* latest raw User-Agent */
	long long first_seen, last_seen;
	char *names;	       /* names requested, comma-separated */
	long long certs;       /* certificates issued */
	long long next_expiry; /* earliest notAfter of its valid
					 * certificates, 0 when none */
	char *last_error;      /* "type: detail" or NULL */
	long long last_error_at;
	char *upstream; /* its account's upstream, a path prefix ("" the
			 * root: inventory_upstream_name shows it) */
};
struct inventory_list {
	struct inventory_row *rows;
	size_t n;
};

/* Recent failures, newest first, at most max. */
struct inventory_failure {
	long long at;
	long long account_id;
	char *resource, *error_type, *detail, *addr;
	char *upstream; /* the request's upstream prefix, as in a row */
};

/* An upstream's path prefix as people read it: "/" for the root ("" or
 * NULL), else the prefix itself. */
const char *inventory_upstream_name(const char *prefix);

/* Summary: v1 hosts (accounts seen since `since`), distinct client
 * family+version pairs, certificates expiring within `within` seconds of
 * now (not revoked, not yet expired). */
struct inventory_summary {
	long long hosts, versions, expiring;
};

#endif
