/* inventory.c: the client inventory in the store (inventory.h): who still
 * speaks v1, with which client, for which names; v1 traffic per hour and
 * the newest failures. Every write is a prepared statement on bounded
 * input (strings cut and control characters replaced), and every table is
 * bounded (per-account addresses and names, failures, traffic hours).
 * User-Agent parsing (inventory_ua_parse, inventory_client_identify) is in
 * inventory_ua.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "inventory.h"
#include "store_int.h"
#include "store_inventory.h"

#define UA_MAX 256
#define DETAIL_MAX 256
#define ADDR_MAX 64
#define NAME_MAX_LEN 254
#define RES_MAX 32
#define TYPE_MAX 64

/* ---- writes ---- */



static int
savepoint(struct store *s, enum st id)
{
	return store_simple(s, id, __func__);
}

/* Abandon the savepoint's writes (after an error). */
static void
rollback_to(struct store *s)
{
	savepoint(s, ST_INV_ROLLBACK_TO);
	savepoint(s, ST_INV_RELEASE);
}

/* Upsert (account, value) in the addresses or names table: update its
 * last_seen, or insert it and trim the account's rows to keep. */
static int
upsert_pair(struct store *s, enum st upd, enum st ins, enum st trim,
    long long account_id, const char *value, long long now, long long keep)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, upd, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, account_id) ||
	    store_bt(st, 2, value) || store_bi(st, 3, now), __func__) == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		return 0;
	if ((st = store_stmt(s, ins, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, account_id) ||
	    store_bt(st, 2, value) || store_bi(st, 3, now), __func__) == -1)
		return -1;
	if ((st = store_stmt(s, trim, __func__)) == NULL)
		return -1;
	return store_run(s, st, store_bi(st, 1, account_id) ||
	    store_bi(st, 2, keep), __func__);
}

/* Each comma-separated name of names (lower-cased, at most
 * INVENTORY_NAMES_PER_REQ). */
static int
record_names(struct store *s, long long account_id, const char *names,
    long long now)
{
	char name[NAME_MAX_LEN];
	const char *p = names, *e;
	size_t len, i, n = 0;

	while (p != NULL && *p != '\0' && n < INVENTORY_NAMES_PER_REQ) {
		while (*p == ',' || *p == ' ')
			p++;
		e = p + strcspn(p, ", ");
		len = (size_t)(e - p);
		if (len > 0 && len < sizeof(name)) {
			for (i = 0; i < len; i++)
				name[i] = (char)tolower((unsigned char)p[i]);
			name[len] = '\0';
			inventory_clean(name, sizeof(name), name);
			if (upsert_pair(s, ST_INV_NAME_UPD, ST_INV_NAME_INS,
			    ST_INV_NAME_TRIM, account_id, name, now,
			    INVENTORY_NAMES_MAX) == -1)
				return -1;
			n++;
		}
		p = e;
	}
	return 0;
}



/* The failures list (bounded) and the account's last error. */
static int
record_failure(struct store *s, const struct inventory_seen *v,
    const char *addr, long long now)
{
	char type[TYPE_MAX], detail[DETAIL_MAX], res[RES_MAX];
	char last[TYPE_MAX + DETAIL_MAX + 2];
	sqlite3_stmt *st;

	inventory_clean(type, sizeof(type), v->error_type ? v->error_type : "");
	inventory_clean_detail(detail, sizeof(detail), v->error_detail);
	inventory_clean(res, sizeof(res), v->resource);
	if (type[0] == '\0')
		snprintf(type, sizeof(type), "status %d", v->status);
	if ((st = store_stmt(s, ST_INV_FAIL_INS, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, now) ||
	    store_bi(st, 2, v->account_id) || store_bt(st, 3, res) ||
	    store_bt(st, 4, type) || store_bt(st, 5, detail) ||
	    store_bt(st, 6, addr), __func__) == -1)
		return -1;
	if ((st = store_stmt(s, ST_INV_FAIL_TRIM, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, INVENTORY_FAILURES_MAX),
	    __func__) == -1)
		return -1;
	if (v->account_id == 0)
		return 0;
	snprintf(last, sizeof(last), "%s%s%s", type, detail[0] ? ": " : "",
	    detail);
	if ((st = store_stmt(s, ST_INV_CLIENT_ERR, __func__)) == NULL)
		return -1;
	return store_run(s, st, store_bi(st, 1, v->account_id) ||
	    store_bt(st, 2, last) || store_bi(st, 3, now), __func__);
}

