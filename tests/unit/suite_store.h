/* suite_store.h: the store suites every implementation passes (store.h's
 * contract: accounts, modes, groups, authorizations, http-01,
 * certificates), included by test_store.c (SQLite) and test_store_pg.c
 * (PostgreSQL). suite_store(open) runs them, each on a fresh empty store
 * from open (NULL: a failure). */
#ifndef SUITE_STORE_H
#define SUITE_STORE_H

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "t.h"

static void
fill_account(struct store_account *a, const char *tp)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->thumbprint, sizeof(a->thumbprint), "%s", tp);
	a->jwk = strdup("{\"kty\":\"EC\"}");
	a->contact = strdup("[\"mailto:a@example.org\"]");
	a->agreement = NULL;
	snprintf(a->initial_ip, sizeof(a->initial_ip), "192.0.2.1");
	a->created_at = 1700000000;
	a->status = ACCOUNT_VALID;
	a->v2_key_pem = strdup("-----BEGIN PRIVATE KEY-----\nx\n");
	a->v2_account_url = strdup("https://ca.example/acct/1");
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
account_eq(const struct store_account *a, const struct store_account *b)
{
	return a->id == b->id && strcmp(a->thumbprint, b->thumbprint) == 0 &&
	    streq(a->jwk, b->jwk) && streq(a->contact, b->contact) &&
	    streq(a->agreement, b->agreement) &&
	    strcmp(a->initial_ip, b->initial_ip) == 0 &&
	    a->created_at == b->created_at &&
	    a->status == b->status &&
	    streq(a->v2_key_pem, b->v2_key_pem) &&
	    streq(a->v2_account_url, b->v2_account_url) &&
	    a->mode == b->mode &&
	    strcmp(a->group_name, b->group_name) == 0 &&
	    a->not_before == b->not_before;
}

static void
fill_authz(struct store_authz *z, long long acct, const char *name,
    const char *status, long long expires)
{
	memset(z, 0, sizeof(*z));
	z->account_id = acct;
	snprintf(z->name, sizeof(z->name), "%s", name);
	CHECK(authz_status_parse(status, &z->status) == 0);
	z->expires = expires;
	snprintf(z->token, sizeof(z->token), "tok-%s-%s", name, status);
	z->v2_order_url = strdup("https://ca.example/order/1");
	z->v2_authz_url = strdup("https://ca.example/authz/1");
	z->created_at = 1000;
}

