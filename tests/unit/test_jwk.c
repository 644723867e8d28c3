/* test_jwk.c: client JWKs, RFC 7638 thumbprints, the bridge's keys. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64url.h"
#include "jwk.h"
#include "problem.h"
#include "t.h"

/* RFC 7638 section 3.1 */
static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char rfc7638_tp[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

static json_t *
rfc7638_jwk(void)
{
	/* member order and extra members must not matter */
	return json_pack("{s:s, s:s, s:s, s:s}", "n", rfc7638_n, "alg", "RS256",
	    "kty", "RSA", "e", "AQAB");
}

static void
test_thumbprint(void)
{
	char tp[JWK_THUMBPRINT_LEN + 1];
	json_t *j = rfc7638_jwk(), *k;

	memset(tp, 'x', sizeof(tp));
	CHECK(jwk_thumbprint(j, tp) == 0);
	CHECK_STR(tp, rfc7638_tp);
	CHECK(strlen(tp) == JWK_THUMBPRINT_LEN);

	/* a different e changes it */
	k = json_deep_copy(j);
	json_object_set_new(k, "e", json_string("AQAC"));
	CHECK(jwk_thumbprint(k, tp) == 0);
	CHECK(strcmp(tp, rfc7638_tp) != 0);
	json_decref(k);

	/* missing member, unknown kty */
	k = json_deep_copy(j);
	json_object_del(k, "n");
	CHECK(jwk_thumbprint(k, tp) == -1);
	json_decref(k);
	k = json_pack("{s:s, s:s}", "kty", "oct", "k", "AAAA");
	CHECK(jwk_thumbprint(k, tp) == -1);
	json_decref(k);
	json_decref(j);
}

static void
test_rsa(void)
{
	struct problem p;
	char tp[JWK_THUMBPRINT_LEN + 1], tp2[JWK_THUMBPRINT_LEN + 1];
	json_t *j = rfc7638_jwk(), *back, *padded;
	EVP_PKEY *pk;
	unsigned char *nb;
	unsigned char *nb0;
	char *n0;
	size_t nlen = 0;

	memset(&p, 0, sizeof(p));
	pk = jwk_to_pkey(j, &p);
	CHECK(pk != NULL);
	CHECK(pk != NULL && EVP_PKEY_get_bits(pk) == 2048);
	CHECK_STR(jwk_alg(pk), "RS256");
	back = jwk_from_pkey(pk);
	CHECK(back != NULL);
	CHECK_STR(json_string_value(json_object_get(back, "n")), rfc7638_n);
	CHECK_STR(json_string_value(json_object_get(back, "e")), "AQAB");
	CHECK_STR(json_string_value(json_object_get(back, "kty")), "RSA");
	CHECK(json_object_size(back) == 3);
	CHECK(jwk_thumbprint(back, tp) == 0);
	CHECK_STR(tp, rfc7638_tp);
	CHECK(jwk_equal(j, back) == 1);

	/* n with a leading zero octet: same key, same (canonical) thumbprint;
	 * jwk_from_pkey emits minimal n, jwk_equal sees the same key */
	nb = b64url_decode(rfc7638_n, strlen(rfc7638_n), &nlen);
	nb0 = calloc(1, nlen + 1);
	memcpy(nb0 + 1, nb, nlen);
	n0 = b64url_encode(nb0, nlen + 1);
	padded = json_pack("{s:s, s:s, s:s}", "e", "AQAB", "kty", "RSA",
	    "n", n0);
	CHECK(jwk_thumbprint(padded, tp2) == 0);
	CHECK_STR(tp2, rfc7638_tp);
	CHECK(jwk_equal(padded, j) == 1);
	json_decref(back);
	EVP_PKEY_free(pk);
	pk = jwk_to_pkey(padded, &p);
	CHECK(pk != NULL);
	back = pk ? jwk_from_pkey(pk) : NULL;
	CHECK_STR(json_string_value(json_object_get(back, "n")), rfc7638_n);
	json_decref(back);
	EVP_PKEY_free(pk);
	json_decref(padded);
	free(n0);
	free(nb0);

	/* too small: 1024 bits (first 128 bytes of n) */
	n0 = b64url_encode(nb, 128);
	padded = json_pack("{s:s, s:s, s:s}", "e", "AQAB", "kty", "RSA",
	    "n", n0);
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(padded, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "badPublicKey");
	CHECK(p.status == 400);
	CHECK_STR(p.detail, "key too small: 1024 bits");
	json_decref(padded);
	free(n0);
	free(nb);

	/* bad exponent */
	padded = json_pack("{s:s, s:s, s:s}", "e", "Aw", "kty", "RSA",
	    "n", rfc7638_n);
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(padded, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "badPublicKey");
	json_decref(padded);

	/* missing n, bad base64url */
	padded = json_pack("{s:s, s:s}", "e", "AQAB", "kty", "RSA");
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(padded, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "malformed");
	CHECK(strstr(p.detail, "\"n\"") != NULL);
	json_decref(padded);
	padded = json_pack("{s:s, s:s, s:s}", "e", "AQAB=", "kty", "RSA",
	    "n", rfc7638_n);
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(padded, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "malformed");
	CHECK(strstr(p.detail, "base64url") != NULL);
	json_decref(padded);
	json_decref(j);
}

/* j with member name set to its decoded value after pad zero octets. */
static json_t *
jwk_padded(const json_t *j, const char *name, size_t pad)
{
	const char *v = json_string_value(json_object_get(j, name));
	unsigned char *b, *b0;
	size_t len = 0;
	char *s;
	json_t *k = json_deep_copy(j);

	b = b64url_decode(v, strlen(v), &len);
	b0 = calloc(1, len + pad);
	memcpy(b0 + pad, b, len);
	s = b64url_encode(b0, len + pad);
	json_object_set_new(k, name, json_string(s));
	free(s);
	free(b0);
	free(b);
	return k;
}

/* Thumbprints are over the canonical key (issue 8 item 4): RSA integers
 * minimal, EC coordinates full length. */
static void
test_thumbprint_canonical(void)
{
	char tp[JWK_THUMBPRINT_LEN + 1];
	json_t *j = rfc7638_jwk(), *pn, *pe, *k;
	EVP_PKEY *ec;

	pn = jwk_padded(j, "n", 2);
	pe = jwk_padded(j, "e", 1);
	CHECK(strcmp(json_string_value(json_object_get(pe, "e")), "AQAB") != 0);
	CHECK(jwk_thumbprint(pn, tp) == 0);
	CHECK_STR(tp, rfc7638_tp);
	CHECK(jwk_thumbprint(pe, tp) == 0);
	CHECK_STR(tp, rfc7638_tp);
	CHECK(jwk_equal(pn, pe) == 1);
	json_decref(pe);
	/* another key padded is still another key */
	pe = json_deep_copy(pn);
	json_object_set_new(pe, "e", json_string("AAEAAw"));
	CHECK(jwk_thumbprint(pe, tp) == 0 && strcmp(tp, rfc7638_tp) != 0);
	CHECK(jwk_equal(pn, pe) == 0);
	/* zero is one zero octet however it is spelled; empty is no integer */
	json_object_set_new(pe, "e", json_string("AAA"));
	k = json_deep_copy(pe);
	json_object_set_new(k, "e", json_string("AA"));
	CHECK(jwk_equal(pe, k) == 1);
	json_object_set_new(k, "e", json_string(""));
	CHECK(jwk_thumbprint(k, tp) == -1);
	json_decref(k);
	json_decref(pe);
	json_decref(pn);
	json_decref(j);

	/* EC: a zero-padded x is not the key, it is malformed */
	ec = jwk_generate_p256();
	j = jwk_from_pkey(ec);
	CHECK(jwk_thumbprint(j, tp) == 0);
	k = jwk_padded(j, "x", 1);
	CHECK(jwk_thumbprint(k, tp) == -1);
	CHECK(jwk_equal(j, k) == 0);
	json_decref(k);
	/* an unknown or missing crv has no known field size */
	k = json_deep_copy(j);
	json_object_set_new(k, "crv", json_string("P-521"));
	CHECK(jwk_thumbprint(k, tp) == -1);
	json_object_del(k, "crv");
	CHECK(jwk_thumbprint(k, tp) == -1);
	json_decref(k);
	json_decref(j);
	EVP_PKEY_free(ec);
}

static void
test_rsa_large(void)
{
	struct problem p;
	unsigned char nb[1025];
	char *n;
	json_t *j;

	memset(nb, 0xff, sizeof(nb));	/* 8200 bits */
	n = b64url_encode(nb, sizeof(nb));
	j = json_pack("{s:s, s:s, s:s}", "e", "AQAB", "kty", "RSA", "n", n);
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(j, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "badPublicKey");
	CHECK(strstr(p.detail, "8200") != NULL);
	json_decref(j);
	free(n);
}

static void
test_ec_curve(const char *curve, const char *crv, const char *alg,
    size_t coordlen)
{
	struct problem p;
	EVP_PKEY *k, *pub;
	json_t *j, *bad;
	unsigned char *x;
	char *xs;
	size_t xlen = 0;
	char tp1[JWK_THUMBPRINT_LEN + 1], tp2[JWK_THUMBPRINT_LEN + 1];

	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	CHECK(k != NULL);
	CHECK_STR(jwk_alg(k), alg);
	j = jwk_from_pkey(k);
	CHECK(j != NULL);
	CHECK(json_object_size(j) == 4);
	CHECK_STR(json_string_value(json_object_get(j, "crv")), crv);
	CHECK_STR(json_string_value(json_object_get(j, "kty")), "EC");
	x = b64url_decode(json_string_value(json_object_get(j, "x")),
	    json_string_length(json_object_get(j, "x")), &xlen);
	CHECK(xlen == coordlen);
	free(x);
	CHECK(json_string_length(json_object_get(j, "y")) ==
	    (coordlen * 4 + 2) / 3);

	memset(&p, 0, sizeof(p));
	pub = jwk_to_pkey(j, &p);
	CHECK(pub != NULL);
	CHECK(pub != NULL && EVP_PKEY_eq(pub, k) == 1);
	CHECK_STR(jwk_alg(pub), alg);
	CHECK(jwk_thumbprint(j, tp1) == 0);
	EVP_PKEY_free(pub);

	/* point off the curve: flip the last byte of y */
	bad = json_deep_copy(j);
	x = b64url_decode(json_string_value(json_object_get(j, "y")),
	    json_string_length(json_object_get(j, "y")), &xlen);
	x[xlen - 1] ^= 1;
	xs = b64url_encode(x, xlen);
	json_object_set_new(bad, "y", json_string(xs));
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(bad, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "badPublicKey");
	CHECK(jwk_thumbprint(bad, tp2) == 0 && strcmp(tp1, tp2) != 0);
	CHECK(jwk_equal(bad, j) == 0);
	free(xs);

	/* short coordinate (leading zero stripped) is refused, and has no
	 * thumbprint (RFC 7518 6.2.1.2: full length) */
	xs = b64url_encode(x + 1, xlen - 1);
	json_object_set_new(bad, "y", json_string(xs));
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(bad, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "badPublicKey");
	CHECK(jwk_thumbprint(bad, tp2) == -1);
	CHECK(jwk_equal(bad, bad) == 0);
	CHECK(strstr(p.detail, "bytes") != NULL);
	free(xs);
	free(x);
	json_decref(bad);

	/* missing y */
	bad = json_deep_copy(j);
	json_object_del(bad, "y");
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(bad, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "malformed");
	CHECK(strstr(p.detail, "\"y\"") != NULL);
	json_decref(bad);

	json_decref(j);
	EVP_PKEY_free(k);
}

static void
test_ec_misc(void)
{
	struct problem p;
	EVP_PKEY *k;
	json_t *j;

	/* P-521 is not supported */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	CHECK(k != NULL);
	CHECK(jwk_alg(k) == NULL);
	CHECK(jwk_from_pkey(k) == NULL);
	EVP_PKEY_free(k);
	j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-521",
	    "x", "AA", "y", "AA");
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(j, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "badPublicKey");
	CHECK(strstr(p.detail, "P-521") != NULL);
	json_decref(j);

	/* unknown kty, missing kty, not an object */
	j = json_pack("{s:s, s:s}", "kty", "oct", "k", "AAAA");
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(j, &p) == NULL);
	CHECK(p.status == 400);
	CHECK(strstr(p.detail, "oct") != NULL);
	json_decref(j);
	j = json_pack("{s:s}", "n", "AQAB");
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(j, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "malformed");
	json_decref(j);
	j = json_string("RSA");
	memset(&p, 0, sizeof(p));
	CHECK(jwk_to_pkey(j, &p) == NULL);
	CHECK_STR(problem_v1_name(p.type), "malformed");
	json_decref(j);
}

