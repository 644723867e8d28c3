/* store_pg_loop.c: the PostgreSQL store on the server's event loop (issue
 * 11): a statement is sent without blocking (PQsendQueryParams on a
 * non-blocking connection), and the fiber that asked (proxy/core/fiber.h)
 * waits while a uv_poll on the connection's socket says when to read or
 * write again; the loop serves everyone else meanwhile. Off the loop
 * (the commands, the tests, the last writes at exit) a statement blocks,
 * as libpq does by default.
 *
 * One connection, held by one fiber at a time: for one statement, or
 * from store_begin to its commit or rollback (and for an atomic call's
 * savepoint), so that no one else's statement lands inside a
 * transaction. The others queue in order and are woken, from the loop,
 * when it is free. */
#include <stdlib.h>
#include <string.h>

#include "fiber.h"
#include "store_handle.h"
#include "store_pg.h"
#include "store_pg_loop.h"

/* A statement the server does not answer in time: the connection is
 * given up (its state is unknown), and every later call fails at once
 * until the bridge restarts; the server's own statement_timeout
 * (PG_STATEMENT_TIMEOUT_MS) normally ends a slow one first. */
#define PG_IO_TIMEOUT_MS 30000
#define PG_STATEMENT_TIMEOUT "SET statement_timeout = 20000"
#define PG_RECONNECT_S 2

struct pg_waiter {
	struct fiber *f;
	struct pg_waiter *next;
};

static void
on_io(uv_poll_t *h, int status, int events)
{
	struct pg_loop_io *io = h->data;
	struct fiber *f = io->waiting;

	(void)status;
	(void)events;
	uv_poll_stop(h);
	uv_timer_stop(&io->timer);
	io->waiting = NULL;
	fiber_wake(f);
}

static void
on_io_timeout(uv_timer_t *t)
{
	struct pg_loop_io *io = t->data;
	struct fiber *f = io->waiting;

	uv_poll_stop(io->poll);
	io->waiting = NULL;
	io->timed_out = 1;
	fiber_wake(f);
}

/* Wait on the running fiber until the socket is ready for events. 0, or
 * -1 when the server took too long (the connection is then broken). */
static int
io_wait(struct pg *p, int events)
{
	struct pg_loop_io *io = p->io;

	io->waiting = fiber_self();
	if (uv_poll_start(io->poll, events, on_io) != 0 ||
	    uv_timer_start(&io->timer, on_io_timeout, PG_IO_TIMEOUT_MS, 0) !=
		0) {
		uv_poll_stop(io->poll);
		io->waiting = NULL;
		return -1;
	}
	fiber_wait();
	if (io->timed_out) {
		p->broken = 1;
		return -1;
	}
	return 0;
}

/* Everything sent (PQflush), then every result read; the last one kept. */
static PGresult *
exec_async(struct pg *p)
{
	PGresult *res, *last = NULL;
	int fl;

	while ((fl = PQflush(p->conn)) == 1)
		if (io_wait(p, UV_READABLE | UV_WRITABLE) == -1 ||
		    !PQconsumeInput(p->conn))
			return NULL;
	if (fl == -1)
		return NULL;
	for (;;) {
		while (PQisBusy(p->conn))
			if (io_wait(p, UV_READABLE) == -1 ||
			    !PQconsumeInput(p->conn)) {
				PQclear(last);
				return NULL;
			}
		if ((res = PQgetResult(p->conn)) == NULL)
			return last;
		PQclear(last);
		last = res;
	}
}

PGresult *
pg_exec_params(struct pg *p, const char *sql, int n, const char *const *v,
    const int *len, const int *fmt)
{
	if (p->io != NULL && fiber_self() == NULL && !p->io->ended &&
	    !p->io->warned) {
		/* a loop callback not run on a fiber: it works, but blocks
		 * the loop for a round trip; said once, to be fixed */
		p->io->warned = 1;
		pg_log(p, "store",
		    "a call blocked the event loop (not on a "
		    "fiber)");
	}
	if (p->io == NULL || fiber_self() == NULL)
		return PQexecParams(p->conn, sql, n, NULL, v, len, fmt, 0);
	if (p->broken ||
	    !PQsendQueryParams(p->conn, sql, n, NULL, v, len, fmt, 0))
		return NULL;
	return exec_async(p);
}

/* ---- the socket's poll, and a new connection when it is lost ---- */

static void
poll_gone(uv_handle_t *h)
{
	free(h);
}

/* io->poll on fd; the one before (a lost connection's socket) closed. A
 * reconnect may give libpq another socket. 0 or -1. */
static int
poll_bind(struct pg_loop_io *io, int fd)
{
	uv_poll_t *h = malloc(sizeof(*h));

	if (h == NULL || uv_poll_init_socket(io->loop, h, fd) != 0) {
		free(h);
		return -1;
	}
	h->data = io;
	if (io->poll != NULL)
		uv_close((uv_handle_t *)io->poll, poll_gone);
	io->poll = h;
	return 0;
}

/* PQresetStart/PQresetPoll on the running fiber: a lost connection made
 * again without blocking the loop, at most once per PG_RECONNECT_S while
 * the server stays away (calls fail at once in between). 0 or -1. */
