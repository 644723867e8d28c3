/* test_v1_rules.c: every v1 request rule (translate/v1/v1_rules.h) and every
 * problem it gives, with the type, status and detail a v1 client sees
 * (the e2e tests compare many of these details byte for byte). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jwk.h"
#include "csr.h"
#include "v1_rules.h"
#include "t.h"

#define BASE "http://bridge:4000"

static struct problem p;

static json_t *
js(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	if (j == NULL)
		fprintf(stderr, "bad test JSON: %s\n", text);
	return j;
}

/* The problem p holds: type name, status, detail. */
static int
is(const char *type, int status, const char *detail)
{
	int ok = strcmp(problem_v1_name(p.type), type) == 0 &&
	    p.status == status && strcmp(p.detail, detail) == 0;

	if (!ok)
		fprintf(stderr, "  got %s %d \"%s\"\n", problem_v1_name(p.type),
		    p.status, p.detail);
	memset(&p, 0, sizeof(p));
	return ok;
}

static void
test_signer(void)
{
	CHECK(v1_signer_check(0, ACCOUNT_VALID, &p) == 0);
	CHECK(v1_signer_check(1, ACCOUNT_VALID, &p) == -1);
	CHECK(is("unauthorized", 403,
	    "No registration exists matching provided key"));
	CHECK(v1_signer_check(-1, ACCOUNT_VALID, &p) == -1);
	CHECK(is("serverInternal", 500, "store error"));
	CHECK(v1_signer_check(0, ACCOUNT_DEACTIVATED, &p) == -1);
	CHECK(is("unauthorized", 403,
	    "Registration is not valid, has status 'deactivated'"));
}

static void
test_new_reg(void)
{
	CHECK(v1_new_reg_check(1, &p) == 0);
	CHECK(v1_new_reg_check(0, &p) == -1);
	CHECK(is("malformed", 409, "Registration key is already in use"));
	CHECK(v1_new_reg_check(-1, &p) == -1);
	CHECK(is("serverInternal", 500, "store error"));
	CHECK(v1_reg_owner(3, 3, &p) == 0);
	CHECK(v1_reg_owner(3, 4, &p) == -1);
	CHECK(is("unauthorized", 403,
	    "Request signing key did not match registration key"));
}

/* The payload text through v1_reg_payload: its return value. */
static int
reg(const char *text, struct v1_reg_update *u)
{
	const struct v1_terms t = { BASE, "https://ca.example/tos",
		"https://old.example/tos" };
	json_t *pl = js(text);
	int rc = v1_reg_payload(pl, &t, u, &p);

	/* u->agreement points into pl: keep only whether it was set. */
	if (rc == 0 && u->agreement != NULL)
		u->agreement = u->agreement[0] ? "set" : "";
	json_decref(pl);
	return rc;
}

static void
test_reg_contact(void)
{
	struct v1_reg_update u;

	CHECK(reg("{}", &u) == 0 && u.contact == NULL && u.agreement == NULL);
	CHECK(reg("{\"contact\": null}", &u) == 0 && u.contact == NULL);
	CHECK(reg("{\"contact\": [\"mailto:a@b.example\"]}", &u) == 0);
	CHECK_STR(u.contact, "[\"mailto:a@b.example\"]");
	v1_reg_update_clear(&u);
	CHECK(u.contact == NULL);
	CHECK(reg("{\"contact\": \"mailto:a@b.example\"}", &u) == -1);
	CHECK(is(
	    "malformed", 400, "contact must be an array of at most 10 URLs"));
	CHECK(
	    reg("{\"contact\": [\"mailto:a@b\",\"mailto:a@b\",\"mailto:a@b\","
		"\"mailto:a@b\",\"mailto:a@b\",\"mailto:a@b\",\"mailto:a@b\","
		"\"mailto:a@b\",\"mailto:a@b\",\"mailto:a@b\",\"mailto:a@b\"]}",
		&u) == -1);
	CHECK(is(
	    "malformed", 400, "contact must be an array of at most 10 URLs"));
	CHECK(reg("{\"contact\": [\"mailto:a@b\", \"tel:+1\"]}", &u) == -1);
	CHECK(is("invalidEmail", 400, "contact 1 is not a mailto: address"));
	CHECK(reg("{\"contact\": [\"mailto:nobody\"]}", &u) == -1);
	CHECK(is("invalidEmail", 400, "contact 0 is not a mailto: address"));
	CHECK(reg("{\"contact\": [\"mailto:a@b, c@d\"]}", &u) == -1);
	CHECK(is("invalidEmail", 400, "contact 0 is not a mailto: address"));
	CHECK(reg("{\"contact\": [\"mailto:a@b\\r\\nBcc: x\"]}", &u) == -1);
	CHECK(is("invalidEmail", 400, "contact 0 is not a mailto: address"));
	CHECK(reg("{\"contact\": [7]}", &u) == -1);
	CHECK(is("invalidEmail", 400, "contact 0 is not a mailto: address"));
}

