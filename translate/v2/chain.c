/* chain.c: PEM chains from the CA into DER pieces (see chain.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
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

/* --- the leaf, read without OpenSSL (issue 10 item 3) ----------------------
 * d2i_X509 costs about a million instructions in OpenSSL 3, most of them
 * decoding the public key, which the bridge never uses: the leaf's serial
 * and notAfter are read straight from the DER of its TBSCertificate. */

/* One DER element at *p (before end): tag, content, *p past it. Short and
 * long (up to 3 octets) lengths; low tag numbers only. 0 or -1. */
static int
der_next(const unsigned char **p, const unsigned char *end, int tag,
    const unsigned char **body, size_t *blen)
{
	const unsigned char *q = *p;
	size_t n, k, avail;

	if (end - q < 2 || q[0] != tag)
		return -1;
	n = q[1];
	q += 2;
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 3 || (size_t)(end - q) < k)
			return -1;
		for (n = 0; k > 0; k--)
			n = (n << 8) | *q++;
	}
	avail = (size_t)(end - q);
	if (n > avail)
		return -1;
	*body = q;
	*blen = n;
	*p = q + n;
	return 0;
}

/* The INTEGER content as the v1 cert URLs have it (Boulder's form):
 * lower-case hex of its octets, zero-padded to whole octets, leading zero
 * octets dropped; negative serials are refused. 0 or -1. */
static int
der_serial_hex(const unsigned char *v, size_t n, char out[CHAIN_SERIAL_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (n == 0 || (v[0] & 0x80))
		return -1;
	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	if (2 * n + 1 > CHAIN_SERIAL_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[v[i] >> 4];
		out[2 * i + 1] = hex[v[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

/* n decimal digits at s into *v. 0 or -1. */
static int
digits(const unsigned char *s, size_t n, int *v)
{
	*v = 0;
	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		*v = *v * 10 + (*s - '0');
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A DER UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), the
 * only forms RFC 5280 allows, into unix seconds. 0 or -1. */
static int
der_time(int tag, const unsigned char *v, size_t n, long long *out)
{
	int y, mo, d, h, mi, sec;
	size_t yl = tag == 0x17 ? 2 : 4;

	if (n != yl + 11 || v[n - 1] != 'Z' || digits(v, yl, &y) == -1 ||
	    digits(v + yl, 2, &mo) == -1 || digits(v + yl + 2, 2, &d) == -1 ||
	    digits(v + yl + 4, 2, &h) == -1 ||
	    digits(v + yl + 6, 2, &mi) == -1 ||
	    digits(v + yl + 8, 2, &sec) == -1 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (tag == 0x17)
		y += y < 50 ? 2000 : 1900; /* RFC 5280 4.1.2.5.1 */
	*out = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL +
	    sec;
	return 0;
}

/* One Time element at *p (UTCTime or GeneralizedTime), into *out unless
 * out is NULL. 0 or -1. */
static int
der_time_next(const unsigned char **p, const unsigned char *end, long long *out)
{
	const unsigned char *v;
	long long t;
	size_t n;
	int tag = *p < end ? **p : 0;

	if ((tag != 0x17 && tag != 0x18) ||
	    der_next(p, end, tag, &v, &n) == -1 ||
	    der_time(tag, v, n, &t) == -1)
		return -1;
	if (out != NULL)
		*out = t;
	return 0;
}

/* The serial and notAfter of a DER certificate, read from its
 * TBSCertificate. 0, or -1 when der is not exactly one certificate of that
 * shape. */
static int
cert_fields(const unsigned char *der, size_t len, char serial[CHAIN_SERIAL_MAX],
    long long *not_after)
{
	const unsigned char *p = der, *end = der + len, *v, *tend;
	size_t n;

	if (der_next(&p, end, 0x30, &v, &n) == -1 || p != end)
		return -1;
	p = v;
	if (der_next(&p, v + n, 0x30, &v, &n) == -1) /* tbsCertificate */
		return -1;
	p = v;
	tend = v + n;
	if (p < tend && *p == 0xa0 && der_next(&p, tend, 0xa0, &v, &n) == -1)
		return -1; /* version */
	if (der_next(&p, tend, 0x02, &v, &n) == -1 ||
	    der_serial_hex(v, n, serial) == -1 ||
	    der_next(&p, tend, 0x30, &v, &n) == -1 || /* signature */
	    der_next(&p, tend, 0x30, &v, &n) == -1 || /* issuer */
	    der_next(&p, tend, 0x30, &v, &n) == -1)   /* validity */
		return -1;
	p = v;
	return der_time_next(&p, v + n, NULL) == 0 &&
		der_time_next(&p, v + n, not_after) == 0
	    ? 0
	    : -1;
}

int
chain_der_serial(const unsigned char *der, size_t len,
    char serial[CHAIN_SERIAL_MAX], EVP_PKEY **pubkey)
{
	const unsigned char *p = der;
	long long not_after;
	X509 *x = NULL;
	int rc = -1;

	if (pubkey != NULL)
		*pubkey = NULL;
	/* the serial as chain_parse reads it; OpenSSL checks the rest */
	if (der == NULL || len == 0 || len > INT32_MAX ||
	    cert_fields(der, len, serial, &not_after) == -1 ||
	    (x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	if (pubkey != NULL && (*pubkey = X509_get_pubkey(x)) == NULL)
		goto out;
	rc = 0;
out:
	X509_free(x);
	ERR_clear_error();
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
	    (out->n == 0 &&
		cert_fields(der, (size_t)dlen, out->serial, &out->not_after) ==
		    -1) ||
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
