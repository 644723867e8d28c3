/* page.h: the admin migration page rendered to HTML (pure: takes the
 * inventory data, returns text; proxy/admin_page.c reads the store and
 * answers). Everything that comes from clients (User-Agents, names, error
 * details, addresses) is HTML-escaped; the page works without JavaScript
 * and has no inline script or style attribute (CSP default-src 'self'). */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

#include "inventory.h"

#define PAGE_HOURS 168			  /* traffic chart: the last 7 days */
#define PAGE_MAX_ROWS 1000		  /* inventory rows shown */
#define PAGE_MAX_FAILURES 50		  /* recent failures shown */
#define PAGE_MAX_VERSIONS 30		  /* bars in the client version chart */
#define PAGE_EXPIRY_WINDOW (30LL * 86400) /* "expiring soon" */
#define PAGE_MAX_BYTES (16u << 20)	  /* the rendered page, at most */
#define PAGE_CHART_H 160		  /* traffic bars' full height, px */

/* What the page shows. counts and failures hold PAGE_HOURS values, the
 * v1 requests (and failed ones) of hour traffic_from + i * 3600; the last
 * one is the current hour. */
/* One upstream CA as the page shows it (issue 9 item 4). */
struct page_upstream {
	const char *name; /* "/" (the root) or its path prefix */
	const char *url;
	int loaded, ready;	/* directory loaded; and a nonce is recent */
	const char *last_error; /* "" or NULL when none */
};

struct page_data {
	long long now;
	const char *version;		       /* NULL: not shown */
	const struct page_upstream *upstreams; /* may be NULL */
	size_t nupstreams;
	const struct inventory_summary *summary;
	const struct inventory_list *inv; /* newest first */
	long long traffic_from;
	const long long *counts;
	const long long *failures;
	const struct inventory_failure *fails; /* newest first */
	size_t nfails;
};

/* The first hour of the chart ending with the hour of now. */
long long page_traffic_from(long long now);

/* s with & < > " ' escaped as entities and control characters (but tab
 * and newline) replaced by '?'; malloc'd, NULL on allocation failure. */
char *page_escape(const char *s);

/* Height in px of a bar for count when max is the chart's full height h:
 * 0 for count <= 0, at least 1 for count > 0, h for count >= max. */
int page_bar_height(long long count, long long max, int h);

/* The whole page, NUL-terminated, malloc'd; *len its length. NULL when
 * out of memory or the page would exceed PAGE_MAX_BYTES. */
char *page_render(const struct page_data *d, size_t *len);

#endif
