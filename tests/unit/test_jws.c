/* test_jws.c: v1 JWS verification (Boulder WFE1 dialect), v2 signing. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64url.h"
#include "jwk.h"
#include "jws.h"
#include "problem.h"
#include "t.h"

/* A nonce source that accepts each issued nonce once. */
struct nonces {
	char issued[8][32];
	int used[8];
	int n;
	int calls;
};

static const char *
nonce_issue(struct nonces *ns)
{
	snprintf(ns->issued[ns->n], sizeof(ns->issued[0]), "nonce-%d", ns->n);
	ns->used[ns->n] = 0;
	return ns->issued[ns->n++];
}

static int
nonce_check(void *arg, const char *nonce)
{
	struct nonces *ns = arg;
	int i;

	ns->calls++;
	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->issued[i], nonce) == 0 && !ns->used[i]) {
			ns->used[i] = 1;
			return 0;
		}
	return -1;
}

static char *
b64s(const char *s)
{
	return b64url_encode((const unsigned char *)s, strlen(s));
}

/* "b64(prot).b64(payload)" signed with key; prot NULL omits "protected". */
static char *
sign_input(EVP_PKEY *key, const char *prot_b64, const char *pay_b64,
    int corrupt)
{
	size_t ilen = strlen(prot_b64) + 1 + strlen(pay_b64);
	char *input = malloc(ilen + 1), *s;
	unsigned char *sig = NULL;
	size_t siglen = 0;

	snprintf(input, ilen + 1, "%s.%s", prot_b64, pay_b64);
	if (jws_sign_raw(key, (unsigned char *)input, ilen, &sig, &siglen) != 0) {
		free(input);
		return NULL;
	}
	if (corrupt)
		sig[siglen / 2] ^= 0x01;
	s = b64url_encode(sig, siglen);
	free(sig);
	free(input);
	return s;
}

/* A flattened JWS body. header_json may be NULL (no unprotected header). */
static char *
make_jws(EVP_PKEY *key, const char *prot_json, const char *header_json,
    const char *payload, int corrupt)
{
	char *pb = b64s(prot_json), *yb = b64s(payload), *sb, *out;
	json_t *doc, *hdr;

	sb = sign_input(key, pb, yb, corrupt);
	doc = json_pack("{s:s, s:s, s:s}", "protected", pb, "payload", yb,
	    "signature", sb ? sb : "");
	if (header_json != NULL) {
		hdr = json_loads(header_json, 0, NULL);
		json_object_set_new(doc, "header", hdr);
	}
	out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	free(pb);
	free(yb);
	free(sb);
	return out;
}

