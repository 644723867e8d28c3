/* policy.c: name policy, shared account groups, name patterns (policy.h).
 * First cut: patterns only; rules and groups are filled in next. */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "problem.h"

int
policy_patterns_check(const json_t *patterns, char *why, size_t whylen)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(patterns)) {
		snprintf(why, whylen, "must be an array of names");
		return -1;
	}
	json_array_foreach(patterns, i, v)
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > 253) {
			snprintf(why, whylen, "entry %zu is not a name", i);
			return -1;
		}
	return 0;
}

int
policy_rules_check(const json_t *rules, char *why, size_t whylen)
{
	(void)rules;
	snprintf(why, whylen, "policy rules are not supported yet");
	return -1;
}

int
policy_accounts_check(const json_t *accounts, char *why, size_t whylen)
{
	(void)accounts;
	snprintf(why, whylen, "account modes are not supported yet");
	return -1;
}

static int
pattern_match(const char *pat, const char *name)
{
	size_t pl, nl;

	if (strncmp(pat, "*.", 2) != 0)
		return strcmp(pat, name) == 0;
	pl = strlen(pat + 1);		/* ".suffix" */
	nl = strlen(name);
	return nl > pl && strcmp(name + nl - pl, pat + 1) == 0;
}

int
policy_name_match(const json_t *patterns, const char *name)
{
	const json_t *v;
	size_t i;

	json_array_foreach(patterns, i, v)
		if (json_is_string(v) && pattern_match(json_string_value(v), name))
			return 1;
	return 0;
}

int
policy_name_allowed(const json_t *rules, const struct policy_who *w,
    const char *name, struct problem *p)
{
	(void)w;
	if (rules == NULL)
		return 0;
	return problem_set(p, "unauthorized", 403,
	    "name policy refuses %s", name);
}

const char *
policy_account_group(const json_t *accounts, const struct policy_who *w)
{
	(void)accounts;
	(void)w;
	return NULL;
}
