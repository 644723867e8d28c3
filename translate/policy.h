/* policy.h: who may do what, from the config's "accounts" and "policy"
 * members (docs/config.md). Pure: JSON in, decisions out.
 *
 * A v1 client is matched by its v1 account id, the RFC 7638 thumbprint of
 * its key, or its address (exact or CIDR). */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <jansson.h>

struct problem;

struct policy_who {
	long long account_id;		/* 0 before registration */
	const char *thumbprint;
	const char *addr;		/* client IP address text */
};

/* Validate the config members; 0, or -1 with a reason in why. */
int policy_rules_check(const json_t *rules, char *why, size_t whylen);
int policy_accounts_check(const json_t *accounts, char *why, size_t whylen);
/* "name" or "*.suffix" patterns (dns01_names). */
int policy_patterns_check(const json_t *patterns, char *why, size_t whylen);

/* 0 when w may request name under rules (NULL rules: everything is
 * allowed); -1 with p filled (unauthorized 403, the detail naming the rule
 * that refused, or saying no rule matches the account). */
int policy_name_allowed(const json_t *rules, const struct policy_who *w,
    const char *name, struct problem *p);

/* The name of the shared group w belongs to under accounts (mode
 * "shared"), or NULL: its own upstream account (per-client). */
const char *policy_account_group(const json_t *accounts,
    const struct policy_who *w);

/* 1 when name matches a pattern in the array ("name" exactly, "*.suffix"
 * any name below suffix), else 0. NULL patterns: 0. */
int policy_name_match(const json_t *patterns, const char *name);

#endif
