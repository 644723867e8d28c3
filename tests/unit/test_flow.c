/* test_flow.c: the sans-I/O RFC 8555 flows, driven with canned CA answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64url.h"
#include "flow.h"
#include "problem.h"
#include "problem_v2.h"
#include "t.h"

#define THUMB "THUMBprint_0123456789abcdefghijklmnopqrstuv"
#define DETAIL "The key authorization file from the server did not match"

static const struct flow_dir dir = { "https://ca/new-acct",
	"https://ca/new-order" };

static const char pem_body[] =
    "-----BEGIN CERTIFICATE-----\nMIIBleaf\n-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\nMIIBinter\n-----END CERTIFICATE-----\n";

/* Feed one answer (body is stolen) and return the next action in *a. */
static void
answer(struct flow *f, long status, json_t *body, const char *location,
    long retry_after, long long now, struct flow_action *a)
{
	struct flow_resp r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.json = body;
	r.location = location;
	r.retry_after = retry_after;
	flow_step(f, &r, now, a);
	json_decref(body);
}

/* The end of a WAIT. */
/* The v1 problem the proxy answers for f's failure. */
static const struct problem *
fprob(const struct flow *f)
{
	static struct problem p;

	problem_v2_flow(&p, flow_failure(f));
	return &p;
}

static void
waited(struct flow *f, long long now, struct flow_action *a)
{
	flow_step(f, NULL, now, a);
}

static int
is_send(const struct flow_action *a, const char *url, const char *payload)
{
	return a->act == FLOW_SEND && a->url != NULL && a->payload != NULL &&
	    strcmp(a->url, url) == 0 && strcmp(a->payload, payload) == 0;
}

/* A SEND whose payload is JSON equal to want (want is stolen). */
static int
is_send_json(const struct flow_action *a, const char *url, json_t *want)
{
	json_t *got = NULL;
	int ok;

	if (a->act == FLOW_SEND && a->payload != NULL)
		got = json_loads(a->payload, 0, NULL);
	ok = a->act == FLOW_SEND && a->url != NULL &&
	    strcmp(a->url, url) == 0 && got != NULL && want != NULL &&
	    json_equal(got, want);
	json_decref(got);
	json_decref(want);
	return ok;
}

static json_t *
order(const char *status, const char *a1, const char *a2)
{
	json_t *o = json_pack("{s:s, s:s, s:[]}", "status", status, "finalize",
	    "https://ca/order/1/finalize", "authorizations");
	json_t *az = json_object_get(o, "authorizations");

	if (a1 != NULL)
		json_array_append_new(az, json_string(a1));
	if (a2 != NULL)
		json_array_append_new(az, json_string(a2));
	return o;
}

/* An authorization for name; its http-01 challenge has status cstatus
 * (NULL: no http-01 challenge, only dns-01). */
static json_t *
authz(const char *name, const char *status, const char *cstatus,
    const char *chall_url, const char *token)
{
	json_t *z = json_pack(
	    "{s:{s:s, s:s}, s:s, s:s, s:[{s:s, s:s, s:s, s:s}]}", "identifier",
	    "type", "dns", "value", name, "status", status, "expires",
	    "2030-01-01T00:00:00Z", "challenges", "type", "dns-01", "url",
	    "https://ca/chall/dns", "status", "pending", "token", "dnstoken");

	if (cstatus != NULL)
		json_array_append_new(json_object_get(z, "challenges"),
		    json_pack("{s:s, s:s, s:s, s:s}", "type", "http-01", "url",
			chall_url, "status", cstatus, "token", token));
	return z;
}

static json_t *
v2_problem(const char *type, const char *detail)
{
	return json_pack(
	    "{s:s, s:s, s:i}", "type", type, "detail", detail, "status", 400);
}

/* --- FLOW_ACCOUNT ---------------------------------------------------- */

