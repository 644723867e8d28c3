/* v1_path.c: the ids in v1 resource paths (v1_rules.h). Strict: a path
 * that is not exactly what the bridge hands out is "no such resource". */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v1_rules.h"

#define ID_LIMIT (1LL << 53) /* ids stay exact in a JSON number */
#define PREFIX_NAME_MAX 62   /* CONFIG_PREFIX_MAX less '/' and NUL */

static int
prefix_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	    c == '_' || c == '-';
}

int
v1_prefix_check(const char *prefix, char *why, size_t whylen)
{
	static const char *const reserved[] = { "acme", "directory", "terms" };
	const char *name = prefix + 1;
	size_t i, n;

	if (prefix[0] == '\0')
		return 0;
	n = strlen(name);
	if (prefix[0] != '/' || n == 0 || n > PREFIX_NAME_MAX ||
	    !isalnum((unsigned char)name[0])) {
		snprintf(why, whylen,
		    "a prefix is \"\" or \"/name\" (1 to %d characters, "
		    "starting with a letter or digit)",
		    PREFIX_NAME_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!prefix_char(name[i])) {
			snprintf(why, whylen,
			    "a prefix is one path segment of lower-case "
			    "letters, digits, '.', '_' and '-'");
			return -1;
		}
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(name, reserved[i]) == 0) {
			snprintf(why, whylen,
			    "\"%s\" is a v1 resource of the root", prefix);
			return -1;
		}
	return 0;
}

size_t
v1_prefix_match(
    const char *path, const char *const *prefixes, size_t n, size_t *which)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = strlen(prefixes[i]);
		if (len > 0 && strncmp(path, prefixes[i], len) == 0 &&
		    (path[len] == '/' || path[len] == '\0')) {
			*which = i;
			return len;
		}
	}
	*which = n;
	return 0;
}

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

static int
b64url_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* The len bytes at p as an authorization reference (v1_rules.h): a
 * public id is exactly AUTHZ_PUBLIC_ID_LEN characters, longer than any
 * numeric id (2^53 has 16 digits), so the two never meet. 1, or 0. */
static int
authz_ref(const char *p, size_t len, struct v1_authz_ref *ref)
{
	char digits[17], *end;
	size_t i;

	memset(ref, 0, sizeof(*ref));
	if (len == AUTHZ_PUBLIC_ID_LEN) {
		for (i = 0; i < len; i++)
			if (!b64url_char(p[i]))
				return 0;
		memcpy(ref->pid, p, len);
		return 1;
	}
	if (len == 0 || len >= sizeof(digits))
		return 0;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	memcpy(digits, p, len);
	digits[len] = '\0';
	ref->id = strtoll(digits, &end, 10);
	return ref->id > 0 && ref->id < ID_LIMIT;
}

int
v1_path_authz(const char *path, struct v1_authz_ref *ref)
{
	static const char prefix[] = "/acme/authz/";
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return 0;
	return authz_ref(path + n, strlen(path + n), ref);
}

int
v1_path_challenge(const char *path, struct v1_authz_ref *ref, int *idx)
{
	static const char prefix[] = "/acme/challenge/";
	const char *p = path + strlen(prefix), *slash;
	char *end;

	if (strncmp(path, prefix, strlen(prefix)) != 0 ||
	    (slash = strchr(p, '/')) == NULL ||
	    !authz_ref(p, (size_t)(slash - p), ref) ||
	    !isdigit((unsigned char)slash[1]))
		return 0;
	*idx = (int)strtol(slash + 1, &end, 10);
	return *end == '\0' && strlen(slash + 1) < 3;
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
	else if (v1_path_authz(path, &out->authz))
		out->res = V1R_AUTHZ;
	else if (v1_path_challenge(path, &out->authz, &out->idx))
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
