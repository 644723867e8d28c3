/* fairq.c: the fair queue (fairq.h). Keys with items form a ring served in
 * turn; each key's items are a FIFO. Sizes are small (at most a few
 * thousand waiting v1 requests), so a removal walks the lists. */
#include <stdlib.h>

#include "fairq.h"

struct fq_item {
	void *item;
	struct fq_item *next;
};

/* One key with items: its FIFO, and the ring of keys. */
struct fq_lane {
	long long key;
	struct fq_item *head, *tail;
	struct fq_lane *next; /* ring */
};

struct fairq {
	size_t max, n, nlanes;
	struct fq_lane *cur; /* served next; NULL when empty */
};

struct fairq *
fairq_new(size_t max)
{
	struct fairq *q;

	if (max == 0 || (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->max = max;
	return q;
}

/* The lane before l in the ring (l itself when alone). */
static struct fq_lane *
lane_before(struct fq_lane *l)
{
	struct fq_lane *p = l;

	while (p->next != l)
		p = p->next;
	return p;
}

/* Unlink the empty lane l from the ring and free it. */
static void
lane_drop(struct fairq *q, struct fq_lane *l)
{
	struct fq_lane *p = lane_before(l);

	if (p == l)
		q->cur = NULL;
	else {
		p->next = l->next;
		if (q->cur == l)
			q->cur = l->next;
	}
	q->nlanes--;
	free(l);
}

void
fairq_free(struct fairq *q)
{
	struct fq_item *it;

	if (q == NULL)
		return;
	while (q->cur != NULL) {
		while ((it = q->cur->head) != NULL) {
			q->cur->head = it->next;
			free(it);
		}
		lane_drop(q, q->cur);
	}
	free(q);
}

static struct fq_lane *
lane_find(const struct fairq *q, long long key)
{
	struct fq_lane *l = q->cur;

	if (l == NULL)
		return NULL;
	do {
		if (l->key == key)
			return l;
		l = l->next;
	} while (l != q->cur);
	return NULL;
}

/* A new lane for key, last in turn (just before cur). */
static struct fq_lane *
lane_add(struct fairq *q, long long key)
{
	struct fq_lane *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->key = key;
	if (q->cur == NULL) {
		l->next = l;
		q->cur = l;
	} else {
		lane_before(q->cur)->next = l;
		l->next = q->cur;
	}
	q->nlanes++;
	return l;
}

int
fairq_push(struct fairq *q, long long key, void *item)
{
	struct fq_item *it;
	struct fq_lane *l;

	if (item == NULL || q->n >= q->max ||
	    (it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	if ((l = lane_find(q, key)) == NULL && (l = lane_add(q, key)) == NULL) {
		free(it);
		return -1;
	}
	it->item = item;
	if (l->tail != NULL)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	q->n++;
	return 0;
}

/* The head of lane l taken out (l dropped when it empties). */
static void *
lane_take(struct fairq *q, struct fq_lane *l, struct fq_item *prev,
    struct fq_item *it)
{
	void *item = it->item;

	if (prev != NULL)
		prev->next = it->next;
	else
		l->head = it->next;
	if (l->tail == it)
		l->tail = prev;
	free(it);
	q->n--;
	if (l->head == NULL)
		lane_drop(q, l);
	return item;
}

void *
fairq_pop(struct fairq *q)
{
	struct fq_lane *l = q->cur;

	if (l == NULL)
		return NULL;
	/* the next key is served next time, whether or not l empties */
	q->cur = l->next;
	return lane_take(q, l, NULL, l->head);
}

int
fairq_remove(struct fairq *q, void *item)
{
	struct fq_lane *l = q->cur;
	struct fq_item *it, *prev;

	if (l == NULL)
		return -1;
	do {
		for (prev = NULL, it = l->head; it != NULL;
		     prev = it, it = it->next)
			if (it->item == item) {
				(void)lane_take(q, l, prev, it);
				return 0;
			}
		l = l->next;
	} while (l != q->cur);
	return -1;
}

size_t
fairq_len(const struct fairq *q)
{
	return q->n;
}

size_t
fairq_keys(const struct fairq *q)
{
	return q->nlanes;
}
