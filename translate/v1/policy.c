/* policy.c: name policy rules, shared account groups and name patterns
 * (policy.h). Checks say precisely what is wrong; decisions assume checked
 * input and treat anything odd as "does not match". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jwk.h"
#include "netaddr.h"
#include "policy.h"
#include "problem.h"

#define NAME_MAX_LEN 253
#define LABEL_MAX 63

/* --- names and patterns --------------------------------------------------- */

static int
is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* A DNS name of LDH labels: 0 or -1 with why. */
static int
dns_name_check(const char *s, char *why, size_t whylen)
{
	size_t i, lab = 0, len = strlen(s);

	if (len == 0 || len > NAME_MAX_LEN) {
		snprintf(why, whylen, "must be 1..%d characters", NAME_MAX_LEN);
		return -1;
	}
	for (i = 0; i <= len; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			if (lab == 0) {
				snprintf(why, whylen,
				    "empty label (leading, "
				    "trailing or double dot)");
				return -1;
			}
			if (lab > LABEL_MAX) {
				snprintf(why, whylen,
				    "label longer than %d "
				    "characters",
				    LABEL_MAX);
				return -1;
			}
			if (s[i - 1] == '-' || s[i - lab] == '-') {
				snprintf(why, whylen,
				    "label starting or "
				    "ending with '-'");
				return -1;
			}
			lab = 0;
			continue;
		}
		if (s[i] == '*') {
			snprintf(why, whylen,
			    "'*' is only allowed as a whole "
			    "leading label, as in \"*.example.org\"");
			return -1;
		}
		if (!is_ldh(s[i])) {
			snprintf(why, whylen,
			    "character that is not a "
			    "letter, digit, '-' or '.'");
			return -1;
		}
		lab++;
	}
	return 0;
}

static int
pattern_check(const char *s, char *why, size_t whylen)
{
	if (strcmp(s, "*") == 0) {
		snprintf(why, whylen,
		    "not a pattern alone (write "
		    "\"*.example.org\" for the names below example.org)");
		return -1;
	}
	if (strncmp(s, "*.", 2) == 0)
		return dns_name_check(s + 2, why, whylen);
	return dns_name_check(s, why, whylen);
}

int
policy_patterns_check(const json_t *patterns, char *why, size_t whylen)
{
	const json_t *v;
	char r[160];
	size_t i;

	if (!json_is_array(patterns)) {
		snprintf(why, whylen,
		    "must be an array of names or \"*.suffix\" "
		    "patterns");
		return -1;
	}
	if (json_array_size(patterns) == 0) {
		snprintf(why, whylen, "is empty: list at least one name");
		return -1;
	}
	json_array_foreach(patterns, i, v) {
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			snprintf(why, whylen, "[%zu] is not a string", i);
			return -1;
		}
		if (pattern_check(json_string_value(v), r, sizeof(r)) == -1) {
			snprintf(why, whylen, "[%zu] \"%.80s\": %s", i,
			    json_string_value(v), r);
			return -1;
		}
	}
	return 0;
}

static int
pattern_match(const char *pat, const char *name)
{
	size_t pl, nl;

	if (strncmp(pat, "*.", 2) != 0)
		return strcasecmp(pat, name) == 0;
	pl = strlen(pat + 1); /* ".suffix" */
	nl = strlen(name);
	return nl > pl && strcasecmp(name + nl - pl, pat + 1) == 0;
}

int
policy_name_match(const json_t *patterns, const char *name)
{
	const json_t *v;
	size_t i;

	if (name == NULL)
		return 0;
	json_array_foreach(patterns, i, v)
		if (json_is_string(v) &&
		    pattern_match(json_string_value(v), name))
			return 1;
	return 0;
}

/* --- match objects --------------------------------------------------------- */

static int
thumbprint_ok(const char *s)
{
	size_t i;

	if (strlen(s) != JWK_THUMBPRINT_LEN)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
			s[i] == '_'))
			return 0;
	return 1;
}