static void
test_account(void)
{
	struct flow *f;
	struct flow_action a;
	const struct problem *p;

	f = flow_new_account(&dir, 0);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	flow_start(f, 0, &a);
	CHECK(is_send_json(&a, "https://ca/new-acct",
	    json_pack("{s:b}", "termsOfServiceAgreed", 1)));
	CHECK(a.use_jwk == 1);
	CHECK(a.provision_token == NULL && a.provision_keyauth == NULL);
	answer(f, 201, json_pack("{s:s}", "status", "valid"),
	    "https://ca/acct/1", -1, 10, &a);
	CHECK(a.act == FLOW_DONE);
	CHECK_STR(flow_account_url(f), "https://ca/acct/1");
	/* stepping after the end fails */
	answer(f, 200, NULL, NULL, -1, 20, &a);
	CHECK(a.act == FLOW_FAIL);
	flow_free(f);

	/* An existing account: 200 + Location is fine too. */
	f = flow_new_account(&dir, 0);
	flow_start(f, 0, &a);
	answer(f, 200, json_pack("{s:s}", "status", "valid"),
	    "https://ca/acct/9", -1, 10, &a);
	CHECK(a.act == FLOW_DONE);
	CHECK_STR(flow_account_url(f), "https://ca/acct/9");
	flow_free(f);

	/* v2 problem -> v1 problem */
	f = flow_new_account(&dir, 0);
	flow_start(f, 0, &a);
	answer(f, 400,
	    json_pack("{s:s}", "type", "urn:ietf:params:acme:error:malformed"),
	    NULL, -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	p = fprob(f);
	CHECK_STR(problem_v1_name(p->type), "malformed");
	CHECK(p->status == 400);
	CHECK(flow_account_url(f) == NULL);
	flow_free(f);

	/* 201 without Location: no account URL, fail */
	f = flow_new_account(&dir, 0);
	flow_start(f, 0, &a);
	answer(f, 201, json_pack("{s:s}", "status", "valid"), NULL, -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(fprob(f)->status >= 500);
	CHECK(flow_account_url(f) == NULL);
	flow_free(f);
}

/* External Account Binding: the newAccount body carries the EAB JWS for
 * the flow's newAccount URL; a lookup (onlyReturnExisting) takes none. */
static void
test_account_eab(void)
{
	const unsigned char key[3] = { 1, 2, 3 };
	json_t *jwk = json_pack("{s:s, s:s}", "kty", "EC", "crv", "P-256");
	json_t *body, *eab;
	struct flow *f;
	struct flow_action a;
	const char *prot;
	unsigned char *h;
	size_t n;

	f = flow_new_account(&dir, 0);
	CHECK(flow_set_eab(f, "kid-1", key, 3, jwk) == 0);
	flow_start(f, 0, &a);
	CHECK(a.act == FLOW_SEND && a.use_jwk == 1);
	body = a.payload ? json_loads(a.payload, 0, NULL) : NULL;
	CHECK(json_is_true(json_object_get(body, "termsOfServiceAgreed")));
	eab = json_object_get(body, "externalAccountBinding");
	CHECK(json_object_size(eab) == 3);
	prot = json_string_value(json_object_get(eab, "protected"));
	h = prot ? b64url_decode(prot, strlen(prot), &n) : NULL;
	CHECK(
	    h != NULL && strstr((char *)h, "\"url\":\"https://ca/new-acct\""));
	free(h);
	json_decref(body);
	flow_free(f);

	f = flow_new_account(&dir, 1);
	CHECK(flow_set_eab(f, "kid-1", key, 3, jwk) == -1);
	flow_free(f);
	f = flow_new_account(&dir, 0);
	CHECK(flow_set_eab(f, "kid-1", NULL, 0, jwk) == -1);
	flow_free(f);
	CHECK(flow_set_eab(NULL, "kid-1", key, 3, jwk) == -1);
	json_decref(jwk);
}

/* --- FLOW_AUTHZ -------------------------------------------------------- */

static void
test_authz_happy(void)
{
	const char *names[] = { "a.example" };
	struct flow *f;
	struct flow_action a;
	const struct flow_authz *z;

	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(flow_authz_count(f) == 1);
	flow_start(f, 0, &a);
	CHECK(is_send_json(&a, "https://ca/new-order",
	    json_pack("{s:[{s:s, s:s}]}", "identifiers", "type", "dns", "value",
		"a.example")));
	CHECK(a.use_jwk == 0);

	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	CHECK(is_send(&a, "https://ca/authz/1", "")); /* POST-as-GET */
	CHECK(a.provision_token == NULL);
	CHECK_STR(flow_order_url(f), "https://ca/order/1");

	answer(f, 200,
	    authz("a.example", "pending", "pending", "https://ca/chall/1",
		"tokA"),
	    NULL, -1, 20, &a);
	CHECK(is_send(&a, "https://ca/chall/1", "{}"));
	CHECK(a.use_jwk == 0);
	CHECK_STR(a.provision_token, "tokA");
	CHECK_STR(a.provision_keyauth, "tokA." THUMB);

	answer(f, 200,
	    json_pack("{s:s, s:s, s:s, s:s}", "type", "http-01", "url",
		"https://ca/chall/1", "status", "processing", "token", "tokA"),
	    NULL, -1, 30, &a);
	CHECK(a.act == FLOW_WAIT);
	CHECK(a.wait_ms > 0 && a.wait_ms <= 60000 - 30);

	waited(f, 300, &a);
	CHECK(is_send(&a, "https://ca/authz/1", ""));
	CHECK(a.provision_token == NULL);

	/* still pending, the CA has not picked the answer up yet: wait
	 * again, never answer the challenge a second time */
	answer(f, 200,
	    authz("a.example", "pending", "pending", "https://ca/chall/1",
		"tokA"),
	    NULL, -1, 310, &a);
	CHECK(a.act == FLOW_WAIT);
	CHECK(a.wait_ms > 0);
	waited(f, 900, &a);
	CHECK(is_send(&a, "https://ca/authz/1", ""));
	/* challenge processing: the same */
	answer(f, 200,
	    authz("a.example", "pending", "processing", "https://ca/chall/1",
		"tokA"),
	    NULL, -1, 910, &a);
	CHECK(a.act == FLOW_WAIT);
	waited(f, 1500, &a);
	CHECK(is_send(&a, "https://ca/authz/1", ""));

	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/1", "tokA"),
	    NULL, -1, 1510, &a);
	CHECK(a.act == FLOW_DONE);
	z = flow_authz_get(f, 0);
	CHECK(z != NULL);
	if (z != NULL) {
		CHECK(z->status == V2S_VALID);
		CHECK_STR(z->name, "a.example");
		CHECK_STR(z->authz_url, "https://ca/authz/1");
		CHECK_STR(z->chall_url, "https://ca/chall/1");
		CHECK_STR(z->token, "tokA");
		CHECK(z->chall_error == NULL);
	}
	CHECK(flow_authz_get(f, 1) == NULL);
	flow_free(f);
}

/* f at the challenge answer of a one-name authz flow (new-authz). */
static struct flow *
to_challenge(const char *name, struct flow_action *a)
{
	const char *names[] = { name };
	struct flow *f = flow_new_authz(&dir, names, 1, THUMB, 60000);

	if (f == NULL)
		return NULL;
	flow_start(f, 0, a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 0, a);
	answer(f, 200,
	    authz(name, "pending", "pending", "https://ca/chall/1", "tokA"),
	    NULL, -1, 0, a);
	return f;
}

static json_t *
chall_doc(const char *status)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "type", "http-01", "url",
	    "https://ca/chall/1", "status", status, "token", "tokA");
}

