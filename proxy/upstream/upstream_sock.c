/* upstream_sock.c: libcurl's multi handle on the libuv loop (upstream_int.h):
 * a uv_poll_t per socket curl asks about, one uv_timer_t for its timeout.
 *
 * Why connection sockets keep their handle (issue 10 item 3): with HTTP/2
 * curl stops watching a connection after each transfer (CURL_POLL_REMOVE)
 * and asks again for the next one. Closing the handle there and making a
 * new one per request cost a malloc, FIONBIO and an epoll ADD/DEL each
 * time. So the socket of a connection is opened here (CURLOPT_OPENSOCKET-
 * FUNCTION: we know it is one), its handle is only stopped on REMOVE, and
 * it is closed from CURLOPT_CLOSESOCKETFUNCTION *before* the descriptor is:
 * uv_close runs epoll DEL on the descriptor's number, and a handle closed
 * after the number went to another socket (a v1 client's) would silently
 * unregister that one. Sockets curl opens by other means (its resolver's)
 * keep the plain rule: handle closed on REMOVE. */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "upstream_int.h"

static void
on_sock_closed(uv_handle_t *h)
{
	struct up_sock *s = (struct up_sock *)h;
	struct upstream *u = s->u;

	free(s);
	up_handle_gone(u);
}

static void
sock_close(struct up_sock *s)
{
	LIST_REMOVE(s, link);
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

void
up_socks_close(struct upstream *u)
{
	while (!LIST_EMPTY(&u->socks))
		sock_close(LIST_FIRST(&u->socks));
}

static struct up_sock *
sock_new(struct upstream *u, curl_socket_t fd, int conn)
{
	struct up_sock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (uv_poll_init_socket(u->loop, &s->poll, fd) != 0) {
		free(s);
		return NULL;
	}
	s->fd = fd;
	s->conn = conn;
	s->u = u;
	LIST_INSERT_HEAD(&u->socks, s, link);
	u->open_handles++;
	return s;
}

/* A handful of connections per upstream: a list is enough. */
static struct up_sock *
sock_find(struct upstream *u, curl_socket_t fd)
{
	struct up_sock *s;

	LIST_FOREACH(s, &u->socks, link)
		if (s->fd == fd)
			return s;
	return NULL;
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct up_sock *s = (struct up_sock *)h;
	struct upstream *u = s->u;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (status == 0 && (events & UV_READABLE))
		flags |= CURL_CSELECT_IN;
	if (status == 0 && (events & UV_WRITABLE))
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(u->multi, s->fd, flags, &running);
	up_check_multi_info(u);
}

static void
on_timeout(uv_timer_t *t)
{
	struct upstream *u = t->data;
	int running;

	curl_multi_socket_action(u->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	up_check_multi_info(u);
}

static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct upstream *u = userp;

	(void)multi;
	if (timeout_ms < 0)
		return uv_timer_stop(&u->timer) == 0 ? 0 : -1;
	return uv_timer_start(&u->timer, on_timeout, (uint64_t)timeout_ms, 0) ==
		0
	    ? 0
	    : -1;
}

/* curl forgets what it was assigned on REMOVE: a connection's idle handle
 * is found again by its descriptor. */
static struct up_sock *
sock_for(struct upstream *u, curl_socket_t fd)
{
	struct up_sock *s = sock_find(u, fd);

	if (!s && !(s = sock_new(u, fd, 0)))
		return NULL;
	curl_multi_assign(u->multi, fd, s);
	return s;
}

static int
on_curl_socket(
    CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct upstream *u = userp;
	struct up_sock *s = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s && s->conn)
			uv_poll_stop(
			    &s->poll); /* idle until the next transfer */
		else if (s)
			sock_close(s);
		return 0;
	}
	if (!s && !(s = sock_for(u, fd)))
		return -1;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	return uv_poll_start(&s->poll, events, on_poll) == 0 ? 0 : -1;
}

static curl_socket_t
on_open_socket(void *userp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct upstream *u = userp;
	curl_socket_t fd;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd == CURL_SOCKET_BAD)
		return CURL_SOCKET_BAD;
	if (!u->closing && sock_new(u, fd, 1) != NULL)
		return fd;
	close(fd);
	return CURL_SOCKET_BAD;
}

static int
on_close_socket(void *userp, curl_socket_t fd)
{
	struct upstream *u = userp;
	struct up_sock *s = sock_find(u, fd);

	/* curl sent REMOVE just before (Curl_multi_closed), so nothing of
	 * curl's points at s any more */
	if (s)
		sock_close(s); /* epoll DEL while fd is still this socket */
	return close(fd);
}

int
up_easy_sockets(CURL *e, struct upstream *u)
{
	int ok = 1;

	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket) ==
		CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, u) == CURLE_OK;
	ok = ok &&
	    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket) ==
		CURLE_OK;
	ok = ok && curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, u) == CURLE_OK;
	return ok ? 0 : -1;
}

int
up_multi_setup(struct upstream *u)
{
	int ok = 1;

	u->multi = curl_multi_init();
	if (!u->multi)
		return -1;
	ok = ok &&
	    curl_multi_setopt(
		u->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) == CURLM_OK;
	ok = ok &&
	    curl_multi_setopt(u->multi, CURLMOPT_SOCKETDATA, u) == CURLM_OK;
	ok = ok &&
	    curl_multi_setopt(
		u->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) == CURLM_OK;
	ok = ok &&
	    curl_multi_setopt(u->multi, CURLMOPT_TIMERDATA, u) == CURLM_OK;
	return ok ? 0 : -1;
}
