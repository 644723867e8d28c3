/* v2_doc.c: RFC 8555 directory, account, order, authorization and
 * challenge documents, the request bodies the bridge sends, and the
 * spelling of statuses and challenge types (see v2.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "v2.h"

static const char *const status_names[] = {
	[V2S_PENDING] = "pending",
	[V2S_READY] = "ready",
	[V2S_PROCESSING] = "processing",
	[V2S_VALID] = "valid",
	[V2S_INVALID] = "invalid",
	[V2S_DEACTIVATED] = "deactivated",
	[V2S_EXPIRED] = "expired",
	[V2S_REVOKED] = "revoked",
	[V2S_UNKNOWN] = "unknown",
};

static const char *const chall_names[] = {
	[V2C_HTTP01] = "http-01",
	[V2C_DNS01] = "dns-01",
	[V2C_OTHER] = "other",
};

/* The index of s among the first n names, or n (the "other" value). */
static int
name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return n;
}

const char *
v2_status_name(enum v2_status s)
{
	return (unsigned)s < V2S_UNKNOWN ? status_names[s] : "unknown";
}

enum v2_status
v2_status_parse(const char *s)
{
	return (enum v2_status)name_index(status_names, V2S_UNKNOWN, s);
}

const char *
v2_chall_type_name(enum v2_chall_type t)
{
	return (unsigned)t < V2C_OTHER ? chall_names[t] : "other";
}

enum v2_chall_type
v2_chall_type_parse(const char *s)
{
	return (enum v2_chall_type)name_index(chall_names, V2C_OTHER, s);
}

/* --- member helpers ---------------------------------------------------- */

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A copy of the non-empty string member key into *out: 0, or -1 when it is
 * missing, empty, not a string or memory ran out. */
static int
url_dup(const json_t *o, const char *key, char **out)
{
	const char *s = jstr(o, key);

	*out = NULL;
	if (s == NULL || *s == '\0')
		return -1;
	return (*out = str_dup(s)) == NULL ? -1 : 0;
}

/* As url_dup, but absent is fine (*out NULL); present and wrong is -1. */
static int
opt_url_dup(const json_t *o, const char *key, char **out)
{
	*out = NULL;
	if (json_object_get(o, key) == NULL)
		return 0;
	return url_dup(o, key, out);
}

/* The required status member: -1 when missing or outside RFC 8555's set. */
static int
status_member(const json_t *o, enum v2_status *out)
{
	*out = v2_status_parse(jstr(o, "status"));
	return *out == V2S_UNKNOWN ? -1 : 0;
}

/* The optional error member as an allocated problem. */
static int
opt_error(const json_t *o, struct v2_problem **out)
{
	const json_t *e = json_object_get(o, "error");

	*out = NULL;
	if (e == NULL)
		return 0;
	if ((*out = malloc(sizeof(**out))) == NULL)
		return -1;
	if (v2_problem_parse(e, *out) == -1) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* --- directory --------------------------------------------------------- */

void
v2_directory_clear(struct v2_directory *d)
{
	free(d->new_nonce);
	free(d->new_account);
	free(d->new_order);
	free(d->revoke_cert);
	free(d->key_change);
	free(d->terms_of_service);
	memset(d, 0, sizeof(*d));
}

int
v2_directory_parse(
    const json_t *doc, struct v2_directory *d, char *why, size_t whylen)
{
	const json_t *meta = json_object_get(doc, "meta");
	const char *missing = NULL;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(doc)) {
		snprintf(why, whylen, "directory is not a JSON object");
		return -1;
	}
	/* A v1 directory given as upstream by mistake: name it, since "lacks
	 * newNonce" would not tell the user what to change. */
	if (json_object_get(doc, "new-reg") ||
	    json_object_get(doc, "new-authz")) {
		snprintf(why, whylen, "%s", V2_DIR_IS_V1);
		return -1;
	}
	/* Optional members that are there but unusable are left out. */
	(void)url_dup(doc, "revokeCert", &d->revoke_cert);
	(void)url_dup(doc, "keyChange", &d->key_change);
	(void)url_dup(meta, "termsOfService", &d->terms_of_service);
	if (url_dup(doc, "newOrder", &d->new_order) == -1)
		missing = "newOrder";
	if (url_dup(doc, "newAccount", &d->new_account) == -1)
		missing = "newAccount";
	if (url_dup(doc, "newNonce", &d->new_nonce) == -1)
		missing = "newNonce";
	if (missing == NULL)
		return 0;
	snprintf(why, whylen, "directory lacks %s", missing);
	v2_directory_clear(d);
	return -1;
}

/* --- account ----------------------------------------------------------- */

void
v2_account_clear(struct v2_account *a)
{
	free(a->orders);
	memset(a, 0, sizeof(*a));
}

int
v2_account_parse(const json_t *doc, struct v2_account *a)
{
	memset(a, 0, sizeof(*a));
	if (!json_is_object(doc) || status_member(doc, &a->status) == -1 ||
	    opt_url_dup(doc, "orders", &a->orders) == -1) {
		v2_account_clear(a);
		return -1;
	}
	return 0;
}

/* --- order ------------------------------------------------------------- */

void
v2_order_clear(struct v2_order *o)
{
	size_t i;

	for (i = 0; i < o->nauthz; i++)
		free(o->authz[i]);
	free(o->authz);
	free(o->finalize);
	free(o->certificate);
	free(o->error);
	memset(o, 0, sizeof(*o));
}

