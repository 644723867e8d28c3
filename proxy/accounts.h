/* accounts.h: which upstream (v2) account signs for a v1 account.
 *
 *   per-client  (default) the v1 account's own bridge-held P-256 key and
 *               upstream account, created lazily with terms agreed
 *   shared      the v1 account belongs to a named group (config
 *               "accounts"); the group's key and upstream account are used
 *   imported    the operator imported the host's own account key
 *               (`acme-bridge account import`): the upstream account is the
 *               host's existing one (onlyReturnExisting) and challenges pass
 *               through to the client (its own files satisfy the CA)
 *
 * Upstream account creation is lazy; a rateLimited answer is remembered with
 * the CA's Retry-After and answered locally until then (no retry loop). */
#ifndef ACCOUNTS_H
#define ACCOUNTS_H

struct ep;

/* Check the terms were agreed, then fill e->v2key, e->v2thumb, e->kid and
 * e->passthrough for e->acct (creating the upstream account if needed),
 * then call next(e); or reply with a v1 error. */
void accounts_with_upstream(struct ep *e, void (*next)(struct ep *));

/* The same for another account (the owner of an authorization or a
 * certificate) without creating anything upstream: 0, or -1 when it has no
 * upstream account yet (nothing replied). Loads into e->acct. */
int accounts_load_owner(struct ep *e, long long account_id);

#endif