/* Issue 10 item 1: the first poll within 10 ms, doubling to at most 1 s;
 * the challenge answer's Retry-After counts; a challenge answered valid
 * is not polled at all. */
static void
test_poll_schedule(void)
{
	static const long want[] = { 10, 20, 40, 80, 160, 320, 640, 1000,
		1000 };
	struct flow_action a;
	struct flow *f;
	long long now = 0;
	size_t i;

	if ((f = to_challenge("p.example", &a)) == NULL) {
		CHECK(f != NULL);
		return;
	}
	CHECK(is_send(&a, "https://ca/chall/1", "{}"));
	answer(f, 200, chall_doc("processing"), NULL, -1, now, &a);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(a.act == FLOW_WAIT && a.wait_ms == want[i]);
		now += a.wait_ms;
		waited(f, now, &a);
		CHECK(is_send(&a, "https://ca/authz/1", ""));
		answer(f, 200,
		    authz("p.example", "pending", "processing",
			"https://ca/chall/1", "tokA"),
		    NULL, -1, now, &a);
	}
	flow_free(f);

	/* Retry-After on the challenge's answer: waited as said */
	if ((f = to_challenge("r.example", &a)) == NULL)
		return;
	answer(f, 200, chall_doc("processing"), NULL, 3, 0, &a);
	CHECK(a.act == FLOW_WAIT && a.wait_ms == 3000);
	flow_free(f);

	/* answered valid: done, no poll, no authorization fetched again */
	if ((f = to_challenge("v.example", &a)) == NULL)
		return;
	answer(f, 200, chall_doc("valid"), NULL, -1, 0, &a);
	CHECK(a.act == FLOW_DONE);
	CHECK(flow_authz_get(f, 0) != NULL &&
	    flow_authz_get(f, 0)->status == V2S_VALID);
	flow_free(f);
}

/* The finalize answered valid at once: the download is next. */
static void
finish_cert(struct flow *f, long long now, struct flow_action *a)
{
	json_t *o = order("valid", "https://ca/authz/a", NULL);

	json_object_set_new(o, "certificate", json_string("https://ca/cert/1"));
	answer(f, 200, o, NULL, -1, now, a);
	CHECK(is_send(a, "https://ca/cert/1", ""));
}

/* Issue 10 item 2: a new-cert for the names of an open new-authz order
 * finalizes it (no newOrder, no authorization fetched); refused, it
 * opens a new order once; authorizations known valid are not fetched. */
static void
test_cert_reuse(void)
{
	const char *names[] = { "a.example" };
	const char *two[] = { "a.example", "b.example" };
	const char *known[] = { "https://ca/authz/b" };
	struct flow_action a;
	struct flow *f;

	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	if (f == NULL) {
		CHECK(f != NULL);
		return;
	}
	CHECK(flow_cert_reuse(f, "https://ca/order/7",
		  "https://ca/order/7/finalize") == 0);
	flow_start(f, 0, &a);
	CHECK(is_send_json(&a, "https://ca/order/7/finalize",
	    json_pack("{s:s}", "csr", "CSR")));
	finish_cert(f, 10, &a);
	CHECK_STR(flow_order_url(f), "https://ca/order/7");
	flow_free(f);

	/* refused (already finalized): one newOrder, then as usual */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	if (f == NULL)
		return;
	CHECK(flow_cert_reuse(f, "https://ca/order/7",
		  "https://ca/order/7/finalize") == 0);
	flow_start(f, 0, &a);
	answer(f, 403,
	    v2_problem("urn:ietf:params:acme:error:orderNotReady", "valid"),
	    NULL, -1, 10, &a);
	CHECK(is_send_json(&a, "https://ca/new-order",
	    json_pack("{s:[{s:s, s:s}]}", "identifiers", "type", "dns", "value",
		"a.example")));
	answer(f, 201, order("pending", "https://ca/authz/a", NULL),
	    "https://ca/order/1", -1, 20, &a);
	CHECK(is_send(&a, "https://ca/authz/a", ""));
	flow_free(f);

	/* a 500 to the reused finalize is the CA's trouble: failed */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	if (f == NULL)
		return;
	CHECK(flow_cert_reuse(f, "https://ca/order/7",
		  "https://ca/order/7/finalize") == 0);
	flow_start(f, 0, &a);
	answer(f, 500, v2_problem("urn:ietf:params:acme:error:serverInternal",
			   "down"),
	    NULL, -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	flow_free(f);

	/* a pending order: b is known valid, only a is fetched */
	f = flow_new_cert(&dir, two, 2, "CSR", THUMB, 60000);
	if (f == NULL)
		return;
	CHECK(flow_known_valid(f, known, 1) == 0);
	CHECK(flow_cert_reuse(f, "x", NULL) == -1);
	flow_start(f, 0, &a);
	answer(f, 201,
	    order("pending", "https://ca/authz/b", "https://ca/authz/a"),
	    "https://ca/order/1", -1, 10, &a);
	CHECK(is_send(&a, "https://ca/authz/a", ""));
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/a", "tokA"),
	    NULL, -1, 20, &a);
	CHECK(is_send_json(&a, "https://ca/order/1/finalize",
	    json_pack("{s:s}", "csr", "CSR")));
	CHECK_STR(flow_finalize_url(f), "https://ca/order/1/finalize");
	flow_free(f);

	/* not for other kinds */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	if (f != NULL) {
		CHECK(flow_known_valid(f, known, 1) == -1);
		CHECK(flow_cert_reuse(f, "o", "o/f") == -1);
	}
	flow_free(f);
}

