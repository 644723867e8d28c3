/* test_csr.c: DNS names from PKCS#10 CSRs. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "problem.h"
#include "t.h"

static EVP_PKEY *key;

/* A DER CSR with subject CN cn (NULL: empty subject) and SAN san
 * (openssl config syntax, NULL: none). *len gets the length. */
static unsigned char *
make_csr(const char *cn, const char *san, size_t *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *ext;
	unsigned char *der = NULL, *copy = NULL;
	int n;

	X509_REQ_set_version(req, 0);
	if (cn != NULL)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		    (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_subject_name(req, name);
	X509_REQ_set_pubkey(req, key);
	if (san != NULL) {
		exts = sk_X509_EXTENSION_new_null();
		ext = X509V3_EXT_nconf_nid(NULL, NULL, NID_subject_alt_name,
		    san);
		if (ext != NULL)
			sk_X509_EXTENSION_push(exts, ext);
		X509_REQ_add_extensions(req, exts);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0)
		goto out;
	if ((n = i2d_X509_REQ(req, &der)) <= 0)
		goto out;
	copy = malloc((size_t)n);
	memcpy(copy, der, (size_t)n);
	*len = (size_t)n;
out:
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return copy;
}

static int
names(const char *cn, const char *san, struct csr_names *out,
    struct problem *p)
{
	size_t len = 0;
	unsigned char *der = make_csr(cn, san, &len);
	int rc;

	memset(p, 0, sizeof(*p));
	CHECK(der != NULL);
	if (der == NULL)
		return -2;
	rc = csr_names_get(der, len, out, p);
	free(der);
	return rc;
}

static void
refused(const char *cn, const char *san, const char *type, const char *part)
{
	struct csr_names *out = calloc(1, sizeof(*out));
	struct problem p;

	CHECK(names(cn, san, out, &p) == -1);
	CHECK_STR(problem_v1_name(p.type), type);
	CHECK(p.status == 400);
	CHECK(strstr(p.detail, part) != NULL);
	if (strstr(p.detail, part) == NULL)
		fprintf(stderr, "  detail was \"%s\"\n", p.detail);
	CHECK(out->n == 0);
	free(out);
}

static void
test_ok(void)
{
	struct csr_names *out = calloc(1, sizeof(*out));
	struct problem p;

	/* CN only */
	CHECK(names("www.example.com", NULL, out, &p) == 0);
	CHECK(out->n == 1);
	CHECK_STR(out->names[0], "www.example.com");

	/* CN + SANs, duplicates and upper case */
	CHECK(names("WWW.Example.COM", "DNS:b.example.org,DNS:www.example.com,"
	    "DNS:A.example.net,DNS:B.EXAMPLE.ORG,DNS:xn--bcher-kva.example",
	    out, &p) == 0);
	CHECK(out->n == 4);
	CHECK_STR(out->names[0], "a.example.net");
	CHECK_STR(out->names[1], "b.example.org");
	CHECK_STR(out->names[2], "www.example.com");
	CHECK_STR(out->names[3], "xn--bcher-kva.example");

	/* SANs only, empty subject */
	CHECK(names(NULL, "DNS:z.example.com,DNS:y.example.com", out, &p) == 0);
	CHECK(out->n == 2);
	CHECK_STR(out->names[0], "y.example.com");
	CHECK_STR(out->names[1], "z.example.com");
	free(out);
}

static void
test_limits(void)
{
	struct csr_names *out = calloc(1, sizeof(*out));
	struct problem p;
	char *san = malloc(CSR_MAX_NAMES * 32 + 64);
	size_t off = 0;
	int i;

	/* exactly CSR_MAX_NAMES (CN duplicates one SAN) */
	for (i = 0; i < CSR_MAX_NAMES; i++)
		off += (size_t)snprintf(san + off, 32, "%sDNS:n%03d.example.com",
		    i ? "," : "", i);
	CHECK(names("n000.example.com", san, out, &p) == 0);
	CHECK(out->n == CSR_MAX_NAMES);
	CHECK_STR(out->names[0], "n000.example.com");
	CHECK_STR(out->names[CSR_MAX_NAMES - 1], "n099.example.com");
	/* one more */
	refused("n100.example.com", san, "badCSR", "more than");
	free(san);
	free(out);
}

static void
test_refusals(void)
{
	struct csr_names *out = calloc(1, sizeof(*out));
	struct problem p;
	unsigned char *der;
	size_t len = 0;

	refused("*.example.com", NULL, "malformed",
	    "wildcard names are not supported on ACME v1");
	refused("example.com", "DNS:*.example.com", "malformed", "wildcard");
	refused("example.com", "DNS:example.com,IP:192.0.2.1", "badCSR",
	    "IP address");
	refused("example.com", "email:a@example.com", "badCSR", "email");
	refused("example.com", "URI:https://example.com/", "badCSR", "URI");
	refused(NULL, NULL, "badCSR", "no DNS names");
	refused("localhost", NULL, "malformed", "not a valid DNS name");
	refused("example.com", "DNS:bad_name.example.com", "malformed",
	    "bad_name.example.com");
	refused("192.0.2.1", NULL, "malformed", "not a valid DNS name");

	/* tampered signature */
	der = make_csr("example.com", "DNS:www.example.com", &len);
	CHECK(der != NULL);
	der[len - 3] ^= 0x01;
	memset(&p, 0, sizeof(p));
	CHECK(csr_names_get(der, len, out, &p) == -1);
	CHECK_STR(problem_v1_name(p.type), "badCSR");
	CHECK_STR(p.detail, "CSR signature does not verify");
	free(der);

	/* tampered body (the CN) */
	der = make_csr("aaaa.example.com", NULL, &len);
	{
		unsigned char *q = memchr(der, 'a', len);

		CHECK(q != NULL);
		if (q != NULL)
			*q = 'b';
	}
	memset(&p, 0, sizeof(p));
	CHECK(csr_names_get(der, len, out, &p) == -1);
	CHECK_STR(p.detail, "CSR signature does not verify");

	/* truncated, trailing garbage, empty */
	memset(&p, 0, sizeof(p));
	CHECK(csr_names_get(der, len - 1, out, &p) == -1);
	CHECK_STR(problem_v1_name(p.type), "badCSR");
	CHECK(csr_names_get((const unsigned char *)"", 0, out, &p) == -1);
	free(der);
	der = make_csr("example.com", NULL, &len);
	{
		unsigned char *more = malloc(len + 1);

		memcpy(more, der, len);
		more[len] = 0;
		memset(&p, 0, sizeof(p));
		CHECK(csr_names_get(more, len + 1, out, &p) == -1);
		CHECK_STR(problem_v1_name(p.type), "badCSR");
		CHECK(csr_names_get(more, len, out, &p) == 0);
		CHECK(out->n == 1);
		free(more);
	}
	free(der);
	free(out);
}

static void
test_name_valid(void)
{
	char label63[64], label64[65], big[300];
	size_t i;

	CHECK(csr_name_valid("example.com") == 1);
	CHECK(csr_name_valid("a.b.c.example.co.uk") == 1);
	CHECK(csr_name_valid("xn--bcher-kva.example") == 1);
	CHECK(csr_name_valid("1.example.com") == 1);
	CHECK(csr_name_valid("a-b.example.com") == 1);
	CHECK(csr_name_valid("example.c0m") == 1);
	CHECK(csr_name_valid("") == 0);
	CHECK(csr_name_valid(NULL) == 0);
	CHECK(csr_name_valid("com") == 0);
	CHECK(csr_name_valid("*.example.com") == 0);
	CHECK(csr_name_valid("-a.example.com") == 0);
	CHECK(csr_name_valid("a-.example.com") == 0);
	CHECK(csr_name_valid("example.com-") == 0);
	CHECK(csr_name_valid("example..com") == 0);
	CHECK(csr_name_valid(".example.com") == 0);
	CHECK(csr_name_valid("example.com.") == 0);
	CHECK(csr_name_valid("192.0.2.1") == 0);
	CHECK(csr_name_valid("example.123") == 0);
	CHECK(csr_name_valid("exa mple.com") == 0);
	CHECK(csr_name_valid("ex_ample.com") == 0);
	CHECK(csr_name_valid("ex\xc3\xa4mple.com") == 0);
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'a', 64);
	label64[64] = '\0';
	snprintf(big, sizeof(big), "%s.com", label63);
	CHECK(csr_name_valid(big) == 1);
	snprintf(big, sizeof(big), "%s.com", label64);
	CHECK(csr_name_valid(big) == 0);
	/* 253 ok, 254 not */
	for (i = 0; i < 253; i++)
		big[i] = (i % 2) ? '.' : 'a';
	big[253] = '\0';
	CHECK(csr_name_valid(big) == 1);
	big[253] = 'a';
	big[252] = '.';
	big[254] = '\0';
	CHECK(strlen(big) == 254 && csr_name_valid(big) == 0);
}

int
main(void)
{
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	CHECK(key != NULL);
	test_ok();
	test_limits();
	test_refusals();
	test_name_valid();
	EVP_PKEY_free(key);
	return T_DONE();
}
