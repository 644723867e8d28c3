/* jws.c: verify a client's ACME v1 JWS (Boulder WFE1 dialect); sign the
 * bridge's RFC 8555 JWS. EVP_* only. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "jwk.h"
#include "jws.h"
#include "problem.h"

#define JWS_V1_MAX_BODY 65536

/* The pieces of one parsed JWS (all borrowed or owned as noted). */
struct jws_parts {
	json_t *doc; /* owned: the JWS as a JSON object */
	const char *protected_b64;
	const char *payload_b64;
	const char *sig_b64;
	json_t *protected_hdr;	   /* owned: decoded protected header */
	json_t *merged;		   /* owned: protected over unprotected */
	const json_t *unprotected; /* borrowed from doc */
};

static void
jws_parts_free(struct jws_parts *jp)
{
	json_decref(jp->doc);
	json_decref(jp->protected_hdr);
	json_decref(jp->merged);
	memset(jp, 0, sizeof(*jp));
}

static const EVP_MD *
jws_alg_md(const char *alg, size_t *coordlen)
{
	*coordlen = 0;
	if (strcmp(alg, "RS256") == 0)
		return EVP_sha256();
	if (strcmp(alg, "ES256") == 0) {
		*coordlen = 32;
		return EVP_sha256();
	}
	if (strcmp(alg, "ES384") == 0) {
		*coordlen = 48;
		return EVP_sha384();
	}
	return NULL;
}

/* DER ECDSA-Sig-Value to raw R||S, each left-padded to coordlen. */
static int
jws_der_to_raw(const unsigned char *der, size_t derlen, size_t coordlen,
    unsigned char **raw, size_t *rawlen)
{
	ECDSA_SIG *es = NULL;
	const BIGNUM *r = NULL, *s = NULL;
	const unsigned char *pp = der;
	unsigned char *buf = NULL;
	int rc = -1;

	if (derlen > INT32_MAX ||
	    (es = d2i_ECDSA_SIG(NULL, &pp, (long)derlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if ((buf = malloc(2 * coordlen)) == NULL)
		goto out;
	if (BN_bn2binpad(r, buf, (int)coordlen) != (int)coordlen ||
	    BN_bn2binpad(s, buf + coordlen, (int)coordlen) != (int)coordlen)
		goto out;
	*raw = buf;
	*rawlen = 2 * coordlen;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	ECDSA_SIG_free(es);
	return rc;
}

/* Raw R||S to DER ECDSA-Sig-Value. */
static int
jws_raw_to_der(const unsigned char *raw, size_t coordlen, unsigned char **der,
    size_t *derlen)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *buf = NULL;
	int len, rc = -1;

	if ((es = ECDSA_SIG_new()) == NULL)
		goto out;
	if ((r = BN_bin2bn(raw, (int)coordlen, NULL)) == NULL ||
	    (s = BN_bin2bn(raw + coordlen, (int)coordlen, NULL)) == NULL)
		goto out;
	if (!ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL; /* owned by es now */
	if ((len = i2d_ECDSA_SIG(es, &buf)) <= 0)
		goto out;
	*der = buf;
	*derlen = (size_t)len;
	buf = NULL;
	rc = 0;
out:
	OPENSSL_free(buf);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int
jws_sign_raw(EVP_PKEY *key, const unsigned char *msg, size_t len,
    unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX *ctx = NULL;
	const EVP_MD *md;
	const char *alg;
	unsigned char *buf = NULL;
	size_t blen = 0, coordlen;
	int rc = -1;

	if (key == NULL || sig == NULL || siglen == NULL ||
	    (msg == NULL && len > 0))
		return -1;
	*sig = NULL;
	*siglen = 0;
	if ((alg = jwk_alg(key)) == NULL ||
	    (md = jws_alg_md(alg, &coordlen)) == NULL)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, key) != 1)
		goto out;
	if (EVP_DigestSign(ctx, NULL, &blen, msg, len) != 1 || blen == 0)
		goto out;
	if ((buf = malloc(blen)) == NULL)
		goto out;
	if (EVP_DigestSign(ctx, buf, &blen, msg, len) != 1)
		goto out;
	if (coordlen == 0) {
		*sig = buf;
		*siglen = blen;
		buf = NULL;
	} else if (jws_der_to_raw(buf, blen, coordlen, sig, siglen) != 0)
		goto out;
	rc = 0;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
jws_verify_raw(EVP_PKEY *key, const char *alg, const unsigned char *msg,
    size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = NULL;
	const EVP_MD *md;
	const char *kalg;
	unsigned char *der = NULL;
	size_t derlen = 0, coordlen;
	int rc = -1;

	if (key == NULL || alg == NULL || sig == NULL ||
	    (msg == NULL && len > 0))
		return -1;
	if ((kalg = jwk_alg(key)) == NULL || strcmp(kalg, alg) != 0)
		return -1;
	if ((md = jws_alg_md(alg, &coordlen)) == NULL)
		return -1;
	if (coordlen != 0) {
		if (siglen != 2 * coordlen)
			return -1;
		if (jws_raw_to_der(sig, coordlen, &der, &derlen) != 0)
			return -1;
		sig = der;
		siglen = derlen;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1)
		goto out;
	if (EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return rc;
}

/* "a.b.c" with base64url parts into {"protected","payload","signature"}. */
static json_t *
jws_compact_to_json(const char *body, size_t len)
{
	const char *d1, *d2;
	size_t i;

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)body[i]) && body[i] != '-' &&
		    body[i] != '_' && body[i] != '.')
			return NULL;
	if ((d1 = memchr(body, '.', len)) == NULL)
		return NULL;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - body));
	if (d2 == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - body)) != NULL)
		return NULL;
	return json_pack("{s:s%, s:s%, s:s%}", "protected", body,
	    (size_t)(d1 - body), "payload", d1 + 1, (size_t)(d2 - d1 - 1),
	    "signature", d2 + 1, len - (size_t)(d2 + 1 - body));
}

