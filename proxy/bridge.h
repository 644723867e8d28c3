/* bridge.h: the running bridge, shared by main, endpoints, responder and
 * flowrun. */
#ifndef BRIDGE_H
#define BRIDGE_H

#include <uv.h>

#include "config.h"

struct store;
struct nonce_set;
struct upstream;
struct acme2;
struct server;
struct flowrun;

struct bridge {
	uv_loop_t *loop;
	const struct config *cfg;
	struct store *store;
	struct nonce_set *nonces;
	struct upstream *up;
	struct acme2 *acme;
	struct server *front;
	struct server *http01;
	struct server *admin;
	void *obs;			/* observe.c's state */
	struct flowrun *runs;		/* flows in progress */
	int dir_ready;
	int stopping;
};

/* The v1 front end's request handler (endpoints.c). */
struct server_req;
void endpoints_handle(struct server_req *r, void *arg);

/* The http-01 responder's request handler (responder.c). */
void responder_handle(struct server_req *r, void *arg);

/* Unix seconds and milliseconds. */
long long bridge_now(void);
long long bridge_now_ms(void);

#endif