/* A non-empty array member of a match object; -1 with why otherwise. */
static int
match_list(const json_t *m, const char *key, const json_t **out, char *why,
    size_t whylen)
{
	*out = json_object_get(m, key);
	if (*out == NULL)
		return 0;
	if (!json_is_array(*out) || json_array_size(*out) == 0) {
		snprintf(
		    why, whylen, "match.%s must be a non-empty array", key);
		return -1;
	}
	return 0;
}

static int
match_members_check(const json_t *m, char *why, size_t whylen)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)m, k, v) {
		(void)v;
		if (strcmp(k, "accounts") != 0 &&
		    strcmp(k, "thumbprints") != 0 &&
		    strcmp(k, "addresses") != 0 && strcmp(k, "any") != 0) {
			snprintf(why, whylen,
			    "match has an unknown member "
			    "'%.40s' (accounts, thumbprints, addresses, any)",
			    k);
			return -1;
		}
	}
	if (json_object_size(m) == 0) {
		snprintf(why, whylen,
		    "match is empty: list accounts, "
		    "thumbprints or addresses, or say \"any\": true");
		return -1;
	}
	v = json_object_get(m, "any");
	if (v != NULL && !json_is_true(v)) {
		snprintf(why, whylen,
		    "match.any must be true (leave it out "
		    "otherwise)");
		return -1;
	}
	return 0;
}

static int
match_check(const json_t *m, char *why, size_t whylen)
{
	const json_t *acc, *tps, *addrs, *v;
	size_t i;

	if (!json_is_object(m)) {
		snprintf(why, whylen, "match must be an object");
		return -1;
	}
	if (match_members_check(m, why, whylen) == -1 ||
	    match_list(m, "accounts", &acc, why, whylen) == -1 ||
	    match_list(m, "thumbprints", &tps, why, whylen) == -1 ||
	    match_list(m, "addresses", &addrs, why, whylen) == -1)
		return -1;
	json_array_foreach(acc, i, v)
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			snprintf(why, whylen,
			    "match.accounts[%zu] must be a v1 "
			    "account id (an integer >= 1)",
			    i);
			return -1;
		}
	json_array_foreach(tps, i, v)
		if (!json_is_string(v) ||
		    !thumbprint_ok(json_string_value(v))) {
			snprintf(why, whylen,
			    "match.thumbprints[%zu] must be an "
			    "RFC 7638 thumbprint (43 base64url characters)",
			    i);
			return -1;
		}
	if (addrs != NULL &&
	    netaddr_list_check_named(addrs, "match.addresses", why, whylen) ==
		-1)
		return -1;
	return 0;
}

static int
match_covers(const json_t *m, const struct policy_who *w)
{
	const json_t *v;
	struct netaddr a;
	size_t i;

	if (json_is_true(json_object_get(m, "any")))
		return 1;
	json_array_foreach(json_object_get(m, "accounts"), i, v)
		if (w->account_id > 0 && json_is_integer(v) &&
		    json_integer_value(v) == w->account_id)
			return 1;
	json_array_foreach(json_object_get(m, "thumbprints"), i, v)
		if (w->thumbprint != NULL && json_is_string(v) &&
		    strcmp(json_string_value(v), w->thumbprint) == 0)
			return 1;
	return netaddr_client(w->addr, &a) == 0 &&
	    netaddr_list_covers(json_object_get(m, "addresses"), &a);
}

/* --- rules and groups --------------------------------------------------------- */

/* Printable ASCII, 1..POLICY_NAME_MAX, no leading or trailing space; groups
 * (strict) only [A-Za-z0-9._-]. */
static int
entry_name_ok(const json_t *v, int strict)
{
	const char *s = json_string_value(v);
	size_t i, len;

	if (s == NULL || (len = strlen(s)) != json_string_length(v) ||
	    len == 0 || len > POLICY_NAME_MAX || s[0] == ' ' ||
	    s[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
		if (strict && !is_ldh(s[i]) && s[i] != '.' && s[i] != '_')
			return 0;
	}
	return 1;
}

/* The entry's members are all in allowed (NULL-terminated). */
static int
members_check(
    const json_t *o, const char *const *allowed, char *why, size_t whylen)
{
	const char *k;
	const json_t *v;
	size_t i;

	json_object_foreach((json_t *)o, k, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(why, whylen, "unknown member '%.40s'", k);
			return -1;
		}
	}
	return 0;
}

