/* test_keyring.c: the keyring (translate/jose/keyring.h): import by PEM,
 * ids, signing verified with the public key, the cap and eviction, holds. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "b64url.h"
#include "jwk.h"
#include "jws.h"
#include "keyring.h"
#include "problem.h"
#include "t.h"

/* The PEM of pk: PKCS#8 (pkcs8) or the traditional form (SEC1, PKCS#1). */
static char *
pem_of(EVP_PKEY *pk, int pkcs8)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;
	int ok;

	if (bio == NULL)
		return NULL;
	ok = pkcs8
	    ? PEM_write_bio_PKCS8PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL)
	    : PEM_write_bio_PrivateKey_traditional(
		  bio, pk, NULL, NULL, 0, NULL, NULL);
	len = BIO_get_mem_data(bio, &data);
	if (ok && len > 0 && (out = calloc(1, (size_t)len + 1)) != NULL)
		memcpy(out, data, (size_t)len);
	BIO_free(bio);
	return out;
}

static void
thumb_of(EVP_PKEY *pk, char out[JWK_THUMBPRINT_LEN + 1])
{
	json_t *jwk = jwk_from_pkey(pk);

	out[0] = '\0';
	CHECK(jwk != NULL && jwk_thumbprint(jwk, out) == 0);
	json_decref(jwk);
}

/* The public key of id, as a verifier would build it from its JWK. */
static EVP_PKEY *
public_of(struct keyring *kr, const char *id)
{
	struct problem p;
	json_t *jwk = keyring_jwk(kr, id);
	EVP_PKEY *pub;

	memset(&p, 0, sizeof(p));
	pub = jwk != NULL ? jwk_to_pkey(jwk, &p) : NULL;
	json_decref(jwk);
	return pub;
}

static void
test_import(void)
{
	EVP_PKEY *ec = jwk_generate_p256();
	char *p8 = pem_of(ec, 1), *trad = pem_of(ec, 0);
	char id[KEYRING_ID_LEN + 1], id2[KEYRING_ID_LEN + 1];
	char tp[JWK_THUMBPRINT_LEN + 1];
	struct keyring *kr = keyring_new(8);

	CHECK(kr != NULL && p8 != NULL && trad != NULL);
	thumb_of(ec, tp);
	CHECK(keyring_import_pem(kr, p8, strlen(p8), id) == 0);
	CHECK_STR(id, tp);
	CHECK(keyring_has(kr, id) && keyring_count(kr) == 1);
	CHECK_STR(keyring_alg(kr, id), "ES256");
	/* the same key again, as the same text or another spelling */
	CHECK(keyring_import_pem(kr, p8, strlen(p8), id2) == 0);
	CHECK_STR(id2, id);
	CHECK(keyring_import_pem(kr, trad, strlen(trad), id2) == 0);
	CHECK_STR(id2, id);
	CHECK(keyring_count(kr) == 1);
	/* the keyring keeps nothing of the text it was given */
	OPENSSL_cleanse(p8, strlen(p8));
	CHECK(keyring_import_pem(kr, trad, strlen(trad), id2) == 0);
	CHECK(keyring_has(kr, id) && keyring_count(kr) == 1);
	keyring_free(kr);
	free(p8);
	free(trad);
	EVP_PKEY_free(ec);
}

static void
test_bad_pem(void)
{
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
				   "-----END PRIVATE KEY-----\n";
	EVP_PKEY *ec = jwk_generate_p256();
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	BIO *bio = BIO_new(BIO_s_mem());
	struct keyring *kr = keyring_new(4);
	char id[KEYRING_ID_LEN + 1], *pub = NULL, *other = pem_of(p521, 1);
	long len;

	CHECK(keyring_new(0) == NULL);
	CHECK(keyring_import_pem(kr, junk, strlen(junk), id) == -1);
	CHECK(id[0] == '\0');
	CHECK(keyring_import_pem(kr, "hello", 5, id) == -1);
	CHECK(other != NULL &&
	    keyring_import_pem(kr, other, strlen(other), id) == -2);
	CHECK(keyring_import_pem(kr, junk, 0, id) == -1);
	CHECK(keyring_import_pem(kr, NULL, 4, id) == -1);
	CHECK(keyring_import_pem(NULL, junk, strlen(junk), id) == -1);
	/* a public key is not a private key */
	CHECK(bio != NULL && PEM_write_bio_PUBKEY(bio, ec) == 1);
	len = BIO_get_mem_data(bio, &pub);
	CHECK(len > 0 && keyring_import_pem(kr, pub, (size_t)len, id) == -1);
	CHECK(keyring_count(kr) == 0);
	/* unknown ids */
	CHECK(keyring_hold(kr, "nope") == -1);
	CHECK(
	    keyring_sign_jws(kr, "nope", NULL, "n", "https://x/", "") == NULL);
	CHECK(keyring_jwk(kr, "nope") == NULL);
	CHECK(keyring_private_pem(kr, "nope") == NULL);
	CHECK(keyring_alg(kr, NULL) == NULL && !keyring_has(kr, NULL));
	keyring_release(kr, "nope");
	BIO_free(bio);
	keyring_free(kr);
	keyring_free(NULL);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(p521);
	free(other);
}

