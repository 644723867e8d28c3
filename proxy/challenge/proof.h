/* proof.h: client-proof validation (authz_mode "client-proof"): before the
 * bridge solves the upstream challenge for a v1 authorization, it checks the
 * v1 client's own provisioning exactly as Boulder's validation authority
 * did: http-01 fetches http://NAME:proof_http_port/.well-known/acme-challenge/
 * TOKEN and expects TOKEN.THUMBPRINT(v1 key); dns-01 looks up the TXT records
 * of _acme-challenge.NAME with the configured resolver and expects
 * base64url(SHA-256(TOKEN.THUMBPRINT)). */
#ifndef PROOF_H
#define PROOF_H

struct bridge;
struct problem;

/* What is checked: the v1 authorization's name and token for challenge
 * chall (V1_CHALL_HTTP01 or V1_CHALL_DNS01), against the thumbprint of the
 * v1 account key. proof_check copies the strings. */
struct proof_subject {
	long long authz_id; /* for logs */
	const char *name;
	const char *token;
	int chall;
	const char *thumbprint;
};

/* PROOF_PROVEN: the client's answer is there (p NULL). PROOF_REFUTED: p
 * says what was fetched or looked up and what was found (unauthorized,
 * connection, dns). PROOF_ERROR: the failure is the bridge's, not the
 * client's (out of memory, no usable resolver, shutdown; p is a 500/503):
 * the authorization stays pending so that the client may try again. */
enum proof_verdict { PROOF_PROVEN, PROOF_REFUTED, PROOF_ERROR };
typedef void (*proof_cb)(
    void *arg, enum proof_verdict v, const struct problem *p);

/* Start the check; done(arg, ...) once it ends, always from the loop (on a
 * later turn, never inside proof_check). Never blocks the loop. 0, or -1
 * with err filled when it cannot start (done not called). */
int proof_check(struct bridge *b, const struct proof_subject *sub,
    proof_cb done, void *arg, struct problem *err);

/* Shutdown: every check waiting on DNS is answered 503 at once (those
 * fetching over HTTP end when the upstream client aborts them). */
void proof_cancel_all(struct bridge *b);

#endif