/* The public JWK of key as compact JSON text. */
static char *
jwk_text(EVP_PKEY *key)
{
	json_t *j = jwk_from_pkey(key);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(j);
	return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	s = malloc((size_t)n + 1);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

static int
verify(const char *body, const char *resource, struct nonces *ns,
    struct jws_v1 *out, struct problem *p)
{
	memset(p, 0, sizeof(*p));
	return jws_v1_verify(body, strlen(body), resource, nonce_check, ns,
	    out, p);
}

static void
expect_fail(const char *body, const char *resource, struct nonces *ns,
    const char *type, const char *detail_part)
{
	struct jws_v1 v;
	struct problem p;

	memset(&v, 0x5a, sizeof(v));
	CHECK(verify(body, resource, ns, &v, &p) == -1);
	CHECK_STR(problem_v1_name(p.type), type);
	CHECK(p.status == 400);
	CHECK(strstr(p.detail, detail_part) != NULL);
	if (strstr(p.detail, detail_part) == NULL)
		fprintf(stderr, "  detail was \"%s\"\n", p.detail);
	CHECK(v.key == NULL && v.jwk == NULL && v.payload == NULL);
	jws_v1_free(&v);
}

static EVP_PKEY *rsa, *p256, *p384, *rsa1024;

/* dehydrated: full protected header plus a duplicated unprotected one. */
static void
test_rs256_dehydrated(void)
{
	struct nonces ns = { .n = 0 };
	struct jws_v1 v;
	struct problem p;
	char *jwk = jwk_text(rsa), *prot, *hdr, *body;
	const char *nonce = nonce_issue(&ns);
	char tp[JWK_THUMBPRINT_LEN + 1];
	json_t *j;

	prot = fmt("{\"alg\": \"RS256\", \"jwk\": %s, \"nonce\": \"%s\"}",
	    jwk, nonce);
	hdr = fmt("{\"alg\": \"RS256\", \"jwk\": %s}", jwk);
	body = make_jws(rsa, prot, hdr, "{\"resource\": \"new-authz\", "
	    "\"identifier\": {\"type\": \"dns\", \"value\": \"example.com\"}}", 0);
	CHECK(verify(body, "new-authz", &ns, &v, &p) == 0);
	CHECK_STR(v.alg, "RS256");
	CHECK(v.key != NULL && EVP_PKEY_eq(v.key, rsa) == 1);
	j = jwk_from_pkey(rsa);
	CHECK(jwk_thumbprint(j, tp) == 0);
	CHECK_STR(v.thumbprint, tp);
	CHECK(v.jwk != NULL && jwk_equal(v.jwk, j) == 1);
	json_decref(j);
	CHECK_STR(json_string_value(json_object_get(json_object_get(
	    v.payload, "identifier"), "value")), "example.com");
	CHECK(ns.used[0] == 1 && ns.calls == 1);
	jws_v1_free(&v);
	jws_v1_free(&v);	/* twice is safe */
	CHECK(v.key == NULL && v.jwk == NULL && v.payload == NULL);

	/* replay: same body again */
	expect_fail(body, "new-authz", &ns, "badNonce",
	    "JWS has invalid anti-replay nonce");

	/* wrong resource (fresh nonce, so only the resource is wrong) */
	free(prot);
	free(body);
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, hdr, "{\"resource\":\"new-reg\"}", 0);
	expect_fail(body, "new-authz", &ns, "malformed",
	    "JWS resource payload does not match the HTTP resource: "
	    "new-reg != new-authz");
	free(body);

	/* no resource at all */
	free(prot);
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"contact\":[]}", 0);
	expect_fail(body, "new-reg", &ns, "malformed",
	    "Request payload does not specify a resource");
	free(body);

	/* bad signature: refused and the nonce is not consumed */
	free(prot);
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"new-reg\"}", 1);
	ns.calls = 0;
	expect_fail(body, "new-reg", &ns, "malformed", "JWS verification error");
	CHECK(ns.calls == 0 && ns.used[ns.n - 1] == 0);
	free(body);
	/* the same nonce still works for a genuine request */
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"new-reg\"}", 0);
	CHECK(verify(body, "new-reg", &ns, &v, &p) == 0);
	jws_v1_free(&v);
	free(body);
	free(prot);
	free(hdr);
	free(jwk);
}

/* alg and jwk only in the unprotected header, protected {"nonce"}. */
/* A zero-padded n is the same key: the thumbprint (the account's id) is
 * the canonical one, whatever the client's spelling (issue 8 item 4). */
static void
test_padded_jwk(void)
{
	struct nonces ns = { .n = 0 };
	struct jws_v1 v;
	struct problem p;
	json_t *j = jwk_from_pkey(rsa);
	const char *n = json_string_value(json_object_get(j, "n"));
	unsigned char *nb, *nb0;
	size_t nlen = 0;
	char tp[JWK_THUMBPRINT_LEN + 1], *n0, *prot, *body;

	CHECK(jwk_thumbprint(j, tp) == 0);
	nb = b64url_decode(n, strlen(n), &nlen);
	nb0 = calloc(1, nlen + 1);
	memcpy(nb0 + 1, nb, nlen);
	n0 = b64url_encode(nb0, nlen + 1);
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":{\"e\":\"AAEAAQ\","
		   "\"kty\":\"RSA\",\"n\":\"%s\"},\"nonce\":\"%s\"}",
	    n0, nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"new-reg\"}", 0);
	CHECK(verify(body, "new-reg", &ns, &v, &p) == 0);
	CHECK_STR(v.thumbprint, tp);
	CHECK(v.key != NULL && EVP_PKEY_eq(v.key, rsa) == 1);
	CHECK_STR(json_string_value(json_object_get(v.jwk, "n")), n0);
	CHECK(jwk_equal(v.jwk, j) == 1);
	jws_v1_free(&v);
	free(body);
	free(prot);
	free(n0);
	free(nb0);
	free(nb);
	json_decref(j);
}

