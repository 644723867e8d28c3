/* flow.h: sans-I/O RFC 8555 flows. A flow says what to send next; the proxy
 * sends it (signed, with nonces), feeds the answer back and repeats until the
 * flow is done or failed. Time is passed in (milliseconds), nothing blocks.
 *
 *   FLOW_ACCOUNT  newAccount (jwk-signed, terms agreed) -> account URL
 *   FLOW_AUTHZ    newOrder for the names, then for each authorization: fetch
 *                 it, answer its http-01 challenge with the bridge's key
 *                 authorization, poll until valid/invalid or the deadline
 *                 (then done with the authorization still pending)
 *   FLOW_CHECK    the same from one known authorization URL (no order)
 *   FLOW_CERT     FLOW_AUTHZ, then finalize with the CSR, poll the order,
 *                 download the PEM chain; the deadline is a failure here
 *   FLOW_POST     one signed POST of a given payload to a given URL:
 *                 done on 2xx, the answer kept (revocation, deactivation)
 *
 * Challenges: http-01 unless flow_set_challenge names dns-01 for a name.
 * Answering: FLOW_ANSWER_SELF publishes the bridge's own answer (the
 * action's provision_* fields) and POSTs the challenge; FLOW_ANSWER_CLIENT
 * (an imported account: the client's own key and files satisfy the CA)
 * never provisions, and FLOW_AUTHZ then stops before answering: the v1
 * client's challenge POST answers it later through FLOW_CHECK.
 * FLOW_ANSWER_NONE only reads: a challenge is never answered (an imported
 * account's authorization fetched by an unauthenticated GET).
 *
 * The flow speaks v2 only: a failure is a struct flow_failure (the CA's
 * problem document, typed, or the bridge's own reason); turning it into a
 * v1 problem is the v1 layer's business (translate/v1/problem_v2.h). */
#ifndef FLOW_H
#define FLOW_H

#include <stddef.h>
#include <jansson.h>
#include "v2.h"

enum flow_kind { FLOW_ACCOUNT, FLOW_AUTHZ, FLOW_CHECK, FLOW_CERT, FLOW_POST };
enum flow_answer { FLOW_ANSWER_SELF, FLOW_ANSWER_CLIENT, FLOW_ANSWER_NONE };
enum flow_act { FLOW_SEND, FLOW_WAIT, FLOW_DONE, FLOW_FAIL };

#define FLOW_MAX_NAMES 100

struct flow_action {
	enum flow_act act;
	const char *url;     /* SEND: v2 URL to POST to */
	const char *payload; /* SEND: JSON text, "" = POST-as-GET */
	int use_jwk;	     /* SEND: sign with jwk, not kid */
	const char *what;    /* SEND: upstream resource name, for logs */
	long wait_ms;	     /* WAIT */
	/* SEND: an answer to publish before sending, or NULLs: for http-01
	 * serve keyauth at the token's path; for dns-01 publish the TXT
	 * record base64url(SHA-256(keyauth)) at _acme-challenge.<name>. */
	enum v2_chall_type provision_type;
	const char *provision_name; /* the identifier */
	const char *provision_token;
	const char *provision_keyauth;
};

/* An upstream answer. status 0 = transport failure (error says why). */
struct flow_resp {
	long status;
	const json_t *json; /* parsed body or NULL */
	const char *body;   /* raw body (the PEM chain) */
	size_t len;
	const char *location;
	long retry_after; /* seconds, -1 when absent */
	const char *error;
};

struct flow_dir {
	const char *new_account;
	const char *new_order;
};

struct flow_authz {
	char name[V2_NAME_MAX + 1];
	char *authz_url;
	char *chall_url;		/* the challenge we answer */
	enum v2_chall_type chall_type;	/* its type */
	char token[V2_TOKEN_MAX + 1];	/* its token */
	enum v2_status status;		/* the authorization's status */
	struct v2_problem *chall_error; /* a failed challenge's, or NULL */
};

/* Why a flow failed. */
enum flow_failed {
	FLOW_FAILED_NOT,     /* no failure recorded (the run was stopped) */
	FLOW_FAILED_BRIDGE,  /* the bridge's own reason */
	FLOW_FAILED_UPSTREAM /* the CA's answer */
};

struct flow_failure {
	enum flow_failed source;
	/* UPSTREAM: the CA's problem type (V2E_NONE: no problem document);
	 * BRIDGE: V2E_SERVER_INTERNAL or V2E_UNAUTHORIZED. */
	enum v2_err type;
	/* UPSTREAM: the CA's HTTP status (403 for a problem inside an order
	 * or challenge); BRIDGE: the status to answer with. */
	long http_status;
	long retry_after;	    /* seconds, 0 when none */
	char what[32];		    /* UPSTREAM: the operation ("newOrder") */
	char detail[V2_DETAIL_MAX]; /* BRIDGE: what went wrong */
	int has_doc;		    /* UPSTREAM: doc holds the CA's problem */
	struct v2_problem doc;
};