/* The clients row, its address and names. */
static int
record_client(struct store *s, const struct inventory_seen *v,
    const char *addr, long long now)
{
	char ua[UA_MAX];
	struct ua_info info;
	sqlite3_stmt *st;

	inventory_clean(ua, sizeof(ua), v->user_agent);
	inventory_client_identify(ua, v->content_type, &info);
	if ((st = store_stmt(s, ST_INV_CLIENT, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, v->account_id) ||
	    store_bi(st, 2, now) || store_bt(st, 3, ua) ||
	    store_bt(st, 4, info.family) || store_bt(st, 5, info.version),
	    __func__) == -1)
		return -1;
	if (addr[0] != '\0' && upsert_pair(s, ST_INV_ADDR_UPD, ST_INV_ADDR_INS,
	    ST_INV_ADDR_TRIM, v->account_id, addr, now,
	    INVENTORY_ADDRS_MAX) == -1)
		return -1;
	return record_names(s, v->account_id, v->names, now);
}


int
inventory_record(struct store *s, const struct inventory_seen *v,
    long long now)
{
	char addr[ADDR_MAX];
	int failed = inventory_failed(v->resource, v->status);

	if (v->account_id == 0 && (!failed || v->resource == NULL ||
	    v->resource[0] == '\0'))
		return 0;
	inventory_clean(addr, sizeof(addr), v->addr);
	if (savepoint(s, ST_INV_SP) == -1)
		return -1;
	if ((v->account_id != 0 && record_client(s, v, addr, now) == -1) ||
	    (failed && record_failure(s, v, addr, now) == -1)) {
		rollback_to(s);
		return -1;
	}
	return savepoint(s, ST_INV_RELEASE);
}

int
inventory_count(struct store *s, int failed, long long now)
{
	sqlite3_stmt *st;
	long long hour = now - now % 3600;

	if ((st = store_stmt(s, ST_INV_TRAFFIC, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, hour) ||
	    store_bi(st, 2, failed ? 1 : 0), __func__) == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		return 0;
	/* the first request of this hour: its row, and old hours go */
	if ((st = store_stmt(s, ST_INV_TRAFFIC_INS, __func__)) == NULL ||
	    store_run(s, st, store_bi(st, 1, hour) ||
	    store_bi(st, 2, failed ? 1 : 0), __func__) == -1)
		return -1;
	if ((st = store_stmt(s, ST_INV_TRAFFIC_TRIM, __func__)) == NULL)
		return -1;
	return store_run(s, st, store_bi(st, 1, hour - INVENTORY_TRAFFIC_KEEP),
	    __func__);
}

int
inventory_issued(struct store *s, long long account_id, const char *serial,
    long long not_after, long long now)
{
	sqlite3_stmt *st;

	/* The certificate itself (serial, not_after) is in the certs table;
	 * here the account's issuance count and last seen. */
	(void)serial;
	(void)not_after;
	if (account_id == 0)
		return 0;
	if ((st = store_stmt(s, ST_INV_CLIENT_ISSUED, __func__)) == NULL)
		return -1;
	return store_run(s, st, store_bi(st, 1, account_id) ||
	    store_bi(st, 2, now), __func__);
}

/* ---- reads ---- */

/* The rows of a one-column query for account_id joined with ',' in a
 * malloc'd string ("" when none). */
static int
joined(struct store *s, enum st id, long long account_id, char **out)
{
	sqlite3_stmt *st;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, add;
	const unsigned char *t;
	int rc = -1, step;

	*out = NULL;
	if ((st = store_stmt(s, id, __func__)) == NULL)
		return -1;
	if (store_bi(st, 1, account_id)) {
		store_logerr(s, __func__);
		goto out;
	}
	if ((buf = calloc(1, 1)) == NULL)
		goto out;
	cap = 1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = sqlite3_column_text(st, 0)) == NULL)
			continue;
		add = (size_t)sqlite3_column_bytes(st, 0);
		if (add > ((size_t)-1) / 2 - len - 2)
			goto out;
		if (len + add + 2 > cap) {
			cap = (len + add + 2) * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto out;
			buf = nb;
		}
		if (len > 0)
			buf[len++] = ',';
		memcpy(buf + len, t, add);
		len += add;
		buf[len] = '\0';
	}
	if (step != SQLITE_DONE) {
		store_logerr(s, __func__);
		goto out;
	}
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	store_done(st);
	return rc;
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
	memset(r, 0, sizeof(*r));
}

