/* upstream_int.h: what upstream.c (requests and responses) and
 * upstream_sock.c (the libuv <-> curl socket and timer glue) share. Not
 * for any other file: upstream.h is the interface. */
#ifndef UPSTREAM_INT_H
#define UPSTREAM_INT_H

#include <sys/queue.h>

#include <curl/curl.h>
#include <openssl/x509.h>
#include <uv.h>

struct up_req;

/* One socket curl has us watch. A connection's socket (opened through
 * up_easy_sockets' callback, conn = 1) keeps its handle while the
 * connection lives, idle between transfers, and loses it just before
 * curl closes the descriptor; any other socket's handle goes when curl
 * stops asking about it. */
struct up_sock {
	uv_poll_t poll; /* first: the handle is the struct */
	curl_socket_t fd;
	int conn;
	struct upstream *u;
	LIST_ENTRY(up_sock) link;
};

struct upstream {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	STACK_OF(X509) * extra_ca; /* roots from ca_file, or NULL */
	long timeout_ms;
	size_t pending;
	size_t open_handles; /* libuv handles not yet closed */
	LIST_HEAD(, up_req) reqs;
	LIST_HEAD(, up_sock) socks;
	int closing;
	void (*free_cb)(void *);
	void *free_arg;
};

/* upstream.c: the finished transfers' callbacks; one libuv handle of u's
 * was closed (the last one of a closing upstream frees it). */
void up_check_multi_info(struct upstream *u);
void up_handle_gone(struct upstream *u);

/* upstream_sock.c: the multi's socket and timer callbacks; an easy
 * handle's socket open and close callbacks (every request's, so every
 * connection's socket is known); every socket handle closed (the
 * upstream is closing). */
int up_multi_setup(struct upstream *u);
int up_easy_sockets(CURL *e, struct upstream *u);
void up_socks_close(struct upstream *u);

#endif
