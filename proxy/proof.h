/* proof.h: client-proof validation (authz_mode "client-proof"): before the
 * bridge solves the upstream challenge for a v1 authorization, it checks the
 * v1 client's own provisioning exactly as Boulder's validation authority
 * did: http-01 fetches http://NAME:proof_http_port/.well-known/acme-challenge/
 * TOKEN and expects TOKEN.THUMBPRINT(v1 key); dns-01 looks up the TXT records
 * of _acme-challenge.NAME with the configured resolver and expects
 * base64url(SHA-256(TOKEN.THUMBPRINT)). */
#ifndef PROOF_H
#define PROOF_H

struct ep;
struct problem;

/* Check e->authz (name, token) for challenge e->idx (V1_CHALL_HTTP01 or
 * V1_CHALL_DNS01) against e->jws.thumbprint; then done(e, NULL) on success
 * or done(e, p) with a v1 problem saying what was fetched or looked up and
 * what was found (unauthorized, connection, dns). Never blocks the loop.
 * Failures that are the bridge's, not the client's (out of memory, no
 * usable resolver configured, shutdown) are answered here with a 500/503
 * and done is not called, so the authorization stays pending. */
void proof_check(struct ep *e, void (*done)(struct ep *e,
    const struct problem *p));

/* Shutdown: every check waiting on DNS is answered 503 at once (those
 * fetching over HTTP end when the upstream client aborts them). */
void proof_cancel_all(void);

#endif
