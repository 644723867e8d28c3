/* v1_path.c: the ids in v1 resource paths (v1_rules.h). Strict: a path
 * that is not exactly what the bridge hands out is "no such resource". */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "v1_rules.h"

#define ID_LIMIT (1LL << 53) /* ids stay exact in a JSON number */

int
v1_path_id(const char *path, const char *prefix, long long *id)
{
	size_t n = strlen(prefix);
	const char *p = path + n;
	char *end;

	if (strncmp(path, prefix, n) != 0 || !isdigit((unsigned char)*p))
		return 0;
	*id = strtoll(p, &end, 10);
	return *end == '\0' && *id > 0 && *id < ID_LIMIT;
}

const char *
v1_path_hex(const char *path, const char *prefix)
{
	size_t n = strlen(prefix), i;
	const char *p = path + n;

	if (strncmp(path, prefix, n) != 0 || p[0] == '\0' || strlen(p) > 79)
		return NULL;
	for (i = 0; p[i] != '\0'; i++)
		if (!isdigit((unsigned char)p[i]) && (p[i] < 'a' || p[i] > 'f'))
			return NULL;
	return p;
}

int
v1_path_challenge(const char *path, long long *id, int *idx)
{
	static const char prefix[] = "/acme/challenge/";
	const char *p = path + strlen(prefix), *slash;
	char *end;

	if (strncmp(path, prefix, strlen(prefix)) != 0 ||
	    (slash = strchr(p, '/')) == NULL || !isdigit((unsigned char)*p) ||
	    !isdigit((unsigned char)slash[1]))
		return 0;
	*id = strtoll(p, &end, 10);
	if (end != slash || *id <= 0)
		return 0;
	*idx = (int)strtol(slash + 1, &end, 10);
	return *end == '\0' && slash[1] != '\0' && strlen(slash + 1) < 3;
}
