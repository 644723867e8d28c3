/* endpoints.h: internals shared by the v1 front end's files: endpoints.c
 * (routing, the one reply path, the unauthenticated GET resources, JWS
 * verification), op_flow.c (starting upstream flows), accounts.c (which
 * upstream account signs) and one op_*.c file per group of operations. */
#ifndef ENDPOINTS_H
#define ENDPOINTS_H

#include <stddef.h>
#include <jansson.h>

#include "bridge.h"
#include "flowrun.h"
#include "jws.h"
#include "keyring.h"
#include "nonce.h"
#include "observe.h"
#include "problem.h"
#include "server.h"
#include "store.h"
#include "v1_rules.h"

#define EP_HDR_MAX 8
#define EP_HDR_LEN 1200 /* one header line at most */
#define EP_BASE_MAX 600 /* base_url and a prefix */

/* The upstream (v2) account a request acts through: the signer's own
 * binding (accounts_with_upstream) or the owner's of the object at hand
 * (accounts_load_owner). Filled by accounts.c, used to sign flows. */
struct ep_upstream {
	long long account_id;	      /* the v1 account whose binding this is */
	char key[KEYRING_ID_LEN + 1]; /* its v2 key's id, held in b->keyring */
	char thumb[JWK_THUMBPRINT_LEN + 1]; /* its RFC 7638 thumbprint */
	char *kid;	 /* its upstream account URL, NULL before creation */
	int passthrough; /* imported: the client answers challenges */
};

struct ep;

/* An authorization operation's state (new-authz, challenge POST and GET,
 * authorization GET and POST). */
struct ep_authz {
	struct store_authz authz;   /* the authorization at hand */
	int readonly;		    /* a GET: refreshes never answer */
	void (*then)(struct ep *e); /* after a refresh */
	/* its entry in the bridge's refreshes while this request's refresh
	 * runs, else NULL */
	struct authz_refresh *refresh;
	/* a GET's refresh claimed across instances (store_lock_try) */
	int claimed;
};

/* One v1 request while it is being answered (possibly asynchronously):
 * the request, its signer, and the state of the operation it asked for. */
struct ep {
	struct bridge *b;
	struct bridge_upstream *u; /* the CA its path prefix names */
	struct server_req *req;
	char base[EP_BASE_MAX];	       /* v1 base URL for this request, with the
				 * prefix */
	char path[SERVER_URL_MAX + 1]; /* URL path without the query */
	long long id;		       /* the reg id in the URL */
	struct v1_authz_ref authz;     /* the authorization in the URL */
	int idx;		       /* the challenge index in the URL */
	const char *tail; /* the serial or issuer id in the URL (in path) */
	char *hdr[EP_HDR_MAX]; /* extra response headers (allocated) */
	size_t nhdr;
	struct jws_v1 jws;	   /* the verified request (POSTs) */
	struct store_account acct; /* its signer's account (POSTs) */
	struct obs_req obs;	   /* for the access log and inventory */
	struct ep_upstream up;	   /* the v2 account it acts through */
	struct ep_authz *az;	   /* authorization operations */
	struct ep_cert *cert;	   /* new-cert (op_cert.c) */
};

/* The v1 listener's request handler; arg is the struct bridge. */
void endpoints_handle(struct server_req *r, void *arg);

/* The v1 account e->obs names (for the log, the inventory, and the run's
 * turn in the upstream's fair queue): set once it is known. */
void ep_obs_account(struct ep *e);
void ep_header(struct ep *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replies: each adds Replay-Nonce and Cache-Control, logs one line, sends,
 * and frees e. */
void ep_reply_json(struct ep *e, int status, json_t *j); /* steals j */
void ep_reply_problem(struct ep *e, const struct problem *p);
/* 503 + Retry-After: the upstream directory at URL is `what`: the cause. */
void ep_reply_upstream_down(struct ep *e, const char *what);
void ep_reply_error(struct ep *e, enum v1_error type, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ep_reply_body(
    struct ep *e, int status, const char *ctype, const void *body, size_t len);

/* The per-address rate limit t (NULL = off; what: "new-reg" or "post",
 * for the metrics) for e's peer: 0, or -1 after replying 429 rateLimited
 * with Retry-After (nothing is changed). */
int ep_rate_limit(struct ep *e, struct rate_table *t, const char *what);

/* Verify the JWS for resource and load the signer's account (unless
 * new-reg). 0, or -1 after replying. */
int ep_verify(struct ep *e, const char *resource, int need_account);

/* The operations, by resource: op_reg.c (new-reg, reg), op_authz.c
 * (new-authz, challenge POST, authorization and challenge GET), op_cert.c
 * (new-cert), op_manage.c (account and authorization deactivation,
 * revoke-cert, key-change). */
void ep_new_reg(struct ep *e);
void ep_reg(struct ep *e);
void ep_new_authz(struct ep *e);
void ep_challenge_post(struct ep *e);
void ep_get_authz(struct ep *e);
void ep_get_challenge(struct ep *e);
void ep_new_cert(struct ep *e);
struct ep_cert;
void ep_cert_free(struct ep_cert *c);
void ep_reg_deactivate(struct ep *e); /* from ep_reg, signer verified */
void ep_authz_post(struct ep *e);
void ep_revoke_cert(struct ep *e);
void ep_key_change(struct ep *e);

/* Authorization state for e (allocated on first use, freed with e); NULL
 * after replying 500. */
struct ep_authz *ep_authz(struct ep *e);
/* The authorization the URL names (e->authz) into out: by its public id,
 * or by its numeric id only when it predates public ids (numeric_url).
 * As the store: 0, 1 not found (out holds nothing), -1. */
int ep_authz_load(struct ep *e, struct store_authz *out);
/* The authorization's v1 document or one of its challenges (e->idx). */
void ep_send_authz(struct ep *e, int status);
void ep_send_challenge(struct ep *e);
/* A pending authorization refreshed from upstream (FLOW_CHECK, wait_ms),
 * then `then`, whatever the outcome (the client polls again). Each refresh
 * is recorded in b->refreshes, where GETs look before asking the CA. */
void ep_authz_refresh(struct ep *e, long wait_ms, void (*then)(struct ep *));
/* Forget every recorded refresh (main, after the loop: none runs). */
void ep_refreshes_free(struct bridge *b);

/* --- upstream flows (op_flow.c) ---------------------------------------- */

/* The one place a v1 request starts upstream work: run f signed with
 * e->up (by jwk when by_jwk: newAccount), reported in e's access log line;
 * cb(arg) gets the outcome. 0, or -1 (f freed, cb not called). */
int ep_flow_start(
    struct ep *e, struct flow *f, int by_jwk, flowrun_cb cb, void *arg);
/* Challenge types and answering mode of a flow for names (n of them):
 * dns-01 where the config sends a name to the hook; an imported account's
 * client answers itself. 0 or -1. */
int ep_flow_prepare(
    struct ep *e, struct flow *f, const char *const *names, size_t n);
/* The upstream directory's URLs a flow needs. 0, or -1 (not loaded). */
struct flow_dir;
int ep_flow_dir(struct ep *e, struct flow_dir *fd);
/* Reply with the problem of a failed flow. */
void ep_fail_flow(struct ep *e, struct flow *f);

#endif
