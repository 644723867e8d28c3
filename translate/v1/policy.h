/* policy.h: who may do what, from the config's "accounts" and "policy"
 * members (docs/policy.md, docs/accounts.md). Pure: JSON in, decisions out;
 * the config checks run once at load time, the decisions on every request.
 *
 * A client is described by a policy_who: its v1 account id, the RFC 7638
 * thumbprint of its key and its address. A "match" object says which clients
 * a rule or a group covers; it covers a client when ANY of its members does:
 *
 *   {"accounts": [3, 7],                 v1 account ids
 *    "thumbprints": ["<43 chars>"],      RFC 7638 thumbprints of v1 keys
 *    "addresses": ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"],
 *    "any": true}                        every client
 *
 * Addresses are IPv4 or IPv6 literals, alone or with a /prefix (host bits
 * must be zero); an IPv4-mapped IPv6 client address (::ffff:a.b.c.d) is
 * matched as the IPv4 address.
 *
 * Name patterns: "name" matches exactly that name; "*.suffix" matches any
 * name strictly below suffix (not suffix itself). Case-insensitive. */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <jansson.h>

struct problem;

#define POLICY_NAME_MAX 64 /* rule and group names */

struct policy_who {
	long long account_id;	/* 0 before registration */
	const char *thumbprint; /* may be NULL */
	const char *addr;	/* client IP address text, may be NULL */
};

/* Validate the config members; 0, or -1 with a reason in why naming the
 * rule/group and the member ("rule 2 ('web'): match: addresses[0]: ...").
 *
 * policy: a non-empty array of rules
 *   {"name": "web-hosts", "match": {...}, "allow": ["example.com",
 *    "*.example.org"], "_comment": "..."}
 * name: 1..64 printable characters, unique; allow: a non-empty array of
 * patterns. Unknown members are refused.
 *
 * accounts: {"mode": "per-client"} (the default) or
 *   {"mode": "shared", "groups": [{"name": "fleet-a", "match": {...}}, ...]}
 * group names: 1..64 of [A-Za-z0-9._-], unique; "groups" only (and then
 * non-empty) with mode "shared". */
int policy_rules_check(const json_t *rules, char *why, size_t whylen);
int policy_accounts_check(const json_t *accounts, char *why, size_t whylen);
/* An array of "name" or "*.suffix" patterns (dns01_names, "allow"). */
int policy_patterns_check(const json_t *patterns, char *why, size_t whylen);

/* 0 when w may have name under rules (NULL rules: everything is allowed):
 * some rule whose match covers w allows it. Otherwise -1 with p filled
 * (unauthorized 403): the detail names the rules that matched w and did not
 * allow name, or says that no rule matches w (its account id, thumbprint and
 * address). Rules are assumed checked by policy_rules_check. */
int policy_name_allowed(const json_t *rules, const struct policy_who *w,
    const char *name, struct problem *p);

/* The name of the first group (in config order) whose match covers w when
 * accounts has mode "shared", or NULL: w keeps its own upstream account
 * (per-client). The string is borrowed from accounts. */
const char *
policy_account_group(const json_t *accounts, const struct policy_who *w);

/* 1 when name matches a pattern in the array, else 0. NULL: 0. */
int policy_name_match(const json_t *patterns, const char *name);

#endif
