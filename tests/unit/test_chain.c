/* test_chain.c: splitting the CA's PEM chain into DER pieces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "chain.h"
#include "t.h"

#define LEAF_SERIAL 0x0a1b2cL
#define LEAF_NOT_AFTER "20301231235959Z"
#define LEAF_NOT_AFTER_UNIX 1924991999LL /* 2030-12-31T23:59:59Z */

static EVP_PKEY *root_key, *int_key, *leaf_key;
static X509 *root, *inter, *leaf;

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A certificate for cn and key, signed by issuer/ikey (NULL: self-signed). */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
    long serial, const char *not_after, int ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	int ok;

	if (x == NULL || name == NULL) {
		X509_free(x);
		X509_NAME_free(name);
		return NULL;
	}
	ok = X509_set_version(x, 2) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0) &&
	    X509_set_subject_name(x, name) &&
	    X509_set_issuer_name(
		x, issuer ? X509_get_subject_name(issuer) : name) &&
	    ASN1_TIME_set_string(X509_getm_notBefore(x), "20240101000000Z") &&
	    ASN1_TIME_set_string(X509_getm_notAfter(x), not_after) &&
	    X509_set_pubkey(x, key) &&
	    add_ext(x, issuer ? issuer : x, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
	    add_ext(x, issuer ? issuer : x, NID_key_usage,
		ca ? "critical,keyCertSign,cRLSign"
		   : "critical,digitalSignature") &&
	    add_ext(
		x, issuer ? issuer : x, NID_subject_key_identifier, "hash") &&
	    add_ext(x, issuer ? issuer : x, NID_authority_key_identifier,
		"keyid:always") &&
	    X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0;
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* PEM text of the certificates (malloc'd). */
static char *
pem_of(X509 *const *xs, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long len;
	size_t i;

	if (b == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (PEM_write_bio_X509(b, xs[i]) != 1)
			goto done;
	len = BIO_get_mem_data(b, &data);
	if (len < 0 || (out = malloc((size_t)len + 1)) == NULL)
		goto done;
	memcpy(out, data, (size_t)len);
	out[len] = '\0';
done:
	BIO_free(b);
	return out;
}

static int
der_of(X509 *x, unsigned char **der, size_t *len)
{
	int n;

	*der = NULL;
	if ((n = i2d_X509(x, der)) <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static void
test_parse(void)
{
	X509 *xs[3] = { leaf, inter, root };
	struct chain c;
	unsigned char *leaf_der = NULL, *int_der = NULL;
	size_t leaf_len = 0, int_len = 0;
	char id[33], leaf_id[33];
	char *pem;

	CHECK(der_of(leaf, &leaf_der, &leaf_len) == 0);
	CHECK(der_of(inter, &int_der, &int_len) == 0);
	CHECK(chain_cert_id(int_der, int_len, id) == 0);
	CHECK(strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32);
	CHECK(chain_cert_id(leaf_der, leaf_len, leaf_id) == 0);
	CHECK(strcmp(id, leaf_id) != 0);

	pem = pem_of(xs, 3);
	CHECK(pem != NULL);
	if (pem == NULL)
		goto out;
	CHECK(chain_parse(pem, strlen(pem), &c) == 0);
	CHECK(c.n == 2); /* the self-signed root is dropped */
	CHECK(c.len[0] == leaf_len && c.der[0] != NULL &&
	    memcmp(c.der[0], leaf_der, leaf_len) == 0);
	CHECK(c.len[1] == int_len && c.der[1] != NULL &&
	    memcmp(c.der[1], int_der, int_len) == 0);
	CHECK_STR(c.serial, "0a1b2c");
	CHECK(c.not_after == LEAF_NOT_AFTER_UNIX);
	CHECK_STR(c.id[1], id);
	CHECK_STR(c.id[0], leaf_id);
	CHECK(c.der[2] == NULL && c.len[2] == 0);
	chain_clear(&c);
	CHECK(c.n == 0 && c.der[0] == NULL);
	chain_clear(&c); /* twice is safe */
	CHECK(c.n == 0);

	/* only the leaf part of the buffer (len bounds the parse) */
	{
		char *leaf_pem = pem_of(xs, 1);

		CHECK(leaf_pem != NULL);
		if (leaf_pem != NULL) {
			CHECK(strncmp(pem, leaf_pem, strlen(leaf_pem)) == 0);
			CHECK(chain_parse(pem, strlen(leaf_pem), &c) == 0);
			CHECK(c.n == 1);
			CHECK(c.len[0] == leaf_len &&
			    memcmp(c.der[0], leaf_der, leaf_len) == 0);
			CHECK_STR(c.serial, "0a1b2c");
			chain_clear(&c);
		}
		free(leaf_pem);
	}
	free(pem);

	/* leaf + intermediate without the root: both kept */
	pem = pem_of(xs, 2);
	CHECK(pem != NULL && chain_parse(pem, strlen(pem), &c) == 0);
	CHECK(c.n == 2);
	CHECK_STR(c.id[1], id);
	chain_clear(&c);
	free(pem);

	/* text around the PEM blocks, as some CAs send */
	{
		char *p2 = pem_of(xs, 3), *buf;
		size_t blen;

		blen = strlen(p2 ? p2 : "") + 64;
		buf = malloc(blen);
		snprintf(buf, blen, "Leaf and chain:\n%s\n", p2 ? p2 : "");
		CHECK(chain_parse(buf, strlen(buf), &c) == 0);
		CHECK(c.n == 2 && c.len[0] == leaf_len &&
		    memcmp(c.der[0], leaf_der, leaf_len) == 0);
		chain_clear(&c);
		free(buf);
		free(p2);
	}
out:
	OPENSSL_free(leaf_der);
	OPENSSL_free(int_der);
}

static void
test_limits(void)
{
	X509 *xs[CHAIN_MAX + 3];
	struct chain c;
	char *pem;
	size_t i;

	/* more certificates than fit: the first CHAIN_MAX, no leak */
	xs[0] = leaf;
	for (i = 1; i < CHAIN_MAX + 3; i++)
		xs[i] = inter;
	pem = pem_of(xs, CHAIN_MAX + 3);
	CHECK(pem != NULL && chain_parse(pem, strlen(pem), &c) == 0);
	CHECK(c.n == CHAIN_MAX);
	chain_clear(&c);
	free(pem);
}

static void
test_garbage(void)
{
	static const char bad_b64[] =
	    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	static const char not_pem[] = "this is not a certificate\n";
	struct chain c;

	memset(&c, 0x5a, sizeof(c));
	CHECK(chain_parse(not_pem, strlen(not_pem), &c) == -1);
	CHECK(c.n == 0);
	chain_clear(&c);
	CHECK(chain_parse(bad_b64, strlen(bad_b64), &c) == -1);
	CHECK(c.n == 0);
	CHECK(chain_parse("", 0, &c) == -1);
	CHECK(c.n == 0);
	chain_clear(&c);
	chain_clear(&c);

	memset(&c, 0, sizeof(c));
	chain_clear(&c); /* zeroed struct */
}

/* A leaf of serial and notAfter na under inter: chain_parse reads
 * want_serial and want_na from it. */
static void
check_leaf(const char *name, long serial, const char *na,
    const char *want_serial, long long want_na)
{
	X509 *xs[2] = { NULL, inter };
	struct chain c;
	char *pem;

	xs[0] = make_cert(name, leaf_key, inter, int_key, serial, na, 0);
	CHECK(xs[0] != NULL);
	if (xs[0] == NULL)
		return;
	pem = pem_of(xs, 2);
	CHECK(pem != NULL && chain_parse(pem, strlen(pem), &c) == 0);
	CHECK_STR(c.serial, want_serial);
	CHECK(c.not_after == want_na);
	chain_clear(&c);
	free(pem);
	X509_free(xs[0]);
}

/* Serials with an odd number of hex digits and with the high bit set;
 * GeneralizedTime and UTCTime: the leaf is read without OpenSSL. */
static void
test_serials(void)
{
	/* 2029-06-15T12:00:00Z */
	check_leaf(
	    "odd.example", 0xabcL, "20290615120000Z", "0abc", 1876219200LL);
	check_leaf(
	    "high.example", 0xff00L, "20290615120000Z", "ff00", 1876219200LL);
	/* 2049-12-31T23:59:59Z, the last UTCTime year */
	check_leaf("utc.example", 1L, "491231235959Z", "01", 2524607999LL);
}

/* One PEM CERTIFICATE block of n bytes of der (may be no certificate). */
static char *
pem_block(const unsigned char *der, int n)
{
	static const char b[] = "-----BEGIN CERTIFICATE-----\n";
	static const char e[] = "\n-----END CERTIFICATE-----\n";
	size_t cap = sizeof(b) + sizeof(e) + 4 * ((size_t)n / 3 + 1) + 1;
	char *out = malloc(cap);
	int k;

	if (out == NULL)
		return NULL;
	memcpy(out, b, sizeof(b) - 1);
	k = EVP_EncodeBlock((unsigned char *)out + sizeof(b) - 1, der, n);
	memcpy(out + sizeof(b) - 1 + k, e, sizeof(e));
	return out;
}

/* A leaf whose DER is cut or padded is no leaf. */
static void
test_leaf_shape(void)
{
	unsigned char *der = NULL, *cut;
	char *pem;
	struct chain c;
	int len = i2d_X509(leaf, &der), k;
	int cuts[] = { len - 1, len / 2, 10, 1 };

	CHECK(len > 0);
	/* the whole DER in such a block is a leaf: the cuts below are the cause */
	pem = len > 0 ? pem_block(der, len) : NULL;
	CHECK(pem != NULL && chain_parse(pem, strlen(pem), &c) == 0);
	CHECK_STR(c.serial, "0a1b2c");
	chain_clear(&c);
	free(pem);
	for (k = 0; len > 0 && k < 4; k++) {
		cut = malloc((size_t)len + 1);
		CHECK(cut != NULL);
		if (cut == NULL)
			break;
		memcpy(cut, der, (size_t)len);
		cut[len] = 0;
		pem = pem_block(cut, k == 0 ? len + 1 : cuts[k]);
		CHECK(pem != NULL && chain_parse(pem, strlen(pem), &c) == -1);
		free(pem);
		free(cut);
	}
	OPENSSL_free(der);
}

/* chain_der_serial: the serial as in chain_parse, the public key, and
 * refusal of anything but exactly one DER certificate. */
static void
test_der_serial(void)
{
	unsigned char *der = NULL, *two = NULL;
	size_t len = 0;
	char serial[CHAIN_SERIAL_MAX];
	EVP_PKEY *pub = NULL;

	CHECK(der_of(leaf, &der, &len) == 0);
	if (der == NULL)
		return;
	CHECK(chain_der_serial(der, len, serial, NULL) == 0);
	CHECK_STR(serial, "0a1b2c");
	CHECK(chain_der_serial(der, len, serial, &pub) == 0);
	CHECK(pub != NULL && EVP_PKEY_eq(pub, leaf_key) == 1);
	CHECK(pub != NULL && EVP_PKEY_eq(pub, int_key) != 1);
	EVP_PKEY_free(pub);
	pub = (EVP_PKEY *)1;
	CHECK(chain_der_serial(der, len - 1, serial, &pub) == -1);
	CHECK(pub == NULL);
	CHECK(chain_der_serial(der, 0, serial, NULL) == -1);
	CHECK(chain_der_serial(NULL, 10, serial, NULL) == -1);
	/* trailing bytes after the certificate */
	if ((two = malloc(len + 1)) != NULL) {
		memcpy(two, der, len);
		two[len] = 0;
		CHECK(chain_der_serial(two, len + 1, serial, NULL) == -1);
		free(two);
	}
	OPENSSL_free(der);
}

/* leaf, two intermediates, root: both intermediates kept in order, the
 * root dropped (the issuer-cert "up" links stop before the root). */
static void
test_two_intermediates(void)
{
	EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *int2 = NULL, *lf = NULL, *xs[4];
	unsigned char *d1 = NULL, *d2 = NULL;
	size_t l1 = 0, l2 = 0;
	char id1[33], id2[33];
	struct chain c;
	char *pem = NULL;

	CHECK(k2 != NULL);
	if (k2 == NULL)
		return;
	int2 = make_cert(
	    "Test Intermediate 2", k2, inter, int_key, 3, "20340101000000Z", 1);
	lf = make_cert(
	    "deep.example", leaf_key, int2, k2, 0x77L, "20300101000000Z", 0);
	CHECK(int2 != NULL && lf != NULL);
	if (int2 == NULL || lf == NULL)
		goto out;
	xs[0] = lf;
	xs[1] = int2;
	xs[2] = inter;
	xs[3] = root;
	CHECK(der_of(int2, &d1, &l1) == 0 && chain_cert_id(d1, l1, id1) == 0);
	CHECK(der_of(inter, &d2, &l2) == 0 && chain_cert_id(d2, l2, id2) == 0);
	pem = pem_of(xs, 4);
	CHECK(pem != NULL && chain_parse(pem, strlen(pem), &c) == 0);
	CHECK(c.n == 3);
	CHECK_STR(c.serial, "77");
	CHECK_STR(c.id[1], id1);
	CHECK_STR(c.id[2], id2);
	CHECK(c.len[1] == l1 && memcmp(c.der[1], d1, l1) == 0);
	CHECK(c.len[2] == l2 && memcmp(c.der[2], d2, l2) == 0);
	chain_clear(&c);
out:
	free(pem);
	OPENSSL_free(d1);
	OPENSSL_free(d2);
	X509_free(lf);
	X509_free(int2);
	EVP_PKEY_free(k2);
}

int
main(void)
{
	root_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	int_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	leaf_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	CHECK(root_key && int_key && leaf_key);
	if (root_key && int_key && leaf_key) {
		root = make_cert(
		    "Test Root", root_key, NULL, NULL, 1, "20400101000000Z", 1);
		inter = make_cert("Test Intermediate", int_key, root, root_key,
		    2, "20350101000000Z", 1);
		leaf = make_cert("leaf.example", leaf_key, inter, int_key,
		    LEAF_SERIAL, LEAF_NOT_AFTER, 0);
	}
	CHECK(root && inter && leaf);
	if (root && inter && leaf) {
		/* the hierarchy is what the test means it to be */
		CHECK(X509_check_issued(root, root) == X509_V_OK);
		CHECK(X509_check_issued(inter, inter) != X509_V_OK);
		CHECK(X509_check_issued(root, inter) == X509_V_OK);
		CHECK(X509_check_issued(inter, leaf) == X509_V_OK);
		CHECK(X509_verify(inter, root_key) == 1);
		CHECK(X509_verify(leaf, int_key) == 1);
		test_parse();
		test_limits();
		test_garbage();
		test_serials();
		test_leaf_shape();
		test_der_serial();
		test_two_intermediates();
	}
	X509_free(leaf);
	X509_free(inter);
	X509_free(root);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(int_key);
	EVP_PKEY_free(root_key);
	return T_DONE();
}