static void
test_authz(struct store *s)
{
	struct store_account a1, a2;
	struct store_authz z, v1, v2, p, out;

	fill_account(&a1, "az-1");
	fill_account(&a2, "az-2");
	CHECK(store_account_insert(s, &a1) == 0);
	CHECK(store_account_insert(s, &a2) == 0);

	fill_authz(&z, 999, "x.example", "pending", 5000);
	CHECK(store_authz_insert(s, &z) == -1);	/* foreign key */
	store_authz_clear(&z);

	fill_authz(&v1, a1.id, "a.example", "valid", 5000);
	fill_authz(&v2, a1.id, "a.example", "valid", 6000);
	fill_authz(&p, a1.id, "a.example", "pending", 7000);
	CHECK(store_authz_insert(s, &v1) == 0);
	CHECK(store_authz_insert(s, &v2) == 0);
	CHECK(store_authz_insert(s, &p) == 0);
	CHECK(v1.id > 0 && v2.id > v1.id && p.id > v2.id);

	CHECK(store_authz_by_id(s, v1.id, &out) == 0);
	CHECK(out.account_id == a1.id);
	CHECK_STR(out.name, "a.example");
	CHECK_STR(out.token, "tok-a.example-valid");
	CHECK_STR(out.v2_order_url, "https://ca.example/order/1");
	CHECK(out.v2_chall_url == NULL && out.error == NULL);
	CHECK(out.expires == 5000 && out.created_at == 1000);
	store_authz_clear(&out);
	/* schema 6: the order's finalize URL, kept until cleared */
	CHECK(store_authz_by_id(s, v1.id, &out) == 0);
	CHECK(out.v2_finalize_url == NULL);
	out.v2_finalize_url = strdup("https://ca.example/order/1/fin");
	CHECK(store_authz_update(s, &out) == 0);
	store_authz_clear(&out);
	CHECK(store_authz_by_id(s, v1.id, &out) == 0);
	CHECK_STR(out.v2_finalize_url, "https://ca.example/order/1/fin");
	free(out.v2_finalize_url);
	out.v2_finalize_url = NULL;
	CHECK(store_authz_update(s, &out) == 0);
	store_authz_clear(&out);
	CHECK(store_authz_by_id(s, v1.id, &out) == 0);
	CHECK(out.v2_finalize_url == NULL);
	store_authz_clear(&out);
	store_authz_clear(&out);
	CHECK(store_authz_by_id(s, 12345, &out) == 1);

	/* public ids: random, unique, the row's own; new rows have no
	 * numeric URL */
	CHECK(strlen(v1.public_id) == AUTHZ_PUBLIC_ID_LEN);
	CHECK(strcmp(v1.public_id, v2.public_id) != 0 &&
	    strcmp(v2.public_id, p.public_id) != 0);
	CHECK(v1.numeric_url == 0);
	CHECK(store_authz_by_public_id(s, "", v2.public_id, &out) == 0);
	CHECK(out.id == v2.id && out.numeric_url == 0);
	CHECK_STR(out.public_id, v2.public_id);
	store_authz_clear(&out);
	CHECK(store_authz_by_id(s, p.id, &out) == 0);
	CHECK_STR(out.public_id, p.public_id);
	store_authz_clear(&out);
	CHECK(store_authz_by_public_id(s, "", "AAAAAAAAAAAAAAAAAAAAAA", &out) == 1);
	CHECK(store_authz_by_public_id(s, "", "", &out) == 1);

	/* newest valid, not expired, of that account and name */
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 4000, &out) == 0);
	CHECK(out.id == v2.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 5500, &out) == 0);
	CHECK(out.id == v2.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 6000, &out) == 1);
	CHECK(store_authz_find_valid(s, a2.id, "a.example", 0, &out) == 1);
	CHECK(store_authz_find_valid(s, a1.id, "b.example", 0, &out) == 1);
	CHECK(store_authz_find_pending(s, a1.id, "a.example", 6500, &out) == 0);
	CHECK(out.id == p.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_pending(s, a1.id, "a.example", 7000, &out) == 1);

	/* update: v2 becomes invalid with an error, so v1 is the valid one */
	v2.status = AUTHZ_INVALID;
	v2.error = strdup("{\"type\":\"urn:acme:error:unauthorized\"}");
	v2.key_authorization = strdup("tok.thumb");
	v2.v2_chall_url = strdup("https://ca.example/chall/9");
	CHECK(store_authz_update(s, &v2) == 0);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 4000, &out) == 0);
	CHECK(out.id == v1.id);
	store_authz_clear(&out);
	CHECK(store_authz_by_id(s, v2.id, &out) == 0);
	CHECK_STR(authz_status_name(out.status), "invalid");
	CHECK_STR(out.error, "{\"type\":\"urn:acme:error:unauthorized\"}");
	CHECK_STR(out.key_authorization, "tok.thumb");
	CHECK_STR(out.v2_chall_url, "https://ca.example/chall/9");
	store_authz_clear(&out);
	/* pending -> valid */
	p.status = AUTHZ_VALID;
	CHECK(store_authz_update(s, &p) == 0);
	CHECK(store_authz_find_valid(s, a1.id, "a.example", 6500, &out) == 0);
	CHECK(out.id == p.id);
	store_authz_clear(&out);
	CHECK(store_authz_find_pending(s, a1.id, "a.example", 0, &out) == 1);

	store_authz_clear(&v1);
	store_authz_clear(&v2);
	store_authz_clear(&p);
	store_account_clear(&a1);
	store_account_clear(&a2);
}

