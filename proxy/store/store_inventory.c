/* store_inventory.c: the client inventory's functions (store_inventory.h)
 * on the store handle. What does not depend on the database is done here,
 * once for every implementation: what is kept of a request, every string
 * from the network cleaned and cut (inventory_clean: no control
 * characters, no nonce in a kept detail), the client identified from its
 * User-Agent, names lower-cased, hours aligned, output lists allocated and
 * freed. The implementation (struct store_ops) then only writes and reads
 * rows. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "store_handle.h"
#include "store_inventory.h"

#define UA_MAX 256
#define DETAIL_MAX 256
#define ADDR_MAX 64
#define NAME_MAX_LEN 254
#define RES_MAX 32
#define TYPE_MAX 64
#define HOUR 3600
#define UPSTREAM_MAX STORE_UPSTREAM_MAX
#define TRAFFIC_HOURS_MAX (365 * 24 * 10)

/* The request's names, cut in place in buf (a copy of them). */
struct seen_names {
	char *buf;
	const char *p[INVENTORY_NAMES_PER_REQ];
	size_t n;
};

/* What inventory_record hands to the implementation points in here. */
struct seen_text {
	char addr[ADDR_MAX], ua[UA_MAX];
	struct ua_info client;
	char type[TYPE_MAX], detail[DETAIL_MAX], res[RES_MAX];
	char last[TYPE_MAX + DETAIL_MAX + 2];
	char upstream[UPSTREAM_MAX];
	struct seen_names names;
};

/* Split names at commas and spaces into at most INVENTORY_NAMES_PER_REQ
 * lower-cased, cleaned names; longer than a DNS name are passed over. */
static int
names_split(const char *names, struct seen_names *out)
{
	char *t, *e;
	size_t len, i;
	int end;

	out->n = 0;
	if (names == NULL)
		return 0;
	if ((out->buf = strdup(names)) == NULL)
		return -1;
	t = out->buf;
	while (*t != '\0' && out->n < INVENTORY_NAMES_PER_REQ) {
		t += strspn(t, ", ");
		len = strcspn(t, ", ");
		e = t + len;
		end = *e == '\0';
		*e = '\0';
		if (len > 0 && len < NAME_MAX_LEN) {
			for (i = 0; i < len; i++)
				t[i] = (char)tolower((unsigned char)t[i]);
			/* in place: cleaning never makes a string longer */
			inventory_clean(t, len + 1, t);
			out->p[out->n++] = t;
		}
		t = end ? e : e + 1;
	}
	return 0;
}

/* The failure's fields and the account's "type: detail". */
static void
seen_failure(
    const struct inventory_seen *v, struct seen_text *t, struct store_seen *w)
{
	inventory_clean(
	    t->type, sizeof(t->type), v->error_type ? v->error_type : "");
	inventory_clean_detail(t->detail, sizeof(t->detail), v->error_detail);
	inventory_clean(t->res, sizeof(t->res), v->resource);
	if (t->type[0] == '\0')
		snprintf(t->type, sizeof(t->type), "status %d", v->status);
	snprintf(t->last, sizeof(t->last), "%s%s%s", t->type,
	    t->detail[0] ? ": " : "", t->detail);
	inventory_clean(t->upstream, sizeof(t->upstream), v->upstream);
	w->upstream = t->upstream;
	w->resource = t->res;
	w->error_type = t->type;
	w->detail = t->detail;
	w->last_error = t->last;
}

/* The client of a known account: User-Agent, family, version, names. */
static int
seen_client(
    const struct inventory_seen *v, struct seen_text *t, struct store_seen *w)
{
	inventory_clean(t->ua, sizeof(t->ua), v->user_agent);
	inventory_client_identify(t->ua, v->content_type, &t->client);
	w->user_agent = t->ua;
	w->family = t->client.family;
	w->version = t->client.version;
	if (names_split(v->names, &t->names) == -1)
		return -1;
	w->names = t->names.p;
	w->nnames = t->names.n;
	return 0;
}

int
inventory_record(struct store *s, const struct inventory_seen *v, long long now)
{
	struct seen_text *t;
	struct store_seen w;
	int rc = -1;

	if (!inventory_kept(v))
		return 0;
	memset(&w, 0, sizeof(w));
	w.failed = inventory_failed(v->resource, v->method, v->status);
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		store_log(s, __func__, "out of memory");
		return -1;
	}
	w.account_id = v->account_id;
	w.now = now;
	inventory_clean(t->addr, sizeof(t->addr), v->addr);
	w.addr = t->addr;
	w.family = w.version = w.user_agent = "";
	if (w.failed)
		seen_failure(v, t, &w);
	if (v->account_id != 0 && seen_client(v, t, &w) == -1)
		store_log(s, __func__, "out of memory");
	else
		rc = s->ops->inventory_record(s->impl, &w);
	free(t->names.buf);
	free(t);
	return rc;
}