/* A string column, "" (not NULL) for SQL NULL. */
static int
col_str(sqlite3_stmt *st, int i, char **out)
{
	if (store_col_dup(st, i, out) == -1)
		return -1;
	if (*out == NULL && (*out = strdup("")) == NULL)
		return -1;
	return 0;
}

static int
list_row(sqlite3_stmt *st, struct inventory_row *r)
{
	memset(r, 0, sizeof(*r));
	r->account_id = sqlite3_column_int64(st, 0);
	r->first_seen = sqlite3_column_int64(st, 5);
	r->last_seen = sqlite3_column_int64(st, 6);
	r->last_error_at = sqlite3_column_int64(st, 8);
	r->certs = sqlite3_column_int64(st, 9);
	r->next_expiry = sqlite3_column_int64(st, 10);	/* NULL -> 0 */
	if (col_str(st, 1, &r->thumbprint) == -1 ||
	    col_str(st, 2, &r->user_agent) == -1 ||
	    col_str(st, 3, &r->family) == -1 ||
	    col_str(st, 4, &r->version) == -1 ||
	    store_col_dup(st, 7, &r->last_error) == -1)
		return -1;
	return 0;
}

/* Append one row from st to l (grown by doubling). */
static int
list_add(struct inventory_list *l, size_t *cap, sqlite3_stmt *st)
{
	struct inventory_row *nr;
	size_t ncap;

	if (l->n == *cap) {
		ncap = *cap ? *cap * 2 : 16;
		if (ncap > ((size_t)-1) / sizeof(*nr) ||
		    (nr = realloc(l->rows, ncap * sizeof(*nr))) == NULL)
			return -1;
		l->rows = nr;
		*cap = ncap;
	}
	if (list_row(st, &l->rows[l->n]) == -1) {
		row_free(&l->rows[l->n]);
		return -1;
	}
	l->n++;
	return 0;
}

