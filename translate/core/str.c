/* str.c: the one set of string helpers (str.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

int
str_copy(char *dst, size_t n, const char *src)
{
	size_t len;

	if (n == 0)
		return -1;
	if (src == NULL)
		src = "";
	len = strlen(src);
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

char *
str_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
str_dup_to(char **out, const char *s)
{
	char *c = NULL;

	if (s != NULL && (c = strdup(s)) == NULL)
		return -1;
	free(*out);
	*out = c;
	return 0;
}

int
str_add_overflows(size_t a, size_t b)
{
	return a > SIZE_MAX - b;
}
