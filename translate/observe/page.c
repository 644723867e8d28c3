/* page.c: the admin migration page as HTML (page.h). Pure: takes the
 * inventory data, returns text. Client-supplied strings only ever go
 * through pb_esc; pb_printf formats numbers and fixed text. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "page.h"

#define CELL_NAMES_MAX 400
#define CELL_ADDR_MAX 160
#define CELL_UA_MAX 200
#define CELL_ERROR_MAX 300
#define CELL_SHORT_MAX 64
#define VERSION_LABEL_MAX 36

/* The traffic chart's geometry (SVG user units). */
#define TR_LEFT 44
#define TR_TOP 10
#define TR_STEP 5
#define TR_BAR 4
#define TR_W (TR_LEFT + PAGE_HOURS * TR_STEP + 12)
#define TR_BASE (TR_TOP + PAGE_CHART_H)
#define TR_H (TR_BASE + 26)
#define TR_DAY_LABEL_ROOM 75 /* px from a date to the end: "Dec 03" + "now" */

/* The version chart's geometry. */
#define VR_LABEL_W 236
#define VR_BAR_W 500
#define VR_ROW 22
#define VR_W (VR_LABEL_W + VR_BAR_W + 60)

struct pbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void
pb_put(struct pbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *np = NULL;

	if (b->err || n == 0)
		return;
	if (n >= PAGE_MAX_BYTES - b->len) {
		b->err = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 8192;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
pb_str(struct pbuf *b, const char *s)
{
	pb_put(b, s, strlen(s));
}

static void pb_printf(struct pbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
pb_printf(struct pbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = 1;
		return;
	}
	pb_put(b, tmp, (size_t)n);
}

static const char *
esc_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		break;
	}
	if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
		return "?";
	return NULL;
}

/* The first len bytes of s, escaped; commas followed by a space when
 * spaced. */
static void
pb_esc_len(struct pbuf *b, const char *s, size_t len, int spaced)
{
	size_t i, run = 0;
	const char *e;

	for (i = 0; i < len; i++) {
		e = esc_entity((unsigned char)s[i]);
		if (e == NULL &&
		    !(spaced && s[i] == ',' && i + 1 < len && s[i + 1] != ' '))
			continue;
		pb_put(b, s + run, i - run);
		run = i + 1;
		pb_str(b, e != NULL ? e : ", ");
	}
	pb_put(b, s + run, len - run);
}

/* Escaped s, at most max bytes of it (0 = all; cut on a UTF-8 boundary,
 * then an ellipsis). */