int
inventory_list(struct store *s, long long since, struct inventory_list *out)
{
	sqlite3_stmt *st;
	size_t cap = 0, i;
	int rc = -1, step;

	memset(out, 0, sizeof(*out));
	if ((st = store_stmt(s, ST_INV_LIST, __func__)) == NULL)
		return -1;
	if (store_bi(st, 1, since) || store_bi(st, 2, (long long)time(NULL))) {
		store_logerr(s, __func__);
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (list_add(out, &cap, st) == -1) {
			fprintf(stderr, "%s: out of memory\n", __func__);
			goto out;
		}
	if (step != SQLITE_DONE) {
		store_logerr(s, __func__);
		goto out;
	}
	store_done(st);
	st = NULL;
	for (i = 0; i < out->n; i++)
		if (joined(s, ST_INV_ADDRS, out->rows[i].account_id,
		    &out->rows[i].addresses) == -1 ||
		    joined(s, ST_INV_NAMES, out->rows[i].account_id,
		    &out->rows[i].names) == -1)
			goto out;
	rc = 0;
out:
	store_done(st);
	if (rc != 0)
		inventory_list_free(out);
	return rc;
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

int
inventory_traffic(struct store *s, long long from, size_t n,
    long long *counts, long long *failures)
{
	sqlite3_stmt *st;
	long long hour, i;
	int rc = -1, step;

	if (n > 0) {
		memset(counts, 0, n * sizeof(*counts));
		memset(failures, 0, n * sizeof(*failures));
	}
	if (n > (size_t)(365 * 24 * 10))
		return -1;
	if ((st = store_stmt(s, ST_INV_TRAFFIC_GET, __func__)) == NULL)
		return -1;
	if (store_bi(st, 1, from) ||
	    store_bi(st, 2, from + (long long)n * 3600)) {
		store_logerr(s, __func__);
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		hour = sqlite3_column_int64(st, 0);
		if ((hour - from) % 3600 != 0)
			continue;
		i = (hour - from) / 3600;
		if (i < 0 || (size_t)i >= n)
			continue;
		counts[i] = sqlite3_column_int64(st, 1);
		failures[i] = sqlite3_column_int64(st, 2);
	}
	if (step != SQLITE_DONE) {
		store_logerr(s, __func__);
		goto out;
	}
	rc = 0;
out:
	store_done(st);
	return rc;
}

static int
failure_row(sqlite3_stmt *st, struct inventory_failure *f)
{
	memset(f, 0, sizeof(*f));
	f->at = sqlite3_column_int64(st, 0);
	f->account_id = sqlite3_column_int64(st, 1);
	if (col_str(st, 2, &f->resource) == -1 ||
	    col_str(st, 3, &f->error_type) == -1 ||
	    col_str(st, 4, &f->detail) == -1 ||
	    col_str(st, 5, &f->addr) == -1)
		return -1;
	return 0;
}

int
inventory_failures(struct store *s, size_t max,
    struct inventory_failure **out, size_t *n)
{
	struct inventory_failure *f = NULL;
	sqlite3_stmt *st;
	size_t k = 0;
	int rc = -1, step = SQLITE_DONE;

	*out = NULL;
	*n = 0;
	if (max > INVENTORY_FAILURES_MAX)
		max = INVENTORY_FAILURES_MAX;
	if (max == 0)
		return 0;
	if ((f = calloc(max, sizeof(*f))) == NULL)
		return -1;
	if ((st = store_stmt(s, ST_INV_FAILS, __func__)) == NULL)
		goto out;
	if (store_bi(st, 1, (long long)max)) {
		store_logerr(s, __func__);
		goto out;
	}
	while (k < max && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (failure_row(st, &f[k]) == -1) {
			k++;
			goto out;
		}
		k++;
	}
	if (k < max && step != SQLITE_DONE) {
		store_logerr(s, __func__);
		goto out;
	}
	*out = f;
	*n = k;
	f = NULL;
	rc = 0;
out:
	store_done(st);
	if (f != NULL)
		inventory_failures_free(f, k);
	return rc;
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
	}
	free(f);
}

int
inventory_versions(struct store *s, void (*cb)(void *arg,
    const char *family, const char *version, long long n), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, ST_INV_VERSIONS, __func__)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int64(st, 2));
	if (rc != SQLITE_DONE)
		store_logerr(s, __func__);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
inventory_summary(struct store *s, long long since, long long now,
    long long within, struct inventory_summary *out)
{
	sqlite3_stmt *st;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((st = store_stmt(s, ST_INV_SUM_HOSTS, __func__)) == NULL)
		return -1;
	if (store_bi(st, 1, since) || sqlite3_step(st) != SQLITE_ROW) {
		store_logerr(s, __func__);
		goto out;
	}
	out->hosts = sqlite3_column_int64(st, 0);
	out->versions = sqlite3_column_int64(st, 1);
	store_done(st);
	if ((st = store_stmt(s, ST_INV_SUM_EXPIRING, __func__)) == NULL)
		return -1;
	if (store_bi(st, 1, now) || store_bi(st, 2, now + within) ||
	    sqlite3_step(st) != SQLITE_ROW) {
		store_logerr(s, __func__);
		goto out;
	}
	out->expiring = sqlite3_column_int64(st, 0);
	rc = 0;
out:
	store_done(st);
	return rc;
}
