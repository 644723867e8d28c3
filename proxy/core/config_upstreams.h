/* config_upstreams.h: the `upstreams` key of config.c's table
 * (config_upstreams.c; issue 9 item 1). Each returns 0, or -1 with why
 * filled (without the key's name: the caller adds the file and key). */
#ifndef CONFIG_UPSTREAMS_H
#define CONFIG_UPSTREAMS_H

#include <stddef.h>
#include <jansson.h>

struct config;

/* The key's value: an object from prefix to entry, every entry checked. */
int config_upstreams_check(const json_t *v, char *why, size_t whylen);
/* After the file (its top level is file): upstreams[""] into the root's
 * shorthand fields, refused when the file also sets one of them. */
int config_upstreams_root(
    struct config *c, const json_t *file, char *why, size_t whylen);
/* After the flags: c->ups and c->nups, the root first. */
int config_upstreams_build(struct config *c, char *why, size_t whylen);

#endif