static void
test_unprotected_key(void)
{
	struct nonces ns = { .n = 0 };
	struct jws_v1 v;
	struct problem p;
	char *jwk = jwk_text(rsa), *prot, *hdr, *body;

	prot = fmt("{\"nonce\":\"%s\"}", nonce_issue(&ns));
	hdr = fmt("{\"alg\":\"RS256\",\"jwk\":%s}", jwk);
	body = make_jws(rsa, prot, hdr, "{\"resource\":\"reg\"}", 0);
	CHECK(verify(body, "reg", &ns, &v, &p) == 0);
	CHECK_STR(v.alg, "RS256");
	CHECK(v.key != NULL && EVP_PKEY_eq(v.key, rsa) == 1);
	jws_v1_free(&v);
	free(body);
	free(prot);

	/* nonce only in the unprotected header */
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s}", jwk);
	free(hdr);
	hdr = fmt("{\"nonce\":\"%s\"}", nonce_issue(&ns));
	body = make_jws(rsa, prot, hdr, "{\"resource\":\"reg\"}", 0);
	ns.calls = 0;
	expect_fail(body, "reg", &ns, "badNonce", "protected");
	CHECK(ns.calls == 0);
	free(body);

	/* no nonce at all */
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"reg\"}", 0);
	expect_fail(body, "reg", &ns, "badNonce",
	    "JWS has no anti-replay nonce");
	free(body);
	free(prot);
	free(hdr);

	/* protected wins over the unprotected header: protected alg none */
	prot = fmt("{\"alg\":\"none\",\"nonce\":\"%s\"}",
	    nonce_issue(&ns));
	hdr = fmt("{\"alg\":\"RS256\",\"jwk\":%s}", jwk);
	body = make_jws(rsa, prot, hdr, "{\"resource\":\"reg\"}", 0);
	expect_fail(body, "reg", &ns, "malformed", "unsupported alg");
	free(body);
	free(prot);
	free(hdr);
	free(jwk);
}

static void
test_ec(EVP_PKEY *key, const char *alg)
{
	struct nonces ns = { .n = 0 };
	struct jws_v1 v;
	struct problem p;
	char *jwk = jwk_text(key), *prot, *body, *b64;
	json_t *doc;
	size_t siglen = 0;
	unsigned char *sig;

	prot = fmt("{\"alg\":\"%s\",\"jwk\":%s,\"nonce\":\"%s\"}", alg, jwk,
	    nonce_issue(&ns));
	body = make_jws(key, prot, NULL, "{\"resource\":\"new-cert\","
	    "\"csr\":\"AAAA\"}", 0);
	CHECK(verify(body, "new-cert", &ns, &v, &p) == 0);
	CHECK_STR(v.alg, alg);
	CHECK(v.key != NULL && EVP_PKEY_eq(v.key, key) == 1);
	CHECK_STR(json_string_value(json_object_get(v.payload, "csr")), "AAAA");
	jws_v1_free(&v);

	/* the signature is raw R||S */
	doc = json_loads(body, 0, NULL);
	b64 = (char *)json_string_value(json_object_get(doc, "signature"));
	sig = b64url_decode(b64, strlen(b64), &siglen);
	CHECK(siglen == (strcmp(alg, "ES256") == 0 ? 64u : 96u));
	free(sig);
	json_decref(doc);
	free(body);
	free(prot);

	/* bad signature */
	prot = fmt("{\"alg\":\"%s\",\"jwk\":%s,\"nonce\":\"%s\"}", alg, jwk,
	    nonce_issue(&ns));
	body = make_jws(key, prot, NULL, "{\"resource\":\"new-cert\"}", 1);
	expect_fail(body, "new-cert", &ns, "malformed",
	    "JWS verification error");
	free(body);
	free(prot);

	/* alg that does not match the key */
	prot = fmt("{\"alg\":\"%s\",\"jwk\":%s,\"nonce\":\"%s\"}",
	    strcmp(alg, "ES256") == 0 ? "ES384" : "ES256", jwk,
	    nonce_issue(&ns));
	body = make_jws(key, prot, NULL, "{\"resource\":\"new-cert\"}", 0);
	expect_fail(body, "new-cert", &ns, "malformed", "does not match");
	free(body);
	free(prot);
	free(jwk);
}