/* General serialization with exactly one signature into flattened form. */
static int
jws_general_to_flat(json_t *doc, struct problem *p)
{
	json_t *sigs, *one;
	const char *k;
	json_t *v;

	sigs = json_object_get(doc, "signatures");
	if (sigs == NULL)
		return 0;
	if (json_object_get(doc, "signature") != NULL ||
	    json_object_get(doc, "protected") != NULL ||
	    json_object_get(doc, "header") != NULL)
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWS mixes general and flattened serialization");
	if (!json_is_array(sigs) || json_array_size(sigs) == 0)
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWS \"signatures\" is not a non-empty array");
	if (json_array_size(sigs) > 1)
		return problem_set(
		    p, V1E_MALFORMED, 400, "Too many signatures in POST body");
	one = json_array_get(sigs, 0);
	if (!json_is_object(one))
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWS signature entry is not an object");
	json_object_foreach(one, k, v) {
		if (strcmp(k, "protected") == 0 || strcmp(k, "header") == 0 ||
		    strcmp(k, "signature") == 0)
			if (json_object_set(doc, k, v) != 0)
				return problem_set(p, V1E_SERVER_INTERNAL, 500,
				    "out of memory");
	}
	json_object_del(doc, "signatures");
	return 0;
}

static json_t *
jws_decode_json(const char *b64, const char *what, struct problem *p)
{
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	json_t *j = NULL;
	json_error_t err;

	if ((raw = b64url_decode(b64, strlen(b64), &rawlen)) == NULL) {
		problem_set(p, V1E_MALFORMED, 400, "bad base64url in %s", what);
		return NULL;
	}
	j = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		problem_set(p, V1E_MALFORMED, 400, "%s is not valid JSON: %s",
		    what, err.text);
	else if (!json_is_object(j)) {
		problem_set(
		    p, V1E_MALFORMED, 400, "%s is not a JSON object", what);
		json_decref(j);
		j = NULL;
	}
	free(raw);
	return j;
}

