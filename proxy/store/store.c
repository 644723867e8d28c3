/* store.c: the store handle (store.h): an operations table and the state
 * of the implementation behind it. The public functions only dispatch, so
 * that callers never see which database they talk to; the rules that do
 * not depend on the database (the inventory's cleaning) are in
 * store_inventory.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "b64url.h"
#include "store_handle.h"

struct store *
store_new(
    const struct store_ops *ops, void *impl, store_log_fn *log, void *log_arg)
{
	struct store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ops = ops;
	s->impl = impl;
	s->log = log;
	s->log_arg = log_arg;
	return s;
}

const struct store_ops *
store_ops_of(const struct store *s, void **impl)
{
	*impl = s->impl;
	return s->ops;
}

void
store_log(const struct store *s, const char *fn, const char *msg)
{
	if (s->log != NULL)
		s->log(s->log_arg, fn, msg);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->impl);
	free(s);
}

int
store_begin(struct store *s)
{
	return s->ops->begin(s->impl);
}

int
store_commit(struct store *s)
{
	return s->ops->commit(s->impl);
}

int
store_rollback(struct store *s)
{
	return s->ops->rollback(s->impl);
}

int
store_account_insert(struct store *s, struct store_account *a)
{
	return s->ops->account_insert(s->impl, a);
}

int
store_account_update(struct store *s, const struct store_account *a)
{
	return s->ops->account_update(s->impl, a);
}

int
store_account_set_mode(struct store *s, long long id, enum account_mode mode,
    const char *group_name)
{
	return s->ops->account_set_mode(s->impl, id, mode, group_name);
}

int
store_account_set_upstream(
    struct store *s, long long id, const char *v2_account_url)
{
	return s->ops->account_set_upstream(s->impl, id, v2_account_url);
}

int
store_account_set_not_before(
    struct store *s, long long id, long long not_before)
{
	return s->ops->account_set_not_before(s->impl, id, not_before);
}

long long
store_account_count_group(
    struct store *s, const char *upstream, const char *name)
{
	return s->ops->account_count_group(s->impl, upstream, name);
}

int
store_account_by_thumbprint(struct store *s, const char *upstream,
    const char *thumbprint, struct store_account *out)
{
	return s->ops->account_by_thumbprint(
	    s->impl, upstream, thumbprint, out);
}

int
store_account_by_id(struct store *s, long long id, struct store_account *out)
{
	return s->ops->account_by_id(s->impl, id, out);
}

int
store_group_get(struct store *s, const char *upstream, const char *name,
    struct store_group *out)
{
	return s->ops->group_get(s->impl, upstream, name, out);
}

int
store_group_insert(struct store *s, const struct store_group *g)
{
	return s->ops->group_insert(s->impl, g);
}

int
store_group_set_upstream(struct store *s, const char *upstream,
    const char *name, const char *v2_account_url)
{
	return s->ops->group_set_upstream(
	    s->impl, upstream, name, v2_account_url);
}

int
store_group_set_not_before(struct store *s, const char *upstream,
    const char *name, long long not_before)
{
	return s->ops->group_set_not_before(
	    s->impl, upstream, name, not_before);
}

int
store_public_id(char out[AUTHZ_PUBLIC_ID_LEN + 1])
{
	unsigned char rnd[AUTHZ_PUBLIC_ID_BYTES];
	char *t;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    (t = b64url_encode(rnd, sizeof(rnd))) == NULL)
		return -1;
	snprintf(out, AUTHZ_PUBLIC_ID_LEN + 1, "%s", t);
	free(t);
	return 0;
}

/* The public id is the generic layer's, so every implementation gets the
 * same unguessable ids. */
int
store_authz_insert(struct store *s, struct store_authz *z)
{
	if (store_public_id(z->public_id) == -1) {
		store_log(s, __func__, "no randomness for a public id");
		return -1;
	}
	z->numeric_url = 0;
	return s->ops->authz_insert(s->impl, z);
}

int
store_authz_update(struct store *s, const struct store_authz *z)
{
	return s->ops->authz_update(s->impl, z);
}

int
store_authz_by_id(struct store *s, long long id, struct store_authz *out)
{
	return s->ops->authz_by_id(s->impl, id, out);
}