static void
test_refusals(void)
{
	struct nonces ns = { .n = 0 };
	char *jwk = jwk_text(rsa), *jwk1024 = jwk_text(rsa1024), *prot, *body;
	char *big;
	json_t *j;

	/* missing jwk */
	prot = fmt("{\"alg\":\"RS256\",\"nonce\":\"%s\"}",
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, "{\"alg\":\"RS256\"}", "{\"resource\":\"reg\"}",
	    0);
	expect_fail(body, "reg", &ns, "malformed", "No JWK in JWS header");
	free(body);
	free(prot);

	/* alg none, HS256 */
	prot = fmt("{\"alg\":\"none\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"reg\"}", 0);
	expect_fail(body, "reg", &ns, "malformed", "unsupported alg");
	free(body);
	free(prot);
	prot = fmt("{\"alg\":\"HS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"reg\"}", 0);
	expect_fail(body, "reg", &ns, "malformed", "unsupported alg");
	free(body);
	free(prot);

	/* JWK carrying a different alg */
	j = jwk_from_pkey(rsa);
	json_object_set_new(j, "alg", json_string("RS512"));
	free(jwk);
	jwk = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"reg\"}", 0);
	expect_fail(body, "reg", &ns, "malformed", "JWK alg");
	free(body);
	free(prot);

	/* RSA 1024 */
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk1024,
	    nonce_issue(&ns));
	body = make_jws(rsa1024, prot, NULL, "{\"resource\":\"new-reg\"}", 0);
	expect_fail(body, "new-reg", &ns, "badPublicKey",
	    "key too small: 1024 bits");
	free(body);
	free(prot);

	/* parse failures */
	expect_fail("{\"protected\":", "reg", &ns, "malformed",
	    "Parse error reading JWS");
	expect_fail("not a jws at all", "reg", &ns, "malformed",
	    "Parse error reading JWS");
	expect_fail("[1,2]", "reg", &ns, "malformed", "Parse error reading JWS");
	expect_fail("{\"protected\":\"e30\",\"payload\":\"e30\"}", "reg", &ns,
	    "malformed", "signature");
	expect_fail("{\"protected\":\"e3=0\",\"payload\":\"e30\","
	    "\"signature\":\"AA\"}", "reg", &ns, "malformed",
	    "bad base64url in protected header");
	expect_fail("{\"protected\":\"W10\",\"payload\":\"e30\","
	    "\"signature\":\"AA\"}", "reg", &ns, "malformed",
	    "protected header is not a JSON object");
	expect_fail("a.b", "reg", &ns, "malformed", "Parse error reading JWS");

	/* too large */
	big = malloc(70000);
	memset(big, ' ', 69999);
	big[0] = '{';
	big[69998] = '}';
	big[69999] = '\0';
	expect_fail(big, "reg", &ns, "malformed", "too large");
	free(big);
	CHECK(ns.calls == 0);
	free(jwk);
	free(jwk1024);
}

/* certbot: no unprotected header, pretty-printed payload. Also compact and
 * general serializations. */