static void
test_reg_agreement(void)
{
	struct v1_reg_update u;

	CHECK(reg("{\"agreement\": \"" BASE "/terms\"}", &u) == 0);
	CHECK_STR(u.agreement, "set");
	CHECK(reg("{\"agreement\": \"https://ca.example/tos\"}", &u) == 0);
	CHECK(reg("{\"agreement\": \"https://old.example/tos\"}", &u) == 0);
	CHECK(reg("{\"agreement\": \"\"}", &u) == 0);
	CHECK_STR(u.agreement, "");
	CHECK(reg("{\"agreement\": null}", &u) == 0 && u.agreement == NULL);
	CHECK(reg("{\"agreement\": 1}", &u) == -1);
	CHECK(is("malformed", 400, "agreement must be a string"));
	CHECK(reg("{\"agreement\": \"" BASE "/terms2\"}", &u) == -1);
	CHECK(is("malformed", 400,
	    "Provided agreement URL [" BASE "/terms2] "
	    "does not match current agreement URL [" BASE "/terms]"));
	/* a bad agreement after a good contact leaves nothing to free */
	CHECK(reg("{\"contact\": [\"mailto:a@b\"], \"agreement\": \"x\"}",
		  &u) == -1 &&
	    u.contact == NULL);
	CHECK(is("malformed", 400,
	    "Provided agreement URL [x] does not match "
	    "current agreement URL [" BASE "/terms]"));
}

static int
reg_status(const char *text, enum v1_reg_status *out)
{
	json_t *pl = js(text);
	int rc = v1_reg_status(pl, ACCOUNT_VALID, out, &p);

	json_decref(pl);
	return rc;
}

static void
test_reg_status(void)
{
	enum v1_reg_status s;

	CHECK(reg_status("{}", &s) == 0 && s == V1_REG_KEEP);
	CHECK(reg_status("{\"status\": null}", &s) == 0 && s == V1_REG_KEEP);
	CHECK(reg_status("{\"status\": \"\"}", &s) == 0 && s == V1_REG_KEEP);
	CHECK(
	    reg_status("{\"status\": \"valid\"}", &s) == 0 && s == V1_REG_KEEP);
	CHECK(reg_status(
		  "{\"status\": \"deactivated\", \"contact\": []}", &s) == 0 &&
	    s == V1_REG_DEACTIVATE);
	CHECK(reg_status("{\"status\": \"revoked\"}", &s) == -1);
	CHECK(is("malformed", 400, "Invalid value provided for status field"));
	CHECK(reg_status("{\"status\": 1}", &s) == -1);
	CHECK(is("malformed", 400, "Invalid value provided for status field"));
}

static int
ident(const char *text, char name[V1_NAME_MAX])
{
	json_t *pl = js(text);
	int rc = v1_authz_identifier(pl, name, &p);

	json_decref(pl);
	return rc;
}

static void
test_identifier(void)
{
	char name[V1_NAME_MAX], big[400];

	CHECK(ident("{\"identifier\": {\"type\": \"dns\", \"value\": "
		    "\"WWW.Example.ORG\"}}",
		  name) == 0);
	CHECK_STR(name, "www.example.org");
	CHECK(ident("{}", name) == -1);
	CHECK(is("malformed", 400,
	    "Invalid new-authorization request: missing identifier"));
	CHECK(ident("{\"identifier\": {\"type\": \"dns\", \"value\": \"\"}}",
		  name) == -1);
	CHECK(is("malformed", 400,
	    "Invalid new-authorization request: missing identifier"));
	CHECK(ident("{\"identifier\": {\"type\": \"ip\", \"value\": "
		    "\"192.0.2.1\"}}",
		  name) == -1);
	CHECK(is("unsupportedIdentifier", 400,
	    "identifier type 'ip' is not supported"));
	memset(big, 'a', 300);
	snprintf(big + 300, sizeof(big) - 300, ".example");
	{
		char text[512];

		snprintf(text, sizeof(text),
		    "{\"identifier\": {\"type\": "
		    "\"dns\", \"value\": \"%s\"}}",
		    big);
		CHECK(ident(text, name) == -1);
		CHECK(is("malformed", 400, "name too long"));
	}
	CHECK(ident("{\"identifier\": {\"type\": \"dns\", \"value\": "
		    "\"bad_name.Example\"}}",
		  name) == -1);
	CHECK(is("rejectedIdentifier", 400,
	    "'bad_name.example' is not a valid DNS name for a certificate"));
}

static void
test_names_allowed(void)
{
	json_t *r = js("[{\"name\": \"web\", \"match\": {\"accounts\": [3]},"
		       " \"allow\": [\"*.ok.example\"]}]");
	struct policy_who w = { 3, NULL, NULL };
	const char *good[2] = { "a.ok.example", "b.ok.example" };
	const char *bad[2] = { "a.ok.example", "b.bad.example" };

	CHECK(v1_names_allowed(NULL, &w, bad, 2, &p) == 0);
	CHECK(v1_names_allowed(r, &w, good, 2, &p) == 0);
	CHECK(v1_names_allowed(r, &w, bad, 2, &p) == -1);
	CHECK(p.type == V1E_UNAUTHORIZED && p.status == 403 &&
	    strstr(p.detail, "b.bad.example") != NULL);
	memset(&p, 0, sizeof(p));
	json_decref(r);
}

static void
test_authz_found(void)
{
	struct store_authz z;

	memset(&z, 0, sizeof(z));
	z.expires = 100;
	CHECK(v1_authz_found(0, &z, 99, &p) == 0);
	CHECK(v1_authz_found(0, &z, 100, &p) == -1);
	CHECK(is("malformed", 404, "Expired authorization"));
	CHECK(v1_authz_found(1, &z, 0, &p) == -1);
	CHECK(is("malformed", 404, "No such authorization"));
	CHECK(v1_authz_found(-1, &z, 0, &p) == -1);
	CHECK(is("malformed", 500, "store error"));
}