int
store_authz_by_public_id(struct store *s, const char *upstream, const char *pid,
    struct store_authz *out)
{
	return s->ops->authz_by_public_id(s->impl, upstream, pid, out);
}

int
store_authz_find_valid(struct store *s, long long account_id, const char *name,
    long long now, struct store_authz *out)
{
	return s->ops->authz_find(
	    s->impl, account_id, name, AUTHZ_VALID, now, out);
}

int
store_authz_find_pending(struct store *s, long long account_id,
    const char *name, long long now, struct store_authz *out)
{
	return s->ops->authz_find(
	    s->impl, account_id, name, AUTHZ_PENDING, now, out);
}

int
store_authz_deactivate_account(struct store *s, long long account_id)
{
	return s->ops->authz_deactivate_account(s->impl, account_id);
}

int
store_http01_put(
    struct store *s, const char *token, const char *keyauth, long long expires)
{
	return s->ops->http01_put(s->impl, token, keyauth, expires);
}

int
store_http01_get(
    struct store *s, const char *token, long long now, char **keyauth)
{
	return s->ops->http01_get(s->impl, token, now, keyauth);
}

int
store_http01_delete(struct store *s, const char *token)
{
	return s->ops->http01_delete(s->impl, token);
}

int
store_http01_expire(struct store *s, long long now)
{
	return s->ops->http01_expire(s->impl, now);
}

int
store_shared(const struct store *s)
{
	return s->ops->nonce_use != NULL;
}

int
store_usable(const struct store *s)
{
	return s->ops->usable == NULL || s->ops->usable(s->impl);
}

int
store_lock_try(struct store *s, const char *name)
{
	return s->ops->lock_try != NULL ? s->ops->lock_try(s->impl, name) : 0;
}

int
store_unlock(struct store *s, const char *name)
{
	return s->ops->unlock != NULL ? s->ops->unlock(s->impl, name) : 0;
}

int
store_nonce_use(struct store *s, const char *nonce, long long expires)
{
	if (s->ops->nonce_use == NULL) {
		store_log(s, __func__, "not a shared store");
		return -1;
	}
	return s->ops->nonce_use(s->impl, nonce, expires);
}

int
store_nonce_expire(struct store *s, long long now)
{
	return s->ops->nonce_expire != NULL ? s->ops->nonce_expire(s->impl, now)
					    : 0;
}

int
store_shared_key(struct store *s, const char *name, const unsigned char *fresh,
    size_t len, unsigned char *out)
{
	if (s->ops->shared_key == NULL) {
		store_log(s, __func__, "not a shared store");
		return -1;
	}
	return s->ops->shared_key(s->impl, name, fresh, len, out);
}

int
store_cert_insert(struct store *s, struct store_cert *c)
{
	return s->ops->cert_insert(s->impl, c);
}

int
store_cert_by_serial(struct store *s, const char *upstream, const char *serial,
    struct store_cert *out)
{
	return s->ops->cert_by_serial(s->impl, upstream, serial, out);
}

int
store_cert_set_revoked(struct store *s, long long id)
{
	return s->ops->cert_set_revoked(s->impl, id);
}

int
store_issuer_put(struct store *s, const char *id, const unsigned char *der,
    size_t len, const char *up_id)
{
	return s->ops->issuer_put(s->impl, id, der, len, up_id);
}

int
store_issuer_get(struct store *s, const char *id, unsigned char **der,
    size_t *len, char up_id[33])
{
	return s->ops->issuer_get(s->impl, id, der, len, up_id);
}

int
store_is_pg(const char *state)
{
	return state != NULL &&
	    (strncmp(state, "postgresql://", 13) == 0 ||
		strncmp(state, "postgres://", 11) == 0);
}

const char *
store_state_shown(const char *state, char *buf, size_t n)
{
	const char *user, *at, *colon;
	size_t auth;

	if (state == NULL)
		state = "";
	snprintf(buf, n, "%s", state);
	if (!store_is_pg(state))
		return buf;
	user = strstr(state, "://") + 3;
	/* the userinfo ends at an '@' before the host's '/' or '?' */
	auth = strcspn(user, "/?");
	at = memchr(user, '@', auth);
	colon = at != NULL ? memchr(user, ':', (size_t)(at - user)) : NULL;
	if (colon != NULL)
		snprintf(buf, n, "%.*s:***%s", (int)(colon - state), state, at);
	return buf;
}