static void
test_shapes(void)
{
	struct nonces ns = { .n = 0 };
	struct jws_v1 v;
	struct problem p;
	char *jwk = jwk_text(rsa), *prot, *body, *compact;
	json_t *doc, *gen;
	size_t n;

	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\n  \"resource\": \"new-reg\",\n"
	    "  \"contact\": [\n    \"mailto:a@example.com\"\n  ]\n}", 0);
	CHECK(verify(body, "new-reg", &ns, &v, &p) == 0);
	CHECK(json_array_size(json_object_get(v.payload, "contact")) == 1);
	jws_v1_free(&v);
	free(body);
	free(prot);

	/* compact a.b.c */
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"reg\"}", 0);
	doc = json_loads(body, 0, NULL);
	n = json_string_length(json_object_get(doc, "protected")) +
	    json_string_length(json_object_get(doc, "payload")) +
	    json_string_length(json_object_get(doc, "signature")) + 3;
	compact = malloc(n);
	snprintf(compact, n, "%s.%s.%s",
	    json_string_value(json_object_get(doc, "protected")),
	    json_string_value(json_object_get(doc, "payload")),
	    json_string_value(json_object_get(doc, "signature")));
	CHECK(verify(compact, "reg", &ns, &v, &p) == 0);
	CHECK_STR(v.alg, "RS256");
	jws_v1_free(&v);
	free(compact);
	free(prot);

	/* general serialization with one signature (nonce reused: badNonce
	 * after the signature passed shows it parsed and verified) */
	gen = json_pack("{s:O, s:[{s:O, s:O}]}", "payload",
	    json_object_get(doc, "payload"), "signatures", "protected",
	    json_object_get(doc, "protected"), "signature",
	    json_object_get(doc, "signature"));
	free(body);
	body = json_dumps(gen, JSON_COMPACT);
	expect_fail(body, "reg", &ns, "badNonce", "invalid anti-replay nonce");
	free(body);
	/* fresh nonce: accepted */
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    nonce_issue(&ns));
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"reg\"}", 0);
	json_decref(doc);
	doc = json_loads(body, 0, NULL);
	json_object_set(json_array_get(json_object_get(gen, "signatures"), 0),
	    "protected", json_object_get(doc, "protected"));
	json_object_set(json_array_get(json_object_get(gen, "signatures"), 0),
	    "signature", json_object_get(doc, "signature"));
	free(body);
	body = json_dumps(gen, JSON_COMPACT);
	CHECK(verify(body, "reg", &ns, &v, &p) == 0);
	jws_v1_free(&v);
	free(body);
	/* two signatures */
	json_array_append(json_object_get(gen, "signatures"),
	    json_array_get(json_object_get(gen, "signatures"), 0));
	body = json_dumps(gen, JSON_COMPACT);
	expect_fail(body, "reg", &ns, "malformed", "Too many signatures");
	free(body);
	json_decref(gen);
	json_decref(doc);
	free(prot);

	/* nonce_fn returning -1 */
	prot = fmt("{\"alg\":\"RS256\",\"jwk\":%s,\"nonce\":\"%s\"}", jwk,
	    "never-issued");
	body = make_jws(rsa, prot, NULL, "{\"resource\":\"reg\"}", 0);
	expect_fail(body, "reg", &ns, "badNonce",
	    "JWS has invalid anti-replay nonce");
	free(body);
	free(prot);
	free(jwk);
}

/* Inner key-change JWS: no nonce, no resource. */
static void
test_object(void)
{
	struct jws_v1 v;
	struct problem p;
	char *jwk = jwk_text(p256), *prot, *body;
	json_t *obj;

	prot = fmt("{\"alg\":\"ES256\",\"jwk\":%s}", jwk);
	body = make_jws(p256, prot, NULL,
	    "{\"account\":\"https://x/acme/reg/1\",\"newKey\":{}}", 0);
	obj = json_loads(body, 0, NULL);
	memset(&p, 0, sizeof(p));
	CHECK(jws_v1_verify_object(obj, &v, &p) == 0);
	CHECK_STR(v.alg, "ES256");
	CHECK_STR(json_string_value(json_object_get(v.payload, "account")),
	    "https://x/acme/reg/1");
	jws_v1_free(&v);
	json_decref(obj);
	free(body);

	body = make_jws(p256, prot, NULL, "{\"account\":\"x\"}", 1);
	obj = json_loads(body, 0, NULL);
	memset(&p, 0, sizeof(p));
	CHECK(jws_v1_verify_object(obj, &v, &p) == -1);
	CHECK_STR(problem_v1_name(p.type), "malformed");
	CHECK(v.key == NULL);
	json_decref(obj);
	free(body);
	free(prot);
	free(jwk);
}