/* Pull protected/header/payload/signature out of jp->doc and merge headers. */
static int
jws_parts_load(struct jws_parts *jp, struct problem *p)
{
	const json_t *prot, *pay, *sig;

	if (jws_general_to_flat(jp->doc, p) != 0)
		return -1;
	prot = json_object_get(jp->doc, "protected");
	pay = json_object_get(jp->doc, "payload");
	sig = json_object_get(jp->doc, "signature");
	jp->unprotected = json_object_get(jp->doc, "header");
	if (prot != NULL && !json_is_string(prot))
		return problem_set(
		    p, V1E_MALFORMED, 400, "JWS \"protected\" is not a string");
	if (!json_is_string(pay))
		return problem_set(
		    p, V1E_MALFORMED, 400, "JWS has no \"payload\" string");
	if (!json_is_string(sig))
		return problem_set(
		    p, V1E_MALFORMED, 400, "JWS has no \"signature\" string");
	if (jp->unprotected != NULL && !json_is_object(jp->unprotected))
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWS \"header\" is not a JSON object");
	jp->protected_b64 = prot ? json_string_value(prot) : "";
	jp->payload_b64 = json_string_value(pay);
	jp->sig_b64 = json_string_value(sig);
	if (prot != NULL &&
	    (jp->protected_hdr = jws_decode_json(
		 jp->protected_b64, "protected header", p)) == NULL)
		return -1;
	if (jp->protected_hdr == NULL &&
	    (jp->protected_hdr = json_object()) == NULL)
		return problem_set(
		    p, V1E_SERVER_INTERNAL, 500, "out of memory");
	/* protected wins over the unprotected header on duplicates */
	jp->merged = jp->unprotected ? json_deep_copy(jp->unprotected)
				     : json_object();
	if (jp->merged == NULL ||
	    json_object_update(jp->merged, jp->protected_hdr) != 0)
		return problem_set(
		    p, V1E_SERVER_INTERNAL, 500, "out of memory");
	if (json_object_get(jp->merged, "crit") != NULL)
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWS \"crit\" header is not supported");
	return 0;
}

static int
jws_parse_body(
    const char *body, size_t len, struct jws_parts *jp, struct problem *p)
{
	json_error_t err;
	size_t i = 0;

	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i < len && body[i] == '{') {
		jp->doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
		if (jp->doc == NULL)
			return problem_set(p, V1E_MALFORMED, 400,
			    "Parse error reading JWS: %s", err.text);
		if (!json_is_object(jp->doc))
			return problem_set(p, V1E_MALFORMED, 400,
			    "Parse error reading JWS: not a JSON object");
	} else if ((jp->doc = jws_compact_to_json(body, len)) == NULL)
		return problem_set(
		    p, V1E_MALFORMED, 400, "Parse error reading JWS");
	return jws_parts_load(jp, p);
}

static int
jws_check_alg(const struct jws_parts *jp, EVP_PKEY *key, const json_t *jwk,
    const char **algp, struct problem *p)
{
	const json_t *a, *ja;
	const char *alg, *kalg;

	a = json_object_get(jp->merged, "alg");
	if (!json_is_string(a))
		return problem_set(
		    p, V1E_MALFORMED, 400, "JWS has no \"alg\" header");
	alg = json_string_value(a);
	if (strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0 &&
	    strcmp(alg, "ES384") != 0)
		return problem_set(p, V1E_MALFORMED, 400,
		    "unsupported alg \"%.16s\" (RS256, ES256, ES384 only)",
		    alg);
	if ((kalg = jwk_alg(key)) == NULL || strcmp(kalg, alg) != 0)
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWS alg %s does not match the key (expected %s)", alg,
		    kalg ? kalg : "none");
	ja = json_object_get(jwk, "alg");
	if (ja != NULL &&
	    (!json_is_string(ja) || strcmp(json_string_value(ja), alg) != 0))
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWK alg does not match the JWS alg %s", alg);
	*algp = alg;
	return 0;
}

static int
jws_check_sig(const struct jws_parts *jp, EVP_PKEY *key, const char *alg,
    struct problem *p)
{
	unsigned char *sig = NULL;
	char *input = NULL;
	size_t siglen = 0, plen, ylen, ilen;
	int rc = -1;