static int
order_authz(const json_t *doc, struct v2_order *o)
{
	const json_t *a = json_object_get(doc, "authorizations"), *u;
	size_t i, n = json_array_size(a);

	if (!json_is_array(a) || n > V2_ORDER_MAX)
		return -1;
	if (n > 0 && (o->authz = calloc(n, sizeof(*o->authz))) == NULL)
		return -1;
	json_array_foreach(a, i, u) {
		const char *s = json_string_value(u);

		if (s == NULL || *s == '\0' ||
		    (o->authz[i] = str_dup(s)) == NULL)
			return -1;
		o->nauthz++;
	}
	return 0;
}

int
v2_order_parse(const json_t *doc, struct v2_order *o)
{
	memset(o, 0, sizeof(*o));
	if (!json_is_object(doc) || status_member(doc, &o->status) == -1 ||
	    url_dup(doc, "finalize", &o->finalize) == -1 ||
	    opt_url_dup(doc, "certificate", &o->certificate) == -1 ||
	    order_authz(doc, o) == -1 || opt_error(doc, &o->error) == -1) {
		v2_order_clear(o);
		return -1;
	}
	return 0;
}

/* --- challenge and authorization ---------------------------------------- */

void
v2_challenge_clear(struct v2_challenge *c)
{
	free(c->url);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

int
v2_challenge_parse(const json_t *doc, struct v2_challenge *c)
{
	const json_t *tok = json_object_get(doc, "token");
	const char *t = json_string_value(tok);

	memset(c, 0, sizeof(*c));
	if (!json_is_object(doc) || jstr(doc, "type") == NULL ||
	    status_member(doc, &c->status) == -1 ||
	    (tok != NULL && (t == NULL || strlen(t) > V2_TOKEN_MAX)) ||
	    url_dup(doc, "url", &c->url) == -1 ||
	    opt_error(doc, &c->error) == -1) {
		v2_challenge_clear(c);
		return -1;
	}
	c->type = v2_chall_type_parse(jstr(doc, "type"));
	str_copy(c->token, sizeof(c->token), t);
	return 0;
}

void
v2_authz_clear(struct v2_authz *z)
{
	size_t i;

	for (i = 0; i < z->nchall; i++)
		v2_challenge_clear(&z->chall[i]);
	memset(z, 0, sizeof(*z));
}

static int
authz_identifier(const json_t *doc, struct v2_authz *z)
{
	const json_t *id = json_object_get(doc, "identifier");
	const char *type = jstr(id, "type"), *value = jstr(id, "value");
	const json_t *w = json_object_get(doc, "wildcard");

	if (type == NULL || strcmp(type, "dns") != 0 || value == NULL ||
	    *value == '\0' || strlen(value) > V2_NAME_MAX ||
	    (w != NULL && !json_is_boolean(w)))
		return -1;
	str_copy(z->name, sizeof(z->name), value);
	z->wildcard = json_is_true(w);
	return 0;
}

int
v2_authz_parse(const json_t *doc, struct v2_authz *z)
{
	const json_t *chs = json_object_get(doc, "challenges"), *ch;
	size_t i;

	memset(z, 0, sizeof(*z));
	if (!json_is_object(doc) || authz_identifier(doc, z) == -1 ||
	    status_member(doc, &z->status) == -1 || !json_is_array(chs) ||
	    json_array_size(chs) > V2_CHALL_MAX)
		goto bad;
	json_array_foreach(chs, i, ch) {
		if (v2_challenge_parse(ch, &z->chall[i]) == -1)
			goto bad;
		z->nchall++;
	}
	return 0;
bad:
	v2_authz_clear(z);
	return -1;
}

const struct v2_challenge *
v2_authz_challenge(const struct v2_authz *z, enum v2_chall_type t)
{
	size_t i;

	for (i = 0; i < z->nchall; i++)
		if (z->chall[i].type == t)
			return &z->chall[i];
	return NULL;
}

/* --- request bodies ---------------------------------------------------- */

/* The compact text of j (stolen), or NULL. */
static char *
dump(json_t *j)
{
	char *s = NULL;

	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

char *
v2_body_new_account(int only_existing)
{
	return str_dup(only_existing ? "{\"onlyReturnExisting\":true}"
				     : "{\"termsOfServiceAgreed\":true}");
}

char *
v2_body_new_account_eab(const json_t *eab)
{
	if (!json_is_object(eab))
		return NULL;
	return dump(json_pack("{s:b, s:O}", "termsOfServiceAgreed", 1,
	    "externalAccountBinding", eab));
}

char *
v2_body_new_order(const char *const *names, size_t n)
{
	json_t *ids = json_array();
	size_t i;

	if (ids == NULL || names == NULL || n == 0) {
		json_decref(ids);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (names[i] == NULL ||
		    json_array_append_new(ids,
			json_pack("{s:s, s:s}", "type", "dns", "value",
			    names[i])) == -1) {
			json_decref(ids);
			return NULL;
		}
	return dump(json_pack("{s:o}", "identifiers", ids));
}

char *
v2_body_finalize(const char *csr_b64)
{
	if (csr_b64 == NULL)
		return NULL;
	return dump(json_pack("{s:s}", "csr", csr_b64));
}

char *
v2_body_deactivate(void)
{
	return str_dup("{\"status\":\"deactivated\"}");
}

char *
v2_body_revoke(const char *cert_b64, int reason)
{
	json_t *pl;

	if (cert_b64 == NULL ||
	    (pl = json_pack("{s:s}", "certificate", cert_b64)) == NULL)
		return NULL;
	if (reason >= 0 &&
	    json_object_set_new(pl, "reason", json_integer(reason)) != 0) {
		json_decref(pl);
		return NULL;
	}
	return dump(pl);
}