static void
test_challenge(void)
{
	struct store_authz z;

	memset(&z, 0, sizeof(z));
	z.account_id = 5;
	CHECK(v1_chall_found(0, 0, &p) == 0);
	CHECK(v1_chall_found(0, 1, &p) == 0);
	CHECK(v1_chall_found(0, 2, &p) == -1);
	CHECK(is("malformed", 404, "No such challenge"));
	CHECK(v1_chall_found(0, -1, &p) == -1);
	CHECK(is("malformed", 404, "No such challenge"));
	CHECK(v1_chall_found(1, 0, &p) == -1);
	CHECK(is("malformed", 404, "No such challenge"));
	CHECK(v1_chall_found(-1, 0, &p) == -1);
	CHECK(is("malformed", 500, "store error"));
	CHECK(v1_chall_owner(&z, 5, &p) == 0);
	CHECK(v1_chall_owner(&z, 6, &p) == -1);
	CHECK(is("unauthorized", 403,
	    "User registration ID doesn't match "
	    "registration ID in authorization"));
}

static int
keyauth(const char *text, char *want, size_t len)
{
	json_t *pl = js(text);
	int rc = v1_key_authorization(pl, "tok", "thumb", want, len, &p);

	json_decref(pl);
	return rc;
}

static void
test_key_authorization(void)
{
	char want[64];

	CHECK(keyauth("{}", want, sizeof(want)) == 0);
	CHECK(keyauth("{\"keyAuthorization\": \"tok.thumb\"}", want,
		  sizeof(want)) == 1);
	CHECK_STR(want, "tok.thumb");
	CHECK(keyauth("{\"keyAuthorization\": \"tok.other\"}", want,
		  sizeof(want)) == -1);
	CHECK(is("malformed", 400, "provided key authorization was incorrect"));
	CHECK(keyauth("{\"keyAuthorization\": 3}", want, sizeof(want)) == -1);
	CHECK(is("malformed", 400, "provided key authorization was incorrect"));
	CHECK(keyauth("{\"keyAuthorization\": \"tok.thumb\"}", want, 4) == -1);
	CHECK(is("serverInternal", 500, "key authorization too long"));
}

static int
deact(const char *text, const struct store_authz *z)
{
	json_t *pl = js(text);
	int rc = v1_authz_deactivate_check(pl, z, 5, &p);

	json_decref(pl);
	return rc;
}

static void
test_authz_deactivate(void)
{
	struct store_authz z;
	const char *d = "{\"status\": \"deactivated\"}";

	memset(&z, 0, sizeof(z));
	z.account_id = 5;
	z.status = AUTHZ_VALID;
	CHECK(deact(d, &z) == 0);
	z.status = AUTHZ_PENDING;
	CHECK(deact(d, &z) == 0);
	CHECK(deact("{\"status\": \"valid\"}", &z) == -1);
	CHECK(is("malformed", 400,
	    "Invalid status value: an authorization "
	    "POST only deactivates (\"status\": \"deactivated\")"));
	CHECK(deact("{}", &z) == -1);
	CHECK(is("malformed", 400,
	    "Invalid status value: an authorization "
	    "POST only deactivates (\"status\": \"deactivated\")"));
	z.status = AUTHZ_INVALID;
	CHECK(deact(d, &z) == -1);
	CHECK(is("malformed", 400,
	    "Only valid and pending authorizations can "
	    "be deactivated (this one is invalid)"));
	z.account_id = 6;
	CHECK(deact(d, &z) == -1);
	CHECK(is("unauthorized", 403,
	    "Registration ID doesn't match ID for authorization"));
}

static void
test_cert_csr(void)
{
	json_t *pl = js("{\"csr\": \"AQID\"}");
	unsigned char *der;
	size_t len;

	CHECK(v1_cert_csr(pl, &der, &len, &p) == 0 && len == 3 && der[0] == 1 &&
	    der[2] == 3);
	free(der);
	json_decref(pl);
	pl = js("{\"csr\": \"not base64!\"}");
	CHECK(v1_cert_csr(pl, &der, &len, &p) == -1 && der == NULL);
	CHECK(is("malformed", 400,
	    "csr must be the base64url DER of a PKCS#10 request"));
	json_decref(pl);
	pl = js("{}");
	CHECK(v1_cert_csr(pl, &der, &len, &p) == -1);
	CHECK(is("malformed", 400,
	    "csr must be the base64url DER of a PKCS#10 request"));
	json_decref(pl);
}

/* A lookup: names starting with "ok" are authorized, "err" fails. */
static int
lookup(void *arg, const char *name)
{
	(*(int *)arg)++;
	if (strncmp(name, "err", 3) == 0)
		return -1;
	return strncmp(name, "ok", 2) == 0;
}

static void
test_cert_authorized(void)
{
	const char *all[2] = { "ok1.example", "ok2.example" };
	const char *some[4] = { "a.example", "ok.example", "b.example",
		"c.example" };
	const char *err[2] = { "a.example", "err.example" };
	int calls = 0;

	CHECK(v1_cert_authorized(all, 2, lookup, &calls, &p) == 0);
	CHECK(calls == 2);
	CHECK(v1_cert_authorized(some, 4, lookup, &calls, &p) == -1);
	CHECK(is("unauthorized", 403,
	    "authorizations for these names not "
	    "found or expired: a.example, b.example, c.example"));
	CHECK(v1_cert_authorized(err, 2, lookup, &calls, &p) == -1);
	CHECK(is("serverInternal", 500, "store error"));
}