	if ((sig = b64url_decode(jp->sig_b64, strlen(jp->sig_b64), &siglen)) ==
	    NULL)
		return problem_set(
		    p, V1E_MALFORMED, 400, "bad base64url in signature");
	plen = strlen(jp->protected_b64);
	ylen = strlen(jp->payload_b64);
	if (plen > SIZE_MAX - 2 || ylen > SIZE_MAX - 2 - plen) {
		problem_set(p, V1E_MALFORMED, 400, "JWS too large");
		goto out;
	}
	ilen = plen + 1 + ylen;
	if ((input = malloc(ilen + 1)) == NULL) {
		problem_set(p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto out;
	}
	memcpy(input, jp->protected_b64, plen);
	input[plen] = '.';
	memcpy(input + plen + 1, jp->payload_b64, ylen);
	input[ilen] = '\0';
	if (jws_verify_raw(key, alg, (const unsigned char *)input, ilen, sig,
		siglen) != 0) {
		problem_set(p, V1E_MALFORMED, 400, "JWS verification error");
		goto out;
	}
	rc = 0;
out:
	free(input);
	free(sig);
	return rc;
}

static int
jws_check_nonce(const struct jws_parts *jp, jws_nonce_fn nonce_fn,
    void *nonce_arg, struct problem *p)
{
	const json_t *n;

	n = json_object_get(jp->protected_hdr, "nonce");
	if (n == NULL) {
		if (json_object_get(jp->unprotected, "nonce") != NULL)
			return problem_set(p, V1E_BAD_NONCE, 400,
			    "JWS has no anti-replay nonce in the protected "
			    "header (nonce must be protected)");
		return problem_set(
		    p, V1E_BAD_NONCE, 400, "JWS has no anti-replay nonce");
	}
	if (!json_is_string(n) || json_string_length(n) == 0)
		return problem_set(
		    p, V1E_BAD_NONCE, 400, "JWS has invalid anti-replay nonce");
	if (nonce_fn != NULL && nonce_fn(nonce_arg, json_string_value(n)) != 0)
		/* Boulder quoted the nonce; logs and the inventory keep
		 * details, so the nonce stays out of it. */
		return problem_set(p, V1E_BAD_NONCE, 400,
		    "JWS has invalid anti-replay nonce (unknown, already used "
		    "or forgotten)");
	return 0;
}

static int
jws_check_payload(const struct jws_parts *jp, const char *resource,
    json_t **payload, struct problem *p)
{
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	json_t *j = NULL;
	const json_t *r;
	json_error_t err;
	int rc = -1;

	if ((raw = b64url_decode(
		 jp->payload_b64, strlen(jp->payload_b64), &rawlen)) == NULL)
		return problem_set(
		    p, V1E_MALFORMED, 400, "bad base64url in payload");
	if ((j = json_loadb((const char *)raw, rawlen, 0, &err)) == NULL) {
		problem_set(p, V1E_MALFORMED, 400,
		    "Request payload did not parse as JSON: %s", err.text);
		goto out;
	}
	if (!json_is_object(j)) {
		problem_set(p, V1E_MALFORMED, 400,
		    "Request payload is not a JSON object");
		goto out;
	}
	if (resource != NULL) {
		r = json_object_get(j, "resource");
		if (!json_is_string(r)) {
			problem_set(p, V1E_MALFORMED, 400,
			    "Request payload does not specify a resource");
			goto out;
		}
		if (strcmp(json_string_value(r), resource) != 0) {
			problem_set(p, V1E_MALFORMED, 400,
			    "JWS resource payload does not match the HTTP "
			    "resource: %.64s != %.64s",
			    json_string_value(r), resource);
			goto out;
		}
	}
	*payload = j;
	j = NULL;
	rc = 0;
out:
	json_decref(j);
	free(raw);
	return rc;
}

/* Issue 10 item 3: the public keys of recent v1 accounts, by thumbprint,
 * so that a host's requests do not each build its key again (OpenSSL 3's
 * key import is the dearest step of a verification). Only a JWK that
 * jwk_to_pkey accepted is cached; the same thumbprint is the same key. */
#define V1KEY_CACHE_N 64

static struct {
	char tp[JWK_THUMBPRINT_LEN + 1];
	EVP_PKEY *key;
} v1key_cache[V1KEY_CACHE_N];
static size_t v1key_next;

/* The key of jwk (thumbprint tp), a reference of the caller's. */
static EVP_PKEY *
v1_key(const json_t *jwk, const char *tp, struct problem *p)
{
	EVP_PKEY *k;
	size_t i;

	/* the checks jwk_to_pkey makes before it builds the key */
	if (json_object_get(jwk, "d") == NULL && tp[0] != '\0')
		for (i = 0; i < V1KEY_CACHE_N; i++)
			if (v1key_cache[i].key != NULL &&
			    strcmp(v1key_cache[i].tp, tp) == 0 &&
			    EVP_PKEY_up_ref(v1key_cache[i].key) == 1)
				return v1key_cache[i].key;
	if ((k = jwk_to_pkey(jwk, p)) == NULL || tp[0] == '\0' ||
	    EVP_PKEY_up_ref(k) != 1)
		return k;
	EVP_PKEY_free(v1key_cache[v1key_next].key);
	v1key_cache[v1key_next].key = k;
	memcpy(v1key_cache[v1key_next].tp, tp, JWK_THUMBPRINT_LEN + 1);
	v1key_next = (v1key_next + 1) % V1KEY_CACHE_N;
	return k;
}

/* Steps shared by both verifiers once the JWS is parsed: key, alg,
 * signature, nonce (when need_nonce), payload (resource when non-NULL). */
static int
jws_v1_check(struct jws_parts *jp, int need_nonce, const char *resource,
    jws_nonce_fn nonce_fn, void *nonce_arg, struct jws_v1 *out,
    struct problem *p)
{
	const json_t *jwk;
	const char *alg = NULL;

