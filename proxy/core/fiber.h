/* fiber.h: a loop callback run on a stack of its own, so that a store call
 * inside it can wait for PostgreSQL without blocking the event loop (issue
 * 11). fiber_run starts fn; when fn calls fiber_wait (a store call whose
 * answer is not there yet), fiber_run returns to the loop, and fiber_wake,
 * called from the loop when the answer came, continues fn where it
 * waited. When fn has finished, done(done_arg) runs: a caller that lends fn
 * something (a response it frees afterwards) frees it there, never right
 * after fiber_run returns.
 *
 * Fibers are off unless fiber_enable was called (the server on a
 * PostgreSQL state): then fiber_run calls fn and done at once, on the
 * caller's stack, exactly as a plain call would, so the SQLite bridge runs
 * as it always has. One thread only (the loop's). */
#ifndef FIBER_H
#define FIBER_H

struct fiber;
typedef void fiber_fn(void *arg);

/* On from now on (stacks are made as fibers start). */
void fiber_enable(void);
int fiber_enabled(void);
/* fn(arg) on a fiber, then done(done_arg) (NULL: none) once fn returned.
 * When no fiber can be made (out of memory) fn runs on the caller's stack:
 * its store calls then block (logged by the store), nothing is lost. */
void fiber_run(fiber_fn *fn, void *arg, fiber_fn *done, void *done_arg);
/* The fiber running now, NULL on the loop's own stack. */
struct fiber *fiber_self(void);
/* Suspend the running fiber (fiber_self() != NULL) until fiber_wake. */
void fiber_wait(void);
/* Continue f from its fiber_wait, now, from the loop's stack; returns when
 * f waits again or finishes. */
void fiber_wake(struct fiber *f);
/* How many fibers are waiting (not finished): for the drain and the
 * tests. */
unsigned fiber_waiting(void);
/* Free the stacks kept for reuse (at exit). */
void fiber_cleanup(void);

#endif
