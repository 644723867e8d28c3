/* flow.c: sans-I/O RFC 8555 flows (see flow.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "b64url.h"
#include "eab.h"
#include "flow.h"
#include "str.h"

enum flow_state {
	S_ACCOUNT,    /* newAccount sent */
	S_ORDER,      /* newOrder sent */
	S_AUTHZ_GET,  /* POST-as-GET authz[cur] sent */
	S_CHALL,      /* challenge answer for authz[cur] sent */
	S_AUTHZ_WAIT, /* waiting before polling authz[cur] */
	S_AUTHZ_POLL, /* POST-as-GET authz[cur] sent, polling */
	S_FINALIZE,   /* finalize sent */
	S_ORDER_WAIT, /* waiting before polling the order */
	S_ORDER_GET,  /* POST-as-GET order sent */
	S_DOWNLOAD,   /* POST-as-GET certificate sent */
	S_POST,	      /* FLOW_POST's request sent */
	S_END
};

/* Issue 10 item 1: a CA that validates in milliseconds (Pebble, Boulder on
 * a warm cache) is seen within ~10 ms; one that takes seconds is polled at
 * most once a second (10, 20, 40 ... 640, then 1000 ms: 11 polls in the
 * first 5 s). A CA's Retry-After always wins. */
#define POLL_FIRST_MS 10
#define POLL_MAX_MS 1000

struct flow {
	enum flow_kind kind;
	enum flow_state state;
	char *new_account, *new_order;
	char *thumb;
	char *csr_b64;
	long long deadline;
	size_t n, cur;
	struct flow_authz *authz;
	char *account_url, *order_url, *finalize_url, *cert_url;
	char *cert_pem;
	size_t cert_pem_len;
	char *payload; /* owned text of the last SEND */
	char *keyauth; /* owned text of the last provisioning */
	long poll_ms;
	struct flow_failure fail;
	enum flow_answer answer;
	int only_existing;
	char **dns01; /* names answered with dns-01 */
	size_t ndns01;
	char *post_url, *post_payload; /* FLOW_POST */
	long post_status;
	json_t *post_json;
	long retry_after; /* the newest answer's Retry-After, 0 none */
	json_t *eab;	  /* FLOW_ACCOUNT: the EAB JWS, or NULL */
	/* FLOW_CERT, issue 10 item 2: finalizing a known order first
	 * (flow_cert_reuse), and authorization URLs known to be valid
	 * (flow_known_valid), not fetched again */
	int reuse;
	char **known;
	size_t nknown;
};

/* The parts every kind shares. */
static struct flow *
flow_alloc(enum flow_kind kind, const struct flow_dir *dir, const char *thumb,
    const char *csr_b64, long long deadline_ms)
{
	struct flow *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->kind = kind;
	f->deadline = deadline_ms;
	if ((dir != NULL &&
		(str_dup_to(&f->new_account, dir->new_account) == -1 ||
		    str_dup_to(&f->new_order, dir->new_order) == -1)) ||
	    str_dup_to(&f->thumb, thumb) == -1 ||
	    str_dup_to(&f->csr_b64, csr_b64) == -1) {
		flow_free(f);
		return NULL;
	}
	return f;
}

/* n authorization slots, each named by names[i] (NULL: unnamed yet). */
static int
flow_slots(struct flow *f, const char *const *names, size_t n)
{
	size_t i;

	if (n == 0 || n > FLOW_MAX_NAMES ||
	    (f->authz = calloc(n, sizeof(*f->authz))) == NULL)
		return -1;
	f->n = n;
	for (i = 0; i < n && names != NULL; i++)
		if (names[i] == NULL ||
		    str_copy(f->authz[i].name, sizeof(f->authz[i].name),
			names[i]) == -1)
			return -1;
	return 0;
}

struct flow *
flow_new_account(const struct flow_dir *dir, int only_existing)
{
	struct flow *f;

	if (dir == NULL || dir->new_account == NULL ||
	    (f = flow_alloc(FLOW_ACCOUNT, dir, NULL, NULL, 0)) == NULL)
		return NULL;
	f->only_existing = only_existing;
	return f;
}