	jwk = json_object_get(jp->merged, "jwk");
	if (jwk == NULL)
		return problem_set(
		    p, V1E_MALFORMED, 400, "No JWK in JWS header");
	if (!json_is_object(jwk))
		return problem_set(p, V1E_MALFORMED, 400,
		    "JWS \"jwk\" header is not a JSON object");
	if (jwk_thumbprint(jwk, out->thumbprint) != 0)
		out->thumbprint[0] = '\0'; /* jwk_to_pkey says why */
	if ((out->key = v1_key(jwk, out->thumbprint, p)) == NULL)
		return -1;
	if (jws_check_alg(jp, out->key, jwk, &alg, p) != 0)
		return -1;
	if (jws_check_sig(jp, out->key, alg, p) != 0)
		return -1;
	if (need_nonce && jws_check_nonce(jp, nonce_fn, nonce_arg, p) != 0)
		return -1;
	if (jws_check_payload(jp, resource, &out->payload, p) != 0)
		return -1;
	if (out->thumbprint[0] == '\0')
		return problem_set(
		    p, V1E_MALFORMED, 400, "cannot compute the JWK thumbprint");
	if ((out->jwk = json_deep_copy(jwk)) == NULL)
		return problem_set(
		    p, V1E_SERVER_INTERNAL, 500, "out of memory");
	if ((size_t)snprintf(out->alg, sizeof(out->alg), "%s", alg) >=
	    sizeof(out->alg))
		return problem_set(p, V1E_SERVER_INTERNAL, 500, "alg too long");
	return 0;
}

int
jws_v1_verify(const char *body, size_t len, const char *resource,
    jws_nonce_fn nonce_fn, void *nonce_arg, struct jws_v1 *out,
    struct problem *p)
{
	struct jws_parts jp;
	int rc = -1;