/* Verify the flattened JWS js with the public key of id: its protected
 * header names alg, kid (or jwk), nonce and url. */
static void
check_jws(struct keyring *kr, const char *id, const char *js, const char *kid,
    const char *alg)
{
	json_t *doc = json_loads(js ? js : "", 0, NULL), *prot = NULL, *jwk;
	const char *pb, *yb, *sb;
	unsigned char *praw = NULL, *sig = NULL;
	size_t plen = 0, siglen = 0;
	char *input = NULL;
	EVP_PKEY *pub = public_of(kr, id);

	pb = json_string_value(json_object_get(doc, "protected"));
	yb = json_string_value(json_object_get(doc, "payload"));
	sb = json_string_value(json_object_get(doc, "signature"));
	CHECK(pub != NULL && pb != NULL && yb != NULL && sb != NULL);
	if (pub == NULL || pb == NULL || yb == NULL || sb == NULL)
		goto out;
	praw = b64url_decode(pb, strlen(pb), &plen);
	prot = praw ? json_loadb((const char *)praw, plen, 0, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(prot, "alg")), alg);
	CHECK_STR(json_string_value(json_object_get(prot, "url")),
	    "https://ca.example/acme/new-order");
	CHECK_STR(json_string_value(json_object_get(prot, "nonce")), "n0nce");
	if (kid != NULL)
		CHECK_STR(json_string_value(json_object_get(prot, "kid")), kid);
	else {
		jwk = keyring_jwk(kr, id);
		CHECK(jwk_equal(json_object_get(prot, "jwk"), jwk));
		json_decref(jwk);
	}
	sig = b64url_decode(sb, strlen(sb), &siglen);
	input = malloc(strlen(pb) + strlen(yb) + 2);
	CHECK(sig != NULL && input != NULL);
	if (sig != NULL && input != NULL) {
		snprintf(input, strlen(pb) + strlen(yb) + 2, "%s.%s", pb, yb);
		CHECK(jws_verify_raw(pub, alg, (const unsigned char *)input,
			  strlen(input), sig, siglen) == 0);
		input[0] ^= 1; /* a changed input does not verify */
		CHECK(jws_verify_raw(pub, alg, (const unsigned char *)input,
			  strlen(input), sig, siglen) == -1);
	}
out:
	free(input);
	free(sig);
	free(praw);
	json_decref(prot);
	json_decref(doc);
	EVP_PKEY_free(pub);
}

static void
test_sign(EVP_PKEY *pk, const char *alg)
{
	struct keyring *kr = keyring_new(4);
	char *pem = pem_of(pk, 1), *js, id[KEYRING_ID_LEN + 1];
	const char *kid = "https://ca.example/acme/acct/7";
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY *pub;

	CHECK(kr != NULL && pem != NULL &&
	    keyring_import_pem(kr, pem, strlen(pem), id) == 0);
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	CHECK_STR(keyring_alg(kr, id), alg);
	js = keyring_sign_jws(kr, id, kid, "n0nce",
	    "https://ca.example/acme/new-order", "{\"identifiers\":[]}");
	check_jws(kr, id, js, kid, alg);
	free(js);
	js = keyring_sign_jws(
	    kr, id, NULL, "n0nce", "https://ca.example/acme/new-order", "");
	check_jws(kr, id, js, NULL, alg);
	free(js);
	/* the raw signature, verified with EVP through the public key */
	pub = public_of(kr, id);
	CHECK(keyring_sign(
		  kr, id, (const unsigned char *)"abc", 3, &sig, &siglen) == 0);
	CHECK(pub != NULL &&
	    jws_verify_raw(
		pub, alg, (const unsigned char *)"abc", 3, sig, siglen) == 0);
	free(sig);
	EVP_PKEY_free(pub);
	keyring_free(kr);
}

