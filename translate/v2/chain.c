/* chain.c: PEM chains from the CA into DER pieces (see chain.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "chain.h"

int
chain_cert_id(const unsigned char *der, size_t len, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 16)
		return -1;
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The serial of x as lower-case hex, zero-padded to whole octets (the
 * form of the v1 cert URLs). 0 or -1. */
static int
serial_hex(X509 *x, char out[CHAIN_SERIAL_MAX])
{
	BIGNUM *bn = NULL;
	char *hex = NULL;
	size_t i, k, len;
	int rc = -1;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
		NULL ||
	    (hex = BN_bn2hex(bn)) == NULL)
		goto out;
	len = strlen(hex);
	if (len + 2 > CHAIN_SERIAL_MAX)
		goto out;
	/* Boulder's cert URLs used zero-padded lower-case hex. */
	i = 0;
	if (len % 2 == 1)
		out[i++] = '0';
	for (k = 0; k < len; k++)
		out[i++] = (char)(hex[k] >= 'A' && hex[k] <= 'F'
			? hex[k] - 'A' + 'a'
			: hex[k]);
	out[i] = '\0';
	rc = 0;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	return rc;
}

static int
leaf_info(X509 *x, struct chain *c)
{
	struct tm tm;

	if (serial_hex(x, c->serial) == -1 ||
	    ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		return -1;
	c->not_after = (long long)timegm(&tm);
	return 0;
}

int
chain_der_serial(const unsigned char *der, size_t len,
    char serial[CHAIN_SERIAL_MAX], EVP_PKEY **pubkey)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	int rc = -1;

	if (pubkey != NULL)
		*pubkey = NULL;
	if (der == NULL || len == 0 || len > INT32_MAX ||
	    (x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len ||
	    serial_hex(x, serial) == -1)
		goto out;
	if (pubkey != NULL && (*pubkey = X509_get_pubkey(x)) == NULL)
		goto out;
	rc = 0;
out:
	X509_free(x);
	ERR_clear_error();
	return rc;
}

static int
is_self_signed(X509 *x)
{
	return X509_check_issued(x, x) == X509_V_OK;
}

/* Issue 10 item 3: every chain of one CA repeats the same issuers, and
 * parsing a certificate costs about a million instructions in OpenSSL 3
 * (its public key goes through the decoder framework). An issuer's DER is
 * checked once: by its id, whether it is self-signed and parses. */
#define ISSUER_CACHE_N 16

static struct {
	char id[33];
	int self_signed;
} issuer_cache[ISSUER_CACHE_N];
static size_t issuer_next;

/* 1 self-signed, 0 not, -1 not a certificate (DER der, id its id). */
static int
issuer_self_signed(const unsigned char *der, size_t len, const char *id)
{
	const unsigned char *p = der;
	X509 *x;
	size_t i;
	int self;

	for (i = 0; i < ISSUER_CACHE_N; i++)
		if (strcmp(issuer_cache[i].id, id) == 0)
			return issuer_cache[i].self_signed;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		X509_free(x);
		return -1;
	}
	self = is_self_signed(x);
	X509_free(x);
	memcpy(issuer_cache[issuer_next].id, id, 33);
	issuer_cache[issuer_next].self_signed = self;
	issuer_next = (issuer_next + 1) % ISSUER_CACHE_N;
	return self;
}

/* The next PEM CERTIFICATE block at *pos (of end) as DER (OPENSSL_malloc'd),
 * *pos moved past it. 1, 0 when there is none, -1 when it is broken. */
static int
pem_next(const char **pos, const char *end, unsigned char **der, int *dlen)
{
	static const char b[] = "-----BEGIN CERTIFICATE-----";
	static const char e[] = "-----END CERTIFICATE-----";
	const char *s, *t;
	BIO *bio;
	char *name = NULL, *hdr = NULL;
	long n = 0;
	int rc;

	if ((s = memmem(*pos, (size_t)(end - *pos), b, sizeof(b) - 1)) == NULL)
		return 0;
	if ((t = memmem(s, (size_t)(end - s), e, sizeof(e) - 1)) == NULL)
		return -1;
	t += sizeof(e) - 1;
	*pos = t;
	if ((bio = BIO_new_mem_buf(s, (int)(t - s))) == NULL)
		return -1;
	*der = NULL;
	rc = PEM_read_bio(bio, &name, &hdr, der, &n) == 1 && n > 0 &&
		n <= INT32_MAX
	    ? 1
	    : -1;
	BIO_free(bio);
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	*dlen = (int)n;
	return rc;
}

/* The leaf: parsed for its serial and notAfter. */
static int
take_leaf(const unsigned char *der, int dlen, struct chain *out)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, dlen);
	int rc = x != NULL && p == der + dlen && leaf_info(x, out) == 0 ? 0
									: -1;

	X509_free(x);
	return rc;
}

/* One block into out: the leaf first, then the issuers but roots. 0, 1
 * (dropped: a root), or -1; der is taken (kept or freed). */
static int
take_block(unsigned char *der, int dlen, struct chain *out)
{
	char id[33];
	int self = 0;

	if (chain_cert_id(der, (size_t)dlen, id) == -1 ||
	    (out->n == 0 && take_leaf(der, dlen, out) == -1) ||
	    (out->n > 0 &&
		(self = issuer_self_signed(der, (size_t)dlen, id)) == -1)) {
		OPENSSL_free(der);
		return -1;
	}
	if (out->n > 0 && self == 1) {
		OPENSSL_free(der);
		return 1;
	}
	out->der[out->n] = der;
	out->len[out->n] = (size_t)dlen;
	memcpy(out->id[out->n], id, sizeof(id));
	out->n++;
	return 0;
}

int
chain_parse(const char *pem, size_t len, struct chain *out)
{
	const char *pos = pem, *end = pem + len;
	unsigned char *der;
	int dlen, r;

	memset(out, 0, sizeof(*out));
	if (pem == NULL || len > INT32_MAX)
		return -1;
	while (out->n < CHAIN_MAX &&
	    (der = NULL, r = pem_next(&pos, end, &der, &dlen)) != 0) {
		if (r == -1 || take_block(der, dlen, out) == -1) {
			if (r == -1)
				OPENSSL_free(der);
			/* a broken block after the leaf ends the chain */
			break;
		}
	}
	ERR_clear_error();
	if (out->n == 0) {
		chain_clear(out);
		return -1;
	}
	return 0;
}

void
chain_clear(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->n && i < CHAIN_MAX; i++)
		OPENSSL_free(c->der[i]);
	memset(c, 0, sizeof(*c));
}