	memset(&jp, 0, sizeof(jp));
	memset(out, 0, sizeof(*out));
	if (body == NULL || len == 0) {
		problem_set(p, V1E_MALFORMED, 400,
		    "Parse error reading JWS: "
		    "empty body");
		goto out;
	}
	if (len > JWS_V1_MAX_BODY) {
		problem_set(p, V1E_MALFORMED, 400,
		    "request body too large: %zu bytes (limit %d)", len,
		    JWS_V1_MAX_BODY);
		goto out;
	}
	if (jws_parse_body(body, len, &jp, p) != 0)
		goto out;
	rc = jws_v1_check(&jp, 1, resource, nonce_fn, nonce_arg, out, p);
out:
	if (rc != 0)
		jws_v1_free(out);
	jws_parts_free(&jp);
	return rc;
}

int
jws_v1_verify_object(const json_t *jws, struct jws_v1 *out, struct problem *p)
{
	struct jws_parts jp;
	int rc = -1;

	memset(&jp, 0, sizeof(jp));
	memset(out, 0, sizeof(*out));
	if (!json_is_object(jws)) {
		problem_set(
		    p, V1E_MALFORMED, 400, "inner JWS is not a JSON object");
		goto out;
	}
	if ((jp.doc = json_deep_copy(jws)) == NULL) {
		problem_set(p, V1E_SERVER_INTERNAL, 500, "out of memory");
		goto out;
	}
	if (jws_parts_load(&jp, p) != 0)
		goto out;
	rc = jws_v1_check(&jp, 0, NULL, NULL, NULL, out, p);
out:
	if (rc != 0)
		jws_v1_free(out);
	jws_parts_free(&jp);
	return rc;
}

void
jws_v1_free(struct jws_v1 *j)
{
	if (j == NULL)
		return;
	json_decref(j->jwk);
	json_decref(j->payload);
	EVP_PKEY_free(j->key);
	memset(j, 0, sizeof(*j));
}

static char *
jws_b64_str(const char *s)
{
	return b64url_encode((const unsigned char *)s, strlen(s));
}

static json_t *
jws_v2_protected(EVP_PKEY *key, const char *alg, const char *kid,
    const char *nonce, const char *url)
{
	json_t *h = NULL, *jwk = NULL;

	if ((h = json_object()) == NULL ||
	    json_object_set_new(h, "alg", json_string(alg)) != 0)
		goto fail;
	if (kid != NULL) {
		if (json_object_set_new(h, "kid", json_string(kid)) != 0)
			goto fail;
	} else {
		if ((jwk = jwk_from_pkey(key)) == NULL ||
		    json_object_set_new(h, "jwk", jwk) != 0)
			goto fail;
	}
	if (nonce != NULL &&
	    json_object_set_new(h, "nonce", json_string(nonce)) != 0)
		goto fail;
	if (json_object_set_new(h, "url", json_string(url)) != 0)
		goto fail;
	return h;
fail:
	json_decref(h);
	return NULL;
}

char *
jws_v2_sign(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
    const char *payload)
{
	const char *alg;
	json_t *prot = NULL, *doc = NULL;
	char *prot_s = NULL, *prot_b64 = NULL, *pay_b64 = NULL;
	char *input = NULL, *sig_b64 = NULL, *res = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0, plen, ylen;

	if (key == NULL || url == NULL || (alg = jwk_alg(key)) == NULL)
		goto out;
	if (payload == NULL)
		payload = "";
	if ((prot = jws_v2_protected(key, alg, kid, nonce, url)) == NULL)
		goto out;
	if ((prot_s = json_dumps(prot, JSON_COMPACT)) == NULL)
		goto out;
	if ((prot_b64 = jws_b64_str(prot_s)) == NULL ||
	    (pay_b64 = jws_b64_str(payload)) == NULL)
		goto out;
	plen = strlen(prot_b64);
	ylen = strlen(pay_b64);
	if (plen > SIZE_MAX - 2 || ylen > SIZE_MAX - 2 - plen)
		goto out;
	if ((input = malloc(plen + ylen + 2)) == NULL)
		goto out;
	memcpy(input, prot_b64, plen);
	input[plen] = '.';
	memcpy(input + plen + 1, pay_b64, ylen);
	input[plen + 1 + ylen] = '\0';
	if (jws_sign_raw(key, (const unsigned char *)input, plen + 1 + ylen,
		&sig, &siglen) != 0)
		goto out;
	if ((sig_b64 = b64url_encode(sig, siglen)) == NULL)
		goto out;
	doc = json_pack("{s:s, s:s, s:s}", "protected", prot_b64, "payload",
	    pay_b64, "signature", sig_b64);
	if (doc != NULL)
		res = json_dumps(doc, JSON_COMPACT);
out:
	json_decref(prot);
	json_decref(doc);
	free(prot_s);
	free(prot_b64);
	free(pay_b64);
	free(input);
	free(sig);
	free(sig_b64);
	return res;
}
