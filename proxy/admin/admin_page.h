/* admin_page.h: the admin listener's migration page (GET / : the client
 * inventory, v1 traffic per hour, client versions, recent failures, rendered
 * by translate/page.c from the store's inventory) and its assets
 * (/static/app.css, /static/app.js, /static/favicon.svg, compiled in:
 * admin_assets.c). */
#ifndef ADMIN_PAGE_H
#define ADMIN_PAGE_H

#include <stddef.h>

struct bridge;
struct server_req;

/* A file served from the binary. */
struct admin_asset {
	const char *path; /* "/static/app.css" */
	const char *type; /* Content-Type */
	const char *body;
	size_t len;
};

/* The asset at path, or NULL. */
const struct admin_asset *admin_asset_find(const char *path);

/* Answer r for every admin path but /metrics: GET or HEAD of / and the
 * assets; 404 for any other path, 405 (Allow: GET, HEAD) for any other
 * method. Every answer carries Content-Security-Policy: default-src 'self'
 * and X-Content-Type-Options: nosniff. */
void admin_page_handle(struct server_req *r, struct bridge *b);

#endif
