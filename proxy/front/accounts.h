/* accounts.h: which upstream (v2) account signs for a v1 account
 * (docs/accounts.md).
 *
 *   per-client  (default) the v1 account's own bridge-held P-256 key and
 *               upstream account, created lazily with terms agreed
 *   shared      the config's "accounts" puts the v1 account in a named group
 *               (translate/policy.h): the group's bridge-held key and
 *               upstream account (store: groups) are used; authorizations
 *               stay per v1 account
 *   imported    the operator imported the host's own account key
 *               (`acme-bridge account import`, account_cmd.h): the upstream
 *               account is the host's existing one (onlyReturnExisting) and
 *               challenges pass through to the client (its own files satisfy
 *               the CA); e->passthrough is set
 *
 * Upstream account creation (or lookup) is lazy and done once per account
 * or group at a time (concurrent requests wait for the same one). A
 * rateLimited answer is stored with the CA's Retry-After as the account's or
 * group's "not before" time; until then requests needing that upstream
 * account get rateLimited 429 with Retry-After, without asking the CA. */
#ifndef ACCOUNTS_H
#define ACCOUNTS_H

struct ep;

/* Check the terms were agreed (imported accounts did at the CA), bind
 * e->acct by the config, then fill e->v2key, e->v2thumb, e->kid and
 * e->passthrough (creating the upstream account if needed), then call
 * next(e); or reply with a v1 error. */
void accounts_with_upstream(struct ep *e, void (*next)(struct ep *));

/* The same for another account (the owner of an authorization or a
 * certificate) by its stored binding, without creating anything upstream:
 * 0, or -1 when it has no upstream account yet (nothing replied). Loads
 * into e->acct. */
int accounts_load_owner(struct ep *e, long long account_id);

#endif
