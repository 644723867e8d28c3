/* config_check.h: the value checks behind config.c's key table
 * (config_check.c). Each takes a value from the file or a flag, may
 * normalise it in place, and returns 0, or -1 with why filled. */
#ifndef CONFIG_CHECK_H
#define CONFIG_CHECK_H

#include <stddef.h>

/* "HOST:PORT" or "[IPV6]:PORT"; "localhost" becomes 127.0.0.1. */
int config_addr_parse(const char *s, char *host, size_t hostlen, int *port,
    char *why, size_t whylen);

int config_check_url(char *v, char *why, size_t whylen);
int config_check_base_url(char *v, char *why, size_t whylen);
int config_check_nonempty(char *v, char *why, size_t whylen);
int config_check_readable(char *v, char *why, size_t whylen);
int config_check_executable(char *v, char *why, size_t whylen);
/* "" or base64url ("=" padding dropped); why never quotes v (a secret). */
int config_check_b64url(char *v, char *why, size_t whylen);

#endif
