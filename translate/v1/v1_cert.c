/* v1_cert.c: the rules of new-cert (v1_rules.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "b64url.h"
#include "csr.h"
#include "jwk.h"
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

/* 1 when pk's canonical thumbprint is tp, 0 when not (or pk is of a kind no
 * account key is), -1 out of memory. */
static int
v1_key_is(EVP_PKEY *pk, const char *tp)
{
	char ptp[JWK_THUMBPRINT_LEN + 1];
	json_t *jwk;
	int rc;

	/* Account keys are RSA, P-256 or P-384 (jwk_to_pkey): another key
	 * cannot be the account's. */
	if (jwk_alg(pk) == NULL)
		return 0;
	if ((jwk = jwk_from_pkey(pk)) == NULL)
		return -1;
	rc = jwk_thumbprint(jwk, ptp);
	json_decref(jwk);
	if (rc != 0)
		return -1;
	return strcmp(ptp, tp) == 0;
}

/* The account-key rule on a parsed request (req may be NULL: unreadable). */
static int
key_differs_req(
    X509_REQ *req, const char *account_thumbprint, struct problem *p)
{
	EVP_PKEY *pk;
	int same = -2;

	if (req != NULL && (pk = X509_REQ_get0_pubkey(req)) != NULL)
		same = v1_key_is(pk, account_thumbprint);
	if (same == -2)
		return problem_set(
		    p, V1E_BAD_CSR, 400, "CSR public key could not be read");
	if (same == -1)
		return problem_set(
		    p, V1E_SERVER_INTERNAL, 500, "out of memory");
	if (same == 1)
		return problem_set(p, V1E_BAD_CSR, 400,
		    "Certificate public key must be different than account "
		    "key");
	return 0;
}

int
v1_cert_key_differs(const unsigned char *der, size_t len,
    const char *account_thumbprint, struct problem *p)
{
	const unsigned char *q = der;
	X509_REQ *req = NULL;
	int rc;

	if (len <= LONG_MAX)
		req = d2i_X509_REQ(NULL, &q, (long)len);
	rc = key_differs_req(req, account_thumbprint, p);
	X509_REQ_free(req);
	return rc;
}

int
v1_cert_csr_check(const unsigned char *der, size_t len,
    const char *account_thumbprint, struct csr_names *out, struct problem *p)
{
	const unsigned char *q = der;
	X509_REQ *req = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (der == NULL || len == 0 || len > LONG_MAX)
		return problem_set(
		    p, V1E_BAD_CSR, 400, "CSR is empty or too large");
	if ((req = d2i_X509_REQ(NULL, &q, (long)len)) == NULL || q != der + len)
		problem_set(p, V1E_BAD_CSR, 400,
		    "CSR is not a valid DER PKCS#10 request");
	else if (csr_names_of(req, out, p) == 0 &&
	    key_differs_req(req, account_thumbprint, p) == 0)
		rc = 0;
	X509_REQ_free(req);
	return rc;
}

int
v1_cert_reusable(const struct store_authz *z, size_t n)
{
	size_t i;

	if (n == 0 || z[0].v2_order_url == NULL || z[0].v2_finalize_url == NULL)
		return 0;
	for (i = 1; i < n; i++)
		if (z[i].v2_order_url == NULL || z[i].v2_finalize_url == NULL ||
		    strcmp(z[i].v2_order_url, z[0].v2_order_url) != 0 ||
		    strcmp(z[i].v2_finalize_url, z[0].v2_finalize_url) != 0)
			return 0;
	return 1;
}