static void
test_http01(struct store *s)
{
	char *ka = NULL;

	CHECK(store_http01_get(s, "t1", 0, &ka) == 1);
	CHECK(ka == NULL);
	CHECK(store_http01_put(s, "t1", "t1.thumb", 100) == 0);
	CHECK(store_http01_put(s, "t2", "t2.thumb", 200) == 0);
	CHECK(store_http01_put(s, "t3", "t3.thumb", 300) == 0);
	CHECK(store_http01_get(s, "t1", 50, &ka) == 0);
	CHECK_STR(ka, "t1.thumb");
	free(ka);
	ka = NULL;
	CHECK(store_http01_get(s, "t1", 100, &ka) == 1);	/* expired */
	/* upsert */
	CHECK(store_http01_put(s, "t1", "t1.other", 400) == 0);
	CHECK(store_http01_get(s, "t1", 150, &ka) == 0);
	CHECK_STR(ka, "t1.other");
	free(ka);
	ka = NULL;
	CHECK(store_http01_expire(s, 250) == 1);	/* t2 */
	CHECK(store_http01_get(s, "t2", 0, &ka) == 1);
	CHECK(store_http01_get(s, "t3", 0, &ka) == 0);
	free(ka);
	ka = NULL;
	CHECK(store_http01_delete(s, "t3") == 0);
	CHECK(store_http01_get(s, "t3", 0, &ka) == 1);
	CHECK(store_http01_delete(s, "t3") == 0);
	CHECK(store_http01_expire(s, 1000) == 1);	/* t1 */
	CHECK(store_http01_expire(s, 1000) == 0);
	/* a token is a value, never SQL */
	CHECK(store_http01_put(s, "x'; DROP TABLE http01; --", "k", 10) == 0);
	CHECK(store_http01_get(s, "x'; DROP TABLE http01; --", 0, &ka) == 0);
	CHECK_STR(ka, "k");
	free(ka);
}

static void
test_certs(struct store *s)
{
	static const unsigned char der[] = {
		0x30, 0x82, 0x00, 0x00, 0xff, 0x00, 0x01, 0x80, 0x7f
	};
	static const unsigned char ider[] = { 0x30, 0x00, 0x00, 0x42 };
	struct store_cert c, out;
	unsigned char *got = NULL;
	size_t len = 0;
	char up[33];

	memset(&c, 0, sizeof(c));
	c.account_id = 1;
	snprintf(c.serial, sizeof(c.serial), "03a1b2c3d4");
	c.der = malloc(sizeof(der));
	memcpy(c.der, der, sizeof(der));
	c.der_len = sizeof(der);
	c.chain_pem = strdup("-----BEGIN CERTIFICATE-----\n");
	snprintf(c.issuer_id, sizeof(c.issuer_id), "0123456789abcdef0123456789abcdef");
	c.not_after = 1800000000;
	c.created_at = 1700000000;
	c.v2_cert_url = strdup("https://ca.example/cert/1");
	CHECK(store_cert_insert(s, &c) == 0);
	CHECK(c.id > 0);
	CHECK(store_cert_insert(s, &c) == -1);	/* unique serial */

	CHECK(store_cert_by_serial(s, "", "03a1b2c3d4", &out) == 0);
	CHECK(out.id == c.id && out.account_id == 1);
	CHECK(out.der_len == sizeof(der));
	CHECK(out.der != NULL && memcmp(out.der, der, sizeof(der)) == 0);
	CHECK_STR(out.chain_pem, c.chain_pem);
	CHECK_STR(out.issuer_id, c.issuer_id);
	CHECK_STR(out.v2_cert_url, c.v2_cert_url);
	CHECK(out.not_after == c.not_after && out.created_at == c.created_at);
	CHECK(out.revoked == 0);
	store_cert_clear(&out);
	CHECK(store_cert_set_revoked(s, c.id) == 0);
	CHECK(store_cert_by_serial(s, "", "03a1b2c3d4", &out) == 0);
	CHECK(out.revoked == 1);
	store_cert_clear(&out);
	store_cert_clear(&out);
	CHECK(store_cert_by_serial(s, "", "ffff", &out) == 1);
	CHECK(store_cert_set_revoked(s, 9999) == -1);
	store_cert_clear(&c);

	/* issuers */
	CHECK(store_issuer_get(s, "nope", &got, &len, up) == 1);
	CHECK(store_issuer_put(s, "aaaa", ider, sizeof(ider), "bbbb") == 0);
	CHECK(store_issuer_put(s, "bbbb", der, sizeof(der), "") == 0);
	CHECK(store_issuer_get(s, "aaaa", &got, &len, up) == 0);
	CHECK(len == sizeof(ider) && got != NULL &&
	    memcmp(got, ider, sizeof(ider)) == 0);
	CHECK_STR(up, "bbbb");
	free(got);
	got = NULL;
	CHECK(store_issuer_get(s, "bbbb", &got, &len, up) == 0);
	CHECK(len == sizeof(der) && memcmp(got, der, sizeof(der)) == 0);
	CHECK_STR(up, "");
	free(got);
	got = NULL;
	/* put again replaces up_id */
	CHECK(store_issuer_put(s, "aaaa", ider, sizeof(ider), NULL) == 0);
	CHECK(store_issuer_get(s, "aaaa", &got, &len, up) == 0);
	CHECK_STR(up, "");
	free(got);
}

