/* records.c: freeing the bridge's records (records.h); private keys are
 * wiped before their memory is freed. */
#include <stddef.h>
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

/* What a record owns on the heap: the offsets of its pointer members, and
 * of the one holding a private key's PEM (wiped before it is freed). */
struct owned {
	size_t secret; /* offset + 1, or 0: no key */
	size_t n;
	size_t ptr[6];
};

#define AT(type, m) offsetof(struct type, m)

static const struct owned account_owned = { AT(store_account, v2_key_pem) + 1,
	4,
	{ AT(store_account, jwk), AT(store_account, contact),
	    AT(store_account, agreement), AT(store_account, v2_account_url) } };
static const struct owned group_owned = { AT(store_group, v2_key_pem) + 1, 1,
	{ AT(store_group, v2_account_url) } };
static const struct owned authz_owned = { 0, 6,
	{ AT(store_authz, v2_order_url), AT(store_authz, v2_authz_url),
	    AT(store_authz, v2_chall_url), AT(store_authz, error),
	    AT(store_authz, key_authorization),
	    AT(store_authz, v2_finalize_url) } };
static const struct owned cert_owned = { 0, 3,
	{ AT(store_cert, der), AT(store_cert, chain_pem),
	    AT(store_cert, v2_cert_url) } };

/* The pointer member at off of rec (char * or unsigned char *: the same
 * representation as void *). */
static void *
member(void *rec, size_t off)
{
	void *p;

	memcpy(&p, (char *)rec + off, sizeof(p));
	return p;
}

/* Free what rec owns (the key wiped first), then zero it: size bytes. */
static void
record_clear(void *rec, size_t size, const struct owned *o)
{
	char *key;
	size_t i;

	if (rec == NULL)
		return;
	if (o->secret != 0 && (key = member(rec, o->secret - 1)) != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	for (i = 0; i < o->n; i++)
		free(member(rec, o->ptr[i]));
	memset(rec, 0, size);
}

void
store_account_clear(struct store_account *a)
{
	record_clear(a, sizeof(*a), &account_owned);
}

void
store_group_clear(struct store_group *g)
{
	record_clear(g, sizeof(*g), &group_owned);
}

void
store_authz_clear(struct store_authz *z)
{
	record_clear(z, sizeof(*z), &authz_owned);
}

void
store_cert_clear(struct store_cert *c)
{
	record_clear(c, sizeof(*c), &cert_owned);
}