/* A challenge the CA already works on is not answered again. */
static void
test_authz_processing(void)
{
	const char *names[] = { "a.example" };
	struct flow *f;
	struct flow_action a;

	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "pending", "processing", "https://ca/chall/1",
		"tokA"),
	    NULL, -1, 20, &a);
	CHECK(a.act == FLOW_WAIT);
	waited(f, 300, &a);
	CHECK(is_send(&a, "https://ca/authz/1", ""));
	flow_free(f);

	/* a pending authz without an http-01 challenge cannot be answered */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200, authz("a.example", "pending", NULL, NULL, NULL), NULL,
	    -1, 20, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(fprob(f)->type != V1E_NONE);
	flow_free(f);
}

/* Up to the first poll of a pending authz, then the deadline passes. */
static void
run_to_deadline(enum flow_kind kind, struct flow_action *a, struct flow **fp)
{
	const char *names[] = { "a.example" };
	struct flow *f;

	f = kind == FLOW_CERT
	    ? flow_new_cert(&dir, names, 1, "CSR", THUMB, 1000)
	    : flow_new_authz(&dir, names, 1, THUMB, 1000);
	*fp = f;
	flow_start(f, 0, a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, a);
	answer(f, 200,
	    authz("a.example", "pending", "pending", "https://ca/chall/1",
		"tokA"),
	    NULL, -1, 20, a);
	CHECK(is_send(a, "https://ca/chall/1", "{}"));
	answer(f, 200, json_pack("{s:s}", "status", "processing"), NULL, -1,
	    800, a);
	CHECK(a->act == FLOW_WAIT);
	CHECK(a->wait_ms >= 0 && a->wait_ms <= 200); /* not past the deadline */
	waited(f, 1000, a);
	CHECK(is_send(a, "https://ca/authz/1", ""));
	answer(f, 200,
	    authz("a.example", "pending", "processing", "https://ca/chall/1",
		"tokA"),
	    NULL, -1, 1100, a);
}

static void
test_deadline(void)
{
	struct flow *f;
	struct flow_action a;

	run_to_deadline(FLOW_AUTHZ, &a, &f);
	CHECK(a.act == FLOW_DONE);
	CHECK(flow_authz_get(f, 0)->status == V2S_PENDING);
	CHECK(flow_authz_get(f, 0)->chall_error == NULL);
	flow_free(f);

	run_to_deadline(FLOW_CERT, &a, &f);
	CHECK(a.act == FLOW_FAIL);
	CHECK(fprob(f)->type != V1E_NONE && fprob(f)->status >= 500);
	CHECK(flow_cert_pem(f) == NULL);
	flow_free(f);
}

static json_t *
invalid_authz(const char *name)
{
	json_t *z = authz(
	    name, "invalid", "invalid", "https://ca/chall/1", "tokA");
	json_t *ch = json_array_get(json_object_get(z, "challenges"), 1);

	json_object_set_new(ch, "error",
	    json_pack("{s:s, s:s, s:i}", "type",
		"urn:ietf:params:acme:error:incorrectResponse", "detail",
		DETAIL, "status", 403));
	return z;
}

static void
check_v1_error(const struct flow_authz *z)
{
	json_t *e;
	const char *t, *d;
	char *text;

	/* The flow keeps the CA's problem, typed ... */
	CHECK(z->chall_error != NULL);
	if (z->chall_error == NULL)
		return;
	CHECK(z->chall_error->type == V2E_INCORRECT_RESPONSE);
	CHECK(z->chall_error->status == 403);
	CHECK_STR(z->chall_error->detail, DETAIL);
	/* ... and the v1 layer renders it as the challenge's v1 error. */
	e = problem_v2_chall_error(z->chall_error);
	text = json_dumps(e, JSON_COMPACT);
	json_decref(e);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	CHECK(strstr(text, "urn:acme:error:") != NULL);
	CHECK(strstr(text, DETAIL) != NULL);
	CHECK(strstr(text, "urn:ietf:params") == NULL);
	e = json_loads(text, 0, NULL);
	free(text);
	CHECK(json_is_object(e));
	t = json_string_value(json_object_get(e, "type"));
	d = json_string_value(json_object_get(e, "detail"));
	CHECK(t != NULL && strncmp(t, "urn:acme:error:", 15) == 0);
	CHECK_STR(d, DETAIL); /* what the CA saw, verbatim */
	CHECK(json_is_integer(json_object_get(e, "status")));
	json_decref(e);
}

static void
test_invalid(void)
{
	const char *names[] = { "a.example" };
	struct flow *f;
	struct flow_action a;
	const struct flow_authz *z;

	/* invalid at the first look */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200, invalid_authz("a.example"), NULL, -1, 20, &a);
	CHECK(a.act == FLOW_DONE);
	z = flow_authz_get(f, 0);
	CHECK(z->status == V2S_INVALID);
	check_v1_error(z);
	flow_free(f);

	/* invalid after answering and polling */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "pending", "pending", "https://ca/chall/1",
		"tokA"),
	    NULL, -1, 20, &a);
	CHECK(is_send(&a, "https://ca/chall/1", "{}"));
	answer(f, 200, json_pack("{s:s}", "status", "processing"), NULL, -1, 30,
	    &a);
	CHECK(a.act == FLOW_WAIT);
	waited(f, 300, &a);
	CHECK(is_send(&a, "https://ca/authz/1", ""));
	answer(f, 200, invalid_authz("a.example"), NULL, -1, 310, &a);
	CHECK(a.act == FLOW_DONE);
	z = flow_authz_get(f, 0);
	CHECK(z->status == V2S_INVALID);
	check_v1_error(z);
	flow_free(f);

	/* FLOW_CERT: an invalid authorization fails the issuance */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200, invalid_authz("a.example"), NULL, -1, 20, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK_STR(problem_v1_name(fprob(f)->type), "unauthorized");
	CHECK(fprob(f)->status == 403);
	flow_free(f);
}

