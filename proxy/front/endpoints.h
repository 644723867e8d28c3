/* endpoints.h: internals shared by the v1 front end's files:
 * endpoints.c (routing, replies, GET resources) and v1_post.c (the signed
 * POST resources). */
#ifndef ENDPOINTS_H
#define ENDPOINTS_H

#include <stddef.h>
#include <jansson.h>

#include "bridge.h"
#include "jws.h"
#include "keyring.h"
#include "nonce.h"
#include "observe.h"
#include "problem.h"
#include "server.h"
#include "store.h"

#define EP_HDR_MAX 8
#define EP_HDR_LEN 1200
#define EP_BASE_MAX 320

/* One v1 request while it is being answered (possibly asynchronously). */
struct ep {
	struct bridge *b;
	struct server_req *req;
	char base[EP_BASE_MAX];		  /* v1 base URL for this request */
	char path[SERVER_URL_MAX + 1];	  /* URL path without the query */
	char hdr[EP_HDR_MAX][EP_HDR_LEN]; /* extra response headers */
	size_t nhdr;
	struct jws_v1 jws;	   /* the verified request */
	struct store_account acct; /* its account (POSTs) */
	struct store_authz authz;  /* the authorization at hand */
	long long id;		   /* id from the URL */
	int idx;		   /* challenge index from the URL */
	/* the upstream account's key: its id, held in b->keyring */
	char v2key[KEYRING_ID_LEN + 1];
	char v2thumb[JWK_THUMBPRINT_LEN + 1];
	char *kid;	    /* the upstream account URL */
	int passthrough;    /* imported: the client answers */
	int readonly;	    /* a GET: refreshes never answer */
	struct obs_req obs; /* for the access log and inventory */
	void (*after_account)(struct ep *); /* continuation */
	char *csr_b64;
	char **names;
	size_t nnames;
};

/* The v1 listener's request handler; arg is the struct bridge. */
void endpoints_handle(struct server_req *r, void *arg);

void ep_header(struct ep *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replies: each adds Replay-Nonce and Cache-Control, logs one line, sends,
 * and frees e. */
void ep_reply_json(struct ep *e, int status, json_t *j); /* steals j */
void ep_reply_problem(struct ep *e, const struct problem *p);
void ep_reply_error(struct ep *e, enum v1_error type, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ep_reply_body(
    struct ep *e, int status, const char *ctype, const void *body, size_t len);

/* Signed POSTs (v1_post.c). */
void ep_new_reg(struct ep *e);
void ep_reg(struct ep *e);
void ep_new_authz(struct ep *e);
void ep_challenge_post(struct ep *e);
void ep_new_cert(struct ep *e);

/* Changes to what exists (v1_manage.c): account deactivation (from ep_reg,
 * e->acct verified as the signer), authorization POST (deactivation),
 * revoke-cert, key-change. */
void ep_reg_deactivate(struct ep *e);
void ep_authz_post(struct ep *e);
void ep_revoke_cert(struct ep *e);
void ep_key_change(struct ep *e);

/* Set a flow's challenge types and answering mode for e. 0 or -1. */
struct flow;
int ep_flow_prepare(struct ep *e, struct flow *f);

/* Reply with the problem of a failed flow. */
struct flow;
void ep_fail_flow(struct ep *e, struct flow *f);

/* A pending authorization refreshed from upstream, then `then` (v1_post.c;
 * used by GETs of authz and challenge URLs too). */
void ep_authz_refresh(struct ep *e, long wait_ms, void (*then)(struct ep *));
void ep_send_authz(struct ep *e, int status);
void ep_send_challenge(struct ep *e);

/* Verify the JWS for resource and load the signer's account (unless
 * new-reg). 0, or -1 after replying. */
int ep_verify(struct ep *e, const char *resource, int need_account);

#endif