/* The name of entry i of arr is unique among entries 0..i-1. */
static int
name_unique(const json_t *arr, size_t i, const char *name)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(json_string_value(
			       json_object_get(json_array_get(arr, j), "name")),
			name) == 0)
			return 0;
	return 1;
}

/* What a rule and a group share, and how its messages name it. */
struct entry_kind {
	const char *label;	    /* "rule " | "groups": label[i] */
	const char *members;	    /* the members it must have */
	const char *name_chars;	    /* what its name may hold */
	int strict;		    /* entry_name_ok's strict */
	const char *const *allowed; /* its members, NULL-terminated */
};

/* Entry i of arr is an object of kind's members with a unique name and a
 * valid match. 0 with *name set, or -1 with why. */
static int
entry_check(const json_t *arr, size_t i, const struct entry_kind *k,
    const json_t **name, char *why, size_t whylen)
{
	const json_t *e = json_array_get(arr, i);
	char inner[320];

	if (!json_is_object(e)) {
		snprintf(why, whylen, "%s[%zu] must be an object with %s",
		    k->label, i, k->members);
		return -1;
	}
	*name = json_object_get(e, "name");
	if (!entry_name_ok(*name, k->strict)) {
		snprintf(why, whylen, "%s[%zu]: name must be 1..%d %s",
		    k->label, i, POLICY_NAME_MAX, k->name_chars);
		return -1;
	}
	if (!name_unique(arr, i, json_string_value(*name))) {
		snprintf(why, whylen, "%s[%zu]: name '%s' is used twice",
		    k->label, i, json_string_value(*name));
		return -1;
	}
	if (members_check(e, k->allowed, inner, sizeof(inner)) == -1 ||
	    match_check(json_object_get(e, "match"), inner, sizeof(inner)) ==
		-1) {
		snprintf(why, whylen, "%s[%zu] '%s': %s", k->label, i,
		    json_string_value(*name), inner);
		return -1;
	}
	return 0;
}

static int
rule_check(const json_t *rules, size_t i, char *why, size_t whylen)
{
	static const char *const allowed[] = { "name", "match", "allow",
		"_comment", NULL };
	static const struct entry_kind kind = { "rule ",
		"name, match and allow", "printable characters", 0, allowed };
	const json_t *r = json_array_get(rules, i), *name, *allow;
	char inner[320], pat[280];

	if (entry_check(rules, i, &kind, &name, why, whylen) == -1)
		return -1;
	allow = json_object_get(r, "allow");
	if (allow == NULL) {
		snprintf(inner, sizeof(inner),
		    "allow is missing (an array of "
		    "names and \"*.suffix\" patterns)");
		goto bad;
	}
	if (policy_patterns_check(allow, pat, sizeof(pat)) == -1) {
		snprintf(inner, sizeof(inner), "allow: %s", pat);
		goto bad;
	}
	return 0;
bad:
	snprintf(why, whylen, "rule [%zu] '%s': %s", i, json_string_value(name),
	    inner);
	return -1;
}

int
policy_rules_check(const json_t *rules, char *why, size_t whylen)
{
	size_t i;

	if (!json_is_array(rules)) {
		snprintf(why, whylen,
		    "must be an array of rules {\"name\", "
		    "\"match\", \"allow\"}");
		return -1;
	}
	if (json_array_size(rules) == 0) {
		snprintf(why, whylen,
		    "is empty: that would refuse every name; "
		    "leave the key out to allow everything");
		return -1;
	}
	for (i = 0; i < json_array_size(rules); i++)
		if (rule_check(rules, i, why, whylen) == -1)
			return -1;
	return 0;
}

static int
group_check(const json_t *groups, size_t i, char *why, size_t whylen)
{
	static const char *const allowed[] = { "name", "match", "_comment",
		NULL };
	static const struct entry_kind kind = { "groups", "name and match",
		"of A-Z a-z 0-9 . _ -", 1, allowed };
	const json_t *name;

	return entry_check(groups, i, &kind, &name, why, whylen);
}

