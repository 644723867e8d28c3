/* csr.h: the DNS names a PKCS#10 CSR asks for. */
#ifndef CSR_H
#define CSR_H

#include <stddef.h>

struct problem;
struct X509_req_st; /* OpenSSL's X509_REQ */

#define CSR_MAX_NAMES 100
#define CSR_NAME_MAX 253

struct csr_names {
	size_t n;
	char names[CSR_MAX_NAMES]
		  [CSR_NAME_MAX + 1]; /* lower-cased, unique, sorted */
};

/* Parse DER; check the CSR's self-signature; collect CN and SAN dNSNames,
 * lower-cased, deduplicated, sorted. No names, more than CSR_MAX_NAMES, a
 * wildcard, an IP/email/URI SAN or a bad name fills p (badCSR or malformed,
 * 400) and returns -1. */
int csr_names_get(const unsigned char *der, size_t len, struct csr_names *out,
    struct problem *p);
/* The same for a parsed request (the signature checked here too). */
int
csr_names_of(struct X509_req_st *req, struct csr_names *out, struct problem *p);

/* 1 if s is a plausible DNS name we may ask for (LDH labels, 1..253 chars,
 * at least two labels, no wildcard). */
int csr_name_valid(const char *s);

#endif
