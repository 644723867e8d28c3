/* keyring.c: the bridge's private keys by id (keyring.h). A hash table of
 * entries chained by id, and a least-recently-used list (head = newest)
 * that eviction walks from the tail, skipping held keys. EVP_* only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jwk.h"
#include "jws.h"
#include "keyring.h"

#define KEYRING_MAX_CAP (1u << 20)
#define KR_SUM_LEN 32

struct kr_entry {
	char id[KEYRING_ID_LEN + 1];
	EVP_PKEY *pk;	     /* owned: the private key */
	unsigned long holds; /* keyring_hold count: never evicted while > 0 */
	unsigned char sum[KR_SUM_LEN]; /* SHA-256 of the PEM text imported */
	int has_sum;
	struct kr_entry *hnext;		/* hash chain by id */
	struct kr_entry *snext;		/* hash chain by sum */
	struct kr_entry *newer, *older; /* LRU list */
};

/* Two tables over the same entries: by id, and by the digest of the PEM
 * text a key came from, so that importing the stored PEM again (each
 * request) is a digest and a lookup, not a parse. */
struct keyring {
	struct kr_entry **buckets, **sbuckets;
	size_t nbuckets; /* a power of two */
	size_t count, cap;
	struct kr_entry *newest, *oldest;
};

static size_t
kr_hash(const struct keyring *kr, const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*id != '\0') {
		h ^= (unsigned char)*id++;
		h *= 16777619u;
	}
	return h & (kr->nbuckets - 1);
}

struct keyring *
keyring_new(size_t cap)
{
	struct keyring *kr;
	size_t n = 16;

	if (cap == 0 || cap > KEYRING_MAX_CAP)
		return NULL;
	while (n < cap)
		n *= 2;
	if ((kr = calloc(1, sizeof(*kr))) == NULL)
		return NULL;
	kr->buckets = calloc(n, sizeof(*kr->buckets));
	kr->sbuckets = calloc(n, sizeof(*kr->sbuckets));
	if (kr->buckets == NULL || kr->sbuckets == NULL) {
		free(kr->buckets);
		free(kr->sbuckets);
		free(kr);
		return NULL;
	}
	kr->nbuckets = n;
	kr->cap = cap;
	return kr;
}

static void
entry_free(struct kr_entry *e)
{
	/* EVP_PKEY_free clears the private key material (BN_clear_free);
	 * the entry itself holds only the public id. */
	EVP_PKEY_free(e->pk);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
}

void
keyring_free(struct keyring *kr)
{
	struct kr_entry *e, *next;

	if (kr == NULL)
		return;
	for (e = kr->newest; e != NULL; e = next) {
		next = e->older;
		entry_free(e);
	}
	free(kr->buckets);
	free(kr->sbuckets);
	free(kr);
}