int
policy_accounts_check(const json_t *accounts, char *why, size_t whylen)
{
	static const char *const allowed[] = { "mode", "groups", "_comment",
		NULL };
	const json_t *mode, *groups;
	int shared;
	size_t i;

	if (!json_is_object(accounts)) {
		snprintf(why, whylen,
		    "must be an object {\"mode\": "
		    "\"per-client\" | \"shared\", \"groups\": [...]}");
		return -1;
	}
	if (members_check(accounts, allowed, why, whylen) == -1)
		return -1;
	mode = json_object_get(accounts, "mode");
	if (mode != NULL &&
	    (!json_is_string(mode) ||
		(strcmp(json_string_value(mode), "per-client") != 0 &&
		    strcmp(json_string_value(mode), "shared") != 0))) {
		snprintf(
		    why, whylen, "mode must be \"per-client\" or \"shared\"");
		return -1;
	}
	shared = mode != NULL && strcmp(json_string_value(mode), "shared") == 0;
	groups = json_object_get(accounts, "groups");
	if (!shared && groups != NULL) {
		snprintf(why, whylen,
		    "groups are only used with \"mode\": "
		    "\"shared\"");
		return -1;
	}
	if (!shared)
		return 0;
	if (!json_is_array(groups) || json_array_size(groups) == 0) {
		snprintf(why, whylen,
		    "mode \"shared\" needs a non-empty groups "
		    "array [{\"name\", \"match\"}, ...]");
		return -1;
	}
	for (i = 0; i < json_array_size(groups); i++)
		if (group_check(groups, i, why, whylen) == -1)
			return -1;
	return 0;
}

/* --- decisions ---------------------------------------------------------------- */

const char *
policy_account_group(const json_t *accounts, const struct policy_who *w)
{
	const json_t *g;
	const char *mode;
	size_t i;

	if (accounts == NULL || w == NULL)
		return NULL;
	mode = json_string_value(json_object_get(accounts, "mode"));
	if (mode == NULL || strcmp(mode, "shared") != 0)
		return NULL;
	json_array_foreach(json_object_get(accounts, "groups"), i, g)
		if (match_covers(json_object_get(g, "match"), w))
			return json_string_value(json_object_get(g, "name"));
	return NULL;
}

/* Append ", 'name'" (or "'name'" first) to buf; ", ..." once full. */
static void
append_name(char *buf, size_t size, size_t *off, const char *name)
{
	int n;

	if (*off + 1 >= size)
		return;
	n = snprintf(buf + *off, size - *off, "%s'%s'", *off ? ", " : "", name);
	if (n >= 0 && (size_t)n < size - *off) {
		*off += (size_t)n;
		return;
	}
	snprintf(buf + *off, size - *off, "%s...", *off ? ", " : "");
	*off = size - 1;
}

int
policy_name_allowed(const json_t *rules, const struct policy_who *w,
    const char *name, struct problem *p)
{
	const json_t *r;
	char matched[200] = "";
	size_t i, off = 0, nmatched = 0;

	if (rules == NULL)
		return 0;
	json_array_foreach(rules, i, r) {
		if (!match_covers(json_object_get(r, "match"), w))
			continue;
		if (policy_name_match(json_object_get(r, "allow"), name))
			return 0;
		nmatched++;
		append_name(matched, sizeof(matched), &off,
		    json_string_value(json_object_get(r, "name")));
	}
	if (nmatched > 0)
		return problem_set(p, V1E_UNAUTHORIZED, 403,
		    "name policy refuses "
		    "%.253s: rule%s %s match%s this client and do%s not allow "
		    "it",
		    name, nmatched > 1 ? "s" : "", matched,
		    nmatched > 1 ? "" : "es", nmatched > 1 ? "" : "es");
	return problem_set(p, V1E_UNAUTHORIZED, 403,
	    "name policy refuses "
	    "%.253s: no rule matches this client (account %lld, key "
	    "thumbprint %s, address %.64s)",
	    name, w->account_id,
	    w->thumbprint && w->thumbprint[0] ? w->thumbprint : "-",
	    w->addr && w->addr[0] ? w->addr : "-");
}
