/* records.c: freeing the bridge's records (records.h); private keys are
 * wiped before their memory is freed. */
#include <stdlib.h>
#include <string.h>

#include "records.h"

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
