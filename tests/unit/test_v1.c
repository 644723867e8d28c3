/* test_v1.c: ACME v1 JSON rendering as Boulder's WFE1 did it (Go
 * json.MarshalIndent layout, Boulder member order, "uri", no "processing"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store.h"
#include "v1.h"
#include "t.h"

#define BASE "http://bridge:4000"

/* "a,b,c": the member names of object o in their order. */
static void
keys_of(const json_t *o, char *out, size_t size)
{
	const char *k;
	json_t *v;
	size_t len = 0;

	out[0] = '\0';
	if (!json_is_object(o))
		return;
	json_object_foreach((json_t *)o, k, v) {
		(void)v;
		snprintf(out + len, size - len, "%s%s", len ? "," : "", k);
		len = strlen(out);
	}
}

static const char *
jstr(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static void
fill_account(struct store_account *a)
{
	memset(a, 0, sizeof(*a));
	a->id = 7;
	snprintf(a->thumbprint, sizeof(a->thumbprint), "tp");
	a->jwk = strdup("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAA\","
	    "\"y\":\"BBB\"}");
	a->contact = strdup("[\"mailto:a@example.org\"]");
	a->agreement = strdup(BASE "/terms");
	snprintf(a->initial_ip, sizeof(a->initial_ip), "192.0.2.1");
	a->created_at = 1700000000;
	a->status = ACCOUNT_VALID;
}

static void
fill_authz(struct store_authz *z, const char *status)
{
	memset(z, 0, sizeof(*z));
	z->id = 42;
	snprintf(z->public_id, sizeof(z->public_id), "Zx9_-abcdefghijklmnopq");
	z->account_id = 7;
	snprintf(z->name, sizeof(z->name), "example.org");
	(void)authz_status_parse(status, &z->status);
	z->expires = 1700086400;
	snprintf(z->token, sizeof(z->token), "tok123");
}

/* Go: json.MarshalIndent(reg, "", "  ") of a small registration. */
static const char reg_text[] =
    "{\n"
    "  \"id\": 7,\n"
    "  \"key\": {\n"
    "    \"kty\": \"EC\",\n"
    "    \"crv\": \"P-256\",\n"
    "    \"x\": \"AAA\",\n"
    "    \"y\": \"BBB\"\n"
    "  },\n"
    "  \"contact\": [\n"
    "    \"mailto:a@example.org\"\n"
    "  ],\n"
    "  \"agreement\": \"http://bridge:4000/terms\",\n"
    "  \"initialIp\": \"192.0.2.1\",\n"
    "  \"createdAt\": \"2023-11-14T22:13:20Z\",\n"
    "  \"status\": \"valid\"\n"
    "}";

static const char authz_text[] =
    "{\n"
    "  \"identifier\": {\n"
    "    \"type\": \"dns\",\n"
    "    \"value\": \"example.org\"\n"
    "  },\n"
    "  \"status\": \"pending\",\n"
    "  \"expires\": \"2023-11-15T22:13:20Z\",\n"
    "  \"challenges\": [\n"
    "    {\n"
    "      \"type\": \"http-01\",\n"
    "      \"status\": \"pending\",\n"
    "      \"uri\": \"http://bridge:4000/acme/challenge/Zx9_-abcdefghijklmnopq/0\",\n"
    "      \"token\": \"tok123\"\n"
    "    },\n"
    "    {\n"
    "      \"type\": \"dns-01\",\n"
    "      \"status\": \"pending\",\n"
    "      \"uri\": \"http://bridge:4000/acme/challenge/Zx9_-abcdefghijklmnopq/1\",\n"
    "      \"token\": \"tok123\"\n"
    "    }\n"
    "  ],\n"
    "  \"combinations\": [\n"
    "    [\n"
    "      0\n"
    "    ],\n"
    "    [\n"
    "      1\n"
    "    ]\n"
    "  ]\n"
    "}";

static void
test_dump(void)
{
	struct store_account a;
	struct store_authz z;
	json_t *j;
	char *s;
	size_t len = 0;

	fill_account(&a);
	j = v1_registration(&a);
	CHECK(j != NULL);
	s = v1_dump(j, &len);
	CHECK_STR(s, reg_text);
	CHECK(s != NULL && len == strlen(s));
	free(s);
	s = v1_dump(j, NULL);		/* len is optional */
	CHECK_STR(s, reg_text);
	free(s);
	json_decref(j);
	store_account_clear(&a);

	fill_authz(&z, "pending");
	j = v1_authz(BASE, &z);
	CHECK(j != NULL);
	len = 0;
	s = v1_dump(j, &len);
	CHECK_STR(s, authz_text);
	CHECK(s != NULL && len == strlen(s));
	free(s);
	json_decref(j);

	/* Empty containers and scalars, as Go prints them. */
	j = json_pack("{s:{}, s:[], s:b, s:n, s:i}", "o", "a", "t", 1, "z",
	    "n", -3);
	s = v1_dump(j, NULL);
	CHECK_STR(s, "{\n  \"o\": {},\n  \"a\": [],\n  \"t\": true,\n"
	    "  \"z\": null,\n  \"n\": -3\n}");
	free(s);
	json_decref(j);
}

static void
test_directory(void)
{
	json_t *d = v1_directory(BASE), *meta;
	char *s;
	char keys[256];

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_STR(jstr(d, "new-reg"), BASE "/acme/new-reg");
	CHECK_STR(jstr(d, "new-authz"), BASE "/acme/new-authz");
	CHECK_STR(jstr(d, "new-cert"), BASE "/acme/new-cert");
	CHECK_STR(jstr(d, "revoke-cert"), BASE "/acme/revoke-cert");
	CHECK_STR(jstr(d, "key-change"), BASE "/acme/key-change");
	CHECK_STR(jstr(d, "terms-of-service"), BASE "/terms");
	meta = json_object_get(d, "meta");
	CHECK(json_is_object(meta));
	CHECK_STR(jstr(meta, "terms-of-service"), BASE "/terms");
	/* Go map: keys sorted. */
	keys_of(d, keys, sizeof(keys));
	CHECK_STR(keys, "key-change,meta,new-authz,new-cert,new-reg,"
	    "revoke-cert,terms-of-service");
	s = v1_dump(d, NULL);
	CHECK(s != NULL);
	if (s != NULL) {
		/* dehydrated API=auto and certbot sniff these for v2. */
		CHECK(strstr(s, "newOrder") == NULL);
		CHECK(strstr(s, "newNonce") == NULL);
		CHECK(strstr(s, "new-nonce") == NULL);
		CHECK(strstr(s, "\"new-reg\": \"" BASE "/acme/new-reg\"") != NULL);
	}
	free(s);
	json_decref(d);

	/* Built from the base it is given. */
	d = v1_directory("https://other.example:8443/x");
	CHECK_STR(jstr(d, "new-reg"), "https://other.example:8443/x/acme/new-reg");
	CHECK_STR(jstr(json_object_get(d, "meta"), "terms-of-service"),
	    "https://other.example:8443/x/terms");
	json_decref(d);
}

static void
test_registration(void)
{
	struct store_account a;
	json_t *r, *id, *key, *want;
	char keys[256], *s;

	fill_account(&a);
	r = v1_registration(&a);
	keys_of(r, keys, sizeof(keys));
	CHECK_STR(keys, "id,key,contact,agreement,initialIp,createdAt,status");
	id = json_object_get(r, "id");
	CHECK(json_is_integer(id) && json_integer_value(id) == 7);
	key = json_object_get(r, "key");
	want = json_loads(a.jwk, 0, NULL);
	CHECK(json_is_object(key) && json_equal(key, want));
	json_decref(want);
	CHECK_STR(json_string_value(json_array_get(json_object_get(r,
	    "contact"), 0)), "mailto:a@example.org");
	CHECK_STR(jstr(r, "agreement"), BASE "/terms");
	CHECK_STR(jstr(r, "initialIp"), "192.0.2.1");
	CHECK_STR(jstr(r, "createdAt"), "2023-11-14T22:13:20Z");
	CHECK_STR(jstr(r, "status"), "valid");
	s = v1_dump(r, NULL);
	CHECK(s != NULL && strstr(s, "\"id\": 7,\n") != NULL);	/* a number */
	free(s);
	json_decref(r);

	/* No contact, no agreement: both omitted. */
	free(a.contact);
	a.contact = NULL;
	free(a.agreement);
	a.agreement = NULL;
	a.id = 1234567890123LL;
	a.status = ACCOUNT_DEACTIVATED;
	r = v1_registration(&a);
	keys_of(r, keys, sizeof(keys));
	CHECK_STR(keys, "id,key,initialIp,createdAt,status");
	CHECK(json_integer_value(json_object_get(r, "id")) == 1234567890123LL);
	CHECK_STR(jstr(r, "status"), "deactivated");
	json_decref(r);

	/* An empty contact list and an empty agreement are omitted too
	 * (Go omitempty). */
	a.contact = strdup("[]");
	a.agreement = strdup("");
	r = v1_registration(&a);
	keys_of(r, keys, sizeof(keys));
	CHECK_STR(keys, "id,key,initialIp,createdAt,status");
	json_decref(r);

	/* Unknown initial IP stays "" (present). */
	a.initial_ip[0] = '\0';
	r = v1_registration(&a);
	CHECK_STR(jstr(r, "initialIp"), "");
	json_decref(r);
	store_account_clear(&a);
}

/* Check one challenge object of an authz rendered from z. */
static void
check_chall(const json_t *c, const struct store_authz *z, int idx,
    const char *want_status)
{
	char uri[128];

	/* the public id, never the store's sequential one */
	snprintf(
	    uri, sizeof(uri), BASE "/acme/challenge/%s/%d", z->public_id, idx);
	CHECK_STR(jstr(c, "type"), idx == 0 ? "http-01" : "dns-01");
	CHECK_STR(jstr(c, "status"), want_status);
	CHECK_STR(jstr(c, "uri"), uri);
	CHECK(json_object_get(c, "url") == NULL);
	CHECK_STR(jstr(c, "token"), z->token);
}

static void
test_authz(void)
{
	struct store_authz z;
	json_t *a, *chs, *c, *want, *err;
	char keys[256], *s;
	size_t i;

	/* pending */
	fill_authz(&z, "pending");
	a = v1_authz(BASE, &z);
	keys_of(a, keys, sizeof(keys));
	CHECK_STR(keys, "identifier,status,expires,challenges,combinations");
	CHECK_STR(jstr(json_object_get(a, "identifier"), "type"), "dns");
	CHECK_STR(jstr(json_object_get(a, "identifier"), "value"),
	    "example.org");
	CHECK_STR(jstr(a, "status"), "pending");
	CHECK_STR(jstr(a, "expires"), "2023-11-15T22:13:20Z");
	want = json_pack("[[i],[i]]", 0, 1);
	CHECK(json_equal(json_object_get(a, "combinations"), want));
	json_decref(want);
	chs = json_object_get(a, "challenges");
	CHECK(json_is_array(chs) && json_array_size(chs) == V1_CHALL_COUNT);
	json_array_foreach(chs, i, c) {
		check_chall(c, &z, (int)i, "pending");
		keys_of(c, keys, sizeof(keys));
		CHECK_STR(keys, "type,status,uri,token");
	}
	s = v1_dump(a, NULL);
	CHECK(s != NULL && strstr(s, "processing") == NULL &&
	    strstr(s, "\"url\"") == NULL);
	free(s);
	json_decref(a);

	/* valid: every challenge valid (dehydrated 0.7.0 needs it) */
	fill_authz(&z, "valid");
	z.id = 9;
	snprintf(z.public_id, sizeof(z.public_id), "AAAAAAAAAAAAAAAAAAAAAA");
	a = v1_authz(BASE, &z);
	CHECK_STR(jstr(a, "status"), "valid");
	chs = json_object_get(a, "challenges");
	CHECK(json_array_size(chs) == 2);
	json_array_foreach(chs, i, c)
		check_chall(c, &z, (int)i, "valid");
	json_decref(a);

	/* invalid with a stored v1 problem: every challenge invalid + error */
	fill_authz(&z, "invalid");
	z.error = strdup("{\"type\":\"urn:acme:error:unauthorized\","
	    "\"detail\":\"wrong answer\",\"status\":403}");
	a = v1_authz(BASE, &z);
	CHECK_STR(jstr(a, "status"), "invalid");
	chs = json_object_get(a, "challenges");
	CHECK(json_array_size(chs) == 2);
	want = json_loads(z.error, 0, NULL);
	json_array_foreach(chs, i, c) {
		check_chall(c, &z, (int)i, "invalid");
		err = json_object_get(c, "error");
		CHECK(json_is_object(err) && json_equal(err, want));
		keys_of(c, keys, sizeof(keys));
		CHECK_STR(keys, "type,status,error,uri,token");
	}
	keys_of(json_object_get(json_array_get(chs, 0), "error"), keys,
	    sizeof(keys));
	CHECK_STR(keys, "type,detail,status");
	json_decref(want);
	json_decref(a);
	/* invalid without a stored error: no "error" member */
	free(z.error);
	z.error = NULL;
	a = v1_authz(BASE, &z);
	json_array_foreach(json_object_get(a, "challenges"), i, c) {
		CHECK_STR(jstr(c, "status"), "invalid");
		CHECK(json_object_get(c, "error") == NULL);
	}
	json_decref(a);

	/* an error stored on a pending authz is not shown */
	fill_authz(&z, "pending");
	z.error = strdup("{\"type\":\"urn:acme:error:unauthorized\"}");
	a = v1_authz(BASE, &z);
	json_array_foreach(json_object_get(a, "challenges"), i, c) {
		CHECK_STR(jstr(c, "status"), "pending");
		CHECK(json_object_get(c, "error") == NULL);
	}
	json_decref(a);
	free(z.error);
	z.error = NULL;

	/* keyAuthorization only once the client answered */
	fill_authz(&z, "pending");
	z.key_authorization = strdup("tok123.thumb");
	a = v1_authz(BASE, &z);
	json_array_foreach(json_object_get(a, "challenges"), i, c) {
		CHECK_STR(jstr(c, "keyAuthorization"), "tok123.thumb");
		keys_of(c, keys, sizeof(keys));
		CHECK_STR(keys, "type,status,uri,token,keyAuthorization");
	}
	json_decref(a);
	free(z.key_authorization);
	z.key_authorization = NULL;
	c = v1_challenge(BASE, &z, V1_CHALL_HTTP01);
	CHECK(c != NULL && json_object_get(c, "keyAuthorization") == NULL);
	check_chall(c, &z, 0, "pending");
	json_decref(c);

	/* deactivated: shown as such, challenges not "processing" */
	fill_authz(&z, "deactivated");
	a = v1_authz(BASE, &z);
	CHECK_STR(jstr(a, "status"), "deactivated");
	/* v1 challenges are only ever pending, valid or invalid */
	json_array_foreach(json_object_get(a, "challenges"), i, c)
		CHECK_STR(jstr(c, "status"), "pending");
	s = v1_dump(a, NULL);
	CHECK(s != NULL && strstr(s, "processing") == NULL);
	free(s);
	json_decref(a);

	/* challenge by index */
	fill_authz(&z, "pending");
	c = v1_challenge(BASE, &z, V1_CHALL_DNS01);
	check_chall(c, &z, 1, "pending");
	json_decref(c);
	CHECK(v1_challenge(BASE, &z, V1_CHALL_COUNT) == NULL);
	CHECK(v1_challenge(BASE, &z, -1) == NULL);
	CHECK_STR(v1_chall_type(V1_CHALL_HTTP01), "http-01");
	CHECK_STR(v1_chall_type(V1_CHALL_DNS01), "dns-01");
	CHECK(v1_chall_type(2) == NULL);
	CHECK(v1_chall_type(-1) == NULL);
}

static void
test_time(void)
{
	char out[32];

	v1_time(0, out);
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	v1_time(1700000000, out);
	CHECK_STR(out, "2023-11-14T22:13:20Z");
	v1_time(1795365601, out);
	CHECK_STR(out, "2026-11-22T16:40:01Z");
	v1_time(951827696, out);		/* leap day */
	CHECK_STR(out, "2000-02-29T12:34:56Z");
	v1_time(4102444799LL, out);		/* past 2038 */
	CHECK_STR(out, "2099-12-31T23:59:59Z");
}

int
main(void)
{
	test_dump();
	test_directory();
	test_registration();
	test_authz();
	test_time();
	return T_DONE();
}