/* A DER CSR for one name with key's public key, self-signed. */
static unsigned char *
csr_with(EVP_PKEY *key, int *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"a.example", -1, -1, 0);
	X509_REQ_set_subject_name(req, name);
	X509_REQ_set_pubkey(req, key);
	*len = 0;
	/* Ed25519 signs without a separate digest */
	if (X509_REQ_sign(req, key,
		EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519
		    ? NULL
		    : EVP_sha256()) > 0)
		*len = i2d_X509_REQ(req, &der);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return der;
}

/* new-cert for the account key: refused by canonical thumbprint, even when
 * the account registered a zero-padded spelling of it (issue 8 item 7). */
static struct csr_names cn;

static int
csr_key_check(EVP_PKEY *csr_key, const char *tp)
{
	int len = 0, rc;
	unsigned char *der = csr_with(csr_key, &len);

	CHECK(der != NULL && len > 0);
	rc = v1_cert_key_differs(der, (size_t)len, tp, &p);
	/* issue 10 item 3: the one-parse check says the same, with the
	 * names (p is its problem from here) */
	memset(&cn, 0, sizeof(cn));
	CHECK(v1_cert_csr_check(der, (size_t)len, tp, &cn, &p) == rc);
	CHECK(rc != 0 || (cn.n == 1 && strcmp(cn.names[0], "a.example") == 0));
	OPENSSL_free(der);
	return rc;
}

static void
test_cert_key(void)
{
	EVP_PKEY *ec = jwk_generate_p256(), *ec2 = jwk_generate_p256();
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char tp[JWK_THUMBPRINT_LEN + 1];
	json_t *j = jwk_from_pkey(ec);
	char *n;

	CHECK(jwk_thumbprint(j, tp) == 0);
	json_decref(j);
	CHECK(csr_key_check(ec, tp) == -1);
	CHECK(is("badCSR", 400,
	    "Certificate public key must be different than account key"));
	CHECK(csr_key_check(ec2, tp) == 0);
	CHECK(ed != NULL && csr_key_check(ed, tp) == 0);
	/* the account's JWK spelled with n padded by three zero octets
	 * ("AAAA" in front) */
	j = jwk_from_pkey(rsa);
	n = malloc(strlen(json_string_value(json_object_get(j, "n"))) + 5);
	snprintf(n, strlen(json_string_value(json_object_get(j, "n"))) + 5,
	    "AAAA%s", json_string_value(json_object_get(j, "n")));
	json_object_set_new(j, "n", json_string(n));
	CHECK(jwk_thumbprint(j, tp) == 0);
	CHECK(csr_key_check(rsa, tp) == -1);
	CHECK(is("badCSR", 400,
	    "Certificate public key must be different than account key"));
	CHECK(csr_key_check(ec, tp) == 0);
	CHECK(v1_cert_key_differs(
		  (const unsigned char *)"\x30\x03", 2, tp, &p) == -1);
	CHECK(is("badCSR", 400, "CSR public key could not be read"));
	CHECK(v1_cert_csr_check(
		  (const unsigned char *)"\x30\x03", 2, tp, &cn, &p) == -1);
	CHECK(is("badCSR", 400, "CSR is not a valid DER PKCS#10 request"));
	free(n);
	json_decref(j);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec2);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
}

static int
reason(const char *text, int *r)
{
	json_t *pl = js(text);
	int rc = v1_revoke_reason(pl, r, &p);

	json_decref(pl);
	return rc;
}

#define REASONS \
	"Supported reasons: unspecified (0), keyCompromise (1), " \
	"affiliationChanged (3), superseded (4), cessationOfOperation (5)"

static void
test_revoke_reason(void)
{
	int r;

	CHECK(reason("{}", &r) == 0 && r == -1);
	CHECK(reason("{\"reason\": null}", &r) == 0 && r == -1);
	CHECK(reason("{\"reason\": 0}", &r) == 0 && r == 0);
	CHECK(reason("{\"reason\": 1}", &r) == 0 && r == 1);
	CHECK(reason("{\"reason\": 5}", &r) == 0 && r == 5);
	CHECK(reason("{\"reason\": 2}", &r) == -1);
	CHECK(is("malformed", 400,
	    "unsupported revocation reason code "
	    "provided: 2. " REASONS));
	CHECK(reason("{\"reason\": 6}", &r) == -1);
	CHECK(is("malformed", 400,
	    "unsupported revocation reason code "
	    "provided: 6. " REASONS));
	CHECK(reason("{\"reason\": \"1\"}", &r) == -1);
	CHECK(is("malformed", 400, "reason must be an integer. " REASONS));
}

