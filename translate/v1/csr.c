/* csr.c: the DNS names a PKCS#10 CSR asks for. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "problem.h"

static int
csr_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
csr_is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    csr_is_digit(c) || c == '-';
}

int
csr_name_valid(const char *s)
{
	size_t len, i, lab = 0, labels = 1;
	int last_numeric = 1;

	if (s == NULL || (len = strlen(s)) == 0 || len > CSR_NAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (lab == 0 || lab > 63)
				return 0;
			if (s[i - 1] == '-' || s[i - lab] == '-')
				return 0;
			if (c == '.') {
				labels++;
				lab = 0;
				last_numeric = 1;
			}
			continue;
		}
		if (!csr_is_ldh(c))
			return 0;
		if (!csr_is_digit(c))
			last_numeric = 0;
		lab++;
	}
	if (labels < 2 || last_numeric)
		return 0;
	return 1;
}

static int
csr_name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Lower-case, check and add one name (len bytes, may hold a NUL). */
static int
csr_add(struct csr_names *out, const unsigned char *raw, size_t len,
    const char *where, struct problem *p)
{
	char name[CSR_NAME_MAX + 1];
	size_t i;

	if (len == 0 || len > CSR_NAME_MAX || memchr(raw, '\0', len) != NULL)
		return problem_set(p, V1E_MALFORMED, 400,
		    "CSR %s is not a valid DNS name", where);
	for (i = 0; i < len; i++)
		name[i] = (raw[i] >= 'A' && raw[i] <= 'Z')
		    ? (char)(raw[i] - 'A' + 'a')
		    : (char)raw[i];
	name[len] = '\0';
	if (strchr(name, '*') != NULL)
		return problem_set(p, V1E_MALFORMED, 400,
		    "wildcard names are not supported on ACME v1");
	if (!csr_name_valid(name))
		return problem_set(p, V1E_MALFORMED, 400,
		    "CSR %s \"%.*s\" is not a valid DNS name", where, 64, name);
	for (i = 0; i < out->n; i++)
		if (strcmp(out->names[i], name) == 0)
			return 0;
	if (out->n >= CSR_MAX_NAMES)
		return problem_set(p, V1E_BAD_CSR, 400,
		    "CSR contains more than %d DNS names", CSR_MAX_NAMES);
	memcpy(out->names[out->n], name, len + 1);
	out->n++;
	return 0;
}

static int
csr_subject_names(X509_REQ *req, struct csr_names *out, struct problem *p)
{
	const X509_NAME *subj;
	const X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int idx = -1, len, rc = 0;

	if ((subj = X509_REQ_get_subject_name(req)) == NULL)
		return 0;
	while ((idx = X509_NAME_get_index_by_NID(subj, NID_commonName, idx)) >=
	    0) {
		e = X509_NAME_get_entry(subj, idx);
		len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
		if (len < 0)
			return problem_set(p, V1E_BAD_CSR, 400,
			    "CSR common name is not a valid string");
		rc = csr_add(out, utf8, (size_t)len, "common name", p);
		OPENSSL_free(utf8);
		utf8 = NULL;
		if (rc != 0)
			return -1;
	}
	return 0;
}

static const char *
csr_gen_type(int type)
{
	switch (type) {
	case GEN_IPADD:
		return "IP address";
	case GEN_EMAIL:
		return "email address";
	case GEN_URI:
		return "URI";
	case GEN_OTHERNAME:
		return "otherName";
	case GEN_DIRNAME:
		return "directory name";
	case GEN_RID:
		return "registered ID";
	default:
		return "non-DNS";
	}
}

static int
csr_san_names(X509_REQ *req, struct csr_names *out, struct problem *p)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *gens = NULL;
	const GENERAL_NAME *g;
	int crit = -1, i, rc = -1;

	if ((exts = X509_REQ_get_extensions(req)) == NULL)
		return 0;
	gens = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL) {
		if (crit == -1)
			rc = 0; /* no SAN extension */
		else
			problem_set(p, V1E_BAD_CSR, 400,
			    crit == -2 ? "CSR has more than one subjectAltName "
					 "extension"
				       : "CSR subjectAltName extension does "
					 "not parse");
		goto out;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS) {
			problem_set(p, V1E_BAD_CSR, 400,
			    "CSR contains an %s "
			    "subjectAltName; only DNS names are supported",
			    csr_gen_type(g->type));
			goto out;
		}
		if (csr_add(out, ASN1_STRING_get0_data(g->d.dNSName),
			(size_t)ASN1_STRING_length(g->d.dNSName),
			"subjectAltName", p) != 0)
			goto out;
	}
	rc = 0;
out:
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

int
csr_names_get(const unsigned char *der, size_t len, struct csr_names *out,
    struct problem *p)
{
	X509_REQ *req = NULL;
	const unsigned char *pp = der;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (der == NULL || len == 0 || len > LONG_MAX) {
		problem_set(p, V1E_BAD_CSR, 400, "CSR is empty or too large");
		goto out;
	}
	if ((req = d2i_X509_REQ(NULL, &pp, (long)len)) == NULL ||
	    pp != der + len) {
		problem_set(p, V1E_BAD_CSR, 400,
		    "CSR is not a valid DER PKCS#10 "
		    "request");
		goto out;
	}
	rc = csr_names_of(req, out, p);
out:
	X509_REQ_free(req);
	return rc;
}

int
csr_names_of(X509_REQ *req, struct csr_names *out, struct problem *p)
{
	EVP_PKEY *pk;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL) {
		problem_set(
		    p, V1E_BAD_CSR, 400, "CSR public key does not parse");
		goto out;
	}
	if (X509_REQ_verify(req, pk) != 1) {
		problem_set(
		    p, V1E_BAD_CSR, 400, "CSR signature does not verify");
		goto out;
	}
	if (csr_subject_names(req, out, p) != 0 ||
	    csr_san_names(req, out, p) != 0)
		goto out;
	if (out->n == 0) {
		problem_set(p, V1E_BAD_CSR, 400, "CSR contains no DNS names");
		goto out;
	}
	qsort(out->names, out->n, sizeof(out->names[0]), csr_name_cmp);
	rc = 0;
out:
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