/* The CA lists authorizations in another order than the names. */
static void
test_authz_order(void)
{
	const char *names[] = { "a.example", "b.example" };
	struct flow *f;
	struct flow_action a;
	const struct flow_authz *z0, *z1;

	f = flow_new_authz(&dir, names, 2, THUMB, 60000);
	CHECK(flow_authz_count(f) == 2);
	flow_start(f, 0, &a);
	CHECK(is_send_json(&a, "https://ca/new-order",
	    json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "identifiers", "type",
		"dns", "value", "a.example", "type", "dns", "value",
		"b.example")));
	answer(f, 201,
	    order("pending", "https://ca/authz/b", "https://ca/authz/a"),
	    "https://ca/order/1", -1, 10, &a);
	CHECK(is_send(&a, "https://ca/authz/b", ""));
	answer(f, 200,
	    authz("b.example", "valid", "valid", "https://ca/chall/b", "tokB"),
	    NULL, -1, 20, &a);
	CHECK(is_send(&a, "https://ca/authz/a", ""));
	answer(f, 200,
	    authz("a.example", "pending", "pending", "https://ca/chall/a",
		"tokA"),
	    NULL, -1, 30, &a);
	CHECK(is_send(&a, "https://ca/chall/a", "{}"));
	CHECK_STR(a.provision_token, "tokA");
	CHECK_STR(a.provision_keyauth, "tokA." THUMB);
	answer(f, 200, json_pack("{s:s}", "status", "processing"), NULL, -1, 40,
	    &a);
	waited(f, 300, &a);
	CHECK(is_send(&a, "https://ca/authz/a", ""));
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/a", "tokA"),
	    NULL, -1, 310, &a);
	CHECK(a.act == FLOW_DONE);
	z0 = flow_authz_get(f, 0);
	z1 = flow_authz_get(f, 1);
	/* each slot is named by what its authorization really is */
	CHECK_STR(z0->name, "b.example");
	CHECK_STR(z0->authz_url, "https://ca/authz/b");
	CHECK_STR(z0->token, "tokB");
	CHECK(z0->status == V2S_VALID);
	CHECK_STR(z1->name, "a.example");
	CHECK_STR(z1->authz_url, "https://ca/authz/a");
	CHECK_STR(z1->token, "tokA");
	CHECK(z1->status == V2S_VALID);
	flow_free(f);
}

/* --- FLOW_CHECK -------------------------------------------------------- */

static void
test_check(void)
{
	const char *names[] = { "https://ca/authz/7" };
	struct flow *f;
	struct flow_action a;

	f = flow_new_check(names[0], THUMB, 60000);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	flow_start(f, 0, &a);
	CHECK(is_send(&a, "https://ca/authz/7", "")); /* no newOrder */
	answer(f, 200,
	    authz("c.example", "valid", "valid", "https://ca/chall/7", "tokC"),
	    NULL, -1, 10, &a);
	CHECK(a.act == FLOW_DONE);
	CHECK_STR(flow_authz_get(f, 0)->name, "c.example");
	CHECK(flow_authz_get(f, 0)->status == V2S_VALID);
	CHECK(flow_order_url(f) == NULL);
	CHECK(flow_retry_after(f) == 0); /* none given */
	flow_free(f);

	/* a pending answer's Retry-After is kept for the caller */
	f = flow_new_check(names[0], THUMB, 0);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	flow_set_answer(f, FLOW_ANSWER_NONE);
	flow_start(f, 0, &a);
	answer(f, 200,
	    authz("c.example", "pending", "pending", "https://ca/chall/7",
		"tokC"),
	    NULL, 7, 10, &a);
	CHECK(a.act == FLOW_DONE);
	CHECK(flow_authz_get(f, 0)->status == V2S_PENDING);
	CHECK(flow_retry_after(f) == 7);
	flow_free(f);
}

/* Answer modes on a pending authorization whose challenge is pending:
 * SELF publishes and answers, CLIENT answers without publishing (the
 * client's own file), NONE only reads (a GET of an imported account's
 * authorization must not answer before the client placed its file). */
static void
test_check_answer_modes(void)
{
	const char *names[] = { "https://ca/authz/8" };
	enum flow_answer modes[] = { FLOW_ANSWER_SELF, FLOW_ANSWER_CLIENT,
		FLOW_ANSWER_NONE };
	struct flow *f;
	struct flow_action a;
	size_t i;

	for (i = 0; i < 3; i++) {
		f = flow_new_check(names[0], THUMB, 60000);
		CHECK(f != NULL);
		if (f == NULL)
			return;
		flow_set_answer(f, modes[i]);
		flow_start(f, 0, &a);
		answer(f, 200,
		    authz("d.example", "pending", "pending",
			"https://ca/chall/8", "tokD"),
		    NULL, -1, 10, &a);
		if (modes[i] == FLOW_ANSWER_NONE) {
			CHECK(a.act == FLOW_DONE);
			CHECK(flow_authz_get(f, 0)->status == V2S_PENDING);
		} else {
			CHECK(is_send(&a, "https://ca/chall/8", "{}"));
			CHECK((a.provision_token != NULL) ==
			    (modes[i] == FLOW_ANSWER_SELF));
		}
		flow_free(f);
	}
}