static void
test_modes(struct store *s)
{
	struct store_account a, b;

	fill_account(&a, "mode-1");
	a.mode = ACCOUNT_IMPORTED;
	a.not_before = 42;
	CHECK(store_account_insert(s, &a) == 0);
	CHECK(store_account_by_id(s, a.id, &b) == 0);
	CHECK(account_eq(&a, &b));
	CHECK_STR(account_mode_name(b.mode), "imported");
	store_account_clear(&b);

	fill_account(&b, "mode-2");		/* mode "" -> per-client */
	CHECK(store_account_insert(s, &b) == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "", "mode-2", &b) == 0);
	CHECK_STR(account_mode_name(b.mode), "per-client");
	CHECK(b.not_before == 0);

	CHECK(store_account_set_mode(s, b.id, ACCOUNT_SHARED, "fleet-a") == 0);
	CHECK(store_account_set_upstream(s, b.id, NULL) == 0);
	CHECK(store_account_set_not_before(s, b.id, 1234) == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "", "mode-2", &b) == 0);
	CHECK_STR(account_mode_name(b.mode), "shared");
	CHECK_STR(b.group_name, "fleet-a");
	CHECK(b.v2_account_url == NULL);
	CHECK(b.not_before == 1234);
	CHECK(store_account_count_group(s, "", "fleet-a") == 1);
	CHECK(store_account_count_group(s, "", "fleet-b") == 0);
	/* store_account_update leaves the binding alone */
	CHECK(store_account_update(s, &b) == 0);
	CHECK(store_account_set_mode(s, b.id, ACCOUNT_PER_CLIENT, "") == 0);
	CHECK(store_account_set_upstream(s, b.id, "https://ca.example/a/9") == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "", "mode-2", &b) == 0);
	CHECK_STR(account_mode_name(b.mode), "per-client");
	CHECK_STR(b.group_name, "");
	CHECK_STR(b.v2_account_url, "https://ca.example/a/9");
	CHECK(store_account_count_group(s, "", "fleet-a") == 0);
	/* an older copy of the row (no URL yet) does not undo the setters */
	free(b.v2_account_url);
	b.v2_account_url = NULL;
	b.mode = ACCOUNT_IMPORTED;
	b.not_before = 0;
	free(b.contact);
	b.contact = strdup("[\"mailto:new@example.org\"]");
	CHECK(store_account_set_not_before(s, b.id, 99) == 0);
	CHECK(store_account_update(s, &b) == 0);
	store_account_clear(&b);
	CHECK(store_account_by_thumbprint(s, "", "mode-2", &b) == 0);
	CHECK_STR(b.contact, "[\"mailto:new@example.org\"]");
	CHECK_STR(b.v2_account_url, "https://ca.example/a/9");
	CHECK_STR(account_mode_name(b.mode), "per-client");
	CHECK(b.not_before == 99);
	/* no such account */
	CHECK(store_account_set_mode(s, 9999, ACCOUNT_SHARED, "x") == -1);
	CHECK(store_account_set_upstream(s, 9999, "u") == -1);
	CHECK(store_account_set_not_before(s, 9999, 1) == -1);
	store_account_clear(&a);
	store_account_clear(&b);
}

