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
	/* the bound of v1_path_id: strtoll saturates, so an id too long
	 * to be one would otherwise read as LLONG_MAX (found by fuzz_v1_path) */
	if (end != slash || *id <= 0 || *id >= ID_LIMIT)
		return 0;
	*idx = (int)strtol(slash + 1, &end, 10);
	return *end == '\0' && slash[1] != '\0' && strlen(slash + 1) < 3;
}

static const struct {
	const char *path;
	enum v1_resource res;
} fixed_paths[] = {
	{ "/directory", V1R_DIRECTORY },
	{ "/", V1R_DIRECTORY },
	{ "/terms", V1R_TERMS },
	{ "/acme/new-reg", V1R_NEW_REG },
	{ "/acme/new-authz", V1R_NEW_AUTHZ },
	{ "/acme/new-cert", V1R_NEW_CERT },
	{ "/acme/revoke-cert", V1R_REVOKE_CERT },
	{ "/acme/key-change", V1R_KEY_CHANGE },
};

void
v1_route(const char *path, struct v1_route *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]); i++)
		if (strcmp(path, fixed_paths[i].path) == 0) {
			out->res = fixed_paths[i].res;
			return;
		}
	if (v1_path_id(path, "/acme/reg/", &out->id))
		out->res = V1R_REG;
	else if (v1_path_id(path, "/acme/authz/", &out->id))
		out->res = V1R_AUTHZ;
	else if (v1_path_challenge(path, &out->id, &out->idx))
		out->res = V1R_CHALLENGE;
	else if ((out->tail = v1_path_hex(path, "/acme/cert/")) != NULL)
		out->res = V1R_CERT;
	else if ((out->tail = v1_path_hex(path, "/acme/issuer-cert/")) != NULL)
		out->res = V1R_ISSUER_CERT;
	else
		out->res = V1R_UNKNOWN;
}

const char *
v1_resource_name(enum v1_resource r)
{
	static const char *const names[V1R_COUNT] = {
		[V1R_UNKNOWN] = "unknown",
		[V1R_DIRECTORY] = "directory",
		[V1R_TERMS] = "terms",
		[V1R_NEW_REG] = "new-reg",
		[V1R_NEW_AUTHZ] = "new-authz",
		[V1R_NEW_CERT] = "new-cert",
		[V1R_REVOKE_CERT] = "revoke-cert",
		[V1R_KEY_CHANGE] = "key-change",
		[V1R_REG] = "reg",
		[V1R_AUTHZ] = "authz",
		[V1R_CHALLENGE] = "challenge",
		[V1R_CERT] = "cert",
		[V1R_ISSUER_CERT] = "issuer-cert",
	};

	return (unsigned)r < V1R_COUNT ? names[r] : "unknown";
}
