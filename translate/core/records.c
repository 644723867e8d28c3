/* records.c: freeing the bridge's records (records.h); private keys are
 * wiped before their memory is freed. */
#include <stdlib.h>
#include <string.h>

#include "records.h"

static const char *const account_status_names[] = { "valid", "deactivated" };
static const char *const account_mode_names[] = { "per-client", "shared",
	"imported" };
static const char *const authz_status_names[] = { "pending", "valid", "invalid",
	"deactivated" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* names[i] for i in range, else names[0]. */
static const char *
name_of(const char *const *names, size_t n, unsigned i)
{
	return i < n ? names[i] : names[0];
}

static int
index_of(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
account_status_name(enum account_status st)
{
	return name_of(account_status_names, NELEM(account_status_names), st);
}

const char *
account_mode_name(enum account_mode m)
{
	return name_of(account_mode_names, NELEM(account_mode_names), m);
}

const char *
authz_status_name(enum authz_status st)
{
	return name_of(authz_status_names, NELEM(authz_status_names), st);
}

int
account_status_parse(const char *s, enum account_status *out)
{
	int i = index_of(account_status_names, NELEM(account_status_names), s);

	if (i < 0)
		return -1;
	*out = (enum account_status)i;
	return 0;
}

int
account_mode_parse(const char *s, enum account_mode *out)
{
	int i = index_of(account_mode_names, NELEM(account_mode_names), s);

	if (i < 0)
		return -1;
	*out = (enum account_mode)i;
	return 0;
}

int
authz_status_parse(const char *s, enum authz_status *out)
{
	int i = index_of(authz_status_names, NELEM(authz_status_names), s);

	if (i < 0)
		return -1;
	*out = (enum authz_status)i;
	return 0;
}

void
store_account_clear(struct store_account *a)
{
	if (a == NULL)
		return;
	free(a->jwk);
	free(a->contact);
	free(a->agreement);
	if (a->v2_key_pem != NULL)
		explicit_bzero(a->v2_key_pem, strlen(a->v2_key_pem));
	free(a->v2_key_pem);
	free(a->v2_account_url);
	memset(a, 0, sizeof(*a));
}

void
store_group_clear(struct store_group *g)
{
	if (g == NULL)
		return;
	if (g->v2_key_pem != NULL)
		explicit_bzero(g->v2_key_pem, strlen(g->v2_key_pem));
	free(g->v2_key_pem);
	free(g->v2_account_url);
	memset(g, 0, sizeof(*g));
}

void
store_authz_clear(struct store_authz *z)
{
	if (z == NULL)
		return;
	free(z->v2_order_url);
	free(z->v2_authz_url);
	free(z->v2_chall_url);
	free(z->error);
	free(z->key_authorization);
	memset(z, 0, sizeof(*z));
}

void
store_cert_clear(struct store_cert *c)
{
	if (c == NULL)
		return;
	free(c->der);
	free(c->chain_pem);
	free(c->v2_cert_url);
	memset(c, 0, sizeof(*c));
}
