/* store_pg_shared.c: what the instances on one PostgreSQL database share
 * beyond the SQLite store's rows (issue 11): the v1 nonces used (any
 * instance accepts a nonce once, whichever issued it) and named keys (the
 * one that seals nonces, nonce_sealed.h). Their tables are made when
 * missing (store_pg_schema.c). */
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

int
pg_nonce_use(void *impl, const char *nonce, long long expires)
{
	static const char sql[] =
	    "INSERT INTO nonces_used(nonce, expires) VALUES($1, $2) "
	    "ON CONFLICT(nonce) DO NOTHING";
	const struct store_arg arg[] = { ARG_T(nonce), ARG_I(expires) };
	long long n = pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__);

	return n == -1 ? -1 : n == 1 ? 0 : 1;
}

int
pg_nonce_expire(void *impl, long long now)
{
	static const char sql[] = "DELETE FROM nonces_used WHERE expires <= $1";
	const struct store_arg arg[] = { ARG_I(now) };
	long long n = pg_tx_write(impl, sql, arg, ARG_N(arg), NULL, __func__);

	return n == -1 ? -1 : (int)(n > 0x7fffffff ? 0x7fffffff : n);
}

struct key_out {
	unsigned char *out;
	size_t len;
	int found;
};

static int
key_row(const PGresult *res, int r, void *arg)
{
	struct key_out *k = arg;
	unsigned char *b = NULL;
	size_t n = 0;

	if (pg_col_blob(res, r, 0, &b, &n) == -1)
		return -1;
	if (n != k->len) {
		free(b);
		return -1;
	}
	memcpy(k->out, b, n);
	free(b);
	k->found = 1;
	return 1;
}

int
pg_shared_key(void *impl, const char *name, const unsigned char *fresh,
    size_t len, unsigned char *out)
{
	static const char ins[] =
	    "INSERT INTO shared_keys(name, value) VALUES($1, $2) "
	    "ON CONFLICT(name) DO NOTHING";
	static const char sel[] =
	    "SELECT value FROM shared_keys WHERE name = $1";
	const struct store_arg arg[] = { ARG_T(name), ARG_B(fresh, len) };
	struct key_out k = { out, len, 0 };

	/* the first instance's key wins; every other reads it back */
	if (pg_tx_write(impl, ins, arg, ARG_N(arg), NULL, __func__) == -1 ||
	    pg_each(impl, sel, arg, 1, key_row, &k, __func__) == -1)
		return -1;
	if (!k.found)
		pg_log(impl, __func__, "no key of that length");
	return k.found ? 0 : -1;
}

/* Session advisory locks on the name's 64-bit hash: released by
 * pg_unlock, or by the server when this instance's connection ends. */
int
pg_lock_try(void *impl, const char *name)
{
	static const char sql[] =
	    "SELECT pg_try_advisory_lock(hashtextextended($1, 0))::int";
	const struct store_arg arg[] = { ARG_T(name) };
	long long got = 0;

	if (pg_ints(impl, sql, arg, ARG_N(arg), &got, 1, __func__) == -1)
		return -1;
	return got == 1 ? 0 : 1;
}

int
pg_unlock(void *impl, const char *name)
{
	static const char sql[] =
	    "SELECT pg_advisory_unlock(hashtextextended($1, 0))::int";
	const struct store_arg arg[] = { ARG_T(name) };
	long long was = 0;

	return pg_ints(impl, sql, arg, ARG_N(arg), &was, 1, __func__);
}
