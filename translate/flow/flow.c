/* flow.c: sans-I/O RFC 8555 flows (see flow.h). */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "b64url.h"
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

#define POLL_FIRST_MS 50 /* Pebble validates in ms; real CAs send Retry-After */
#define POLL_MAX_MS 3000

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
	struct problem prob;
	enum flow_answer answer;
	int only_existing;
	char **dns01; /* names answered with dns-01 */
	size_t ndns01;
	char *post_url; /* FLOW_POST */
	long post_status;
	json_t *post_json;
};

struct flow *
flow_new(enum flow_kind kind, const struct flow_dir *dir,
    const char *const *names, size_t n, const char *csr_b64, const char *thumb,
    long long deadline_ms)
{
	struct flow *f = NULL;
	size_t i;

	if (dir == NULL || n > FLOW_MAX_NAMES ||
	    (kind != FLOW_ACCOUNT && kind != FLOW_POST &&
		(n == 0 || thumb == NULL)) ||
	    ((kind == FLOW_CERT || kind == FLOW_POST) && csr_b64 == NULL) ||
	    (kind == FLOW_POST && n != 1))
		return NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->kind = kind;
	f->deadline = deadline_ms;
	f->new_account = str_dup(dir->new_account);
	f->new_order = str_dup(dir->new_order);
	f->thumb = str_dup(thumb);
	f->csr_b64 = str_dup(csr_b64);
	if (kind == FLOW_POST) {
		if ((f->post_url = strdup(names[0])) == NULL) {
			flow_free(f);
			return NULL;
		}
		return f;
	}
	f->n = n;
	if (n > 0 && (f->authz = calloc(n, sizeof(*f->authz))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (kind == FLOW_CHECK) {
			if ((f->authz[i].authz_url = strdup(names[i])) == NULL)
				goto fail;
		} else if (strlen(names[i]) >= sizeof(f->authz[i].name))
			goto fail;
		else
			str_copy(f->authz[i].name, sizeof(f->authz[i].name),
			    names[i]);
		str_copy(
		    f->authz[i].status, sizeof(f->authz[i].status), "pending");
	}
	return f;
fail:
	flow_free(f);
	return NULL;
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
		free(f->authz[i].error);
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
	json_decref(f->post_json);
	free(f);
}

int
flow_set_challenge(struct flow *f, const char *name, const char *type)
{
	char **n;

	if (strcmp(type, "http-01") == 0)
		return 0;
	if (strcmp(type, "dns-01") != 0 || f->ndns01 >= FLOW_MAX_NAMES)
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

void
flow_set_only_existing(struct flow *f)
{
	f->only_existing = 1;
}

static const char *
chall_type_for(const struct flow *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ndns01; i++)
		if (strcmp(f->dns01[i], name) == 0)
			return "dns-01";
	return "http-01";
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
	problem_set(&f->prob, V1E_SERVER_INTERNAL, 500, "out of memory");
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

static char *
dump(json_t *j)
{
	char *s = NULL;

	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* An upstream answer with an unexpected status fails the flow. */
static int
check_status(struct flow *f, const struct flow_resp *r, long want1, long want2,
    const char *what)
{
	if (r == NULL)
		return problem_set(
		    &f->prob, V1E_SERVER_INTERNAL, 500, "%s: no answer", what);
	if (r->status == want1 || r->status == want2)
		return 0;
	if (r->status == 0) {
		problem_set(&f->prob, V1E_SERVER_INTERNAL, 503,
		    "upstream %s failed: %s", what, r->error ? r->error : "?");
		return -1;
	}
	problem_from_v2(&f->prob, r->status, r->json, what);
	if (r->retry_after > 0)
		f->prob.retry_after = r->retry_after;
	return -1;
}

static const char *
jstr(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* --- steps ------------------------------------------------------------ */

static void send_authz_get(struct flow *f, struct flow_action *a);
static void next_authz(struct flow *f, long long now, struct flow_action *a);

static void
send_order(struct flow *f, struct flow_action *a)
{
	json_t *ids = json_array(), *o;
	size_t i;

	for (i = 0; i < f->n; i++)
		json_array_append_new(ids,
		    json_pack("{s:s, s:s}", "type", "dns", "value",
			f->authz[i].name));
	o = json_pack("{s:o}", "identifiers", ids);
	f->state = S_ORDER;
	act_send(f, a, f->new_order, dump(o), "newOrder");
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
		    strdup(f->only_existing
			    ? "{\"onlyReturnExisting\":true}"
			    : "{\"termsOfServiceAgreed\":true}"),
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
		act_send(f, out, f->post_url, strdup(f->csr_b64), "post");
		if (out->payload == NULL)
			act_oom(f, out);
		break;
	default:
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
		problem_set(&f->prob, V1E_SERVER_INTERNAL, 502,
		    "newAccount: upstream gave no account URL");
		act_fail(f, a);
		return;
	}
	act_done(f, a);
}

static void
on_order(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a)
{
	const json_t *authzs;
	size_t i;

	if (check_status(f, r, 201, 200, "newOrder") == -1) {
		act_fail(f, a);
		return;
	}
	authzs = json_object_get(r->json, "authorizations");
	if (r->location == NULL || jstr(r->json, "finalize") == NULL ||
	    !json_is_array(authzs) || json_array_size(authzs) != f->n) {
		problem_set(&f->prob, V1E_SERVER_INTERNAL, 502,
		    "newOrder: upstream order is missing its URL, finalize or "
		    "authorizations");
		act_fail(f, a);
		return;
	}
	f->order_url = strdup(r->location);
	f->finalize_url = strdup(jstr(r->json, "finalize"));
	if (f->order_url == NULL || f->finalize_url == NULL) {
		act_oom(f, a);
		return;
	}
	for (i = 0; i < f->n; i++) {
		const char *u = json_string_value(json_array_get(authzs, i));

		if (u == NULL || (f->authz[i].authz_url = strdup(u)) == NULL) {
			act_oom(f, a);
			return;
		}
	}
	f->cur = 0;
	next_authz(f, now, a);
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
	while (f->cur < f->n && strcmp(f->authz[f->cur].status, "valid") == 0)
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
	f->state = S_FINALIZE;
	act_send(f, a, f->finalize_url,
	    dump(json_pack("{s:s}", "csr", f->csr_b64)), "finalize");
	if (a->payload == NULL)
		act_oom(f, a);
	(void)now;
}

/* Record the authorization's name (matching it to our slot), status,
 * http-01 challenge and its error. */
static int
read_authz(struct flow *f, const json_t *j)
{
	struct flow_authz *z = &f->authz[f->cur];
	const char *status = jstr(j, "status");
	const char *name = jstr(json_object_get(j, "identifier"), "value");
	const json_t *ch, *err;
	const char *want;
	size_t i;

	if (status == NULL || name == NULL)
		return problem_set(&f->prob, V1E_SERVER_INTERNAL, 502,
		    "authorization: upstream answer has no status or "
		    "identifier");
	/* The CA may list authorizations in any order: name each slot by
	 * what it really is. */
	str_copy(z->name, sizeof(z->name), name);
	str_copy(z->status, sizeof(z->status), status);
	want = chall_type_for(f, name);
	str_copy(z->chall_type, sizeof(z->chall_type), want);
	json_array_foreach(json_object_get(j, "challenges"), i, ch) {
		const char *type = jstr(ch, "type"), *url = jstr(ch, "url");
		const char *token = jstr(ch, "token");

		if (type == NULL || strcmp(type, want) != 0 || url == NULL)
			continue;
		free(z->chall_url);
		z->chall_url = strdup(url);
		str_copy(z->token, sizeof(z->token), token ? token : "");
		if ((err = json_object_get(ch, "error")) != NULL) {
			struct problem p;

			problem_from_v2(&p, 403, err, "validation");
			/* The v2 detail is what the CA saw; keep it. */
			if (jstr(err, "detail") != NULL)
				snprintf(p.detail, sizeof(p.detail), "%s",
				    jstr(err, "detail"));
			free(z->error);
			z->error = dump(problem_v1_json(&p));
		}
		return json_is_string(json_object_get(ch, "status")) &&
			strcmp(jstr(ch, "status"), "pending") == 0
		    ? 1
		    : 0;
	}
	return 0;
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
	problem_set(&f->prob, V1E_SERVER_INTERNAL, 504,
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
	if (strcmp(z->status, "valid") == 0) {
		next_authz(f, now, a);
		return;
	}
	if (strcmp(z->status, "pending") != 0) {
		if (f->kind == FLOW_CERT) {
			problem_set(&f->prob, V1E_UNAUTHORIZED, 403,
			    "authorization for %s is %s upstream", z->name,
			    z->status);
			act_fail(f, a);
			return;
		}
		act_done(f, a); /* the caller reads the status */
		return;
	}
	if (z->chall_url == NULL && f->state == S_AUTHZ_GET) {
		problem_set(&f->prob, V1E_SERVER_INTERNAL, 502,
		    "authorization for %s offers no %s challenge", z->name,
		    z->chall_type);
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

static void
on_chall(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a)
{
	if (check_status(f, r, 200, 200, "challenge") == -1) {
		act_fail(f, a);
		return;
	}
	f->poll_ms = 0;
	if (now >= f->deadline && f->kind != FLOW_CERT) {
		act_done(f, a);
		return;
	}
	act_wait(f, a, S_AUTHZ_WAIT, NULL, now);
}

static void
on_order_state(struct flow *f, const struct flow_resp *r, long long now,
    struct flow_action *a, const char *what)
{
	const char *status, *cert;

	if (check_status(f, r, 200, 200, what) == -1) {
		act_fail(f, a);
		return;
	}
	status = jstr(r->json, "status");
	cert = jstr(r->json, "certificate");
	if (status != NULL && strcmp(status, "valid") == 0 && cert != NULL) {
		if ((f->cert_url = strdup(cert)) == NULL) {
			act_oom(f, a);
			return;
		}
		f->state = S_DOWNLOAD;
		act_send(f, a, f->cert_url, strdup(""), "certificate");
		if (a->payload == NULL)
			act_oom(f, a);
		return;
	}
	if (status == NULL || strcmp(status, "invalid") == 0 ||
	    strcmp(status, "pending") == 0 || strcmp(status, "ready") == 0) {
		const json_t *err = json_object_get(r->json, "error");

		if (err != NULL)
			problem_from_v2(&f->prob, 403, err, what);
		else
			problem_set(&f->prob, V1E_SERVER_INTERNAL, 502,
			    "%s: order is %s after finalize", what,
			    status ? status : "without status");
		act_fail(f, a);
		return;
	}
	if (now >= f->deadline) {
		problem_set(&f->prob, V1E_SERVER_INTERNAL, 504,
		    "timed out waiting for the CA to issue");
		act_fail(f, a);
		return;
	}
	act_wait(f, a, S_ORDER_WAIT, r, now);
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
		problem_set(&f->prob, V1E_SERVER_INTERNAL, 502,
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

void
flow_step(struct flow *f, const struct flow_resp *r, long long now_ms,
    struct flow_action *out)
{
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
		on_order_state(f, r, now_ms, out, "finalize");
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
		problem_set(&f->prob, V1E_SERVER_INTERNAL, 500,
		    "flow stepped after its end");
		act_fail(f, out);
		return;
	}
}

void
flow_abort(struct flow *f, const struct problem *p, struct flow_action *out)
{
	f->prob = *p;
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
const struct problem *
flow_problem(const struct flow *f)
{
	return &f->prob;
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