/* FLOW_AUTHZ and FLOW_CERT: an order for names. */
static struct flow *
flow_new_order(enum flow_kind kind, const struct flow_dir *dir,
    const char *const *names, size_t n, const char *csr_b64, const char *thumb,
    long long deadline_ms)
{
	struct flow *f;

	if (dir == NULL || dir->new_order == NULL || names == NULL ||
	    thumb == NULL ||
	    (f = flow_alloc(kind, dir, thumb, csr_b64, deadline_ms)) == NULL)
		return NULL;
	if (flow_slots(f, names, n) == -1) {
		flow_free(f);
		return NULL;
	}
	return f;
}

struct flow *
flow_new_authz(const struct flow_dir *dir, const char *const *names, size_t n,
    const char *thumb, long long deadline_ms)
{
	return flow_new_order(
	    FLOW_AUTHZ, dir, names, n, NULL, thumb, deadline_ms);
}

struct flow *
flow_new_cert(const struct flow_dir *dir, const char *const *names, size_t n,
    const char *csr_b64, const char *thumb, long long deadline_ms)
{
	if (csr_b64 == NULL)
		return NULL;
	return flow_new_order(
	    FLOW_CERT, dir, names, n, csr_b64, thumb, deadline_ms);
}

struct flow *
flow_new_check(const char *authz_url, const char *thumb, long long deadline_ms)
{
	struct flow *f;

	if (authz_url == NULL || thumb == NULL ||
	    (f = flow_alloc(FLOW_CHECK, NULL, thumb, NULL, deadline_ms)) ==
		NULL)
		return NULL;
	if (flow_slots(f, NULL, 1) == -1 ||
	    (f->authz[0].authz_url = str_dup(authz_url)) == NULL) {
		flow_free(f);
		return NULL;
	}
	return f;
}

struct flow *
flow_new_post(const char *url, const char *payload)
{
	struct flow *f;

	if (url == NULL || payload == NULL ||
	    (f = flow_alloc(FLOW_POST, NULL, NULL, NULL, 0)) == NULL)
		return NULL;
	if ((f->post_url = str_dup(url)) == NULL ||
	    (f->post_payload = str_dup(payload)) == NULL) {
		flow_free(f);
		return NULL;
	}
	return f;
}

void
flow_free(struct flow *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n && f->authz != NULL; i++) {
		free(f->authz[i].authz_url);
		free(f->authz[i].chall_url);
		free(f->authz[i].chall_error);
	}
	free(f->authz);
	free(f->new_account);
	free(f->new_order);
	free(f->thumb);
	free(f->csr_b64);
	free(f->account_url);
	free(f->order_url);
	free(f->finalize_url);
	free(f->cert_url);
	free(f->cert_pem);
	free(f->payload);
	free(f->keyauth);
	for (i = 0; i < f->ndns01; i++)
		free(f->dns01[i]);
	free(f->dns01);
	free(f->post_url);
	free(f->post_payload);
	json_decref(f->post_json);
	json_decref(f->eab);
	for (i = 0; i < f->nknown; i++)
		free(f->known[i]);
	free(f->known);
	free(f);
}

int
flow_set_eab(struct flow *f, const char *kid, const unsigned char *key,
    size_t keylen, const json_t *jwk)
{
	json_t *j;

	/* EAB binds a new account; an onlyReturnExisting lookup creates
	 * none (RFC 8555 7.3.1), so it carries no binding. */
	if (f == NULL || f->kind != FLOW_ACCOUNT || f->only_existing ||
	    (j = eab_jws(kid, key, keylen, f->new_account, jwk)) == NULL)
		return -1;
	json_decref(f->eab);
	f->eab = j;
	return 0;
}

int
flow_set_challenge(struct flow *f, const char *name, enum v2_chall_type t)
{
	char **n;

	if (t == V2C_HTTP01)
		return 0;
	if (t != V2C_DNS01 || f->ndns01 >= FLOW_MAX_NAMES)
		return -1;
	if ((n = realloc(f->dns01, (f->ndns01 + 1) * sizeof(*n))) == NULL)
		return -1;
	f->dns01 = n;
	if ((n[f->ndns01] = strdup(name)) == NULL)
		return -1;
	f->ndns01++;
	return 0;
}

void
flow_set_answer(struct flow *f, enum flow_answer mode)
{
	f->answer = mode;
}

