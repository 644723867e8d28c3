/* admin.h: the admin listener (config admin_listen, loopback by default):
 * GET /metrics (Prometheus text), GET / (the migration page: the client
 * inventory, v1 traffic per hour, client versions, recent failures; static
 * HTML + CSS + a small script served from the binary, readable without
 * JavaScript) and its assets. */
#ifndef ADMIN_H
#define ADMIN_H

struct server_req;

void admin_handle(struct server_req *r, void *arg);

#endif
