/* store_pg_loop.h: the PostgreSQL store on the server's event loop
 * (store_pg_loop.c; issue 11). */
#ifndef STORE_PG_LOOP_H
#define STORE_PG_LOOP_H

#include <stddef.h>

#include <uv.h>

#include "store.h"

/* From now on s (a store_open_pg store) sends its statements without
 * blocking, and a call made on a fiber (fiber.h, turned on here) waits
 * for its answer on the loop. The loop must close every handle before
 * store_close (main's walk does). 0, or -1 with err set. */
int
store_pg_on_loop(struct store *s, uv_loop_t *loop, char *err, size_t errlen);

/* The loop has stopped: s's calls block from now on, as expected (the
 * last inventory writes at exit). */
void store_pg_loop_end(struct store *s);

#endif
