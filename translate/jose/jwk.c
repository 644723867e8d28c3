/* jwk.c: JSON Web Keys: client JWK parsing and checks, RFC 7638
 * thumbprints, the bridge's own ECDSA P-256 v2 account keys. EVP_* only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "b64url.h"
#include "jwk.h"
#include "problem.h"

#define JWK_RSA_MIN_BITS 2048
#define JWK_RSA_MAX_BITS 8192
#define JWK_RSA_MAX_E_BYTES 8

struct jwk_curve {
	const char *crv;   /* JWK name */
	const char *group; /* OpenSSL group name */
	const char *alias; /* another OpenSSL spelling */
	size_t coordlen;
	const char *alg;
};

static const struct jwk_curve jwk_curves[] = {
	{ "P-256", "prime256v1", "secp256r1", 32, "ES256" },
	{ "P-384", "secp384r1", "secp384r1", 48, "ES384" },
};

static const struct jwk_curve *
jwk_curve_by_crv(const char *crv)
{
	size_t i;

	for (i = 0; i < sizeof(jwk_curves) / sizeof(jwk_curves[0]); i++)
		if (strcmp(jwk_curves[i].crv, crv) == 0)
			return &jwk_curves[i];
	return NULL;
}

static const struct jwk_curve *
jwk_curve_by_group(const char *group)
{
	size_t i;

	for (i = 0; i < sizeof(jwk_curves) / sizeof(jwk_curves[0]); i++)
		if (strcmp(jwk_curves[i].group, group) == 0 ||
		    strcmp(jwk_curves[i].alias, group) == 0 ||
		    strcmp(jwk_curves[i].crv, group) == 0)
			return &jwk_curves[i];
	return NULL;
}

static const struct jwk_curve *
jwk_pkey_curve(EVP_PKEY *pk)
{
	char group[64];
	size_t glen = 0;

	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC)
		return NULL;
	if (!EVP_PKEY_get_utf8_string_param(
		pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen))
		return NULL;
	return jwk_curve_by_group(group);
}

/* Decode the base64url string member `name` of jwk. */
static unsigned char *
jwk_member_bytes(
    const json_t *jwk, const char *name, size_t *len, struct problem *p)
{
	const json_t *v;
	unsigned char *buf = NULL;

	v = json_object_get(jwk, name);
	if (v == NULL) {
		problem_set(
		    p, V1E_MALFORMED, 400, "JWK is missing \"%s\"", name);
		return NULL;
	}
	if (!json_is_string(v)) {
		problem_set(p, V1E_MALFORMED, 400,
		    "JWK member \"%s\" is not a string", name);
		return NULL;
	}
	buf = b64url_decode(json_string_value(v), json_string_length(v), len);
	if (buf == NULL)
		problem_set(p, V1E_MALFORMED, 400,
		    "JWK member \"%s\" is not valid base64url", name);
	return buf;
}

static EVP_PKEY *
jwk_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pk = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pk;
}

/* Boulder's RSA key rules: size in bounds, odd modulus, odd exponent of
 * at least 65537 (min_e) and at most JWK_RSA_MAX_E_BYTES. 0 or -1 (p). */
static int
jwk_rsa_check(
    const BIGNUM *n, const BIGNUM *e, const BIGNUM *min_e, struct problem *p)
{
	int bits = BN_num_bits(n);

	if (bits < JWK_RSA_MIN_BITS)
		return problem_set(
		    p, V1E_BAD_PUBLIC_KEY, 400, "key too small: %d bits", bits);
	if (bits > JWK_RSA_MAX_BITS)
		return problem_set(
		    p, V1E_BAD_PUBLIC_KEY, 400, "key too large: %d bits", bits);
	if (!BN_is_odd(n))
		return problem_set(
		    p, V1E_BAD_PUBLIC_KEY, 400, "RSA modulus is even");
	if (!BN_is_odd(e) || BN_cmp(e, min_e) < 0 ||
	    BN_num_bytes(e) > JWK_RSA_MAX_E_BYTES)
		return problem_set(p, V1E_BAD_PUBLIC_KEY, 400,
		    "RSA public exponent must be odd and at least 65537");
	return 0;
}