static void
test_groups(struct store *s)
{
	struct store_group g, out;

	CHECK(store_group_get(s, "", "fleet-a", &out) == 1);
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "fleet-a");
	g.v2_key_pem = "pem-1";
	g.created_at = 77;
	CHECK(store_group_insert(s, &g) == 0);
	g.v2_key_pem = "pem-2";			/* exists: nothing changes */
	CHECK(store_group_insert(s, &g) == 1);
	CHECK(store_group_get(s, "", "fleet-a", &out) == 0);
	CHECK_STR(out.name, "fleet-a");
	CHECK_STR(out.v2_key_pem, "pem-1");
	CHECK(out.v2_account_url == NULL);
	CHECK(out.not_before == 0);
	CHECK(out.created_at == 77);
	store_group_clear(&out);
	store_group_clear(&out);		/* twice is safe */

	CHECK(store_group_set_upstream(s, "", "fleet-a", "https://ca.example/g") == 0);
	CHECK(store_group_set_not_before(s, "", "fleet-a", 5000) == 0);
	CHECK(store_group_get(s, "", "fleet-a", &out) == 0);
	CHECK_STR(out.v2_account_url, "https://ca.example/g");
	CHECK(out.not_before == 5000);
	store_group_clear(&out);
	CHECK(store_group_set_upstream(s, "", "nope", "u") == -1);
	CHECK(store_group_set_not_before(s, "", "nope", 1) == -1);
	g.v2_key_pem = NULL;			/* NOT NULL column */
	snprintf(g.name, sizeof(g.name), "fleet-b");
	CHECK(store_group_insert(s, &g) == -1);
	CHECK(store_group_get(s, "", "fleet-b", &out) == 1);
}

static void
test_authz_deactivate(struct store *s)
{
	struct store_account a, b;
	struct store_authz z, out;

	fill_account(&a, "deact-1");
	fill_account(&b, "deact-2");
	CHECK(store_account_insert(s, &a) == 0);
	CHECK(store_account_insert(s, &b) == 0);
	fill_authz(&z, a.id, "d1.example", "valid", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);
	fill_authz(&z, a.id, "d2.example", "pending", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);
	fill_authz(&z, a.id, "d3.example", "invalid", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);
	fill_authz(&z, b.id, "d1.example", "valid", 5000);
	CHECK(store_authz_insert(s, &z) == 0);
	store_authz_clear(&z);

	CHECK(store_authz_deactivate_account(s, a.id) == 2);
	CHECK(store_authz_find_valid(s, a.id, "d1.example", 100, &out) == 1);
	CHECK(store_authz_find_pending(s, a.id, "d2.example", 100, &out) == 1);
	/* the other account's authorization is untouched */
	CHECK(store_authz_find_valid(s, b.id, "d1.example", 100, &out) == 0);
	store_authz_clear(&out);
	CHECK(store_authz_deactivate_account(s, a.id) == 0);
	store_account_clear(&a);
	store_account_clear(&b);
}

static void
suite_store(struct store *(*open)(void))
{
	struct store *s;

	CHECK((s = open()) != NULL);
	if (s == NULL)
		return;
	test_authz(s);
	test_http01(s);
	test_certs(s);
	store_close(s);
	store_close(NULL);
	CHECK((s = open()) != NULL);
	if (s == NULL)
		return;
	test_modes(s);
	test_groups(s);
	test_authz_deactivate(s);
	store_close(s);
}

#endif
