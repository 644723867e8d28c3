/* v1_nonce.c: v1 nonces, one instance's or shared (v1_nonce.h). */
#include <openssl/rand.h>

#include "log.h"
#include "nonce_sealed.h"
#include "store.h"
#include "v1_nonce.h"

int
v1_nonce_init(struct bridge *b)
{
	unsigned char fresh[NONCE_KEY_LEN];

	if (b->store == NULL || !store_shared(b->store))
		return 0;
	if (RAND_bytes(fresh, sizeof(fresh)) != 1 ||
	    store_shared_key(b->store, "v1-nonce", fresh, sizeof(fresh),
		b->nonce_key) == -1) {
		log_err("the shared nonce key: cannot read or make it (see "
			"above)");
		return -1;
	}
	b->nonce_shared = 1;
	return 0;
}

int
v1_nonce_issue(struct bridge *b, char out[NONCE_LEN + 1])
{
	unsigned char rnd[NONCE_RANDOM_LEN];

	if (!b->nonce_shared)
		return nonce_set_issue(b->nonces, out);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	return nonce_seal(
	    b->nonce_key, bridge_now() + V1_NONCE_SHARED_TTL, rnd, out);
}

int
v1_nonce_check(void *arg, const char *nonce)
{
	struct bridge *b = arg;
	long long expires;

	if (!b->nonce_shared)
		return nonce_set_consume(b->nonces, nonce);
	/* sealed by one of us and not expired, then used once across all
	 * instances (a store error counts as a bad nonce: the client retries
	 * with a fresh one) */
	if (nonce_unseal(b->nonce_key, nonce, bridge_now(), &expires) == -1)
		return -1;
	return store_nonce_use(b->store, nonce, expires) == 0 ? 0 : -1;
}