static void
check_v2(EVP_PKEY *key, const char *kid, const char *payload,
    const char *want_alg)
{
	char *s;
	json_t *doc, *prot = NULL, *jwk;
	const char *pb, *yb, *sb;
	unsigned char *sig = NULL, *praw = NULL, *yraw = NULL;
	size_t siglen = 0, plen = 0, ylen = 0, ilen;
	char *input;

	s = jws_v2_sign(key, kid, "abcNONCE", "https://ca.example/acme/x",
	    payload);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	doc = json_loads(s, 0, NULL);
	CHECK(json_object_size(doc) == 3);
	pb = json_string_value(json_object_get(doc, "protected"));
	yb = json_string_value(json_object_get(doc, "payload"));
	sb = json_string_value(json_object_get(doc, "signature"));
	CHECK(pb != NULL && yb != NULL && sb != NULL);
	praw = b64url_decode(pb, strlen(pb), &plen);
	yraw = b64url_decode(yb, strlen(yb), &ylen);
	sig = b64url_decode(sb, strlen(sb), &siglen);
	CHECK(praw != NULL && yraw != NULL && sig != NULL);
	prot = json_loadb((char *)praw, plen, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(prot, "alg")), want_alg);
	CHECK_STR(json_string_value(json_object_get(prot, "nonce")), "abcNONCE");
	CHECK_STR(json_string_value(json_object_get(prot, "url")),
	    "https://ca.example/acme/x");
	if (kid != NULL) {
		CHECK_STR(json_string_value(json_object_get(prot, "kid")), kid);
		CHECK(json_object_get(prot, "jwk") == NULL);
	} else {
		CHECK(json_object_get(prot, "kid") == NULL);
		jwk = jwk_from_pkey(key);
		CHECK(json_equal(json_object_get(prot, "jwk"), jwk));
		json_decref(jwk);
	}
	CHECK(json_object_size(prot) == 4);
	CHECK(strlen(payload) == ylen && memcmp(yraw, payload, ylen) == 0);
	if (payload[0] == '\0')
		CHECK_STR(yb, "");
	if (strcmp(want_alg, "ES256") == 0)
		CHECK(siglen == 64);
	ilen = strlen(pb) + 1 + strlen(yb);
	input = malloc(ilen + 1);
	snprintf(input, ilen + 1, "%s.%s", pb, yb);
	CHECK(jws_verify_raw(key, want_alg, (unsigned char *)input, ilen, sig,
	    siglen) == 0);
	sig[0] ^= 0x80;
	CHECK(jws_verify_raw(key, want_alg, (unsigned char *)input, ilen, sig,
	    siglen) == -1);
	free(input);
	free(sig);
	free(praw);
	free(yraw);
	json_decref(prot);
	json_decref(doc);
	free(s);
}

static void
test_v2_sign(void)
{
	EVP_PKEY *k = jwk_generate_p256();
	unsigned char *sig = NULL;
	size_t siglen = 0;

	check_v2(k, NULL, "{\"termsOfServiceAgreed\":true}", "ES256");
	check_v2(k, "https://ca.example/acme/acct/1", "{\"identifiers\":[]}",
	    "ES256");
	check_v2(k, "https://ca.example/acme/acct/1", "", "ES256");
	check_v2(rsa, "https://ca.example/acme/acct/2", "", "RS256");
	/* many signatures: raw R||S is always 64 bytes (left padded) */
	for (int i = 0; i < 64; i++) {
		CHECK(jws_sign_raw(k, (const unsigned char *)&i, sizeof(i), &sig,
		    &siglen) == 0 && siglen == 64);
		CHECK(jws_verify_raw(k, "ES256", (const unsigned char *)&i,
		    sizeof(i), sig, siglen) == 0);
		CHECK(jws_verify_raw(k, "ES384", (const unsigned char *)&i,
		    sizeof(i), sig, siglen) == -1);
		CHECK(jws_verify_raw(k, "ES256", (const unsigned char *)&i,
		    sizeof(i), sig, siglen - 1) == -1);
		free(sig);
	}
	CHECK(jws_v2_sign(k, NULL, "n", NULL, "") == NULL);
	EVP_PKEY_free(k);
}

int
main(void)
{
	struct jws_v1 z;

	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	CHECK(rsa && rsa1024 && p256 && p384);

	memset(&z, 0, sizeof(z));
	jws_v1_free(&z);	/* zeroed struct */
	jws_v1_free(NULL);

	test_rs256_dehydrated();
	test_padded_jwk();
	test_unprotected_key();
	test_ec(p256, "ES256");
	test_ec(p384, "ES384");
	test_refusals();
	test_shapes();
	test_object();
	test_v2_sign();

	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	return T_DONE();
}