static enum v2_chall_type
chall_type_for(const struct flow *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ndns01; i++)
		if (strcmp(f->dns01[i], name) == 0)
			return V2C_DNS01;
	return V2C_HTTP01;
}

/* --- failures ---------------------------------------------------------- */

static void
failure_vset(struct flow_failure *ff, enum v2_err type, long http_status,
    const char *fmt, va_list ap)
{
	memset(ff, 0, sizeof(*ff));
	ff->source = FLOW_FAILED_BRIDGE;
	ff->type = type;
	ff->http_status = http_status;
	(void)vsnprintf(ff->detail, sizeof(ff->detail), fmt, ap);
}

int
flow_failure_set(struct flow_failure *ff, enum v2_err type, long http_status,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failure_vset(ff, type, http_status, fmt, ap);
	va_end(ap);
	return -1;
}

int
flow_failure_is(const struct flow_failure *ff, enum v2_err t)
{
	return ff->source == FLOW_FAILED_UPSTREAM && ff->type == t;
}

int
flow_failure_rate_limited(const struct flow_failure *ff)
{
	return flow_failure_is(ff, V2E_RATE_LIMITED) ||
	    (ff->source == FLOW_FAILED_UPSTREAM &&
		(ff->type == V2E_NONE || ff->type == V2E_OTHER) &&
		ff->http_status == 429);
}

int
flow_failure_no_account(const struct flow_failure *ff)
{
	return flow_failure_is(ff, V2E_ACCOUNT_DOES_NOT_EXIST) ||
	    flow_failure_is(ff, V2E_UNAUTHORIZED);
}

