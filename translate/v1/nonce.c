/* nonce.c: the bridge's v1 nonces and the pool of upstream v2 nonces.
 *
 * nonce_set keeps at most cap outstanding nonces in a slot array; live slots
 * sit on a doubly linked FIFO (oldest first), free slots on a free list. An
 * open-addressing hash table (linear probing, at most half full, backward-shift
 * deletion so no tombstones) maps a nonce to its slot. Issue and consume are
 * O(1). The array starts at NONCE_SLOTS_FIRST slots and doubles as it fills,
 * up to cap (issue 10 item 6: memory follows the nonces outstanding, not
 * nonce_cap; a slot is about 70 bytes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "nonce.h"

#define NIL UINT32_MAX
#define NONCE_CAP_MAX (1u << 24)
#define NONCE_RAW 32
#define NONCE_SLOTS_FIRST 64

struct slot {
	char n[NONCE_LEN + 1];
	uint64_t hash;
	uint32_t prev, next; /* FIFO links, or next on the free list */
};

struct nonce_set {
	struct slot *slots;
	uint32_t *tab; /* slot index or NIL */
	size_t mask;   /* table size - 1 */
	size_t cap, count;
	size_t alloc; /* slots allocated, at most cap */
	uint32_t oldest, newest, freelist;
};

static uint64_t
hash_str(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
b64url_raw(const unsigned char *in, size_t len, char *out)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t v;
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = al[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
	}
	out[o] = '\0';
}

/* A table of size slots (a power of two) holding every live nonce. */
static int
tab_build(struct nonce_set *s, size_t size)
{
	uint32_t *tab, i;
	size_t j, k;

	if (size > SIZE_MAX / sizeof(*tab) ||
	    (tab = malloc(size * sizeof(*tab))) == NULL)
		return -1;
	for (j = 0; j < size; j++)
		tab[j] = NIL;
	for (i = s->oldest; i != NIL; i = s->slots[i].next) {
		k = (size_t)s->slots[i].hash & (size - 1);
		while (tab[k] != NIL)
			k = (k + 1) & (size - 1);
		tab[k] = i;
	}
	free(s->tab);
	s->tab = tab;
	s->mask = size - 1;
	return 0;
}

/* Twice the slots (at most cap), the new ones free, and a table at most
 * half full. 0, or -1 (nothing changed). */
static int
grow(struct nonce_set *s)
{
	size_t n = s->alloc ? s->alloc * 2 : NONCE_SLOTS_FIRST, size = 8, i;
	struct slot *sl;

	if (n > s->cap)
		n = s->cap;
	if (n <= s->alloc || n > SIZE_MAX / sizeof(*sl) ||
	    (sl = realloc(s->slots, n * sizeof(*sl))) == NULL)
		return -1;
	s->slots = sl;
	while (size < 2 * n)
		size *= 2;
	if (s->tab == NULL || size > s->mask + 1) {
		if (tab_build(s, size) == -1)
			return -1; /* the slots are bigger: harmless */
	}
	memset(&sl[s->alloc], 0, (n - s->alloc) * sizeof(*sl));
	for (i = s->alloc; i < n; i++)
		sl[i].next = i + 1 < n ? (uint32_t)(i + 1) : s->freelist;
	s->freelist = (uint32_t)s->alloc;
	s->alloc = n;
	return 0;
}

struct nonce_set *
nonce_set_new(size_t cap)
{
	struct nonce_set *s;

	if (cap == 0 || cap > NONCE_CAP_MAX ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->cap = cap;
	s->oldest = s->newest = s->freelist = NIL;
	if (grow(s) == -1) {
		nonce_set_free(s);
		return NULL;
	}
	return s;
}

void
nonce_set_free(struct nonce_set *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s->tab);
	free(s);
}

/* Table position holding nonce n (hash h), or SIZE_MAX. */
static size_t
tab_find(const struct nonce_set *s, const char *n, uint64_t h)
{
	size_t i = (size_t)h & s->mask;

	while (s->tab[i] != NIL) {
		if (s->slots[s->tab[i]].hash == h &&
		    memcmp(s->slots[s->tab[i]].n, n, NONCE_LEN) == 0)
			return i;
		i = (i + 1) & s->mask;
	}
	return SIZE_MAX;
}

static void
tab_insert(struct nonce_set *s, uint32_t idx)
{
	size_t i = (size_t)s->slots[idx].hash & s->mask;

	while (s->tab[i] != NIL)
		i = (i + 1) & s->mask;
	s->tab[i] = idx;
}