/* --- FLOW_CERT --------------------------------------------------------- */

static void
test_cert_happy(void)
{
	const char *names[] = { "a.example", "b.example" };
	struct flow *f;
	struct flow_action a;
	struct flow_resp r;
	json_t *o;

	f = flow_new_cert(&dir, names, 2, "Q1NSZGVy", THUMB, 60000);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	flow_start(f, 0, &a);
	CHECK(is_send_json(&a, "https://ca/new-order",
	    json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "identifiers", "type",
		"dns", "value", "a.example", "type", "dns", "value",
		"b.example")));
	/* reused authorizations: the order is ready at once, so none is
	 * fetched (issue 10 item 2) */
	answer(f, 201,
	    order("ready", "https://ca/authz/a", "https://ca/authz/b"),
	    "https://ca/order/1", -1, 10, &a);
	CHECK(is_send_json(&a, "https://ca/order/1/finalize",
	    json_pack("{s:s}", "csr", "Q1NSZGVy")));
	CHECK(a.provision_token == NULL);

	o = order("processing", "https://ca/authz/a", "https://ca/authz/b");
	answer(f, 200, o, "https://ca/order/1", 2, 40, &a);
	CHECK(a.act == FLOW_WAIT);
	CHECK(a.wait_ms == 2000); /* Retry-After: 2 */
	waited(f, 2040, &a);
	CHECK(is_send(&a, "https://ca/order/1", ""));

	o = order("valid", "https://ca/authz/a", "https://ca/authz/b");
	json_object_set_new(o, "certificate", json_string("https://ca/cert/1"));
	answer(f, 200, o, NULL, -1, 2050, &a);
	CHECK(is_send(&a, "https://ca/cert/1", ""));

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = pem_body;
	r.len = strlen(pem_body);
	r.retry_after = -1;
	flow_step(f, &r, 2060, &a);
	CHECK(a.act == FLOW_DONE);
	CHECK_STR(flow_cert_pem(f), pem_body);
	CHECK(flow_cert_pem_len(f) == strlen(pem_body));
	CHECK(flow_cert_pem(f) != pem_body); /* a copy */
	CHECK_STR(flow_cert_url(f), "https://ca/cert/1");
	CHECK_STR(flow_order_url(f), "https://ca/order/1");
	flow_free(f);
}

/* A certificate answer that is not PEM fails. */
static void
test_cert_not_pem(void)
{
	const char *names[] = { "a.example" };
	struct flow *f;
	struct flow_action a;
	struct flow_resp r;
	json_t *o;

	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/a", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/a", "tokA"),
	    NULL, -1, 20, &a);
	CHECK(is_send_json(&a, "https://ca/order/1/finalize",
	    json_pack("{s:s}", "csr", "CSR")));
	o = order("valid", "https://ca/authz/a", NULL);
	json_object_set_new(o, "certificate", json_string("https://ca/cert/1"));
	answer(f, 200, o, NULL, -1, 30, &a); /* valid at once */
	CHECK(is_send(&a, "https://ca/cert/1", ""));
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = "{\"not\":\"pem\"}";
	r.len = strlen(r.body);
	r.retry_after = -1;
	flow_step(f, &r, 40, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(flow_cert_pem(f) == NULL);
	flow_free(f);
}

/* --- failures ---------------------------------------------------------- */

static void
test_failures(void)
{
	const char *names[] = { "a.example" };
	struct flow *f;
	struct flow_action a;
	struct flow_resp r;
	const struct problem *p;
	json_t *o;

	/* transport failure */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	memset(&r, 0, sizeof(r));
	r.status = 0;
	r.error = "connection refused";
	r.retry_after = -1;
	flow_step(f, &r, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	p = fprob(f);
	CHECK_STR(problem_v1_name(p->type), "serverInternal");
	CHECK(p->status == 503);
	CHECK(strstr(p->detail, "connection refused") != NULL);
	flow_free(f);

	/* rate limited, with Retry-After */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 429,
	    v2_problem("urn:ietf:params:acme:error:rateLimited",
		"too many new orders"),
	    NULL, 60, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	p = fprob(f);
	CHECK_STR(problem_v1_name(p->type), "rateLimited");
	CHECK(p->status == 429);
	CHECK(p->retry_after == 60);
	CHECK(strstr(p->detail, "too many new orders") != NULL);
	flow_free(f);

	/* an order without finalize */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	o = order("pending", "https://ca/authz/1", NULL);
	json_object_del(o, "finalize");
	answer(f, 201, o, "https://ca/order/1", -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(fprob(f)->type != V1E_NONE && fprob(f)->status >= 500);
	flow_free(f);

	/* an order without Location */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL), NULL, -1,
	    10, &a);
	CHECK(a.act == FLOW_FAIL);
	flow_free(f);

	/* an order with more authorizations than names */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201,
	    order("pending", "https://ca/authz/1", "https://ca/authz/2"),
	    "https://ca/order/1", -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	flow_free(f);

	/* an order whose authorizations are not strings */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	o = order("pending", NULL, NULL);
	json_array_append_new(
	    json_object_get(o, "authorizations"), json_integer(5));
	answer(f, 201, o, "https://ca/order/1", -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	flow_free(f);

	/* an authorization answer without status */
	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	o = authz(
	    "a.example", "pending", "pending", "https://ca/chall/1", "tokA");
	json_object_del(o, "status");
	answer(f, 200, o, NULL, -1, 20, &a);
	CHECK(a.act == FLOW_FAIL);
	flow_free(f);

	/* finalize refused with a v2 problem */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/a", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/a", "tokA"),
	    NULL, -1, 20, &a);
	CHECK(a.act == FLOW_SEND);
	answer(f, 400,
	    v2_problem("urn:ietf:params:acme:error:badCSR", "key too small"),
	    NULL, -1, 30, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK_STR(problem_v1_name(fprob(f)->type), "badCSR");
	CHECK(fprob(f)->status == 400);
	flow_free(f);

	/* order invalid after finalize */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/a", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/a", "tokA"),
	    NULL, -1, 20, &a);
	answer(f, 200, order("invalid", "https://ca/authz/a", NULL), NULL, -1,
	    30, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(fprob(f)->type != V1E_NONE);
	flow_free(f);

	/* order still processing at the deadline */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 1000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/a", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/a", "tokA"),
	    NULL, -1, 20, &a);
	answer(f, 200, order("processing", "https://ca/authz/a", NULL), NULL, 5,
	    900, &a);
	CHECK(a.act == FLOW_WAIT);
	CHECK(a.wait_ms >= 0 && a.wait_ms <= 100); /* clamped */
	waited(f, 1000, &a);
	CHECK(is_send(&a, "https://ca/order/1", ""));
	answer(f, 200, order("processing", "https://ca/authz/a", NULL), NULL,
	    -1, 1010, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(fprob(f)->status >= 500);
	flow_free(f);
}

