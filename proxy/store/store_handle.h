/* store_handle.h: the store handle, private to the generic layer
 * (store.c, store_inventory.c) that dispatches through it. Callers and
 * implementations see struct store as opaque (store.h). */
#ifndef STORE_HANDLE_H
#define STORE_HANDLE_H

#include "store.h"

struct store {
	const struct store_ops *ops;
	void *impl;	   /* the implementation's own state */
	store_log_fn *log; /* may be NULL */
	void *log_arg;
};

/* Report an error of the generic layer as the implementations do. */
void store_log(const struct store *s, const char *fn, const char *msg);

#endif
