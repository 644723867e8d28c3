/* server.h: a small HTTP/1.1 server on libuv + llhttp with limits: header
 * bytes, body bytes, URL length, connections (per listener and per address,
 * idle keep-alive ones reclaimed first), first-byte, header and idle
 * timeouts,
 * keep-alive, one request at a time per connection (pipelined requests wait).
 * Handlers may answer later (asynchronously): the connection waits. */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <uv.h>

#define SERVER_URL_MAX 2048

struct server;

struct server_limits {
	size_t max_connections;
	size_t max_per_address; /* open connections from one address; 0 = any */
	size_t max_header_bytes;
	size_t max_body_bytes;
	long first_byte_timeout_ms; /* before its first byte (<= header's) */
	long header_timeout_ms;
	long idle_timeout_ms;
};

struct server_req {
	unsigned long id; /* request id for logs */
	char method[8];
	char url[SERVER_URL_MAX + 1]; /* the path and query as sent */
	char host[256];		      /* Host header ("" when none) */
	char user_agent[256];
	char content_type[128];
	int has_content_length;
	int chunked;   /* Transfer-Encoding: chunked (body within the limit) */
	char peer[64]; /* client address */
	int tls;       /* it came over TLS (server_set_tls) */
	char *body;    /* NUL-terminated, may be NULL */
	size_t body_len;
	/* Set by the server when the request must be refused: the handler
	 * only renders the error (status 400/413/414/431, reason text). */
	int reject_status;
	const char *reject_reason;
	double start; /* uv_hrtime at headers complete, s */
	void *conn;   /* internal; NULL once the client left */
	void *user;   /* for the handler */
	struct server *srv;
};

typedef void (*server_handler)(struct server_req *r, void *arg);

struct server *server_new(uv_loop_t *loop, const struct server_limits *lim,
    server_handler h, void *arg, const char *name);
/* Serve TLS with ctx (an SSL_CTX, tls.h) on the connections accepted from
 * now on (ones open keep theirs): s takes a reference; NULL = plain. */
typedef struct ssl_ctx_st SSL_CTX;
void server_set_tls(struct server *s, SSL_CTX *ctx);
/* Listen on host:port; 0 or a negative UV error. */
int server_listen(struct server *s, const char *host, int port);

/* Answer r: status, header lines ("Name: value", without CRLF), body.
 * Copies everything; frees r. When the client has gone, only frees r. */
void server_reply(struct server_req *r, int status, const char *const *hdrs,
    size_t nhdrs, const void *body, size_t len);

/* 1 when the client of r is still connected. */
int server_req_alive(const struct server_req *r);

size_t server_connections(const struct server *s);
/* Connections refused since the start: for their address's cap (global
 * 0) or the listener's (global 1); idle ones closed to make room. */
unsigned long long server_refused(const struct server *s, int global);
unsigned long long server_reclaimed(const struct server *s);

/* Drain (SIGTERM): close the listener so that new connections are refused,
 * leaving the open ones and their requests be; server_close still ends s. */
void server_stop_accepting(struct server *s);
/* Requests the handler holds (not yet answered). */
size_t server_requests_in_flight(const struct server *s);

/* Stop listening, close every connection (pending requests are left to
 * their owners: server_reply on them then only frees), then free s and call
 * done (may be NULL) from the loop once all handles are closed. */
void server_close(struct server *s, void (*done)(void *), void *arg);

#endif