int
inventory_count(struct store *s, int failed, long long now)
{
	return inventory_count_n(s, 1, failed ? 1 : 0, now);
}

int
inventory_count_n(
    struct store *s, long long requests, long long failures, long long now)
{
	long long hour = now - now % HOUR;

	if (requests < 1 || failures < 0 || failures > requests)
		return 0;
	return s->ops->inventory_count(
	    s->impl, hour, requests, failures, hour - INVENTORY_TRAFFIC_KEEP);
}

int
inventory_issued(struct store *s, long long account_id, const char *serial,
    long long not_after, long long now)
{
	/* The certificate itself (serial, not_after) is in the certs table;
	 * here the account's issuance count and last seen. */
	(void)serial;
	(void)not_after;
	if (account_id == 0)
		return 0;
	return s->ops->inventory_issued(s->impl, account_id, now);
}

int
inventory_list(
    struct store *s, long long since, long long now, struct inventory_list *out)
{
	memset(out, 0, sizeof(*out));
	if (s->ops->inventory_list(s->impl, since, now, out) == 0)
		return 0;
	inventory_list_free(out);
	return -1;
}

static void
row_free(struct inventory_row *r)
{
	free(r->thumbprint);
	free(r->addresses);
	free(r->family);
	free(r->version);
	free(r->user_agent);
	free(r->names);
	free(r->last_error);
	free(r->upstream);
	memset(r, 0, sizeof(*r));
}

void
inventory_list_free(struct inventory_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		row_free(&l->rows[i]);
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

/* inventory_traffic's arrays, filled hour by hour. */
struct traffic_fill {
	long long from;
	size_t n;
	long long *counts, *failures;
};

static void
traffic_hour(void *arg, long long hour, long long requests, long long failures)
{
	struct traffic_fill *t = arg;
	long long i;

	/* an hour the caller did not ask for is not written anywhere */
	if (hour < t->from || (hour - t->from) % HOUR != 0)
		return;
	i = (hour - t->from) / HOUR;
	if ((size_t)i >= t->n)
		return;
	t->counts[i] = requests;
	t->failures[i] = failures;
}

int
inventory_traffic(struct store *s, long long from, size_t n, long long *counts,
    long long *failures)
{
	struct traffic_fill t = { from, n, counts, failures };

	if (n > 0) {
		memset(counts, 0, n * sizeof(*counts));
		memset(failures, 0, n * sizeof(*failures));
	}
	if (n > TRAFFIC_HOURS_MAX) {
		store_log(s, __func__, "too many hours");
		return -1;
	}
	return s->ops->inventory_traffic(
	    s->impl, from, from + (long long)n * HOUR, traffic_hour, &t);
}

int
inventory_failures(
    struct store *s, size_t max, struct inventory_failure **out, size_t *n)
{
	struct inventory_failure *f;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (max > INVENTORY_FAILURES_MAX)
		max = INVENTORY_FAILURES_MAX;
	if (max == 0)
		return 0;
	if ((f = calloc(max, sizeof(*f))) == NULL) {
		store_log(s, __func__, "out of memory");
		return -1;
	}
	if (s->ops->inventory_failures(s->impl, max, f, &k) == -1) {
		inventory_failures_free(f, k);
		return -1;
	}
	if (k == 0) {
		free(f);
		return 0;
	}
	*out = f;
	*n = k;
	return 0;
}

void
inventory_failures_free(struct inventory_failure *f, size_t n)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(f[i].resource);
		free(f[i].error_type);
		free(f[i].detail);
		free(f[i].addr);
		free(f[i].upstream);
	}
	free(f);
}

int
inventory_versions(struct store *s,
    void (*cb)(void *arg, const char *family, const char *version, long long n),
    void *arg)
{
	return s->ops->inventory_versions(s->impl, cb, arg);
}

int
inventory_summary(struct store *s, long long since, long long now,
    long long within, struct inventory_summary *out)
{
	memset(out, 0, sizeof(*out));
	return s->ops->inventory_summary(s->impl, since, now, within, out);
}
