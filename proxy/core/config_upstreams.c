/* config_upstreams.c: the `upstreams` key (issue 9 item 1): several
 * upstream CAs, each behind a path prefix of the v1 API. The root's entry
 * ("") is the same thing as the shorthand keys upstream, upstream_ca,
 * eab_kid, eab_hmac_key, agree_tos and accounts: it writes those fields,
 * so that the flags (--upstream, --agree-tos) still win over it, and
 * config_upstreams_build turns them into ups[0]. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_check.h"
#include "config_upstreams.h"
#include "policy.h"
#include "v1_rules.h"

/* The root's shorthand keys, which upstreams[""] must not repeat. */
static const char *const root_keys[] = { "upstream", "upstream_ca", "eab_kid",
	"eab_hmac_key", "agree_tos", "accounts" };

/* A string member into out (size outlen) through chk (may be NULL). */
static int
member_text(const json_t *v, const char *name, char *out, size_t outlen,
    int (*chk)(char *, char *, size_t), char *why, size_t whylen)
{
	const char *s = json_string_value(v);
	char w[400];

	if (s == NULL || strlen(s) != json_string_length(v)) {
		snprintf(why, whylen, "'%s' must be a string", name);
		return -1;
	}
	if (strlen(s) >= outlen) {
		snprintf(why, whylen, "'%s' is longer than %zu bytes", name,
		    outlen - 1);
		return -1;
	}
	snprintf(out, outlen, "%s", s);
	if (chk != NULL && s[0] != '\0' && chk(out, w, sizeof(w)) != 0) {
		snprintf(why, whylen, "'%s': %s", name, w);
		return -1;
	}
	return 0;
}

/* One member of an entry into u. */
static int
entry_member(struct config_upstream *u, const char *name, const json_t *v,
    char *why, size_t whylen)
{
	char w[400];

	if (strcmp(name, "url") == 0)
		return member_text(v, name, u->url, sizeof(u->url),
		    config_check_url, why, whylen);
	if (strcmp(name, "ca_file") == 0)
		return member_text(v, name, u->ca_file, sizeof(u->ca_file),
		    config_check_readable, why, whylen);
	if (strcmp(name, "eab_kid") == 0)
		return member_text(
		    v, name, u->eab_kid, sizeof(u->eab_kid), NULL, why, whylen);
	if (strcmp(name, "eab_hmac_key") == 0)
		return member_text(v, name, u->eab_hmac_key,
		    sizeof(u->eab_hmac_key), config_check_b64url, why, whylen);
	if (strcmp(name, "agree_tos") == 0) {
		if (!json_is_boolean(v)) {
			snprintf(
			    why, whylen, "'agree_tos' must be true or false");
			return -1;
		}
		u->agree_tos = json_is_true(v);
		return 0;
	}
	if (strcmp(name, "accounts") == 0) {
		if (policy_accounts_check(v, w, sizeof(w)) != 0) {
			snprintf(why, whylen, "'accounts': %s", w);
			return -1;
		}
		u->accounts = v;
		return 0;
	}
	if (name[0] == '_')
		return 0; /* a comment */
	snprintf(why, whylen,
	    "unknown member '%.60s' (url, ca_file, eab_kid, eab_hmac_key, "
	    "agree_tos, accounts)",
	    name);
	return -1;
}

/* Entry v of prefix into u (zeroed first). why starts with the prefix. */
static int
entry_parse(const char *prefix, const json_t *v, struct config_upstream *u,
    char *why, size_t whylen)
{
	const char *name;
	json_t *m;
	char w[480];

	memset(u, 0, sizeof(*u));
	if (!json_is_object(v)) {
		snprintf(why, whylen, "\"%s\" must be an object", prefix);
		return -1;
	}
	json_object_foreach((json_t *)v, name, m) {
		if (entry_member(u, name, m, w, sizeof(w)) != 0) {
			snprintf(why, whylen, "\"%s\": %s", prefix, w);
			return -1;
		}
	}
	if (prefix[0] != '\0' && u->url[0] == '\0') {
		snprintf(why, whylen, "\"%s\": 'url' is required", prefix);
		return -1;
	}
	if ((u->eab_kid[0] == '\0') != (u->eab_hmac_key[0] == '\0')) {
		snprintf(why, whylen,
		    "\"%s\": External Account Binding needs both eab_kid and "
		    "eab_hmac_key",
		    prefix);
		return -1;
	}
	snprintf(u->prefix, sizeof(u->prefix), "%s", prefix);
	snprintf(u->name, sizeof(u->name), "%s", prefix[0] ? prefix : "/");
	return 0;
}