static void
test_revoke_target(void)
{
	unsigned char der[3] = { 1, 2, 3 }, other[3] = { 1, 2, 4 };
	struct store_cert c;

	memset(&c, 0, sizeof(c));
	c.der = der;
	c.der_len = 3;
	CHECK(v1_revoke_target(0, &c, der, 3, &p) == 0);
	CHECK(v1_revoke_target(0, &c, other, 3, &p) == -1);
	CHECK(is("malformed", 404,
	    "unknown certificate: Certificate not "
	    "found (not issued through this bridge)"));
	CHECK(v1_revoke_target(0, &c, der, 2, &p) == -1);
	CHECK(is("malformed", 404,
	    "unknown certificate: Certificate not "
	    "found (not issued through this bridge)"));
	CHECK(v1_revoke_target(1, &c, der, 3, &p) == -1);
	CHECK(is("malformed", 404,
	    "unknown certificate: Certificate not "
	    "found (not issued through this bridge)"));
	CHECK(v1_revoke_target(-1, &c, der, 3, &p) == -1);
	CHECK(is("serverInternal", 500, "store error"));
	c.revoked = 1;
	CHECK(v1_revoke_target(0, &c, der, 3, &p) == -1);
	CHECK(is("malformed", 409, "Certificate already revoked"));
	CHECK(v1_revoke_unexpired(101, 100, &p) == 0);
	CHECK(v1_revoke_unexpired(100, 100, &p) == -1);
	CHECK(is("unauthorized", 403, "Certificate is expired"));
}

#define NOT_ALLOWED \
	"Revocation request must be signed by private key of " \
	"cert to be revoked, or by the account key of the account that " \
	"issued it."

static void
test_revoke_allowed(void)
{
	struct store_account a;
	enum v1_revoker who;

	memset(&a, 0, sizeof(a));
	a.id = 7;
	a.status = ACCOUNT_VALID;
	CHECK(v1_revoke_allowed(1, -1, NULL, 7, &who, &p) == 0 &&
	    who == V1_REVOKER_CERT_KEY);
	CHECK(v1_revoke_allowed(0, 0, &a, 7, &who, &p) == 0 &&
	    who == V1_REVOKER_ACCOUNT);
	CHECK(v1_revoke_allowed(0, 0, &a, 8, &who, &p) == -1);
	CHECK(is("unauthorized", 403, NOT_ALLOWED));
	CHECK(v1_revoke_allowed(0, 1, &a, 7, &who, &p) == -1);
	CHECK(is("unauthorized", 403, NOT_ALLOWED));
	CHECK(v1_revoke_allowed(0, -1, &a, 7, &who, &p) == -1);
	CHECK(is("serverInternal", 500, "store error"));
	a.status = ACCOUNT_DEACTIVATED;
	CHECK(v1_revoke_allowed(0, 0, &a, 7, &who, &p) == -1);
	CHECK(is("unauthorized", 403,
	    "Registration is not valid, has status 'deactivated'"));
}

/* A key lookup: "taken" belongs to account 9, "broken" fails. */
static int
by_thumb(void *arg, const char *thumb, long long *id)
{
	(void)arg;
	if (strcmp(thumb, "broken") == 0)
		return -1;
	if (strcmp(thumb, "taken") != 0)
		return 1;
	*id = 9;
	return 0;
}

