/* str.h: the one set of string helpers. Bounded copies that say when they
 * cut, NULL-tolerant duplication, and growth checked before it is done. */
#ifndef STR_H
#define STR_H

#include <stddef.h>

/* Copy src (NULL = "") into dst of size n (n > 0), always NUL-terminated.
 * 0, or -1 when src did not fit (dst then holds the cut prefix). */
int str_copy(char *dst, size_t n, const char *src);

/* A malloc'd copy of s, or NULL when s is NULL or memory ran out: check
 * errno or s to tell them apart, or use str_dup_to. */
char *str_dup(const char *s);

/* *out = a copy of s (NULL stays NULL), freeing what *out held. 0, or -1
 * on ENOMEM (then *out is unchanged). */
int str_dup_to(char **out, const char *s);

/* 1 when a + b would overflow size_t. */
int str_add_overflows(size_t a, size_t b);

#endif