static void
test_new_refusals(void)
{
	const char *names[] = { "a.example" };
	const char *many[FLOW_MAX_NAMES + 1];
	char big[300];
	const char *bigname[] = { big };
	struct flow *f;
	size_t i;

	CHECK(flow_new_authz(NULL, names, 1, THUMB, 1) == NULL);
	CHECK(flow_new_authz(&dir, names, 0, THUMB, 1) == NULL);
	CHECK(flow_new_authz(&dir, names, 1, NULL, 1) == NULL);
	CHECK(flow_new_cert(&dir, names, 1, NULL, THUMB, 1) == NULL);
	for (i = 0; i < FLOW_MAX_NAMES + 1; i++)
		many[i] = "a.example";
	CHECK(flow_new_authz(&dir, many, FLOW_MAX_NAMES + 1, THUMB, 1) == NULL);
	f = flow_new_authz(&dir, many, FLOW_MAX_NAMES, THUMB, 1);
	CHECK(f != NULL && flow_authz_count(f) == FLOW_MAX_NAMES);
	flow_free(f);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(flow_new_authz(&dir, bigname, 1, THUMB, 1) == NULL);
	CHECK(flow_new_cert(&dir, bigname, 1, "CSR", THUMB, 1) == NULL);
	CHECK(flow_new_cert(&dir, names, 0, "CSR", THUMB, 1) == NULL);
	CHECK(flow_new_cert(&dir, names, 1, "CSR", NULL, 1) == NULL);
	CHECK(flow_new_account(NULL, 0) == NULL);
	CHECK(flow_new_check(NULL, THUMB, 1) == NULL);
	CHECK(flow_new_check("https://ca/authz/1", NULL, 1) == NULL);
	CHECK(flow_new_post(NULL, "") == NULL);
	CHECK(flow_new_post("https://ca/x", NULL) == NULL);
	flow_free(NULL);
}