/* f fails for a reason of the bridge's own. -1. */
static int fail_bridge(struct flow *f, enum v2_err type, long http_status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail_bridge(
    struct flow *f, enum v2_err type, long http_status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failure_vset(&f->fail, type, http_status, fmt, ap);
	va_end(ap);
	return -1;
}

/* f fails with the CA's answer: its HTTP status and problem document (doc
 * NULL or not a problem: none). -1. */
static int
fail_upstream(
    struct flow *f, long http_status, const json_t *doc, const char *what)
{
	struct flow_failure *ff = &f->fail;

	memset(ff, 0, sizeof(*ff));
	ff->source = FLOW_FAILED_UPSTREAM;
	ff->http_status = http_status;
	str_copy(ff->what, sizeof(ff->what), what);
	ff->has_doc = doc != NULL && v2_problem_parse(doc, &ff->doc) == 0;
	ff->type = ff->has_doc ? ff->doc.type : V2E_NONE;
	return -1;
}

/* As fail_upstream, from a problem already parsed (an order's error). */
static void
fail_upstream_doc(struct flow *f, long http_status,
    const struct v2_problem *doc, const char *what)
{
	fail_upstream(f, http_status, NULL, what);
	f->fail.has_doc = 1;
	f->fail.doc = *doc;
	f->fail.type = doc->type;
}

/* --- actions --------------------------------------------------------- */

static void
act_send(struct flow *f, struct flow_action *a, const char *url, char *payload,
    const char *what)
{
	memset(a, 0, sizeof(*a));
	free(f->payload);
	f->payload = payload;
	a->act = FLOW_SEND;
	a->url = url;
	a->payload = payload;
	a->what = what;
}

static void
act_fail(struct flow *f, struct flow_action *a)
{
	memset(a, 0, sizeof(*a));
	f->state = S_END;
	a->act = FLOW_FAIL;
}

static void
act_done(struct flow *f, struct flow_action *a)
{
	memset(a, 0, sizeof(*a));
	f->state = S_END;
	a->act = FLOW_DONE;
}

static void
act_oom(struct flow *f, struct flow_action *a)
{
	fail_bridge(f, V2E_SERVER_INTERNAL, 500, "out of memory");
	act_fail(f, a);
}

static void
act_wait(struct flow *f, struct flow_action *a, enum flow_state next,
    const struct flow_resp *r, long long now)
{
	long ms = f->poll_ms ? f->poll_ms : POLL_FIRST_MS;
	long long left = f->deadline - now;

	if (r != NULL && r->retry_after > 0 && r->retry_after < 3600)
		ms = r->retry_after * 1000;
	if (ms > left)
		ms = left > 0 ? (long)left : 0;
	f->poll_ms = f->poll_ms ? f->poll_ms * 2 : POLL_FIRST_MS * 2;
	if (f->poll_ms > POLL_MAX_MS)
		f->poll_ms = POLL_MAX_MS;
	memset(a, 0, sizeof(*a));
	f->state = next;
	a->act = FLOW_WAIT;
	a->wait_ms = ms;
}

/* An upstream answer with an unexpected status fails the flow. */
static int
check_status(struct flow *f, const struct flow_resp *r, long want1, long want2,
    const char *what)
{
	if (r == NULL)
		return fail_bridge(
		    f, V2E_SERVER_INTERNAL, 500, "%s: no answer", what);
	if (r->status == want1 || r->status == want2)
		return 0;
	if (r->status == 0) {
		fail_bridge(f, V2E_SERVER_INTERNAL, 503,
		    "upstream %s failed: %s", what, r->error ? r->error : "?");
		return -1;
	}
	fail_upstream(f, r->status, r->json, what);
	if (r->retry_after > 0)
		f->fail.retry_after = r->retry_after;
	return -1;
}

/* --- steps ------------------------------------------------------------ */

static void send_authz_get(struct flow *f, struct flow_action *a);
static void send_finalize(struct flow *f, struct flow_action *a);
static void next_authz(struct flow *f, long long now, struct flow_action *a);

static void
send_order(struct flow *f, struct flow_action *a)
{
	const char *names[FLOW_MAX_NAMES];
	size_t i;

	for (i = 0; i < f->n; i++)
		names[i] = f->authz[i].name;
	f->state = S_ORDER;
	act_send(
	    f, a, f->new_order, v2_body_new_order(names, f->n), "newOrder");
	if (a->payload == NULL)
		act_oom(f, a);
}

void
flow_start(struct flow *f, long long now_ms, struct flow_action *out)
{
	(void)now_ms;
	switch (f->kind) {
	case FLOW_ACCOUNT:
		f->state = S_ACCOUNT;
		act_send(f, out, f->new_account,
		    f->eab != NULL ? v2_body_new_account_eab(f->eab)
				   : v2_body_new_account(f->only_existing),
		    "newAccount");
		if (out->payload == NULL)
			act_oom(f, out);
		else
			out->use_jwk = 1;
		break;
	case FLOW_CHECK:
		f->cur = 0;
		send_authz_get(f, out);
		break;
	case FLOW_POST:
		f->state = S_POST;
		act_send(f, out, f->post_url, str_dup(f->post_payload), "post");
		if (out->payload == NULL)
			act_oom(f, out);
		break;
	default:
		if (f->reuse)
			send_finalize(f, out);
		else
			send_order(f, out);
		break;
	}
}

static void
on_account(struct flow *f, const struct flow_resp *r, struct flow_action *a)
{
	if (check_status(f, r, 201, 200, "newAccount") == -1) {
		act_fail(f, a);
		return;
	}
	if (r->location == NULL ||
	    (f->account_url = strdup(r->location)) == NULL) {
		fail_bridge(f, V2E_SERVER_INTERNAL, 502,
		    "newAccount: upstream gave no account URL");
		act_fail(f, a);
		return;
	}
	act_done(f, a);
}

/* 1 when url is one of the authorizations known valid. */
static int
known_valid(const struct flow *f, const char *url)
{
	size_t i;

	for (i = 0; i < f->nknown; i++)
		if (strcmp(f->known[i], url) == 0)
			return 1;
	return 0;
}

/* Take the order's URLs; its authorizations fill the slots in order (each
 * slot is named again by what its authorization really is). For a
 * certificate, an order the CA says is ready needs no authorization
 * fetched, nor does one known valid (issue 10 item 2). */
static int
take_order(struct flow *f, const struct flow_resp *r, struct v2_order *o)
{
	size_t i;

	if (str_dup_to(&f->order_url, r->location) == -1 ||
	    str_dup_to(&f->finalize_url, o->finalize) == -1)
		return -1;
	for (i = 0; i < f->n; i++) {
		if (str_dup_to(&f->authz[i].authz_url, o->authz[i]) == -1)
			return -1;
		f->authz[i].status = f->kind == FLOW_CERT &&
			(o->status == V2S_READY || known_valid(f, o->authz[i]))
		    ? V2S_VALID
		    : V2S_PENDING;
	}
	return 0;
}

static void
on_order(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a)
{
	struct v2_order o;

	memset(&o, 0, sizeof(o));
	if (check_status(f, r, 201, 200, "newOrder") == -1) {
		act_fail(f, a);
		return;
	}
	if (r->location == NULL || v2_order_parse(r->json, &o) == -1 ||
	    o.nauthz != f->n) {
		v2_order_clear(&o);
		fail_bridge(f, V2E_SERVER_INTERNAL, 502,
		    "newOrder: upstream order is missing its URL, finalize or "
		    "authorizations");
		act_fail(f, a);
		return;
	}
	if (take_order(f, r, &o) == -1) {
		v2_order_clear(&o);
		act_oom(f, a);
		return;
	}
	v2_order_clear(&o);
	f->cur = 0;
	next_authz(f, now, a);
}

static void
send_finalize(struct flow *f, struct flow_action *a)
{
	f->state = S_FINALIZE;
	act_send(
	    f, a, f->finalize_url, v2_body_finalize(f->csr_b64), "finalize");
	if (a->payload == NULL)
		act_oom(f, a);
}

static void
send_authz_get(struct flow *f, struct flow_action *a)
{
	f->state = S_AUTHZ_GET;
	act_send(f, a, f->authz[f->cur].authz_url, strdup(""), "authorization");
	if (a->payload == NULL)
		act_oom(f, a);
}

/* Move to the first authorization that is not yet valid, or on. */
static void
next_authz(struct flow *f, long long now, struct flow_action *a)
{
	while (f->cur < f->n && f->authz[f->cur].status == V2S_VALID)
		f->cur++;
	f->poll_ms = 0;
	if (f->cur < f->n) {
		send_authz_get(f, a);
		return;
	}
	if (f->kind != FLOW_CERT) {
		act_done(f, a);
		return;
	}
	send_finalize(f, a);
	(void)now;
}

/* Keep a copy of the challenge's error in z. 0, or -1 (no memory). */
static int
take_chall_error(struct flow_authz *z, const struct v2_problem *err)
{
	struct v2_problem *copy;

	if (err == NULL)
		return 0;
	if ((copy = malloc(sizeof(*copy))) == NULL)
		return -1;
	*copy = *err;
	free(z->chall_error);
	z->chall_error = copy;
	return 0;
}

/* Record the authorization's name (matching it to our slot), status, the
 * challenge of the type wanted and its error: 1 when that challenge is
 * pending, 0 when not, -1 when f failed. */
static int
read_authz(struct flow *f, const json_t *j)
{
	struct flow_authz *z = &f->authz[f->cur];
	const struct v2_challenge *ch;
	struct v2_authz doc;
	int rc = 0;

	if (v2_authz_parse(j, &doc) == -1)
		return fail_bridge(f, V2E_SERVER_INTERNAL, 502,
		    "authorization: upstream answer has no status or "
		    "identifier");
	/* The CA may list authorizations in any order: name each slot by
	 * what it really is. */
	str_copy(z->name, sizeof(z->name), doc.name);
	z->status = doc.status;
	z->chall_type = chall_type_for(f, doc.name);
	if ((ch = v2_authz_challenge(&doc, z->chall_type)) != NULL) {
		if (str_dup_to(&z->chall_url, ch->url) == -1 ||
		    take_chall_error(z, ch->error) == -1)
			rc = fail_bridge(
			    f, V2E_SERVER_INTERNAL, 500, "out of memory");
		else {
			str_copy(z->token, sizeof(z->token), ch->token);
			rc = ch->status == V2S_PENDING;
		}
	}
	v2_authz_clear(&doc);
	return rc;
}

/* POST the challenge of z with its key authorization, published first
 * (the action's provision_* fields) when the bridge answers itself. */
static void
answer_chall(struct flow *f, const struct flow_authz *z, struct flow_action *a)
{
	size_t klen = strlen(z->token) + 1 + strlen(f->thumb) + 1;

	free(f->keyauth);
	if ((f->keyauth = malloc(klen)) == NULL) {
		act_oom(f, a);
		return;
	}
	snprintf(f->keyauth, klen, "%s.%s", z->token, f->thumb);
	f->state = S_CHALL;
	act_send(f, a, z->chall_url, strdup("{}"), "challenge");
	if (a->payload == NULL) {
		act_oom(f, a);
		return;
	}
	if (f->answer == FLOW_ANSWER_SELF) {
		a->provision_type = z->chall_type;
		a->provision_name = z->name;
		a->provision_token = z->token;
		a->provision_keyauth = f->keyauth;
	}
}

/* z is still pending: poll it again, or stop at the deadline (a failure
 * for a certificate; for an authorization the client polls). */
static void
poll_authz(struct flow *f, const struct flow_authz *z,
    const struct flow_resp *r, long long now, struct flow_action *a)
{
	if (now < f->deadline) {
		act_wait(f, a, S_AUTHZ_WAIT, r, now);
		return;
	}
	if (f->kind != FLOW_CERT) {
		act_done(f, a);
		return;
	}
	fail_bridge(f, V2E_SERVER_INTERNAL, 504,
	    "timed out waiting for the CA to validate %s", z->name);
	act_fail(f, a);
}

static void
on_authz(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a)
{
	struct flow_authz *z = &f->authz[f->cur];
	int chall_pending;

	if (check_status(f, r, 200, 200, "authorization") == -1) {
		act_fail(f, a);
		return;
	}
	if ((chall_pending = read_authz(f, r->json)) == -1) {
		act_fail(f, a);
		return;
	}
	if (z->status == V2S_VALID) {
		next_authz(f, now, a);
		return;
	}
	if (z->status != V2S_PENDING) {
		if (f->kind == FLOW_CERT) {
			fail_bridge(f, V2E_UNAUTHORIZED, 403,
			    "authorization for %s is %s upstream", z->name,
			    v2_status_name(z->status));
			act_fail(f, a);
			return;
		}
		act_done(f, a); /* the caller reads the status */
		return;
	}
	if (z->chall_url == NULL && f->state == S_AUTHZ_GET) {
		fail_bridge(f, V2E_SERVER_INTERNAL, 502,
		    "authorization for %s offers no %s challenge", z->name,
		    v2_chall_type_name(z->chall_type));
		act_fail(f, a);
		return;
	}
	/* Imported accounts: the v1 client answers through its own
	 * challenge POST (FLOW_CHECK); a new authorization stops here. */
	if (((f->answer == FLOW_ANSWER_CLIENT && f->kind == FLOW_AUTHZ) ||
		f->answer == FLOW_ANSWER_NONE) &&
	    f->state == S_AUTHZ_GET) {
		act_done(f, a);
		return;
	}
	if (f->state == S_AUTHZ_GET && chall_pending && z->token[0] != '\0') {
		answer_chall(f, z, a);
		return;
	}
	poll_authz(f, z, r, now, a);
}

/* 1 when the CA's answer to the challenge POST already says valid: the
 * authorization is then valid too (RFC 8555 7.1.6), no poll needed. */
static int
chall_valid(const struct flow_resp *r)
{
	struct v2_challenge c;
	int valid;

	if (r->json == NULL || v2_challenge_parse(r->json, &c) == -1)
		return 0;
	valid = c.status == V2S_VALID;
	v2_challenge_clear(&c);
	return valid;
}

static void
on_chall(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a)
{
	if (check_status(f, r, 200, 200, "challenge") == -1) {
		act_fail(f, a);
		return;
	}
	f->poll_ms = 0;
	if (chall_valid(r)) {
		f->authz[f->cur].status = V2S_VALID;
		next_authz(f, now, a);
		return;
	}
	if (now >= f->deadline && f->kind != FLOW_CERT) {
		act_done(f, a);
		return;
	}
	/* the challenge's Retry-After is honoured as the authorization's */
	act_wait(f, a, S_AUTHZ_WAIT, r, now);
}

/* A finished order: its certificate URL, downloaded next. */
static void
send_download(struct flow *f, const char *cert, struct flow_action *a)
{
	if (str_dup_to(&f->cert_url, cert) == -1) {
		act_oom(f, a);
		return;
	}
	f->state = S_DOWNLOAD;
	act_send(f, a, f->cert_url, strdup(""), "certificate");
	if (a->payload == NULL)
		act_oom(f, a);
}

/* The order after finalize: download when valid, fail when it cannot
 * become valid any more, else poll it until the deadline. */
static void
on_order_state(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a, const char *what)
{
	struct v2_order o;

	if (check_status(f, r, 200, 200, what) == -1) {
		act_fail(f, a);
		return;
	}
	if (v2_order_parse(r->json, &o) == -1) {
		fail_bridge(f, V2E_SERVER_INTERNAL, 502,
		    "%s: order is without status after finalize", what);
		act_fail(f, a);
		return;
	}
	if (o.status == V2S_VALID && o.certificate != NULL)
		send_download(f, o.certificate, a);
	else if (o.status == V2S_INVALID || o.status == V2S_PENDING ||
	    o.status == V2S_READY) {
		if (o.error != NULL)
			fail_upstream_doc(f, 403, o.error, what);
		else
			fail_bridge(f, V2E_SERVER_INTERNAL, 502,
			    "%s: order is %s after finalize", what,
			    v2_status_name(o.status));
		act_fail(f, a);
	} else if (now >= f->deadline) {
		fail_bridge(f, V2E_SERVER_INTERNAL, 504,
		    "timed out waiting for the CA to issue");
		act_fail(f, a);
	} else
		act_wait(f, a, S_ORDER_WAIT, r, now);
	v2_order_clear(&o);
}

static void
on_download(struct flow *f, const struct flow_resp *r, struct flow_action *a)
{
	if (check_status(f, r, 200, 200, "certificate") == -1) {
		act_fail(f, a);
		return;
	}
	if (r->body == NULL || r->len == 0 ||
	    strstr(r->body, "-----BEGIN CERTIFICATE-----") == NULL) {
		fail_bridge(f, V2E_SERVER_INTERNAL, 502,
		    "certificate: upstream answer is not a PEM chain");
		act_fail(f, a);
		return;
	}
	if ((f->cert_pem = malloc(r->len + 1)) == NULL) {
		act_oom(f, a);
		return;
	}
	memcpy(f->cert_pem, r->body, r->len);
	f->cert_pem[r->len] = '\0';
	f->cert_pem_len = r->len;
	act_done(f, a);
}

static void
on_post(struct flow *f, const struct flow_resp *r, struct flow_action *a)
{
	if (r == NULL || r->status < 200 || r->status > 299) {
		check_status(f, r, -1, -1, "request");
		act_fail(f, a);
		return;
	}
	f->post_status = r->status;
	if (r->json != NULL)
		f->post_json = json_deep_copy(r->json);
	act_done(f, a);
}

/* The answer to finalizing a reused order says it cannot issue from it:
 * a 4xx (orderNotReady, unauthorized, not found) or an order neither
 * processing nor valid. A 5xx or no answer is the CA's trouble: failed. */
static int
reuse_refused(const struct flow_resp *r)
{
	struct v2_order o;
	int refused;

	if (r == NULL || r->status == 0 || r->status >= 500)
		return 0;
	if (r->status >= 400)
		return 1;
	if (r->json == NULL || v2_order_parse(r->json, &o) == -1)
		return 1;
	refused = o.status != V2S_PROCESSING && o.status != V2S_VALID;
	v2_order_clear(&o);
	return refused;
}

static void
on_finalize(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a)
{
	if (f->reuse && reuse_refused(r)) {
		/* that order is gone (finalized, expired, another
		 * account's): the usual way, once */
		f->reuse = 0;
		send_order(f, a);
		return;
	}
	f->reuse = 0;
	on_order_state(f, r, now, a, "finalize");
}

void
flow_step(struct flow *f, const struct flow_resp *r, long long now_ms,
    struct flow_action *out)
{
	f->retry_after = r != NULL && r->retry_after > 0 ? r->retry_after : 0;
	switch (f->state) {
	case S_POST:
		on_post(f, r, out);
		return;
	case S_ACCOUNT:
		on_account(f, r, out);
		return;
	case S_ORDER:
		on_order(f, r, now_ms, out);
		return;
	case S_AUTHZ_GET:
		on_authz(f, r, now_ms, out);
		return;
	case S_CHALL:
		on_chall(f, r, now_ms, out);
		return;
	case S_AUTHZ_WAIT:
		/* Poll the same authorization; the answer is handled by
		 * on_authz without answering the challenge again. */
		f->state = S_AUTHZ_POLL;
		act_send(f, out, f->authz[f->cur].authz_url, strdup(""),
		    "authorization");
		if (out->payload == NULL)
			act_oom(f, out);
		return;
	case S_AUTHZ_POLL:
		on_authz(f, r, now_ms, out);
		return;
	case S_FINALIZE:
		on_finalize(f, r, now_ms, out);
		return;
	case S_ORDER_WAIT:
		f->state = S_ORDER_GET;
		act_send(f, out, f->order_url, strdup(""), "order");
		if (out->payload == NULL)
			act_oom(f, out);
		return;
	case S_ORDER_GET:
		on_order_state(f, r, now_ms, out, "order");
		return;
	case S_DOWNLOAD:
		on_download(f, r, out);
		return;
	case S_END:
	default:
		fail_bridge(
		    f, V2E_SERVER_INTERNAL, 500, "flow stepped after its end");
		act_fail(f, out);
		return;
	}
}

void
flow_abort(
    struct flow *f, const struct flow_failure *ff, struct flow_action *out)
{
	f->fail = *ff;
	act_fail(f, out);
}

int
flow_dns01_txt(const char *keyauth, char out[FLOW_DNS01_TXT_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *enc = NULL;
	int rc = -1;

	out[0] = '\0';
	if (keyauth == NULL ||
	    EVP_Digest(keyauth, strlen(keyauth), md, &mdlen, EVP_sha256(),
		NULL) != 1 ||
	    mdlen != 32)
		goto done;
	if ((enc = b64url_encode(md, mdlen)) == NULL ||
	    strlen(enc) != FLOW_DNS01_TXT_LEN)
		goto done;
	memcpy(out, enc, FLOW_DNS01_TXT_LEN + 1);
	rc = 0;
done:
	free(enc);
	return rc;
}

const char *
flow_account_url(const struct flow *f)
{
	return f->account_url;
}
const char *
flow_order_url(const struct flow *f)
{
	return f->order_url;
}
size_t
flow_authz_count(const struct flow *f)
{
	return f->n;
}
const char *
flow_cert_pem(const struct flow *f)
{
	return f->cert_pem;
}
size_t
flow_cert_pem_len(const struct flow *f)
{
	return f->cert_pem_len;
}
const char *
flow_cert_url(const struct flow *f)
{
	return f->cert_url;
}
const struct flow_failure *
flow_failure(const struct flow *f)
{
	return &f->fail;
}

long
flow_retry_after(const struct flow *f)
{
	return f->retry_after;
}
long
flow_post_status(const struct flow *f)
{
	return f->post_status;
}
const json_t *
flow_post_json(const struct flow *f)
{
	return f->post_json;
}

const struct flow_authz *
flow_authz_get(const struct flow *f, size_t i)
{
	return i < f->n ? &f->authz[i] : NULL;
}

int
flow_cert_reuse(struct flow *f, const char *order_url, const char *finalize_url)
{
	size_t i;

	if (f->kind != FLOW_CERT || order_url == NULL || finalize_url == NULL ||
	    str_dup_to(&f->order_url, order_url) == -1 ||
	    str_dup_to(&f->finalize_url, finalize_url) == -1)
		return -1;
	for (i = 0; i < f->n; i++)
		f->authz[i].status = V2S_VALID;
	f->reuse = 1;
	return 0;
}

int
flow_known_valid(struct flow *f, const char *const *urls, size_t n)
{
	char **k;
	size_t i;

	if (f->kind != FLOW_CERT || n > FLOW_MAX_NAMES ||
	    (k = calloc(n ? n : 1, sizeof(*k))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (urls[i] == NULL || (k[i] = strdup(urls[i])) == NULL) {
			while (i > 0)
				free(k[--i]);
			free(k);
			return -1;
		}
	for (i = 0; i < f->nknown; i++)
		free(f->known[i]);
	free(f->known);
	f->known = k;
	f->nknown = n;
	return 0;
}

const char *
flow_finalize_url(const struct flow *f)
{
	return f->finalize_url;
}