static EVP_PKEY *
jwk_rsa_to_pkey(const json_t *jwk, struct problem *p)
{
	unsigned char *nb = NULL, *eb = NULL;
	size_t nlen = 0, elen = 0;
	BIGNUM *n = NULL, *e = NULL, *min_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pk = NULL;

	if ((nb = jwk_member_bytes(jwk, "n", &nlen, p)) == NULL ||
	    (eb = jwk_member_bytes(jwk, "e", &elen, p)) == NULL)
		goto out;
	if (nlen > JWK_RSA_MAX_BITS / 8 + 64 || elen > 64) {
		problem_set(
		    p, V1E_BAD_PUBLIC_KEY, 400, "RSA key members too long");
		goto out;
	}
	if ((n = BN_bin2bn(nb, (int)nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(eb, (int)elen, NULL)) == NULL ||
	    (min_e = BN_new()) == NULL || !BN_set_word(min_e, 65537)) {
		problem_set(p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto out;
	}
	if (jwk_rsa_check(n, e, min_e, p) == -1)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
		problem_set(p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto out;
	}
	if ((pk = jwk_fromdata("RSA", bld)) == NULL)
		problem_set(
		    p, V1E_BAD_PUBLIC_KEY, 400, "invalid RSA public key");
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	BN_free(min_e);
	free(nb);
	free(eb);
	return pk;
}

static int
jwk_ec_check(EVP_PKEY *pk)
{
	EVP_PKEY_CTX *ctx = NULL;
	int rc = -1;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_public_check(ctx) == 1)
		rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static EVP_PKEY *
jwk_ec_to_pkey(const json_t *jwk, struct problem *p)
{
	const json_t *crv;
	const struct jwk_curve *c;
	unsigned char *x = NULL, *y = NULL, *pt = NULL;
	size_t xlen = 0, ylen = 0;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pk = NULL;

	crv = json_object_get(jwk, "crv");
	if (!json_is_string(crv)) {
		problem_set(p, V1E_MALFORMED, 400, "EC JWK is missing \"crv\"");
		goto out;
	}
	if ((c = jwk_curve_by_crv(json_string_value(crv))) == NULL) {
		problem_set(p, V1E_BAD_PUBLIC_KEY, 400,
		    "unsupported EC curve \"%.32s\" (P-256 and P-384 only)",
		    json_string_value(crv));
		goto out;
	}
	if ((x = jwk_member_bytes(jwk, "x", &xlen, p)) == NULL ||
	    (y = jwk_member_bytes(jwk, "y", &ylen, p)) == NULL)
		goto out;
	if (xlen != c->coordlen || ylen != c->coordlen) {
		problem_set(p, V1E_BAD_PUBLIC_KEY, 400,
		    "%s coordinates must be %zu bytes (x %zu, y %zu)", c->crv,
		    c->coordlen, xlen, ylen);
		goto out;
	}
	if ((pt = malloc(1 + 2 * c->coordlen)) == NULL) {
		problem_set(p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto out;
	}
	pt[0] = 0x04;
	memcpy(pt + 1, x, c->coordlen);
	memcpy(pt + 1 + c->coordlen, y, c->coordlen);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(
		bld, OSSL_PKEY_PARAM_GROUP_NAME, c->group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(
		bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * c->coordlen)) {
		problem_set(p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto out;
	}
	if ((pk = jwk_fromdata("EC", bld)) == NULL || jwk_ec_check(pk) != 0) {
		EVP_PKEY_free(pk);
		pk = NULL;
		problem_set(p, V1E_BAD_PUBLIC_KEY, 400,
		    "EC public key is not a valid %s point", c->crv);
	}
out:
	OSSL_PARAM_BLD_free(bld);
	free(pt);
	free(x);
	free(y);
	return pk;
}

EVP_PKEY *
jwk_to_pkey(const json_t *jwk, struct problem *p)
{
	const json_t *kty;
	const char *s;

	if (!json_is_object(jwk)) {
		problem_set(p, V1E_MALFORMED, 400, "JWK is not a JSON object");
		return NULL;
	}
	kty = json_object_get(jwk, "kty");
	if (!json_is_string(kty)) {
		problem_set(p, V1E_MALFORMED, 400, "JWK is missing \"kty\"");
		return NULL;
	}
	if (json_object_get(jwk, "d") != NULL) {
		problem_set(
		    p, V1E_MALFORMED, 400, "JWK contains private key material");
		return NULL;
	}
	s = json_string_value(kty);
	if (strcmp(s, "RSA") == 0)
		return jwk_rsa_to_pkey(jwk, p);
	if (strcmp(s, "EC") == 0)
		return jwk_ec_to_pkey(jwk, p);
	problem_set(p, V1E_BAD_PUBLIC_KEY, 400,
	    "unsupported JWK key type \"%.32s\" (RSA and EC only)", s);
	return NULL;
}

/* The canonical base64url of the integer member name of jwk, malloc'd, or
 * NULL. fixed 0: an RSA integer, minimal big-endian (RFC 7518 6.3.1: leading
 * zero octets dropped, zero is one zero octet), so a padded spelling of a key
 * has the key's thumbprint. fixed > 0: an EC coordinate, which RFC 7518
 * 6.2.1.2 says MUST be the full field size: any other length is malformed.
 * Re-encoding also drops any other spelling the decoder accepts. */
static char *
jwk_member_canon(const json_t *jwk, const char *name, size_t fixed)
{
	struct problem p;
	unsigned char *buf;
	size_t len = 0, skip = 0;
	char *s = NULL;

	memset(&p, 0, sizeof(p));
	if ((buf = jwk_member_bytes(jwk, name, &len, &p)) == NULL)
		return NULL;
	if (fixed == 0) {
		while (skip + 1 < len && buf[skip] == 0)
			skip++;
		if (len > 0)
			s = b64url_encode(buf + skip, len - skip);
	} else if (len == fixed)
		s = b64url_encode(buf, len);
	free(buf);
	return s;
}

/* Set the canonical form of member name (jwk_member_canon) in dst. */
static int
jwk_set_canon(json_t *dst, const json_t *jwk, const char *name, size_t fixed)
{
	char *s;
	int rc;

	if ((s = jwk_member_canon(jwk, name, fixed)) == NULL)
		return -1;
	rc = json_object_set_new(dst, name, json_string(s));
	free(s);
	return rc;
}

/* The RFC 7638 required members of jwk in canonical form: RSA e, kty, n;
 * EC crv, kty, x, y (crv one this bridge knows, so its field size is). */
static json_t *
jwk_canonical(const json_t *jwk)
{
	const struct jwk_curve *c;
	const char *kty, *crv;
	json_t *canon;
	int bad;

	kty = json_string_value(json_object_get(jwk, "kty"));
	if (kty == NULL || (canon = json_object()) == NULL)
		return NULL;
	if (strcmp(kty, "RSA") == 0)
		bad = json_object_set_new(canon, "kty", json_string("RSA")) ||
		    jwk_set_canon(canon, jwk, "e", 0) ||
		    jwk_set_canon(canon, jwk, "n", 0);
	else if (strcmp(kty, "EC") == 0 &&
	    (crv = json_string_value(json_object_get(jwk, "crv"))) != NULL &&
	    (c = jwk_curve_by_crv(crv)) != NULL)
		bad = json_object_set_new(canon, "kty", json_string("EC")) ||
		    json_object_set_new(canon, "crv", json_string(c->crv)) ||
		    jwk_set_canon(canon, jwk, "x", c->coordlen) ||
		    jwk_set_canon(canon, jwk, "y", c->coordlen);
	else
		bad = 1;
	if (bad) {
		json_decref(canon);
		return NULL;
	}
	return canon;
}

int
jwk_thumbprint(const json_t *jwk, char out[JWK_THUMBPRINT_LEN + 1])
{
	json_t *canon = NULL;
	char *s = NULL, *b = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int rc = -1;

	if ((canon = jwk_canonical(jwk)) == NULL)
		goto out;
	/* RFC 7638: lexicographic member order, no whitespace. */
	s = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
	if (s == NULL)
		goto out;
	if (!EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL))
		goto out;
	if ((b = b64url_encode(md, mdlen)) == NULL ||
	    strlen(b) != JWK_THUMBPRINT_LEN)
		goto out;
	memcpy(out, b, JWK_THUMBPRINT_LEN + 1);
	rc = 0;
out:
	json_decref(canon);
	free(s);
	free(b);
	return rc;
}

/* base64url of bn, minimal big-endian (padlen 0) or left-padded to padlen. */
static char *
jwk_bn_b64(const BIGNUM *bn, size_t padlen)
{
	unsigned char *buf = NULL;
	char *s = NULL;
	int len;

	len = padlen ? (int)padlen : BN_num_bytes(bn);
	if (len <= 0)
		len = 1; /* zero encodes as one zero octet */
	if ((buf = calloc(1, (size_t)len)) == NULL)
		goto out;
	if (BN_bn2binpad(bn, buf, len) != len)
		goto out;
	s = b64url_encode(buf, (size_t)len);
out:
	free(buf);
	return s;
}

static json_t *
jwk_rsa_from_pkey(EVP_PKEY *pk)
{
	BIGNUM *n = NULL, *e = NULL;
	char *ns = NULL, *es = NULL;
	json_t *j = NULL;

	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e))
		goto out;
	if ((ns = jwk_bn_b64(n, 0)) == NULL || (es = jwk_bn_b64(e, 0)) == NULL)
		goto out;
	j = json_pack("{s:s, s:s, s:s}", "e", es, "kty", "RSA", "n", ns);
out:
	BN_free(n);
	BN_free(e);
	free(ns);
	free(es);
	return j;
}

static json_t *
jwk_ec_from_pkey(EVP_PKEY *pk)
{
	const struct jwk_curve *c;
	BIGNUM *x = NULL, *y = NULL;
	char *xs = NULL, *ys = NULL;
	json_t *j = NULL;

	if ((c = jwk_pkey_curve(pk)) == NULL)
		goto out;
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y))
		goto out;
	if ((xs = jwk_bn_b64(x, c->coordlen)) == NULL ||
	    (ys = jwk_bn_b64(y, c->coordlen)) == NULL)
		goto out;
	j = json_pack("{s:s, s:s, s:s, s:s}", "crv", c->crv, "kty", "EC", "x",
	    xs, "y", ys);
