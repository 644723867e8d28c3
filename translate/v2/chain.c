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

int
chain_parse(const char *pem, size_t len, struct chain *out)
{
	BIO *bio = NULL;
	X509 *x = NULL;
	unsigned char *der;
	int dlen, rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > INT32_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return -1;
	while (out->n < CHAIN_MAX &&
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (out->n == 0 && leaf_info(x, out) == -1)
			goto out;
		if (out->n > 0 && is_self_signed(x)) {
			X509_free(x);
			x = NULL;
			continue;
		}
		der = NULL;
		if ((dlen = i2d_X509(x, &der)) <= 0)
			goto out;
		out->der[out->n] = der;
		out->len[out->n] = (size_t)dlen;
		if (chain_cert_id(der, (size_t)dlen, out->id[out->n]) == -1)
			goto out;
		out->n++;
		X509_free(x);
		x = NULL;
	}
	rc = out->n > 0 ? 0 : -1;
	ERR_clear_error(); /* the last read's "no start line" */
out:
	X509_free(x);
	BIO_free(bio);
	if (rc == -1)
		chain_clear(out);
	return rc;
}

void
chain_clear(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->n && i < CHAIN_MAX; i++)
		OPENSSL_free(c->der[i]);
	memset(c, 0, sizeof(*c));
}