/* Backward-shift deletion at position i (Knuth 6.4, algorithm R). */
static void
tab_delete(struct nonce_set *s, size_t i)
{
	size_t j = i, k;

	for (;;) {
		j = (j + 1) & s->mask;
		if (s->tab[j] == NIL)
			break;
		k = (size_t)s->slots[s->tab[j]].hash & s->mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->tab[i] = s->tab[j];
		i = j;
	}
	s->tab[i] = NIL;
}

static void
fifo_unlink(struct nonce_set *s, uint32_t idx)
{
	struct slot *sl = &s->slots[idx];

	if (sl->prev != NIL)
		s->slots[sl->prev].next = sl->next;
	else
		s->oldest = sl->next;
	if (sl->next != NIL)
		s->slots[sl->next].prev = sl->prev;
	else
		s->newest = sl->prev;
	sl->next = s->freelist;
	sl->prev = NIL;
	s->freelist = idx;
	s->count--;
}

/* Forget the live nonce in slot idx. */
static void
forget(struct nonce_set *s, uint32_t idx)
{
	size_t pos;

	pos = tab_find(s, s->slots[idx].n, s->slots[idx].hash);
	if (pos != SIZE_MAX)
		tab_delete(s, pos);
	fifo_unlink(s, idx);
	memset(s->slots[idx].n, 0, sizeof(s->slots[idx].n));
}

int
nonce_set_issue(struct nonce_set *s, char out[NONCE_LEN + 1])
{
	unsigned char raw[NONCE_RAW];
	struct slot *sl;
	uint32_t idx;
	uint64_t h;

	do {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return -1;
		b64url_raw(raw, sizeof(raw), out);
		h = hash_str(out, NONCE_LEN);
	} while (tab_find(s, out, h) != SIZE_MAX);
	/* full: more slots while below cap, else the oldest goes */
	if (s->freelist == NIL && (s->alloc >= s->cap || grow(s) == -1))
		forget(s, s->oldest);
	idx = s->freelist;
	sl = &s->slots[idx];
	s->freelist = sl->next;
	memcpy(sl->n, out, NONCE_LEN + 1);
	sl->hash = h;
	sl->prev = s->newest;
	sl->next = NIL;
	if (s->newest != NIL)
		s->slots[s->newest].next = idx;
	else
		s->oldest = idx;
	s->newest = idx;
	s->count++;
	tab_insert(s, idx);
	return 0;
}

int
nonce_set_consume(struct nonce_set *s, const char *nonce)
{
	size_t pos;

	if (nonce == NULL || strnlen(nonce, NONCE_LEN + 1) != NONCE_LEN)
		return -1;
	pos = tab_find(s, nonce, hash_str(nonce, NONCE_LEN));
	if (pos == SIZE_MAX)
		return -1;
	forget(s, s->tab[pos]);
	return 0;
}

size_t
nonce_set_count(const struct nonce_set *s)
{
	return s->count;
}

size_t
nonce_set_slots(const struct nonce_set *s)
{
	return s->alloc;
}

/* Upstream pool: a ring; top is the newest, the slot after it the oldest
 * once full, so a put on a full ring overwrites the oldest. */
struct nonce_pool {
	char (*ring)[NONCE_UPSTREAM_MAX + 1];
	size_t cap, count, top;
};

struct nonce_pool *
nonce_pool_new(size_t cap)
{
	struct nonce_pool *p = NULL;

	if (cap == 0 || cap > NONCE_CAP_MAX)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->ring = calloc(cap, sizeof(*p->ring))) == NULL) {
		free(p);
		return NULL;
	}
	p->cap = cap;
	p->top = cap - 1;
	return p;
}

void
nonce_pool_free(struct nonce_pool *p)
{
	if (p == NULL)
		return;
	free(p->ring);
	free(p);
}

static int
is_b64url(const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

void
nonce_pool_put(struct nonce_pool *p, const char *nonce)
{
	size_t len;

	if (nonce == NULL)
		return;
	len = strnlen(nonce, NONCE_UPSTREAM_MAX + 1);
	if (len == 0 || len > NONCE_UPSTREAM_MAX || !is_b64url(nonce, len))
		return;
	p->top = (p->top + 1) % p->cap;
	memcpy(p->ring[p->top], nonce, len + 1);
	if (p->count < p->cap)
		p->count++;
}

int
nonce_pool_take(struct nonce_pool *p, char out[NONCE_UPSTREAM_MAX + 1])
{
	if (p->count == 0)
		return -1;
	memcpy(out, p->ring[p->top], NONCE_UPSTREAM_MAX + 1);
	p->ring[p->top][0] = '\0';
	p->top = (p->top + p->cap - 1) % p->cap;
	p->count--;
	return 0;
}

size_t
nonce_pool_count(const struct nonce_pool *p)
{
	return p->count;
}
