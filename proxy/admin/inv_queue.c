/* inv_queue.c: the inventory's writes held in memory (inv_queue.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inv_queue.h"
#include "store_inventory.h"

#define SEEN_STRINGS 9

struct invq_entry {
	int issued; /* 1: an issuance of v.account_id; 0: a request */
	long long now;
	struct inventory_seen v; /* its strings point into text */
	char *text;
};

struct inv_queue {
	struct invq_entry e[INVQ_MAX];
	size_t n;
};

struct inv_queue *
invq_new(void)
{
	return calloc(1, sizeof(struct inv_queue));
}

static void
entries_free(struct inv_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->e[i].text);
	q->n = 0;
}

void
invq_free(struct inv_queue *q)
{
	if (q == NULL)
		return;
	entries_free(q);
	free(q);
}

size_t
invq_len(const struct inv_queue *q)
{
	return q->n;
}

/* The strings of v, by address, so one loop copies them all. */
static void
seen_strings(struct inventory_seen *v, const char **s[SEEN_STRINGS])
{
	s[0] = &v->addr;
	s[1] = &v->user_agent;
	s[2] = &v->names;
	s[3] = &v->error_type;
	s[4] = &v->error_detail;
	s[5] = &v->resource;
	s[6] = &v->method;
	s[7] = &v->content_type;
	s[8] = &v->upstream;
}

/* Every non-NULL string of e->v copied into one block e->text (NULLs
 * stay NULL: inventory_record tells "none" from ""). */
static int
copy_strings(struct invq_entry *e)
{
	const char **s[SEEN_STRINGS];
	size_t len[SEEN_STRINGS], total = 0, off = 0;

	seen_strings(&e->v, s);
	for (size_t i = 0; i < SEEN_STRINGS; i++) {
		len[i] = *s[i] != NULL ? strlen(*s[i]) + 1 : 0;
		if (len[i] > SIZE_MAX - total)
			return -1;
		total += len[i];
	}
	if ((e->text = malloc(total > 0 ? total : 1)) == NULL)
		return -1;
	for (size_t i = 0; i < SEEN_STRINGS; i++) {
		if (*s[i] == NULL)
			continue;
		memcpy(e->text + off, *s[i], len[i]);
		*s[i] = e->text + off;
		off += len[i];
	}
	return 0;
}

int
invq_add_seen(
    struct inv_queue *q, const struct inventory_seen *v, long long now)
{
	struct invq_entry *e;

	if (q->n >= INVQ_MAX)
		return -1; /* the caller writes at INVQ_MAX: not reached */
	e = &q->e[q->n];
	memset(e, 0, sizeof(*e));
	e->now = now;
	e->v = *v;
	if (copy_strings(e) == -1)
		return -1;
	q->n++;
	return 0;
}

int
invq_add_issued(struct inv_queue *q, long long account_id, long long now)
{
	struct invq_entry *e;

	if (account_id == 0)
		return 0;
	if (q->n >= INVQ_MAX)
		return -1;
	e = &q->e[q->n++];
	memset(e, 0, sizeof(*e));
	e->issued = 1;
	e->now = now;
	e->v.account_id = account_id;
	return 0;
}

size_t
invq_write(struct inv_queue *q, struct store *s)
{
	size_t refused = 0;
	int rc;

	for (size_t i = 0; i < q->n; i++) {
		const struct invq_entry *e = &q->e[i];

		rc = e->issued
		    ? inventory_issued(s, e->v.account_id, NULL, 0, e->now)
		    : inventory_record(s, &e->v, e->now);
		refused += rc == -1 ? 1 : 0;
	}
	entries_free(q);
	return refused;
}