static void
test_key_change(void)
{
	EVP_PKEY *k = jwk_generate_p256(), *k2 = jwk_generate_p256();
	struct jws_v1 in;
	long long other;

	CHECK(v1_key_change_allowed(ACCOUNT_PER_CLIENT, &p) == 0);
	CHECK(v1_key_change_allowed(ACCOUNT_IMPORTED, &p) == -1);
	CHECK(is("unauthorized", 403,
	    "key-change is not available for an "
	    "imported account (its key is the account key at the CA)"));
	memset(&in, 0, sizeof(in));
	in.jwk = jwk_from_pkey(k);
	in.payload = json_pack("{s:s,s:o}", "account", BASE "/acme/reg/4",
	    "newKey", jwk_from_pkey(k));
	snprintf(in.thumbprint, sizeof(in.thumbprint), "fresh");
	CHECK(v1_key_change_check(BASE, 4, &in, by_thumb, NULL, &other, &p) ==
		0 &&
	    other == 0);
	CHECK(v1_key_change_check(BASE, 5, &in, by_thumb, NULL, &other, &p) ==
	    -1);
	CHECK(is("malformed", 400,
	    "Incorrect account URL provided in payload "
	    "(want " BASE "/acme/reg/5)"));
	snprintf(in.thumbprint, sizeof(in.thumbprint), "taken");
	CHECK(v1_key_change_check(BASE, 4, &in, by_thumb, NULL, &other, &p) ==
		-1 &&
	    other == 9);
	CHECK(is("malformed", 409,
	    "New key is already in use for a different account"));
	snprintf(in.thumbprint, sizeof(in.thumbprint), "broken");
	CHECK(v1_key_change_check(BASE, 4, &in, by_thumb, NULL, &other, &p) ==
		-1 &&
	    other == 0);
	CHECK(is("serverInternal", 500, "store error"));
	json_object_set_new(in.payload, "newKey", jwk_from_pkey(k2));
	CHECK(v1_key_change_check(BASE, 4, &in, by_thumb, NULL, &other, &p) ==
	    -1);
	CHECK(is("malformed", 400,
	    "New JWK in inner payload doesn't match key "
	    "used to sign inner JWS"));
	json_decref(in.jwk);
	json_decref(in.payload);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

/* A key lookup holding one canonical thumbprint, for account 9. */
static int
by_canon(void *arg, const char *thumb, long long *id)
{
	if (strcmp(thumb, (const char *)arg) != 0)
		return 1;
	*id = 9;
	return 0;
}

/* Key-change to a zero-padded spelling of another account's key is
 * refused: the lookup is by canonical thumbprint (issue 8 item 4). */
static void
test_key_change_padded(void)
{
	static const char n[] = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM7"
				"8LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJA";
	char held[JWK_THUMBPRINT_LEN + 1];
	struct jws_v1 in;
	json_t *key;
	long long other;

	key = json_pack("{s:s,s:s,s:s}", "e", "AQAB", "kty", "RSA", "n", n);
	CHECK(jwk_thumbprint(key, held) == 0);
	memset(&in, 0, sizeof(in));
	/* "AAAA" is three zero octets in front of n; e padded by one */
	in.jwk = json_pack(
	    "{s:s,s:s,s:s+}", "e", "AAEAAQ", "kty", "RSA", "n", "AAAA", n);
	in.payload = json_pack(
	    "{s:s,s:O}", "account", BASE "/acme/reg/4", "newKey", key);
	CHECK(jwk_thumbprint(in.jwk, in.thumbprint) == 0);
	CHECK_STR(in.thumbprint, held);
	CHECK(v1_key_change_check(BASE, 4, &in, by_canon, held, &other, &p) ==
		-1 &&
	    other == 9);
	CHECK(is("malformed", 409,
	    "New key is already in use for a different account"));
	json_decref(in.jwk);
	json_decref(in.payload);
	json_decref(key);
}

#define PID "a-_zA9qQ1234567890abcd" /* 22 base64url characters */

static void
test_paths(void)
{
	struct v1_authz_ref ref;
	long long id = 0;
	int idx = -1;

	CHECK(v1_path_id("/acme/reg/12", "/acme/reg/", &id) == 1 && id == 12);
	CHECK(v1_path_id("/acme/reg/0", "/acme/reg/", &id) == 0);
	CHECK(v1_path_id("/acme/reg/12x", "/acme/reg/", &id) == 0);
	CHECK(v1_path_id("/acme/reg/", "/acme/reg/", &id) == 0);
	CHECK(v1_path_id("/acme/reg/-1", "/acme/reg/", &id) == 0);
	CHECK(v1_path_id("/acme/reg/9007199254740992", "/acme/reg/", &id) == 0);
	CHECK(v1_path_id("/acme/authz/3", "/acme/reg/", &id) == 0);
	CHECK(v1_path_challenge("/acme/challenge/7/1", &ref, &idx) == 1 &&
	    ref.id == 7 && ref.pid[0] == '\0' && idx == 1);
	CHECK(v1_path_challenge("/acme/challenge/7/99", &ref, &idx) == 1);
	CHECK(v1_path_challenge("/acme/challenge/7/100", &ref, &idx) == 0);
	CHECK(v1_path_challenge("/acme/challenge/7", &ref, &idx) == 0);
	CHECK(v1_path_challenge("/acme/challenge/0/1", &ref, &idx) == 0);
	CHECK(v1_path_challenge("/acme/challenge/7/", &ref, &idx) == 0);
	CHECK(v1_path_challenge("/acme/challenge/7/1x", &ref, &idx) == 0);
	CHECK(v1_path_challenge("/acme/challenge/x/1", &ref, &idx) == 0);
	CHECK(v1_path_challenge("/acme/challenge//1", &ref, &idx) == 0);
	/* public ids: exactly 22 base64url characters */
	CHECK(v1_path_challenge("/acme/challenge/" PID "/0", &ref, &idx) == 1 &&
	    ref.id == 0 && idx == 0);
	CHECK_STR(ref.pid, PID);
	CHECK(v1_path_challenge("/acme/challenge/" PID "x/0", &ref, &idx) == 0);
	CHECK(v1_path_authz("/acme/authz/" PID, &ref) == 1 && ref.id == 0);
	CHECK_STR(ref.pid, PID);
	CHECK(v1_path_authz("/acme/authz/" PID "A", &ref) == 0);
	CHECK(v1_path_authz("/acme/authz/a-_zA9qQ1234567890abc", &ref) == 0);
	CHECK(v1_path_authz("/acme/authz/a-_zA9qQ1234567890abc=", &ref) == 0);
	CHECK(v1_path_authz("/acme/authz/a-_zA9qQ1234567890ab.d", &ref) == 0);
	CHECK(v1_path_authz("/acme/authz/a+_zA9qQ1234567890abcd", &ref) == 0);
	/* 22 digits is a public id, never a number */
	CHECK(v1_path_authz("/acme/authz/1234567890123456789012", &ref) == 1 &&
	    ref.id == 0);
	CHECK(v1_path_authz("/acme/authz/12", &ref) == 1 && ref.id == 12 &&
	    ref.pid[0] == '\0');
	CHECK(v1_path_authz("/acme/authz/0", &ref) == 0);
	CHECK(v1_path_authz("/acme/authz/9007199254740992", &ref) == 0);
	CHECK(v1_path_authz("/acme/authz/12345678901234567", &ref) == 0);
	CHECK(v1_path_authz("/acme/authz/", &ref) == 0);
	CHECK(v1_path_authz("/acme/reg/" PID, &ref) == 0);
	/* ids past 2^53 - 1, and past what strtoll reads (fuzz_v1_path) */
	CHECK(v1_path_challenge(
		  "/acme/challenge/9007199254740991/1", &ref, &idx) == 1);
	CHECK(v1_path_challenge(
		  "/acme/challenge/9007199254740992/1", &ref, &idx) == 0);
	CHECK(v1_path_challenge(
		  "/acme/challenge/333333333333333333333/1", &ref, &idx) == 0);
	CHECK_STR(v1_path_hex("/acme/cert/0a1f", "/acme/cert/"), "0a1f");
	CHECK(v1_path_hex("/acme/cert/0A1F", "/acme/cert/") == NULL);
	CHECK(v1_path_hex("/acme/cert/", "/acme/cert/") == NULL);
	CHECK(v1_path_hex("/acme/cert/../x", "/acme/cert/") == NULL);
	{
		char longp[128];

		snprintf(longp, sizeof(longp), "/acme/cert/%080d", 0);
		CHECK(v1_path_hex(longp, "/acme/cert/") == NULL);
		longp[strlen(longp) - 1] = '\0';
		CHECK(v1_path_hex(longp, "/acme/cert/") != NULL);
	}
}

static void
test_route(void)
{
	struct v1_route r;

	v1_route("/directory", &r);
	CHECK(r.res == V1R_DIRECTORY);
	v1_route("/", &r);
	CHECK(r.res == V1R_DIRECTORY);
	v1_route("/terms", &r);
	CHECK(r.res == V1R_TERMS);
	v1_route("/acme/new-reg", &r);
	CHECK(r.res == V1R_NEW_REG);
	CHECK_STR(v1_resource_name(r.res), "new-reg");
	v1_route("/acme/new-authz", &r);
	CHECK(r.res == V1R_NEW_AUTHZ);
	v1_route("/acme/new-cert", &r);
	CHECK(r.res == V1R_NEW_CERT);
	v1_route("/acme/revoke-cert", &r);
	CHECK(r.res == V1R_REVOKE_CERT);
	v1_route("/acme/key-change", &r);
	CHECK(r.res == V1R_KEY_CHANGE);
	CHECK_STR(v1_resource_name(r.res), "key-change");
	v1_route("/acme/reg/42", &r);
	CHECK(r.res == V1R_REG && r.id == 42);
	CHECK_STR(v1_resource_name(r.res), "reg");
	v1_route("/acme/authz/7", &r);
	CHECK(r.res == V1R_AUTHZ && r.authz.id == 7 && r.authz.pid[0] == '\0');
	v1_route("/acme/challenge/7/1", &r);
	CHECK(r.res == V1R_CHALLENGE && r.authz.id == 7 && r.idx == 1);
	CHECK_STR(v1_resource_name(r.res), "challenge");
	v1_route("/acme/authz/" PID, &r);
	CHECK(r.res == V1R_AUTHZ && r.authz.id == 0);
	CHECK_STR(r.authz.pid, PID);
	v1_route("/acme/challenge/" PID "/1", &r);
	CHECK(r.res == V1R_CHALLENGE && r.authz.id == 0 && r.idx == 1);
	CHECK_STR(r.authz.pid, PID);
	v1_route("/acme/authz/" PID "/", &r);
	CHECK(r.res == V1R_UNKNOWN);
	v1_route("/acme/authz/short-id", &r);
	CHECK(r.res == V1R_UNKNOWN);
	v1_route("/acme/cert/0a1f", &r);
	CHECK(r.res == V1R_CERT && r.tail != NULL);
	CHECK_STR(r.tail, "0a1f");
	v1_route("/acme/issuer-cert/beef", &r);
	CHECK(r.res == V1R_ISSUER_CERT);
	CHECK_STR(r.tail, "beef");
	CHECK_STR(v1_resource_name(r.res), "issuer-cert");
	v1_route("/acme/new-reg/", &r);
	CHECK(r.res == V1R_UNKNOWN);
	v1_route("/directory/x", &r);
	CHECK(r.res == V1R_UNKNOWN);
	v1_route("/acme/reg/0", &r);
	CHECK(r.res == V1R_UNKNOWN);
	v1_route("/acme/cert/XYZ", &r);
	CHECK(r.res == V1R_UNKNOWN && r.tail == NULL);
	v1_route("", &r);
	CHECK(r.res == V1R_UNKNOWN);
	CHECK_STR(v1_resource_name(r.res), "unknown");
	CHECK_STR(v1_resource_name(V1R_COUNT), "unknown");
	CHECK_STR(v1_resource_name((enum v1_resource) - 1), "unknown");
}

/* GETs refresh a pending authorization at most once per interval, one at a
 * time, and not before the CA's Retry-After. */
static void
test_get_refresh(void)
{
	struct v1_refresh r = { 0, 0, 0 };

	CHECK(v1_get_refreshes(NULL, 5000, 1000) == 1); /* never refreshed */
	CHECK(v1_get_refreshes(&r, 5000, 1000) == 1);
	r.last_ms = 5000;
	r.in_flight = 1;
	/* while one runs: answer from the store, even after the interval */
	CHECK(v1_get_refreshes(&r, 5000, 1000) == 0);
	CHECK(v1_get_refreshes(&r, 9000, 1000) == 0);
	CHECK(v1_refresh_spent(&r, 9000, 1000) == 0);
	v1_refresh_done(&r, 5200, 0);
	CHECK(r.in_flight == 0 && r.not_before_ms == 0);
	CHECK(v1_get_refreshes(&r, 5999, 1000) == 0); /* within the interval */
	CHECK(v1_refresh_spent(&r, 5999, 1000) == 0);
	CHECK(v1_get_refreshes(&r, 6000, 1000) == 1);
	CHECK(v1_refresh_spent(&r, 6000, 1000) == 1);
	/* the CA said Retry-After: 3 at 6100 */
	r.last_ms = 6000;
	r.in_flight = 1;
	v1_refresh_done(&r, 6100, 3);
	CHECK(r.not_before_ms == 9100);
	CHECK(v1_get_refreshes(&r, 7000, 1000) == 0);
	CHECK(v1_get_refreshes(&r, 9099, 1000) == 0);
	CHECK(v1_refresh_spent(&r, 9099, 1000) == 0);
	CHECK(v1_get_refreshes(&r, 9100, 1000) == 1);
	/* a shorter Retry-After later never shortens it; a huge one is an
	 * hour */
	v1_refresh_done(&r, 6200, 1);
	CHECK(r.not_before_ms == 9100 && r.in_flight == 0);
	v1_refresh_done(&r, 10000, 999999);
	CHECK(r.not_before_ms == 10000 + 3600 * 1000LL);
	/* a longer interval is honoured as well */
	r = (struct v1_refresh){ 6000, 0, 0 };
	CHECK(v1_get_refreshes(&r, 10999, 5000) == 0);
	CHECK(v1_get_refreshes(&r, 11000, 5000) == 1);
}

/* issue 9 item 1: upstream prefixes. */
static void
test_prefixes(void)
{
	const char *const pre[] = { "", "/staging", "/corp" };
	char why[200];
	size_t w;

	CHECK(v1_prefix_check("", why, sizeof(why)) == 0);
	CHECK(v1_prefix_check("/staging", why, sizeof(why)) == 0);
	CHECK(v1_prefix_check("/le-2.x_y", why, sizeof(why)) == 0);
	CHECK(v1_prefix_check("staging", why, sizeof(why)) == -1);
	CHECK(v1_prefix_check("/", why, sizeof(why)) == -1);
	CHECK(v1_prefix_check("/a/b", why, sizeof(why)) == -1);
	CHECK(v1_prefix_check("/Staging", why, sizeof(why)) == -1);
	CHECK(v1_prefix_check("/-x", why, sizeof(why)) == -1);
	CHECK(v1_prefix_check("/acme", why, sizeof(why)) == -1);
	CHECK(strstr(why, "v1 resource") != NULL);
	CHECK(v1_prefix_check("/directory", why, sizeof(why)) == -1);
	CHECK(v1_prefix_check("/terms", why, sizeof(why)) == -1);
	CHECK(v1_prefix_check("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			      "aaaaaaaaaaaaaaa",
		  why, sizeof(why)) == 0); /* 62 */
	CHECK(v1_prefix_check("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			      "aaaaaaaaaaaaaaaa",
		  why, sizeof(why)) == -1); /* 63 */
	CHECK(v1_prefix_match("/staging/directory", pre, 3, &w) == 8 && w == 1);
	CHECK(v1_prefix_match("/staging", pre, 3, &w) == 8 && w == 1);
	CHECK(v1_prefix_match("/corp/acme/new-reg", pre, 3, &w) == 5 && w == 2);
	CHECK(
	    v1_prefix_match("/stagingx/directory", pre, 3, &w) == 0 && w == 3);
	CHECK(v1_prefix_match("/directory", pre, 3, &w) == 0 && w == 3);
	CHECK(v1_prefix_match("/acme/authz/x", pre + 1, 2, &w) == 0 && w == 2);
}

/* Issue 10 item 2: one open order for all the names, its finalize URL
 * still kept: reusable; anything else not. */
static void
test_cert_reusable(void)
{
	struct store_authz z[2];

	memset(z, 0, sizeof(z));
	CHECK(v1_cert_reusable(z, 0) == 0);
	CHECK(v1_cert_reusable(z, 1) == 0); /* no order */
	z[0].v2_order_url = "https://ca/order/1";
	CHECK(v1_cert_reusable(z, 1) == 0); /* no finalize: used or old */
	z[0].v2_finalize_url = "https://ca/order/1/finalize";
	CHECK(v1_cert_reusable(z, 1) == 1);
	z[1] = z[0];
	CHECK(v1_cert_reusable(z, 2) == 1);
	z[1].v2_order_url = "https://ca/order/2";
	z[1].v2_finalize_url = "https://ca/order/2/finalize";
	CHECK(v1_cert_reusable(z, 2) == 0); /* two orders */
	z[1].v2_order_url = "https://ca/order/1";
	CHECK(v1_cert_reusable(z, 2) == 0); /* another finalize */
	z[1].v2_finalize_url = NULL;
	CHECK(v1_cert_reusable(z, 2) == 0);
}

int
main(void)
{
	test_prefixes();
	test_cert_reusable();
	test_signer();
	test_new_reg();
	test_reg_contact();
	test_reg_agreement();
	test_reg_status();
	test_identifier();
	test_names_allowed();
	test_authz_found();
	test_challenge();
	test_key_authorization();
	test_authz_deactivate();
	test_cert_csr();
	test_cert_authorized();
	test_cert_key();
	test_revoke_reason();
	test_revoke_target();
	test_revoke_allowed();
	test_key_change();
	test_key_change_padded();
	test_paths();
	test_route();
	test_get_refresh();
	return T_DONE();
}