static struct kr_entry *
kr_find(const struct keyring *kr, const char *id)
{
	struct kr_entry *e;

	if (kr == NULL || id == NULL)
		return NULL;
	for (e = kr->buckets[kr_hash(kr, id)]; e != NULL; e = e->hnext)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

static size_t
kr_sum_hash(const struct keyring *kr, const unsigned char *sum)
{
	size_t h = 0, i;

	/* A digest is uniform already: its first bytes are the hash. */
	for (i = 0; i < sizeof(size_t); i++)
		h = (h << 8) | sum[i];
	return h & (kr->nbuckets - 1);
}

static struct kr_entry *
kr_find_sum(const struct keyring *kr, const unsigned char *sum)
{
	struct kr_entry *e;

	for (e = kr->sbuckets[kr_sum_hash(kr, sum)]; e != NULL; e = e->snext)
		if (memcmp(e->sum, sum, KR_SUM_LEN) == 0)
			return e;
	return NULL;
}

/* Take e out of the by-sum table (when it is in). */
static void
kr_unsum(struct keyring *kr, struct kr_entry *e)
{
	struct kr_entry **pp;

	if (!e->has_sum)
		return;
	for (pp = &kr->sbuckets[kr_sum_hash(kr, e->sum)]; *pp != NULL;
	     pp = &(*pp)->snext)
		if (*pp == e) {
			*pp = e->snext;
			break;
		}
	e->has_sum = 0;
}

/* Remember that e came from the PEM text whose digest is sum. */
static void
kr_set_sum(struct keyring *kr, struct kr_entry *e, const unsigned char *sum)
{
	size_t h;

	kr_unsum(kr, e);
	memcpy(e->sum, sum, KR_SUM_LEN);
	h = kr_sum_hash(kr, sum);
	e->snext = kr->sbuckets[h];
	kr->sbuckets[h] = e;
	e->has_sum = 1;
}

static void
lru_unlink(struct keyring *kr, struct kr_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		kr->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		kr->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
lru_push(struct keyring *kr, struct kr_entry *e)
{
	e->older = kr->newest;
	e->newer = NULL;
	if (kr->newest != NULL)
		kr->newest->newer = e;
	else
		kr->oldest = e;
	kr->newest = e;
}

/* The entry for id, made the most recently used. */
static struct kr_entry *
kr_use(struct keyring *kr, const char *id)
{
	struct kr_entry *e = kr_find(kr, id);

	if (e != NULL && e != kr->newest) {
		lru_unlink(kr, e);
		lru_push(kr, e);
	}
	return e;
}

static void
kr_remove(struct keyring *kr, struct kr_entry *e)
{
	struct kr_entry **pp;

	for (pp = &kr->buckets[kr_hash(kr, e->id)]; *pp != NULL;
	     pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	kr_unsum(kr, e);
	lru_unlink(kr, e);
	kr->count--;
	entry_free(e);
}

/* Make room for one key: evict the least recently used unheld key when
 * full. 0, or -1 when every key is held. */
static int
kr_room(struct keyring *kr)
{
	struct kr_entry *e;

	if (kr->count < kr->cap)
		return 0;
	for (e = kr->oldest; e != NULL; e = e->newer)
		if (e->holds == 0) {
			kr_remove(kr, e);
			return 0;
		}
	return -1;
}

/* The key id of pk (its public JWK's thumbprint). 0 or -1. */
static int
kr_key_id(EVP_PKEY *pk, char id[KEYRING_ID_LEN + 1])
{
	json_t *jwk;
	int rc;

	if (jwk_alg(pk) == NULL || (jwk = jwk_from_pkey(pk)) == NULL)
		return -1;
	rc = jwk_thumbprint(jwk, id);
	json_decref(jwk);
	return rc == 0 ? 0 : -1;
}

/* Put pk in (taking it: freed when the key is there already or on
 * failure) and its id in id. The key's entry, or NULL. */
static struct kr_entry *
kr_add(struct keyring *kr, EVP_PKEY *pk, char id[KEYRING_ID_LEN + 1])
{
	struct kr_entry *e;
	size_t h;

	if (kr_key_id(pk, id) == -1)
		goto fail;
	if ((e = kr_use(kr, id)) != NULL) {
		EVP_PKEY_free(pk);
		return e;
	}
	if (kr_room(kr) == -1 || (e = calloc(1, sizeof(*e))) == NULL)
		goto fail;
	memcpy(e->id, id, sizeof(e->id));
	e->pk = pk;
	h = kr_hash(kr, e->id);
	e->hnext = kr->buckets[h];
	kr->buckets[h] = e;
	lru_push(kr, e);
	kr->count++;
	return e;
fail:
	EVP_PKEY_free(pk);
	id[0] = '\0';
	return NULL;
}

/* Parse the private key in pem[0..len): a read-only memory BIO over pem,
 * so no copy of the key text is made. */
static EVP_PKEY *
kr_parse(const char *pem, size_t len)
{
	EVP_PKEY *pk;
	BIO *bio;

	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return pk;
}

int
keyring_import_pem(struct keyring *kr, const char *pem, size_t len,
    char id[KEYRING_ID_LEN + 1])
{
	unsigned char sum[KR_SUM_LEN];
	unsigned int sumlen = 0;
	struct kr_entry *e;
	EVP_PKEY *pk;

	if (id != NULL)
		id[0] = '\0';
	if (kr == NULL || pem == NULL || id == NULL || len == 0 ||
	    len > INT32_MAX)
		return -1;
	if (EVP_Digest(pem, len, sum, &sumlen, EVP_sha256(), NULL) != 1 ||
	    sumlen != KR_SUM_LEN)
		return -1;
	if ((e = kr_find_sum(kr, sum)) != NULL) {
		/* This very text was parsed before. */
		e = kr_use(kr, e->id);
		memcpy(id, e->id, sizeof(e->id));
		return 0;
	}
	if ((pk = kr_parse(pem, len)) == NULL)
		return -1;
	if (jwk_alg(pk) == NULL) {
		EVP_PKEY_free(pk);
		return -2;
	}
	if ((e = kr_add(kr, pk, id)) == NULL)
		return -1;
	kr_set_sum(kr, e, sum);
	return 0;
}

int
keyring_generate(struct keyring *kr, char id[KEYRING_ID_LEN + 1])
{
	EVP_PKEY *pk;

	if (id != NULL)
		id[0] = '\0';
	if (kr == NULL || id == NULL || (pk = jwk_generate_p256()) == NULL)
		return -1;
	return kr_add(kr, pk, id) != NULL ? 0 : -1;
}

char *
keyring_private_pem(struct keyring *kr, const char *id)
{
	struct kr_entry *e = kr_use(kr, id);

	return e != NULL ? jwk_private_pem(e->pk) : NULL;
}

void
keyring_pem_free(char *pem)
{
	if (pem == NULL)
		return;
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
}

int
keyring_has(const struct keyring *kr, const char *id)
{
	return kr_find(kr, id) != NULL;
}

int
keyring_hold(struct keyring *kr, const char *id)
{
	struct kr_entry *e = kr_use(kr, id);

	if (e == NULL)
		return -1;
	e->holds++;
	return 0;
}

void
keyring_release(struct keyring *kr, const char *id)
{
	struct kr_entry *e = kr_find(kr, id);

	if (e != NULL && e->holds > 0)
		e->holds--;
}

char *
keyring_sign_jws(struct keyring *kr, const char *id, const char *kid,
    const char *nonce, const char *url, const char *payload)
{
	struct kr_entry *e = kr_use(kr, id);

	return e != NULL ? jws_v2_sign(e->pk, kid, nonce, url, payload) : NULL;
}

int
keyring_sign(struct keyring *kr, const char *id, const unsigned char *msg,
    size_t len, unsigned char **sig, size_t *siglen)
{
	struct kr_entry *e = kr_use(kr, id);

	return e != NULL ? jws_sign_raw(e->pk, msg, len, sig, siglen) : -1;
}

json_t *
keyring_jwk(struct keyring *kr, const char *id)
{
	struct kr_entry *e = kr_use(kr, id);

	return e != NULL ? jwk_from_pkey(e->pk) : NULL;
}

const char *
keyring_alg(const struct keyring *kr, const char *id)
{
	struct kr_entry *e = kr_find(kr, id);

	return e != NULL ? jwk_alg(e->pk) : NULL;
}

size_t
keyring_count(const struct keyring *kr)
{
	return kr != NULL ? kr->count : 0;
}