int
config_upstreams_check(const json_t *v, char *why, size_t whylen)
{
	struct config_upstream u;
	const char *prefix;
	json_t *m;
	size_t n = 1; /* the root is always there */
	char w[400];

	if (!json_is_object(v)) {
		snprintf(
		    why, whylen, "must be an object from path prefix to CA");
		return -1;
	}
	json_object_foreach((json_t *)v, prefix, m) {
		if (prefix[0] == '_')
			continue;
		if (v1_prefix_check(prefix, w, sizeof(w)) != 0) {
			snprintf(why, whylen, "\"%.70s\": %s", prefix, w);
			return -1;
		}
		if (prefix[0] != '\0' && ++n > CONFIG_UPSTREAMS_MAX) {
			snprintf(why, whylen, "at most %d upstreams",
			    CONFIG_UPSTREAMS_MAX);
			return -1;
		}
		if (entry_parse(prefix, m, &u, why, whylen) != 0)
			return -1;
	}
	return 0;
}

/* upstreams[""] into the shorthand fields (checked already). */
static int
root_apply(struct config *c, const json_t *v, char *why, size_t whylen)
{
	struct config_upstream u;

	if (entry_parse("", v, &u, why, whylen) != 0)
		return -1;
	if (u.url[0] != '\0')
		snprintf(c->upstream, sizeof(c->upstream), "%s", u.url);
	snprintf(c->upstream_ca, sizeof(c->upstream_ca), "%s", u.ca_file);
	snprintf(c->eab_kid, sizeof(c->eab_kid), "%s", u.eab_kid);
	snprintf(
	    c->eab_hmac_key, sizeof(c->eab_hmac_key), "%s", u.eab_hmac_key);
	c->agree_tos = u.agree_tos;
	json_decref(c->accounts);
	c->accounts = u.accounts ? json_deep_copy(u.accounts) : NULL;
	if (u.accounts != NULL && c->accounts == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

int
config_upstreams_root(
    struct config *c, const json_t *file, char *why, size_t whylen)
{
	const json_t *root;
	size_t i;

	if (c->upstreams_json == NULL ||
	    (root = json_object_get(c->upstreams_json, "")) == NULL)
		return 0;
	for (i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++)
		if (json_object_get(file, root_keys[i]) != NULL) {
			snprintf(why, whylen,
			    "\"\" sets the root upstream, as the top-level "
			    "key '%s' does: use one or the other",
			    root_keys[i]);
			return -1;
		}
	return root_apply(c, root, why, whylen);
}

/* ups[0] from the shorthand fields. */
static void
root_build(struct config *c)
{
	struct config_upstream *u = &c->ups[0];

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "/");
	snprintf(u->url, sizeof(u->url), "%s", c->upstream);
	snprintf(u->ca_file, sizeof(u->ca_file), "%s", c->upstream_ca);
	snprintf(u->eab_kid, sizeof(u->eab_kid), "%s", c->eab_kid);
	snprintf(
	    u->eab_hmac_key, sizeof(u->eab_hmac_key), "%s", c->eab_hmac_key);
	u->agree_tos = c->agree_tos;
	u->accounts = c->accounts;
}

int
config_upstreams_build(struct config *c, char *why, size_t whylen)
{
	const char *prefix;
	json_t *m;

	root_build(c);
	c->nups = 1;
	if (c->upstreams_json == NULL)
		return 0;
	json_object_foreach(c->upstreams_json, prefix, m) {
		if (prefix[0] == '_' || prefix[0] == '\0')
			continue;
		if (c->nups >= CONFIG_UPSTREAMS_MAX) {
			snprintf(why, whylen, "at most %d upstreams",
			    CONFIG_UPSTREAMS_MAX);
			return -1;
		}
		if (entry_parse(prefix, m, &c->ups[c->nups], why, whylen) != 0)
			return -1;
		c->nups++;
	}
	return 0;
}

const struct config_upstream *
config_upstream_find(const struct config *c, const char *prefix)
{
	size_t i;

	for (i = 0; i < c->nups; i++)
		if (strcmp(c->ups[i].prefix, prefix) == 0)
			return &c->ups[i];
	return NULL;
}