/* Set ff to a failure of the bridge's own; detail is printf-formatted.
 * -1 always, for `return flow_failure_set(...)`. */
int
flow_failure_set(struct flow_failure *ff, enum v2_err type, long http_status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Decisions on a failure, by the CA's problem type and HTTP status (never
 * its wording): whether the CA answered with problem type t; whether it
 * refused for now (rateLimited, or a bare HTTP 429). */
int flow_failure_is(const struct flow_failure *ff, enum v2_err t);
int flow_failure_rate_limited(const struct flow_failure *ff);
/* FLOW_ACCOUNT with only_existing: the CA has no account for the key
 * (accountDoesNotExist, or unauthorized as some CAs answer). */
int flow_failure_no_account(const struct flow_failure *ff);

struct flow;

/* The constructors, one per kind; NULL on bad input or no memory.
 * names: n lower-cased DNS names (1..FLOW_MAX_NAMES). thumb: RFC 7638
 * thumbprint of the bridge's v2 key (for key authorizations). csr_b64:
 * base64url DER. deadline_ms: absolute, same clock as now. */
struct flow *flow_new_account(const struct flow_dir *dir, int only_existing);
struct flow *
flow_new_authz(const struct flow_dir *dir, const char *const *names, size_t n,
    const char *thumb, long long deadline_ms);
/* FLOW_CHECK: one known authorization, no order. */
struct flow *
flow_new_check(const char *authz_url, const char *thumb, long long deadline_ms);
struct flow *flow_new_cert(const struct flow_dir *dir, const char *const *names,
    size_t n, const char *csr_b64, const char *thumb, long long deadline_ms);
/* payload "" is a POST-as-GET. */
struct flow *flow_new_post(const char *url, const char *payload);
void flow_free(struct flow *f);

/* FLOW_ACCOUNT without only_existing: bind the new account to the CA
 * account kid with MAC key key[0..keylen) (External Account Binding, RFC
 * 8555 7.3.4); jwk is the public JWK of the key the newAccount is signed
 * with. The EAB JWS is made now (the key is not kept). 0 or -1. */
int flow_set_eab(struct flow *f, const char *kid, const unsigned char *key,
    size_t keylen, const json_t *jwk);

/* Use challenge type t (V2C_HTTP01 or V2C_DNS01) for name. 0 or -1. */
int flow_set_challenge(struct flow *f, const char *name, enum v2_chall_type t);
void flow_set_answer(struct flow *f, enum flow_answer mode);

/* FLOW_CERT (issue 10 item 2): finalize the open order order_url first
 * (the order a new-authz made for exactly these names), every slot taken
 * as valid; when the CA refuses that (4xx, or an order that is not
 * processing or valid), a new order as without. 0 or -1. */
int flow_cert_reuse(
    struct flow *f, const char *order_url, const char *finalize_url);
/* FLOW_CERT: authorization URLs known valid (the store's, of the account):
 * an order listing one does not fetch it. At most FLOW_MAX_NAMES; copied.
 * 0 or -1. */
int flow_known_valid(struct flow *f, const char *const *urls, size_t n);

/* The first action. */
void flow_start(struct flow *f, long long now_ms, struct flow_action *out);
/* The answer to the last SEND (r) or the end of a WAIT (r NULL). */
void flow_step(struct flow *f, const struct flow_resp *r, long long now_ms,
    struct flow_action *out);

/* Fail f now with ff (an answer the proxy could not get: a dns-01 hook
 * that failed); out is FLOW_FAIL and flow_failure(f) a copy of ff. */
void flow_abort(
    struct flow *f, const struct flow_failure *ff, struct flow_action *out);

/* The dns-01 TXT value for keyauth: base64url(SHA-256(keyauth)), 43
 * characters and a NUL (RFC 8555 section 8.4). 0, or -1. */
#define FLOW_DNS01_TXT_LEN 43
int flow_dns01_txt(const char *keyauth, char out[FLOW_DNS01_TXT_LEN + 1]);

/* Results. */
const char *flow_account_url(const struct flow *f);
const char *flow_order_url(const struct flow *f);
/* The order's finalize URL (NULL before newOrder's answer). */
const char *flow_finalize_url(const struct flow *f);
size_t flow_authz_count(const struct flow *f);
const struct flow_authz *flow_authz_get(const struct flow *f, size_t i);
const char *flow_cert_pem(const struct flow *f);
size_t flow_cert_pem_len(const struct flow *f);
const char *flow_cert_url(const struct flow *f);
/* FLOW_POST: the answer's status, JSON body (borrowed, may be NULL). */
long flow_post_status(const struct flow *f);
const json_t *flow_post_json(const struct flow *f);
/* Valid after FLOW_FAIL (FLOW_FAILED_NOT before, or when the run was
 * stopped without the flow failing). */
const struct flow_failure *flow_failure(const struct flow *f);
/* The Retry-After (seconds) of the newest answer given to flow_step, 0
 * when it had none: how soon the CA wants to be asked again (a pending
 * authorization's refresh, issue 8 item 2). */
long flow_retry_after(const struct flow *f);

#endif