/* The PEM a keyring gives back names the same key in another keyring. */
static void
test_generate(void)
{
	struct keyring *a = keyring_new(2), *b = keyring_new(2);
	char id[KEYRING_ID_LEN + 1], id2[KEYRING_ID_LEN + 1], *pem;

	CHECK(keyring_generate(a, id) == 0 && keyring_count(a) == 1);
	CHECK_STR(keyring_alg(a, id), "ES256");
	pem = keyring_private_pem(a, id);
	CHECK(pem != NULL && strstr(pem, "BEGIN PRIVATE KEY") != NULL);
	CHECK(pem != NULL && keyring_import_pem(b, pem, strlen(pem), id2) == 0);
	CHECK_STR(id2, id);
	keyring_pem_free(pem);
	keyring_pem_free(NULL);
	CHECK(keyring_generate(a, id2) == 0 && strcmp(id, id2) != 0);
	keyring_free(a);
	keyring_free(b);
}

static void
test_eviction(void)
{
	struct keyring *kr = keyring_new(2);
	char a[KEYRING_ID_LEN + 1], b[KEYRING_ID_LEN + 1];
	char c[KEYRING_ID_LEN + 1], d[KEYRING_ID_LEN + 1];
	char *pem, *js;

	CHECK(keyring_generate(kr, a) == 0 && keyring_generate(kr, b) == 0);
	pem = keyring_private_pem(kr, b);
	/* signing with a makes b the least recently used */
	js = keyring_sign_jws(kr, a, NULL, "n", "https://x/", "");
	CHECK(js != NULL);
	free(js);
	CHECK(keyring_generate(kr, c) == 0 && keyring_count(kr) == 2);
	CHECK(keyring_has(kr, a) && !keyring_has(kr, b) && keyring_has(kr, c));
	/* an evicted key comes back from its PEM, with the same id */
	CHECK(pem != NULL && keyring_import_pem(kr, pem, strlen(pem), d) == 0);
	CHECK_STR(d, b);
	CHECK(!keyring_has(kr, a) && keyring_has(kr, c));
	keyring_pem_free(pem);
	keyring_free(kr);
}

static void
test_holds(void)
{
	struct keyring *kr = keyring_new(2);
	char a[KEYRING_ID_LEN + 1], b[KEYRING_ID_LEN + 1];
	char c[KEYRING_ID_LEN + 1], d[KEYRING_ID_LEN + 1];

	CHECK(keyring_generate(kr, a) == 0 && keyring_hold(kr, a) == 0);
	CHECK(keyring_hold(kr, a) == 0); /* counted */
	CHECK(keyring_generate(kr, b) == 0);
	/* a is the oldest, but held: b goes */
	CHECK(keyring_generate(kr, c) == 0);
	CHECK(keyring_has(kr, a) && !keyring_has(kr, b) && keyring_has(kr, c));
	/* every key held: nothing can come in */
	CHECK(keyring_hold(kr, c) == 0);
	CHECK(keyring_generate(kr, d) == -1 && d[0] == '\0');
	CHECK(keyring_count(kr) == 2);
	keyring_release(kr, a);
	CHECK(keyring_generate(kr, d) == -1); /* a still held once */
	keyring_release(kr, a);
	keyring_release(kr, a); /* one too many: ignored */
	CHECK(keyring_generate(kr, d) == 0);
	CHECK(!keyring_has(kr, a) && keyring_has(kr, c) && keyring_has(kr, d));
	/* freed with a key still held: everything goes (ASan sees leaks) */
	keyring_free(kr);
}

/* Many keys through a small keyring: the tables stay consistent. */
static void
test_churn(void)
{
	struct keyring *kr = keyring_new(3);
	char ids[10][KEYRING_ID_LEN + 1];
	int i, n = 0;

	for (i = 0; i < 10; i++)
		CHECK(keyring_generate(kr, ids[i]) == 0);
	CHECK(keyring_count(kr) == 3);
	for (i = 0; i < 10; i++)
		n += keyring_has(kr, ids[i]);
	CHECK(n == 3);
	CHECK(keyring_has(kr, ids[7]) && keyring_has(kr, ids[8]) &&
	    keyring_has(kr, ids[9]));
	keyring_free(kr);
}

int
main(void)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");

	CHECK(rsa != NULL && p256 != NULL && p384 != NULL);
	test_import();
	test_bad_pem();
	test_sign(p256, "ES256");
	test_sign(p384, "ES384");
	test_sign(rsa, "RS256");
	test_generate();
	test_eviction();
	test_holds();
	test_churn();
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	return T_DONE();
}