static int
reconnect(struct pg *p)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	long long now = (long long)(uv_now(p->io->loop) / 1000);

	if (now < p->io->retry_at)
		return -1;
	p->io->retry_at = now + PG_RECONNECT_S;
	if (!PQresetStart(p->conn) || poll_bind(p->io, PQsocket(p->conn)) == -1)
		return -1;
	p->io->fd = PQsocket(p->conn);
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED ||
		    (PQsocket(p->conn) != p->io->fd &&
			poll_bind(p->io, PQsocket(p->conn)) == -1))
			return -1;
		p->io->fd = PQsocket(p->conn);
		p->io->timed_out = 0;
		if (io_wait(p,
			st == PGRES_POLLING_READING ? UV_READABLE
						    : UV_WRITABLE) == -1)
			return -1;
		st = PQresetPoll(p->conn);
	}
	p->broken = 0;
	if (PQsetnonblocking(p->conn, 1) != 0 ||
	    !PQsendQuery(p->conn, PG_STATEMENT_TIMEOUT))
		return -1;
	PQclear(exec_async(p));
	pg_log(p, "store", "connection to the database made again");
	return 0;
}

/* ---- who holds the connection ---- */

static void
on_next(uv_timer_t *t)
{
	struct pg *p = t->data;
	struct pg_waiter *w = p->io->queue;

	if (w == NULL || p->holder != NULL)
		return;
	p->io->queue = w->next;
	fiber_wake(w->f); /* it takes the connection (pg_hold) */
}

int
pg_hold(struct pg *p, const char *fn)
{
	struct fiber *self = fiber_self();
	struct pg_waiter w, **tail;

	if (p->io == NULL)
		return 0; /* off the loop: one caller at a time anyway */
	if (p->holder != NULL && p->holder == self) {
		p->depth++;
		return 0;
	}
	if (self == NULL) {
		if (p->holder == NULL)
			return 0; /* a blocking call from the loop's stack */
		pg_log(p, fn,
		    "store busy: a call outside a fiber while a "
		    "transaction is open");
		return -1;
	}
	while (p->holder != NULL) {
		w.f = self;
		w.next = NULL;
		for (tail = &p->io->queue; *tail != NULL; tail = &(*tail)->next)
			;
		*tail = &w;
		fiber_wait();
	}
	p->holder = self;
	p->depth = 1;
	if ((p->broken || PQstatus(p->conn) != CONNECTION_OK) &&
	    !PQisBusy(p->conn) && reconnect(p) == -1) {
		pg_unhold(p);
		/* /readyz probes say it with a 503, not in the log */
		if (fn != NULL)
			pg_log(p, fn, "no connection to the database");
		return -1;
	}
	return 0;
}

void
pg_unhold(struct pg *p)
{
	if (p->io == NULL || p->holder == NULL || p->holder != fiber_self())
		return;
	if (--p->depth > 0)
		return;
	p->holder = NULL;
	/* woken from the loop's stack, never from this fiber's */
	if (p->io->queue != NULL)
		uv_timer_start(&p->io->next, on_next, 0, 0);
}

/* ---- attach ---- */

int
store_pg_on_loop(struct store *s, uv_loop_t *loop, char *err, size_t errlen)
{
	struct pg *p = s->impl;
	struct pg_loop_io *io;
	PGresult *res = PQexec(p->conn, PG_STATEMENT_TIMEOUT);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	if (!ok || PQsetnonblocking(p->conn, 1) != 0 ||
	    (io = calloc(1, sizeof(*io))) == NULL) {
		pg_seterr(err, errlen, "store_pg_on_loop",
		    ok ? "out of memory" : PQerrorMessage(p->conn));
		return -1;
	}
	io->loop = loop;
	io->fd = PQsocket(p->conn);
	if (poll_bind(io, io->fd) == -1) {
		free(io);
		pg_seterr(err, errlen, "store_pg_on_loop", "cannot poll");
		return -1;
	}
	uv_timer_init(loop, &io->timer);
	uv_timer_init(loop, &io->next);
	io->timer.data = io;
	io->next.data = p;
	p->io = io;
	fiber_enable();
	return 0;
}

static void
on_closed(uv_handle_t *h)
{
	struct pg_loop_io *io = h->data;

	if (--io->open == 0)
		free(io);
}

static void
on_poll_closed(uv_handle_t *h)
{
	struct pg_loop_io *io = h->data;

	free(h);
	if (--io->open == 0)
		free(io);
}

void
pg_loop_free(struct pg *p)
{
	struct pg_loop_io *io = p->io;

	if (io == NULL)
		return;
	p->io = NULL;
	/* After the loop's last walk (main closes every handle, then runs
	 * the loop once more) the handles are closed: free now. Closed
	 * while the loop runs (a test's store): the loop frees io once the
	 * three handles are closed. */
	if (uv_is_closing((uv_handle_t *)io->poll)) {
		free(io->poll);
		free(io);
		return;
	}
	io->open = 3;
	io->timer.data = io->next.data = io;
	uv_close((uv_handle_t *)io->poll, on_poll_closed);
	uv_close((uv_handle_t *)&io->timer, on_closed);
	uv_close((uv_handle_t *)&io->next, on_closed);
}

void
store_pg_loop_end(struct store *s)
{
	struct pg *p = s->impl;

	if (p->io != NULL)
		p->io->ended = 1;
}

int
pg_usable(void *impl)
{
	struct pg *p = impl;

	/* an idle connection learns that the server went away only when it
	 * reads: read what is there (non-blocking on the loop) */
	if (p->io != NULL && p->holder == NULL &&
	    PQtransactionStatus(p->conn) == PQTRANS_IDLE)
		(void)PQconsumeInput(p->conn);
	/* lost, and asked on a fiber (/readyz): try to connect again, so
	 * that a balancer that only probes brings it back */
	if ((p->broken || PQstatus(p->conn) != CONNECTION_OK) &&
	    p->io != NULL && fiber_self() != NULL && p->holder == NULL &&
	    pg_hold(p, NULL) == 0)
		pg_unhold(p);
	return !p->broken && PQstatus(p->conn) == CONNECTION_OK;
}