static void
pb_esc(struct pbuf *b, const char *s, size_t max, int spaced)
{
	size_t n, cut;

	if (s == NULL)
		return;
	n = strlen(s);
	cut = n;
	if (max > 0 && n > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	pb_esc_len(b, s, cut, spaced);
	if (cut < n)
		pb_str(b, "\xe2\x80\xa6");
}

/* An error detail, escaped. Details about nonces may quote the nonce (the
 * bridge's badNonce detail quotes the rejected one, the CA's may quote its
 * own): whatever follows the word "nonce" is not shown. */
static void
pb_detail(struct pbuf *b, const char *s, size_t max)
{
	const char *p, *q;
	size_t cut;

	if (s == NULL || (p = strcasestr(s, "nonce")) == NULL) {
		pb_esc(b, s, max, 0);
		return;
	}
	p += 5;
	for (q = p; *q != '\0' && !isalnum((unsigned char)*q); q++)
		;
	if (*q == '\0') {
		pb_esc(b, s, max, 0);
		return;
	}
	cut = (size_t)(p - s);
	if (max > 0 && cut > max) {
		pb_esc(b, s, max, 0);
		return;
	}
	pb_esc_len(b, s, cut, 0);
	pb_str(b, " [value not shown]");
}

char *
page_escape(const char *s)
{
	struct pbuf b = { NULL, 0, 0, 0 };

	pb_esc(&b, s ? s : "", 0, 0);
	if (b.err) {
		free(b.p);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}

int
page_bar_height(long long count, long long max, int h)
{
	double v;

	if (count <= 0 || h <= 0)
		return 0;
	if (max <= 0 || count >= max)
		return h;
	v = (double)count * (double)h / (double)max;
	if (v < 1.0)
		return 1;
	return (int)(v + 0.5);
}

long long
page_traffic_from(long long now)
{
	return now - now % 3600 - (PAGE_HOURS - 1) * 3600LL;
}

/* "2026-11-22 17:40" (UTC), "-" for 0. */
static void
fmt_time(long long t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, 32, "-");
}

/* How long ago t was, for a tooltip. */
static void
fmt_age(long long now, long long t, char out[32])
{
	long long d = now - t;

	if (t <= 0)
		snprintf(out, 32, "never");
	else if (d < 0)
		snprintf(out, 32, "in %lld min", (-d + 59) / 60);
	else if (d < 90)
		snprintf(out, 32, "just now");
	else if (d < 5400)
		snprintf(out, 32, "%lld min ago", d / 60);
	else if (d < 2 * 86400)
		snprintf(out, 32, "%lld h ago", d / 3600);
	else
		snprintf(out, 32, "%lld days ago", d / 86400);
}

/* <td data-sort="t" title="age">time</td> */
static void
td_time(struct pbuf *b, long long now, long long t, const char *cls)
{
	char when[32], age[32];

	fmt_time(t, when);
	fmt_age(now, t, age);
	pb_printf(b,
	    "<td class=\"time%s%s\" data-sort=\"%lld\" title=\"%s\">%s</td>",
	    cls ? " " : "", cls ? cls : "", t, age, when);
}

static void
td_text(struct pbuf *b, const char *s, size_t max, int spaced)
{
	pb_str(b, "<td>");
	pb_esc(b, s, max, spaced);
	pb_str(b, "</td>");
}

static const char *
plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Each upstream CA: its name (path prefix), URL, state in words and last
 * error. The first keeps the id "upstream" of the one-CA page. */
static void
render_upstreams(struct pbuf *b, const struct page_data *d)
{
	size_t i;

	for (i = 0; d->upstreams != NULL && i < d->nupstreams; i++) {
		const struct page_upstream *u = &d->upstreams[i];
		const char *state = u->ready ? "reachable"
		    : u->loaded ? "directory loaded, no nonce lately"
				: "unreachable: directory not loaded";

		if (i == 0)
			pb_str(b, "<p class=\"upstream\" id=\"upstream\">");
		else
			pb_printf(
			    b, "<p class=\"upstream\" id=\"upstream-%zu\">", i);
		pb_str(b, "Upstream CA <code class=\"upstream-name\">");
		pb_esc(b, u->name ? u->name : "/", 80, 0);
		pb_str(b, "</code> <code>");
		pb_esc(b, u->url ? u->url : "", 512, 0);
		pb_printf(b,
		    "</code>: <strong class=\"upstream-state\">%s"
		    "</strong>",
		    state);
		if (u->last_error != NULL && u->last_error[0] != '\0') {
			pb_str(b, " &mdash; last error: ");
			pb_esc(b, u->last_error, 400, 1);
		}
		pb_str(b, "</p>\n");
	}
}

static void
render_head(struct pbuf *b, const struct page_data *d)
{
	const struct inventory_summary *s = d->summary;
	char when[32];

	fmt_time(d->now, when);
	pb_str(b,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<title>acme-bridge: ACME v1 migration</title>\n"
	    "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
	    "<link rel=\"icon\" href=\"/static/favicon.svg\" "
	    "type=\"image/svg+xml\">\n"
	    "<script src=\"/static/app.js\" defer></script>\n"
	    "</head>\n<body>\n<header>\n<h1>ACME v1 migration</h1>\n");
	pb_printf(b,
	    "<p class=\"summary\" id=\"summary\"><strong>%lld</strong> "
	    "%s, <strong>%lld</strong> %s, <strong>%lld</strong> %s within 30 "
	    "days</p>\n",
	    s->hosts, plural(s->hosts, "v1 host", "v1 hosts"), s->versions,
	    plural(s->versions, "client version", "client versions"),
	    s->expiring,
	    plural(
		s->expiring, "certificate expiring", "certificates expiring"));
	render_upstreams(b, d);
	pb_printf(b, "<p class=\"generated\">Generated %s UTC by acme-bridge%s",
	    when, d->version ? " " : "");
	if (d->version)
		pb_esc(b, d->version, 64, 0);
	pb_str(b, ". Times are UTC.</p>\n</header>\n<main>\n");
}

static void
render_row(
    struct pbuf *b, const struct page_data *d, const struct inventory_row *r)
{
	const char *exp_cls = NULL;

	pb_printf(b,
	    "<tr data-account=\"%lld\"><td class=\"num\" data-sort=\"%lld\" "
	    "title=\"",
	    r->account_id, r->account_id);
	pb_esc(b, r->thumbprint, CELL_SHORT_MAX, 0);
	pb_printf(b, "\">%lld</td>", r->account_id);
	td_time(b, d->now, r->last_seen, NULL);
	td_time(b, d->now, r->first_seen, NULL);
	td_text(b, r->addresses, CELL_ADDR_MAX, 1);
	pb_str(b, "<td class=\"client\" data-sort=\"");
	pb_esc(b, r->family, CELL_SHORT_MAX, 0);
	pb_str(b, "\"><span class=\"family\">");
	pb_esc(b, r->family && r->family[0] ? r->family : "unknown",
	    CELL_SHORT_MAX, 0);
	pb_str(b, "</span><span class=\"ua\">");
	pb_esc(b, r->user_agent, CELL_UA_MAX, 0);
	pb_str(b, "</span></td>");
	td_text(b, r->version, CELL_SHORT_MAX, 0);
	td_text(b, r->names, CELL_NAMES_MAX, 1);
	pb_printf(b, "<td class=\"num\" data-sort=\"%lld\">%lld</td>", r->certs,
	    r->certs);
	if (r->next_expiry > 0 && r->next_expiry <= d->now)
		exp_cls = "expired";
	else if (r->next_expiry > 0 &&
	    r->next_expiry - d->now <= PAGE_EXPIRY_WINDOW)
		exp_cls = "soon";
	td_time(b, d->now, r->next_expiry, exp_cls);
	pb_printf(b, "<td class=\"error\" data-sort=\"%lld\">",
	    r->last_error ? r->last_error_at : 0);
	if (r->last_error != NULL) {
		pb_detail(b, r->last_error, CELL_ERROR_MAX);
		if (r->last_error_at > 0) {
			char when[32];

			fmt_time(r->last_error_at, when);
			pb_printf(b, "<span class=\"at\">%s</span>", when);
		}
	}
	pb_str(b, "</td>");
	td_text(b, inventory_upstream_name(r->upstream), CELL_SHORT_MAX, 0);
	pb_str(b, "</tr>\n");
}

static void
render_inventory(struct pbuf *b, const struct page_data *d)
{
	const struct inventory_list *l = d->inv;
	size_t i, n = l->n < PAGE_MAX_ROWS ? l->n : PAGE_MAX_ROWS;

	pb_str(b,
	    "<section id=\"inventory-section\">\n<h2>Inventory: v1 "
	    "accounts</h2>\n");
	if (l->n > n)
		pb_printf(b,
		    "<p class=\"note\">Showing the %zu most recently seen of "
		    "%zu accounts (acme-bridge report lists all).</p>\n",
		    n, l->n);
	pb_str(b,
	    "<div class=\"scroll\"><table id=\"inventory\" "
	    "class=\"sortable\">\n"
	    "<thead><tr><th data-type=\"num\">Account</th>"
	    "<th data-type=\"num\" aria-sort=\"descending\">Last seen</th>"
	    "<th data-type=\"num\">First seen</th><th>Addresses</th>"
	    "<th>Client</th><th>Version</th><th>Names</th>"
	    "<th data-type=\"num\" title=\"Certificates issued\">Certs</th>"
	    "<th data-type=\"num\">Next expiry</th>"
	    "<th data-type=\"num\">Last error</th><th>Upstream</th></tr>"
	    "</thead>\n<tbody>\n");
	for (i = 0; i < n; i++)
		render_row(b, d, &l->rows[i]);
	if (n == 0)
		pb_str(b,
		    "<tr class=\"empty\"><td colspan=\"11\">No v1 account "
		    "has been seen yet.</td></tr>\n");
	pb_str(b, "</tbody>\n</table></div>\n</section>\n");
}

static void
render_hour(struct pbuf *b, const struct page_data *d, size_t i, long long max)
{
	long long t = d->traffic_from + (long long)i * 3600;
	long long n = d->counts[i] > 0 ? d->counts[i] : 0;
	long long f = d->failures[i] > 0 ? d->failures[i] : 0;
	int total, fh, x = TR_LEFT + (int)i * TR_STEP;
	char when[32];

	if (f > n)
		f = n;
	total = page_bar_height(n, max, PAGE_CHART_H);
	fh = page_bar_height(f, max, PAGE_CHART_H);
	if (fh > total)
		fh = total;
	fmt_time(t, when);
	pb_printf(b,
	    "<g class=\"hour\" data-t=\"%lld\" data-n=\"%lld\" data-f=\"%lld\">"
	    "<title>%s UTC: %lld %s, %lld failed</title>",
	    t, n, f, when, n, plural(n, "request", "requests"), f);
	pb_printf(b,
	    "<rect class=\"bar-ok\" x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\"/>",
	    x, TR_BASE - (total - fh), TR_BAR, total - fh);
	pb_printf(b,
	    "<rect class=\"bar-fail\" x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\"/>"
	    "</g>\n",
	    x, TR_BASE - total, TR_BAR, fh);
}

/* The request scale on the left: 0, and with any traffic the maximum and
 * half of it (its label the count a bar of that height stands for). With
 * no traffic the chart says so in its middle instead: a scale of 0..1 over
 * empty bars reads as garbage. */
static void
render_scale(struct pbuf *b, long long max, long long total)
{
	pb_printf(b, "<text class=\"ylabel\" x=\"%d\" y=\"%d\">0</text>\n",
	    TR_LEFT - 6, TR_BASE + 4);
	if (total == 0) {
		pb_printf(b,
		    "<text class=\"nodata\" x=\"%d\" y=\"%d\">No v1 "
		    "requests yet</text>\n",
		    TR_LEFT + PAGE_HOURS * TR_STEP / 2,
		    TR_TOP + PAGE_CHART_H / 2 + 5);
		return;
	}
	pb_printf(b, "<text class=\"ylabel\" x=\"%d\" y=\"%d\">%lld</text>\n",
	    TR_LEFT - 6, TR_TOP + 4, max);
	if (max >= 2)
		pb_printf(b,
		    "<text class=\"ylabel\" x=\"%d\" y=\"%d\">%lld</text>\n",
		    TR_LEFT - 6,
		    TR_BASE - page_bar_height(max / 2, max, PAGE_CHART_H) + 4,
		    max / 2);
}

/* A tick and a date at every midnight (UTC) below; a date too close to
 * the "now" label at the end is left out (they would overlap). */
static void
render_days(struct pbuf *b, const struct page_data *d)
{
	size_t i;
	int end = TR_LEFT + PAGE_HOURS * TR_STEP;

	for (i = 0; i < PAGE_HOURS; i++) {
		long long t = d->traffic_from + (long long)i * 3600;
		int x = TR_LEFT + (int)i * TR_STEP;
		char day[16];
		struct tm tm;
		time_t tt = (time_t)t;

		if (t % 86400 != 0 || gmtime_r(&tt, &tm) == NULL ||
		    strftime(day, sizeof(day), "%b %d", &tm) == 0)
			continue;
		pb_printf(b,
		    "<line class=\"day\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\"/>",
		    x - 1, TR_TOP, x - 1, TR_BASE + 5);
		if (end - x >= TR_DAY_LABEL_ROOM)
			pb_printf(
			    b, "<text class=\"xlabel\" x=\"%d\" y=\"%d\">%s</text>",
			    x - 1, TR_BASE + 18, day);
		pb_str(b, "\n");
	}
	pb_printf(b,
	    "<text class=\"xlabel now\" x=\"%d\" y=\"%d\">now</text>\n", end,
	    TR_BASE + 18);
}

/* Axis lines and grid, the scale, the days. */
static void
render_axes(
    struct pbuf *b, const struct page_data *d, long long max, long long total)
{
	pb_printf(b,
	    "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
	    TR_LEFT - 2, TR_TOP, TR_W - 8, TR_TOP);
	pb_printf(b,
	    "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
	    TR_LEFT - 2, TR_TOP + PAGE_CHART_H / 2, TR_W - 8,
	    TR_TOP + PAGE_CHART_H / 2);
	pb_printf(b,
	    "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
	    TR_LEFT - 2, TR_BASE, TR_W - 8, TR_BASE);
	pb_printf(b,
	    "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
	    TR_LEFT - 2, TR_TOP, TR_LEFT - 2, TR_BASE);
	render_scale(b, max, total);
	render_days(b, d);
}

static void
render_traffic(struct pbuf *b, const struct page_data *d)
{
	long long max = 0, total = 0, failed = 0;
	size_t i;

	for (i = 0; i < PAGE_HOURS; i++) {
		if (d->counts[i] > max)
			max = d->counts[i];
		if (d->counts[i] > 0)
			total += d->counts[i];
		if (d->failures[i] > 0)
			failed += d->failures[i];
	}
	if (max < 1)
		max = 1;
	pb_str(b,
	    "<section id=\"traffic-section\">\n"
	    "<h2>v1 requests per hour, last 7 days</h2>\n");
	pb_printf(b,
	    "<p class=\"note\"><strong>%lld</strong> %s in the last 7 days, "
	    "<strong>%lld</strong> failed. <span class=\"key key-ok\"></span> "
	    "answered "
	    "<span class=\"key key-fail\"></span> failed</p>\n",
	    total, plural(total, "request", "requests"), failed);
	pb_printf(b,
	    "<svg id=\"traffic\" class=\"chart\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"v1 requests per hour for the last 7 "
	    "days: "
	    "%lld requests, %lld failed\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">\n",
	    TR_W, TR_H, total, failed);
	render_axes(b, d, max, total);
	for (i = 0; i < PAGE_HOURS; i++)
		render_hour(b, d, i, max);
	pb_str(b, "</svg>\n</section>\n");
}

struct vgroup {
	const char *family, *version;
	long long n;
};

static int
cmp_row_version(const void *a, const void *b)
{
	const struct inventory_row *x = *(const struct inventory_row *const *)a;
	const struct inventory_row *y = *(const struct inventory_row *const *)b;
	int c = strcmp(x->family ? x->family : "", y->family ? y->family : "");

	return c ? c
		 : strcmp(x->version ? x->version : "",
		       y->version ? y->version : "");
}

static int
cmp_group(const void *a, const void *b)
{
	const struct vgroup *x = a, *y = b;
	int c;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	c = strcmp(x->family, y->family);
	return c ? c : strcmp(x->version, y->version);
}

/* Accounts per family + version, most first; *ng groups. */
static struct vgroup *
version_groups(const struct inventory_list *l, size_t *ng)
{
	const struct inventory_row **rows = NULL;
	struct vgroup *g = NULL;
	size_t i, n = 0;

	*ng = 0;
	if (l->n == 0 || l->n > SIZE_MAX / sizeof(*g))
		return NULL;
	rows = malloc(l->n * sizeof(*rows));
	g = calloc(l->n, sizeof(*g));
	if (rows == NULL || g == NULL)
		goto fail;
	for (i = 0; i < l->n; i++)
		rows[i] = &l->rows[i];
	qsort(rows, l->n, sizeof(*rows), cmp_row_version);
	for (i = 0; i < l->n; i++) {
		if (n == 0 || cmp_row_version(&rows[i], &rows[i - 1]) != 0) {
			g[n].family = rows[i]->family ? rows[i]->family : "";
			g[n].version = rows[i]->version ? rows[i]->version : "";
			n++;
		}
		g[n - 1].n++;
	}
	qsort(g, n, sizeof(*g), cmp_group);
	free(rows);
	*ng = n;
	return g;
fail:
	free(rows);
	free(g);
	return NULL;
}

static void
render_vbar(struct pbuf *b, int row, const char *family, const char *version,
    long long n, long long max)
{
	int y = 6 + row * VR_ROW, w = page_bar_height(n, max, VR_BAR_W);

	pb_str(b, "<g class=\"version\" data-family=\"");
	pb_esc(b, family, CELL_SHORT_MAX, 0);
	pb_str(b, "\" data-version=\"");
	pb_esc(b, version, CELL_SHORT_MAX, 0);
	pb_printf(b,
	    "\" data-n=\"%lld\"><text class=\"vlabel\" x=\"%d\" y=\"%d\">", n,
	    VR_LABEL_W - 8, y + 13);
	pb_esc(b, family[0] ? family : "unknown", VERSION_LABEL_MAX, 0);
	if (version[0] != '\0') {
		pb_str(b, " ");
		pb_esc(b, version, VERSION_LABEL_MAX, 0);
	}
	pb_printf(b,
	    "</text><rect class=\"bar-version\" x=\"%d\" y=\"%d\" "
	    "width=\"%d\" height=\"16\"/><text class=\"vcount\" x=\"%d\" "
	    "y=\"%d\">"
	    "%lld</text></g>\n",
	    VR_LABEL_W, y, w, VR_LABEL_W + w + 6, y + 13, n);
}

static void
render_versions(struct pbuf *b, const struct page_data *d)
{
	struct vgroup *g = NULL;
	size_t ng = 0, i, shown;
	long long other = 0;

	pb_str(b,
	    "<section id=\"versions-section\">\n"
	    "<h2>Client versions (v1 accounts per client and version)</h2>\n");
	g = version_groups(d->inv, &ng);
	if (g == NULL) {
		if (d->inv->n > 0)
			b->err = 1;
		pb_str(b,
		    "<p class=\"empty\">No v1 client has been seen yet.</p>\n"
		    "</section>\n");
		return;
	}
	shown = ng > PAGE_MAX_VERSIONS ? PAGE_MAX_VERSIONS - 1 : ng;
	for (i = shown; i < ng; i++)
		other += g[i].n;
	pb_printf(b,
	    "<svg id=\"versions\" class=\"chart\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"v1 accounts per client version\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">\n",
	    VR_W, (int)(shown + (other > 0)) * VR_ROW + 10);
	for (i = 0; i < shown; i++)
		render_vbar(
		    b, (int)i, g[i].family, g[i].version, g[i].n, g[0].n);
	if (other > 0)
		render_vbar(b, (int)shown, "other versions", "", other,
		    other > g[0].n ? other : g[0].n);
	pb_str(b, "</svg>\n</section>\n");
	free(g);
}

static void
render_failures(struct pbuf *b, const struct page_data *d)
{
	size_t i,
	    n = d->nfails < PAGE_MAX_FAILURES ? d->nfails : PAGE_MAX_FAILURES;
	const struct inventory_failure *f;

	pb_str(b,
	    "<section id=\"failures-section\">\n<h2>Recent failures</h2>\n"
	    "<div class=\"scroll\"><table id=\"failures\" class=\"sortable\">\n"
	    "<thead><tr><th data-type=\"num\" "
	    "aria-sort=\"descending\">Time</th>"
	    "<th data-type=\"num\">Account</th><th>Resource</th>"
	    "<th>v1 "
	    "error</th><th>Detail</th><th>Address</th><th>Upstream</th>"
	    "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		f = &d->fails[i];
		pb_str(b, "<tr>");
		td_time(b, d->now, f->at, NULL);
		if (f->account_id > 0)
			pb_printf(b,
			    "<td class=\"num\" data-sort=\"%lld\">%lld</td>",
			    f->account_id, f->account_id);
		else
			pb_str(b, "<td class=\"num\" data-sort=\"0\">-</td>");
		td_text(b, f->resource, CELL_SHORT_MAX, 0);
		pb_str(b, "<td class=\"etype\">");
		pb_esc(b, f->error_type, CELL_SHORT_MAX, 0);
		pb_str(b, "</td>");
		pb_str(b, "<td class=\"detail\">");
		pb_detail(b, f->detail, CELL_ERROR_MAX);
		pb_str(b, "</td>");
		td_text(b, f->addr, CELL_SHORT_MAX, 0);
		td_text(
		    b, inventory_upstream_name(f->upstream), CELL_SHORT_MAX, 0);
		pb_str(b, "</tr>\n");
	}
	if (n == 0)
		pb_str(b,
		    "<tr class=\"empty\"><td colspan=\"7\">No failed v1 "
		    "request recorded.</td></tr>\n");
	pb_str(b, "</tbody>\n</table></div>\n</section>\n");
}

char *
page_render(const struct page_data *d, size_t *len)
{
	struct pbuf b = { NULL, 0, 0, 0 };

	*len = 0;
	render_head(&b, d);
	render_inventory(&b, d);
	render_traffic(&b, d);
	render_versions(&b, d);
	render_failures(&b, d);
	pb_str(&b, "</main>\n</body>\n</html>\n");
	if (b.err) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
