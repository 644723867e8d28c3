/* v1.c: ACME v1 JSON rendering (see v1.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "v1.h"

char *
v1_dump(const json_t *j, size_t *len)
{
	char *s;

	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s != NULL && len != NULL)
		*len = strlen(s);
	return s;
}

void
v1_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

const char *
v1_chall_type(int idx)
{
	switch (idx) {
	case V1_CHALL_HTTP01:
		return "http-01";
	case V1_CHALL_DNS01:
		return "dns-01";
	default:
		return NULL;
	}
}

static json_t *
url(const char *base, const char *path)
{
	return json_sprintf("%s%s", base, path);
}

json_t *
v1_directory(const char *base)
{
	json_t *d = json_object(), *meta = json_object();

	if (d == NULL || meta == NULL) {
		json_decref(d);
		json_decref(meta);
		return NULL;
	}
	/* Keys sorted, as Boulder's Go map rendered them. */
	json_object_set_new(d, "key-change", url(base, "/acme/key-change"));
	json_object_set_new(meta, "terms-of-service", url(base, "/terms"));
	json_object_set_new(d, "meta", meta);
	json_object_set_new(d, "new-authz", url(base, "/acme/new-authz"));
	json_object_set_new(d, "new-cert", url(base, "/acme/new-cert"));
	json_object_set_new(d, "new-reg", url(base, "/acme/new-reg"));
	json_object_set_new(d, "revoke-cert", url(base, "/acme/revoke-cert"));
	json_object_set_new(d, "terms-of-service", url(base, "/terms"));
	return d;
}

json_t *
v1_registration(const struct store_account *a)
{
	json_t *r = json_object(), *v;
	char created[32];

	if (r == NULL)
		return NULL;
	json_object_set_new(r, "id", json_integer(a->id));
	v = a->jwk ? json_loads(a->jwk, 0, NULL) : NULL;
	json_object_set_new(r, "key", v ? v : json_object());
	v = a->contact ? json_loads(a->contact, 0, NULL) : NULL;
	if (json_is_array(v) && json_array_size(v) > 0)
		json_object_set_new(r, "contact", v);
	else
		json_decref(v);
	if (a->agreement != NULL && a->agreement[0] != '\0')
		json_object_set_new(r, "agreement", json_string(a->agreement));
	json_object_set_new(r, "initialIp", json_string(a->initial_ip));
	v1_time(a->created_at, created);
	json_object_set_new(r, "createdAt", json_string(created));
	json_object_set_new(
	    r, "status", json_string(account_status_name(a->status)));
	return r;
}

/* Challenges share their authorization's status: valid everywhere for a
 * valid authorization (what dehydrated 0.7.0 needs), invalid everywhere
 * for an invalid one (Boulder's ForceConsistentStatus). */
static const char *
chall_status(const struct store_authz *z)
{
	if (z->status == AUTHZ_VALID || z->status == AUTHZ_INVALID)
		return authz_status_name(z->status);
	return "pending";
}

json_t *
v1_challenge(const char *base, const struct store_authz *z, int idx)
{
	json_t *c, *err;
	const char *type = v1_chall_type(idx);

	if (type == NULL || (c = json_object()) == NULL)
		return NULL;
	json_object_set_new(c, "type", json_string(type));
	json_object_set_new(c, "status", json_string(chall_status(z)));
	if (z->status == AUTHZ_INVALID && z->error != NULL &&
	    (err = json_loads(z->error, 0, NULL)) != NULL)
		json_object_set_new(c, "error", err);
	json_object_set_new(c, "uri",
	    json_sprintf("%s/acme/challenge/%s/%d", base, z->public_id, idx));
	json_object_set_new(c, "token", json_string(z->token));
	if (z->key_authorization != NULL)
		json_object_set_new(
		    c, "keyAuthorization", json_string(z->key_authorization));
	return c;
}

json_t *
v1_authz(const char *base, const struct store_authz *z)
{
	json_t *a = json_object(), *chs = json_array(), *comb = json_array();
	char expires[32];
	int i;

	if (a == NULL || chs == NULL || comb == NULL) {
		json_decref(a);
		json_decref(chs);
		json_decref(comb);
		return NULL;
	}
	json_object_set_new(a, "identifier",
	    json_pack("{s:s, s:s}", "type", "dns", "value", z->name));
	json_object_set_new(
	    a, "status", json_string(authz_status_name(z->status)));
	v1_time(z->expires, expires);
	json_object_set_new(a, "expires", json_string(expires));
	for (i = 0; i < V1_CHALL_COUNT; i++) {
		json_array_append_new(chs, v1_challenge(base, z, i));
		json_array_append_new(comb, json_pack("[i]", i));
	}
	json_object_set_new(a, "challenges", chs);
	json_object_set_new(a, "combinations", comb);
	return a;
}