static void
test_bridge_keys(void)
{
	EVP_PKEY *k, *k2;
	char *pem, *pem2;
	json_t *a, *b;

	k = jwk_generate_p256();
	CHECK(k != NULL);
	CHECK_STR(jwk_alg(k), "ES256");
	pem = jwk_private_pem(k);
	CHECK(pem != NULL && strstr(pem, "-----BEGIN PRIVATE KEY-----") != NULL);
	k2 = jwk_private_from_pem(pem);
	CHECK(k2 != NULL && EVP_PKEY_eq(k, k2) == 1);
	pem2 = k2 ? jwk_private_pem(k2) : NULL;
	CHECK(pem2 != NULL && pem != NULL && strcmp(pem, pem2) == 0);
	a = jwk_from_pkey(k);
	b = jwk_from_pkey(k2);
	CHECK(jwk_equal(a, b) == 1);
	CHECK(jwk_private_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n") == NULL);
	CHECK(jwk_private_from_pem(NULL) == NULL);
	json_decref(a);
	json_decref(b);
	free(pem);
	free(pem2);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	k = jwk_generate_p256();
	k2 = jwk_generate_p256();
	a = jwk_from_pkey(k);
	b = jwk_from_pkey(k2);
	CHECK(jwk_equal(a, b) == 0);
	CHECK(jwk_equal(a, NULL) == 0);
	json_decref(a);
	json_decref(b);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

int
main(void)
{
	test_thumbprint();
	test_rsa();
	test_thumbprint_canonical();
	test_rsa_large();
	test_ec_curve("P-256", "P-256", "ES256", 32);
	test_ec_curve("P-384", "P-384", "ES384", 48);
	test_ec_misc();
	test_bridge_keys();
	return T_DONE();
}
