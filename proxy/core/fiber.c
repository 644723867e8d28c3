/* fiber.c: fibers on ucontext (fiber.h). Each fiber has an mmap'd stack
 * with a guard page below it (an overflow faults instead of writing over
 * the heap); finished fibers' stacks are kept for the next ones. Under
 * AddressSanitizer every switch is announced to it (its fiber API), or it
 * would take the other stack for a buffer overflow. */
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "fiber.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define FIBER_ASAN 1
#endif

#define FIBER_STACK (256 * 1024) /* OpenSSL and libpq run on it too */
#define FIBER_STACKS_KEPT 32

struct fiber {
	ucontext_t ctx;	 /* the fiber's own */
	ucontext_t back; /* the loop's, to go back to */
	void *map;	 /* guard page + stack */
	size_t map_len;
	fiber_fn *fn, *done;
	void *arg, *done_arg;
	int finished;
	void *asan_fake; /* ASan's fake stack of the side switched from */
};

static int enabled;
static struct fiber *cur, *starting;
static unsigned nwaiting;
static void *kept[FIBER_STACKS_KEPT];
static size_t nkept;
#ifdef FIBER_ASAN
static const void *loop_bottom;
static size_t loop_size;
#endif

void
fiber_enable(void)
{
	enabled = 1;
}

int
fiber_enabled(void)
{
	return enabled;
}

struct fiber *
fiber_self(void)
{
	return cur;
}

unsigned
fiber_waiting(void)
{
	return nwaiting;
}

static size_t
map_len(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return FIBER_STACK + (size_t)(page > 0 ? page : 4096);
}

static void *
stack_get(void)
{
	void *m;
	long page = sysconf(_SC_PAGESIZE);

	if (nkept > 0)
		return kept[--nkept];
	m = mmap(NULL, map_len(), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	/* the lowest page: an overflow faults here */
	if (mprotect(m, (size_t)(page > 0 ? page : 4096), PROT_NONE) != 0) {
		munmap(m, map_len());
		return NULL;
	}
	return m;
}

static void
stack_put(void *m)
{
	if (nkept < FIBER_STACKS_KEPT)
		kept[nkept++] = m;
	else
		munmap(m, map_len());
}

void
fiber_cleanup(void)
{
	while (nkept > 0)
		munmap(kept[--nkept], map_len());
}

/* ---- switches (with ASan told of each) ---- */

static void
into_fiber(struct fiber *f)
{
#ifdef FIBER_ASAN
	void *fake = NULL;

	__sanitizer_start_switch_fiber(
	    &fake, (char *)f->map + (map_len() - FIBER_STACK), FIBER_STACK);
	swapcontext(&f->back, &f->ctx);
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
	swapcontext(&f->back, &f->ctx);
#endif
}

static void
out_of_fiber(struct fiber *f, int last)
{
#ifdef FIBER_ASAN
	__sanitizer_start_switch_fiber(
	    last ? NULL : &f->asan_fake, loop_bottom, loop_size);
	swapcontext(&f->ctx, &f->back);
	__sanitizer_finish_switch_fiber(f->asan_fake, &loop_bottom, &loop_size);
#else
	(void)last;
	swapcontext(&f->ctx, &f->back);
#endif
}

static void
trampoline(void)
{
	struct fiber *f = starting;

#ifdef FIBER_ASAN
	__sanitizer_finish_switch_fiber(NULL, &loop_bottom, &loop_size);
#endif
	f->fn(f->arg);
	f->finished = 1;
	out_of_fiber(f, 1); /* never continued */
}

/* Back on the loop's stack after f waited or finished. */
static void
returned(struct fiber *f)
{
	cur = NULL;
	if (!f->finished)
		return;
	if (f->done != NULL)
		f->done(f->done_arg);
	stack_put(f->map);
	free(f);
}

/* getcontext returns twice (it is setjmp-like): alone in a function of
 * its own, nothing of the caller's can be clobbered. */
static int
ctx_init(ucontext_t *ctx, void *stack)
{
	if (getcontext(ctx) != 0)
		return -1;
	ctx->uc_stack.ss_sp = stack;
	ctx->uc_stack.ss_size = FIBER_STACK;
	ctx->uc_link = NULL;
	makecontext(ctx, trampoline, 0);
	return 0;
}

static struct fiber *
fiber_new(fiber_fn *fn, void *arg, fiber_fn *done, void *done_arg)
{
	struct fiber *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->map_len = map_len();
	if ((f->map = stack_get()) == NULL ||
	    ctx_init(&f->ctx, (char *)f->map + (f->map_len - FIBER_STACK)) !=
		0) {
		if (f->map != NULL)
			stack_put(f->map);
		free(f);
		return NULL;
	}
	f->fn = fn;
	f->arg = arg;
	f->done = done;
	f->done_arg = done_arg;
	return f;
}

void
fiber_run(fiber_fn *fn, void *arg, fiber_fn *done, void *done_arg)
{
	struct fiber *f;

	/* off, or already on a fiber (a callback run from inside one): a
	 * plain call; a wait inside it suspends the fiber it runs on */
	if (!enabled || cur != NULL ||
	    (f = fiber_new(fn, arg, done, done_arg)) == NULL) {
		fn(arg);
		if (done != NULL)
			done(done_arg);
		return;
	}
	starting = f;
	cur = f;
	into_fiber(f);
	returned(f);
}

void
fiber_wait(void)
{
	struct fiber *f = cur;

	if (f == NULL)
		return; /* not on a fiber: nothing to suspend */
	nwaiting++;
	cur = NULL;
	out_of_fiber(f, 0);
	cur = f;
	nwaiting--;
}

void
fiber_wake(struct fiber *f)
{
	if (f == NULL || f->finished || cur != NULL)
		return;
	cur = f;
	into_fiber(f);
	returned(f);
}
