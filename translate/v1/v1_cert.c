/* v1_cert.c: the rules of new-cert (v1_rules.h). */
#include <stdio.h>
#include <string.h>

#include "b64url.h"
#include "v1_rules.h"

#define MISSING_MAX 512 /* the names listed in the detail, truncated */

int
v1_cert_csr(
    const json_t *payload, unsigned char **der, size_t *len, struct problem *p)
{
	const char *csr = json_string_value(json_object_get(payload, "csr"));

	*der = NULL;
	*len = 0;
	if (csr == NULL ||
	    (*der = b64url_decode(csr, strlen(csr), len)) == NULL)
		return problem_set(p, V1E_MALFORMED, 400,
		    "csr must be the base64url DER of a PKCS#10 request");
	return 0;
}

int
v1_cert_authorized(const char *const *names, size_t n, v1_authz_lookup fn,
    void *arg, struct problem *p)
{
	char missing[MISSING_MAX] = "";
	size_t i, off = 0;
	int rc;

	/* A v1 account proves each name itself, as Boulder required: the
	 * upstream order would be authorized by the bridge's account. */
	for (i = 0; i < n; i++) {
		if ((rc = fn(arg, names[i])) == -1)
			return problem_set(
			    p, V1E_SERVER_INTERNAL, 500, "store error");
		if (rc == 1 || off >= sizeof(missing))
			continue;
		rc = snprintf(missing + off, sizeof(missing) - off, "%s%s",
		    off ? ", " : "", names[i]);
		off += rc > 0 ? (size_t)rc : 0;
	}
	if (missing[0] != '\0')
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "authorizations for these names not found or expired: %s",
		    missing);
	return 0;
}