/* FLOW_ACCOUNT looking an account up; FLOW_POST's one request. */
static void
test_only_existing_and_post(void)
{
	const struct flow_failure *ff;
	struct flow_action a;
	struct flow *f;

	f = flow_new_account(&dir, 1);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	flow_start(f, 0, &a);
	CHECK(is_send(
	    &a, "https://ca/new-acct", "{\"onlyReturnExisting\":true}"));
	CHECK(a.use_jwk == 1);
	answer(f, 400,
	    v2_problem("urn:ietf:params:acme:error:"
		       "accountDoesNotExist",
		"no such account"),
	    NULL, -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	ff = flow_failure(f);
	CHECK(ff->source == FLOW_FAILED_UPSTREAM);
	CHECK(ff->type == V2E_ACCOUNT_DOES_NOT_EXIST && ff->http_status == 400);
	CHECK_STR(ff->what, "newAccount");
	CHECK(ff->has_doc && strcmp(ff->doc.detail, "no such account") == 0);
	CHECK_STR(problem_v1_name(fprob(f)->type), "unauthorized");
	flow_free(f);

	f = flow_new_post("https://ca/authz/1", "{\"status\":\"deactivated\"}");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(flow_failure(f)->source == FLOW_FAILED_NOT);
	flow_start(f, 0, &a);
	CHECK(
	    is_send(&a, "https://ca/authz/1", "{\"status\":\"deactivated\"}"));
	CHECK(a.use_jwk == 0);
	answer(f, 200, json_pack("{s:s}", "status", "deactivated"), NULL, -1,
	    10, &a);
	CHECK(a.act == FLOW_DONE);
	CHECK(flow_post_status(f) == 200);
	CHECK_STR(
	    json_string_value(json_object_get(flow_post_json(f), "status")),
	    "deactivated");
	flow_free(f);

	/* Refused: the CA's type and status, typed, for the caller to
	 * decide on (already revoked, already deactivated). */
	f = flow_new_post("https://ca/revoke", "{}");
	flow_start(f, 0, &a);
	answer(f, 400,
	    v2_problem("urn:ietf:params:acme:error:alreadyRevoked",
		"Certificate already revoked"),
	    NULL, -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	ff = flow_failure(f);
	CHECK(ff->source == FLOW_FAILED_UPSTREAM);
	CHECK(ff->type == V2E_ALREADY_REVOKED && ff->http_status == 400);
	CHECK(fprob(f)->status == 409);
	flow_free(f);

	/* A POST-as-GET. */
	f = flow_new_post("https://ca/authz/2", "");
	flow_start(f, 0, &a);
	CHECK(is_send(&a, "https://ca/authz/2", ""));
	answer(f, 0, NULL, NULL, -1, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(flow_failure(f)->source == FLOW_FAILED_BRIDGE);
	CHECK(flow_failure(f)->type == V2E_SERVER_INTERNAL);
	CHECK(flow_failure(f)->http_status == 503);
	flow_free(f);
}

/* Failures keep the CA's problem typed: a rate limit with Retry-After,
 * and an order's own error after finalize. */
static void
test_typed_failures(void)
{
	const char *names[] = { "a.example" };
	const struct flow_failure *ff;
	struct flow_action a;
	struct flow *f;
	json_t *o;

	f = flow_new_authz(&dir, names, 1, THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 429,
	    v2_problem("urn:ietf:params:acme:error:rateLimited", "slow down"),
	    NULL, 30, 10, &a);
	CHECK(a.act == FLOW_FAIL);
	ff = flow_failure(f);
	CHECK(ff->source == FLOW_FAILED_UPSTREAM);
	CHECK(ff->type == V2E_RATE_LIMITED && ff->http_status == 429);
	CHECK(ff->retry_after == 30);
	CHECK_STR(ff->what, "newOrder");
	CHECK(fprob(f)->retry_after == 30);
	flow_free(f);

	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/1", "tokA"),
	    NULL, -1, 20, &a);
	CHECK(is_send_json(&a, "https://ca/order/1/finalize",
	    json_pack("{s:s}", "csr", "CSR")));
	o = order("invalid", "https://ca/authz/1", NULL);
	json_object_set_new(o, "error",
	    v2_problem("urn:ietf:params:acme:error:badCSR", "weak key"));
	answer(f, 200, o, NULL, -1, 30, &a);
	CHECK(a.act == FLOW_FAIL);
	ff = flow_failure(f);
	CHECK(ff->source == FLOW_FAILED_UPSTREAM);
	CHECK(ff->type == V2E_BAD_CSR && ff->http_status == 403);
	CHECK_STR(ff->what, "finalize");
	CHECK_STR(problem_v1_name(fprob(f)->type), "badCSR");
	flow_free(f);

	/* An order with a status outside RFC 8555: a bridge failure. */
	f = flow_new_cert(&dir, names, 1, "CSR", THUMB, 60000);
	flow_start(f, 0, &a);
	answer(f, 201, order("pending", "https://ca/authz/1", NULL),
	    "https://ca/order/1", -1, 10, &a);
	answer(f, 200,
	    authz("a.example", "valid", "valid", "https://ca/chall/1", "tokA"),
	    NULL, -1, 20, &a);
	answer(f, 200, order("weird", "https://ca/authz/1", NULL), NULL, -1, 30,
	    &a);
	CHECK(a.act == FLOW_FAIL);
	CHECK(flow_failure(f)->source == FLOW_FAILED_BRIDGE);
	CHECK(flow_failure(f)->http_status == 502);
	flow_free(f);
}

/* Decisions on failures read the type and the status, never the text. */
static void
test_failure_decisions(void)
{
	struct flow_failure ff;

	memset(&ff, 0, sizeof(ff));
	CHECK(!flow_failure_rate_limited(&ff) && !flow_failure_no_account(&ff));
	ff.source = FLOW_FAILED_UPSTREAM;
	ff.type = V2E_RATE_LIMITED;
	ff.http_status = 429;
	CHECK(flow_failure_is(&ff, V2E_RATE_LIMITED));
	CHECK(flow_failure_rate_limited(&ff));
	ff.type = V2E_NONE; /* a bare 429, no problem document */
	CHECK(flow_failure_rate_limited(&ff));
	ff.type = V2E_OTHER; /* a type the bridge does not know */
	CHECK(flow_failure_rate_limited(&ff));
	ff.type = V2E_MALFORMED;
	CHECK(!flow_failure_rate_limited(&ff)); /* typed: the type decides */
	ff.type = V2E_ACCOUNT_DOES_NOT_EXIST;
	ff.http_status = 400;
	CHECK(flow_failure_no_account(&ff) && !flow_failure_rate_limited(&ff));
	ff.type = V2E_UNAUTHORIZED;
	ff.http_status = 403;
	CHECK(flow_failure_no_account(&ff));
	snprintf(ff.detail, sizeof(ff.detail), "rate limited, no account");
	ff.type = V2E_SERVER_INTERNAL;
	CHECK(!flow_failure_no_account(&ff) && !flow_failure_rate_limited(&ff));
	/* The bridge's own failures are never the CA's answer. */
	flow_failure_set(&ff, V2E_UNAUTHORIZED, 429, "hook refused");
	CHECK(!flow_failure_is(&ff, V2E_UNAUTHORIZED));
	CHECK(!flow_failure_no_account(&ff) && !flow_failure_rate_limited(&ff));
}

int
main(void)
{
	test_account();
	test_account_eab();
	test_authz_happy();
	test_poll_schedule();
	test_cert_reuse();
	test_authz_processing();
	test_deadline();
	test_invalid();
	test_authz_order();
	test_check();
	test_check_answer_modes();
	test_cert_happy();
	test_cert_not_pem();
	test_failures();
	test_new_refusals();
	test_only_existing_and_post();
	test_typed_failures();
	test_failure_decisions();
	return T_DONE();
}