out:
	BN_free(x);
	BN_free(y);
	free(xs);
	free(ys);
	return j;
}

json_t *
jwk_from_pkey(EVP_PKEY *pk)
{
	if (pk == NULL)
		return NULL;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		return jwk_rsa_from_pkey(pk);
	case EVP_PKEY_EC:
		return jwk_ec_from_pkey(pk);
	default:
		return NULL;
	}
}

const char *
jwk_alg(EVP_PKEY *pk)
{
	const struct jwk_curve *c;

	if (pk == NULL)
		return NULL;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		return "RS256";
	case EVP_PKEY_EC:
		c = jwk_pkey_curve(pk);
		return c ? c->alg : NULL;
	default:
		return NULL;
	}
}

EVP_PKEY *
jwk_generate_p256(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

char *
jwk_private_pem(EVP_PKEY *pk)
{
	BIO *bio = NULL;
	char *data = NULL, *pem = NULL;
	long len;

	if (pk == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	if (!PEM_write_bio_PKCS8PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL))
		goto out;
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || (size_t)len > SIZE_MAX - 1)
		goto out;
	if ((pem = malloc((size_t)len + 1)) == NULL)
		goto out;
	memcpy(pem, data, (size_t)len);
	pem[len] = '\0';
out:
	BIO_free(bio);
	return pem;
}

EVP_PKEY *
jwk_private_from_pem(const char *pem)
{
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	size_t len;

	if (pem == NULL)
		return NULL;
	len = strlen(pem);
	if (len > INT32_MAX)
		return NULL;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return pk;
}

int
jwk_equal(const json_t *a, const json_t *b)
{
	char ta[JWK_THUMBPRINT_LEN + 1], tb[JWK_THUMBPRINT_LEN + 1];

	/* The thumbprint is over the canonical key: spellings do not count. */
	if (a == NULL || b == NULL)
		return 0;
	if (jwk_thumbprint(a, ta) != 0 || jwk_thumbprint(b, tb) != 0)
		return 0;
	return strcmp(ta, tb) == 0;
}
