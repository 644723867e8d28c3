/* test_page.c: the migration page renderer (translate/observe/page.c): escaping,
 * structure, empty inventory, bounds, the SVG bar heights, nonce details. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "t.h"

#define NOW 1700000000LL	/* 2023-11-14 22:13:20 UTC */

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += len;
	}
	return n;
}

/* A page over rows/fails with zero traffic but counts/failures given. */
struct fixture {
	struct inventory_summary sum;
	struct inventory_list inv;
	long long counts[PAGE_HOURS], failures[PAGE_HOURS];
	struct inventory_failure *fails;
	size_t nfails;
};

static char *
render(struct fixture *f, size_t *len)
{
	struct page_data d;

	memset(&d, 0, sizeof(d));
	d.now = NOW;
	d.summary = &f->sum;
	d.inv = &f->inv;
	d.traffic_from = page_traffic_from(NOW);
	d.counts = f->counts;
	d.failures = f->failures;
	d.fails = f->fails;
	d.nfails = f->nfails;
	return page_render(&d, len);
}

static void
set_row(struct inventory_row *r, long long id, const char *family,
    const char *version, const char *ua, const char *names)
{
	memset(r, 0, sizeof(*r));
	r->account_id = id;
	r->thumbprint = "tp";
	r->addresses = "127.0.0.1";
	r->family = (char *)family;
	r->version = (char *)version;
	r->user_agent = (char *)ua;
	r->first_seen = NOW - 86400;
	r->last_seen = NOW - id;
	r->names = (char *)names;
}

static void
test_escape(void)
{
	char *e = page_escape("<script>alert(\"x\")&'</script>");

	CHECK_STR(e, "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt;");
	free(e);
	e = page_escape("a\x01" "b\tc\x7f");
	CHECK_STR(e, "a?b\tc?");
	free(e);
	e = page_escape("");
	CHECK_STR(e, "");
	free(e);
	e = page_escape(NULL);
	CHECK_STR(e, "");
	free(e);
	e = page_escape("caf\xc3\xa9 dehydrated/0.7.0");
	CHECK_STR(e, "caf\xc3\xa9 dehydrated/0.7.0");
	free(e);
}

static void
test_bar_height(void)
{
	CHECK(page_bar_height(0, 10, 160) == 0);
	CHECK(page_bar_height(-3, 10, 160) == 0);
	CHECK(page_bar_height(10, 10, 160) == 160);
	CHECK(page_bar_height(20, 10, 160) == 160);
	CHECK(page_bar_height(5, 10, 160) == 80);
	CHECK(page_bar_height(1, 1000, 160) == 1);	/* never invisible */
	CHECK(page_bar_height(1, 0, 160) == 160);
	CHECK(page_bar_height(1LL << 60, 1LL << 61, 160) == 80);
	CHECK(page_traffic_from(NOW) == NOW - NOW % 3600 - 167 * 3600);
	CHECK(page_traffic_from(NOW) % 3600 == 0);
}

static void
test_empty(void)
{
	struct fixture f;
	size_t len = 0;
	char *html;

	memset(&f, 0, sizeof(f));
	html = render(&f, &len);
	CHECK(html != NULL);
	if (html == NULL)
		return;
	CHECK(len == strlen(html));
	CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	CHECK(strstr(html, "<strong>0</strong> v1 hosts, <strong>0</strong> "
	    "client versions, <strong>0</strong> certificates expiring within "
	    "30 days") != NULL);
	CHECK(strstr(html, "<table id=\"inventory\" class=\"sortable\">") != NULL);
	CHECK(strstr(html, "No v1 account has been seen yet.") != NULL);
	CHECK(count(html, "<tr data-account=") == 0);
	CHECK(count(html, "<g class=\"hour\"") == PAGE_HOURS);
	CHECK(count(html, "height=\"0\"") == 2 * PAGE_HOURS);
	CHECK(strstr(html, "<svg id=\"traffic\"") != NULL);
	/* a fresh bridge's chart says so; its scale is only 0 (not 1, 0, 0) */
	CHECK(count(html, "<text class=\"nodata\"") == 1);
	CHECK(strstr(html, ">No v1 requests yet</text>") != NULL);
	CHECK(count(html, "<text class=\"ylabel\"") == 1);
	CHECK(strstr(html, "<svg id=\"versions\"") == NULL);
	CHECK(strstr(html, "No v1 client has been seen yet.") != NULL);
	CHECK(strstr(html, "No failed v1 request recorded.") != NULL);
	/* CSP default-src 'self': no inline script or style */
	CHECK(count(html, "<script") == 1);
	CHECK(strstr(html, "<script src=\"/static/app.js\" defer></script>") != NULL);
	CHECK(strstr(html, "<link rel=\"stylesheet\" href=\"/static/app.css\">") != NULL);
	CHECK(strstr(html, "<link rel=\"icon\" href=\"/static/favicon.svg\"") != NULL);
	CHECK(strstr(html, " style=") == NULL);
	CHECK(strstr(html, "<style") == NULL);
	/* nothing from elsewhere: the only URL is the SVG namespace */
	CHECK(count(html, "http") == count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
	CHECK(strstr(html, "</html>\n") != NULL);
	free(html);
}

/* The <g> of the hour starting at t. */
static char *
hour_group(const char *html, long long t)
{
	char key[64];
	const char *p, *e;
	char *out;

	snprintf(key, sizeof(key), "<g class=\"hour\" data-t=\"%lld\"", t);
	if ((p = strstr(html, key)) == NULL || (e = strstr(p, "</g>")) == NULL)
		return NULL;
	if ((out = malloc((size_t)(e - p) + 1)) == NULL)
		return NULL;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return out;
}

/* One request in all: the scale is 0 and 1, no half; a midnight 3 hours
 * ago gets its tick but no date (it would run into "now"). */
static void
test_traffic_small(void)
{
	struct page_data d;
	struct inventory_summary sum;
	struct inventory_list inv;
	long long counts[PAGE_HOURS], failures[PAGE_HOURS];
	long long now = 1700006400LL + 3 * 3600 + 60; /* 2023-11-15 03:01 */
	size_t len = 0;
	char *html;

	memset(&d, 0, sizeof(d));
	memset(&sum, 0, sizeof(sum));
	memset(&inv, 0, sizeof(inv));
	memset(counts, 0, sizeof(counts));
	memset(failures, 0, sizeof(failures));
	counts[PAGE_HOURS - 1] = 1;
	d.now = now;
	d.summary = &sum;
	d.inv = &inv;
	d.traffic_from = page_traffic_from(now);
	d.counts = counts;
	d.failures = failures;
	html = page_render(&d, &len);
	CHECK(html != NULL);
	if (html == NULL)
		return;
	CHECK(count(html, "<text class=\"ylabel\"") == 2);
	CHECK(strstr(html, "<text class=\"ylabel\" x=\"38\" y=\"14\">1</text>") != NULL);
	CHECK(strstr(html, "class=\"nodata\"") == NULL);
	CHECK(count(html, "<line class=\"day\"") == 7);
	CHECK(strstr(html, ">Nov 15</text>") == NULL);
	CHECK(strstr(html, ">Nov 14</text>") != NULL);
	CHECK(strstr(html, ">now</text>") != NULL);
	free(html);
}

static void
test_traffic(void)
{
	struct fixture f;
	long long from = page_traffic_from(NOW);
	size_t len = 0;
	char *html, *g;

	memset(&f, 0, sizeof(f));
	f.counts[PAGE_HOURS - 1] = 10;	/* the current hour: the maximum */
	f.failures[PAGE_HOURS - 1] = 2;
	f.counts[100] = 5;
	f.counts[3] = 1;
	html = render(&f, &len);
	CHECK(html != NULL);
	if (html == NULL)
		return;
	g = hour_group(html, from + (PAGE_HOURS - 1) * 3600LL);
	CHECK(g != NULL && strstr(g, "data-n=\"10\" data-f=\"2\"") != NULL);
	/* 160 px in all: 128 answered + 32 failed stacked above */
	CHECK(g != NULL && strstr(g, "class=\"bar-ok\" x=\"879\" y=\"42\" width=\"4\" height=\"128\"") != NULL);
	CHECK(g != NULL && strstr(g, "class=\"bar-fail\" x=\"879\" y=\"10\" width=\"4\" height=\"32\"") != NULL);
	CHECK(g != NULL && strstr(g, "<title>2023-11-14 22:00 UTC: 10 requests, 2 failed</title>") != NULL);
	free(g);
	g = hour_group(html, from + 100 * 3600LL);
	CHECK(g != NULL && strstr(g, "class=\"bar-ok\" x=\"544\" y=\"90\" width=\"4\" height=\"80\"") != NULL);
	CHECK(g != NULL && strstr(g, "class=\"bar-fail\" x=\"544\" y=\"90\" width=\"4\" height=\"0\"") != NULL);
	free(g);
	g = hour_group(html, from + 3 * 3600LL);
	CHECK(g != NULL && strstr(g, "height=\"16\"") != NULL);
	CHECK(g != NULL && strstr(g, "<title>2023-11-08 02:00 UTC: 1 request, 0 failed</title>") != NULL);
	free(g);
	/* axis: the scale's top is the maximum, a date at each midnight */
	CHECK(strstr(html, "<text class=\"ylabel\" x=\"38\" y=\"14\">10</text>") != NULL);
	CHECK(strstr(html, ">Nov 14</text>") != NULL);
	CHECK(strstr(html, ">Nov 09</text>") != NULL);
	CHECK(count(html, "<line class=\"day\"") == 7);
	CHECK(strstr(html, "<text class=\"ylabel\" x=\"38\" y=\"94\">5</text>") != NULL);
	CHECK(count(html, "<text class=\"ylabel\"") == 3);
	CHECK(strstr(html, "class=\"nodata\"") == NULL);
	CHECK(strstr(html, "<strong>16</strong> requests in the last 7 days, "
	    "<strong>2</strong> failed") != NULL);
	free(html);
}

static void
test_rows(void)
{
	struct fixture f;
	struct inventory_row rows[4];
	struct inventory_failure fails[2];
	char *html;
	size_t len = 0;
	const char *a, *b;

	memset(&f, 0, sizeof(f));
	set_row(&rows[0], 3, "", "", "<script>alert(1)</script>/9.9", "x.example");
	rows[0].last_error = "malformed: bad name \"<img src=x onerror=alert(2)>\"";
	rows[0].last_error_at = NOW - 5;
	set_row(&rows[1], 1, "dehydrated", "0.7.0", "dehydrated/0.7.0 curl/7.88.1",
	    "a.example,b.example,c.example");
	rows[1].certs = 2;
	rows[1].next_expiry = NOW + 10 * 86400;
	set_row(&rows[2], 2, "dehydrated", "0.7.0", "dehydrated/0.7.0 curl/7.88.1",
	    "one.example");
	rows[2].next_expiry = NOW + 60 * 86400;
	set_row(&rows[3], 4, "certbot", "0.31.0", "CertbotACMEClient/0.31.0", "");
	rows[3].next_expiry = NOW - 60;
	rows[3].upstream = "/staging";
	f.inv.rows = rows;
	f.inv.n = 4;
	f.sum.hosts = 1;
	f.sum.versions = 1;
	f.sum.expiring = 1;
	memset(fails, 0, sizeof(fails));
	fails[0].at = NOW - 5;
	fails[0].account_id = 3;
	fails[0].resource = "new-authz";
	fails[0].error_type = "malformed";
	fails[0].detail = "bad name '<img src=x onerror=alert(2)>'";
	fails[0].addr = "127.0.0.1";
	fails[1].at = NOW - 50;
	fails[1].resource = "new-reg";
	fails[1].error_type = "badNonce";
	fails[1].detail = "JWS has invalid anti-replay nonce SECRETNONCE123";
	fails[1].addr = "::1";
	fails[1].upstream = "/le<b>";
	f.fails = fails;
	f.nfails = 2;
	html = render(&f, &len);
	CHECK(html != NULL);
	if (html == NULL)
		return;
	CHECK(strstr(html, "<strong>1</strong> v1 host, <strong>1</strong> client "
	    "version, <strong>1</strong> certificate expiring within 30 days") != NULL);
	/* rows in the order given (newest first) */
	CHECK(count(html, "<tr data-account=") == 4);
	a = strstr(html, "<tr data-account=\"3\"");
	b = strstr(html, "<tr data-account=\"1\"");
	CHECK(a != NULL && b != NULL && a < b);
	/* hostile strings as text, never markup */
	CHECK(strstr(html, "<span class=\"ua\">&lt;script&gt;alert(1)&lt;/script&gt;/9.9</span>") != NULL);
	CHECK(strstr(html, "<script>alert") == NULL);
	CHECK(strstr(html, "<img") == NULL);
	CHECK(strstr(html, "bad name &quot;&lt;img src=x onerror=alert(2)&gt;&quot;") != NULL);
	CHECK(strstr(html, "bad name &#39;&lt;img src=x onerror=alert(2)&gt;&#39;") != NULL);
	CHECK(count(html, "<script") == 1);
	CHECK(strstr(html, " style=") == NULL);
	/* cells */
	CHECK(strstr(html, "<span class=\"family\">unknown</span>") != NULL);
	CHECK(strstr(html, "<span class=\"family\">dehydrated</span>") != NULL);
	CHECK(strstr(html, "<td>a.example, b.example, c.example</td>") != NULL);
	CHECK(strstr(html, "<td class=\"num\" data-sort=\"2\">2</td>") != NULL);
	CHECK(strstr(html, "<td class=\"time soon\" data-sort=\"1700864000\"") != NULL);
	CHECK(strstr(html, "<td class=\"time\" data-sort=\"1705184000\"") != NULL);
	CHECK(strstr(html, "<td class=\"time expired\"") != NULL);
	CHECK(strstr(html, "<td class=\"num\" data-sort=\"1\" title=\"tp\">1</td>") != NULL);
	CHECK(strstr(html, "data-sort=\"1699999997\" title=\"just now\">2023-11-14 22:13</td>") != NULL);
	/* the version chart: dehydrated 0.7.0 (2 accounts) first, full width */
	a = strstr(html, "<g class=\"version\" data-family=\"dehydrated\" data-version=\"0.7.0\" data-n=\"2\">");
	b = strstr(html, "<g class=\"version\" data-family=\"certbot\" data-version=\"0.31.0\" data-n=\"1\">");
	CHECK(a != NULL && b != NULL && a < b);
	CHECK(strstr(html, ">dehydrated 0.7.0</text><rect class=\"bar-version\" x=\"236\" y=\"6\" width=\"500\"") != NULL);
	CHECK(strstr(html, ">certbot 0.31.0</text><rect class=\"bar-version\" x=\"236\" y=\"50\" width=\"250\"") != NULL);
	CHECK(strstr(html, ">unknown</text>") != NULL);
	CHECK(count(html, "<g class=\"version\"") == 3);
	/* failures: the account, the v1 error, the nonce never shown */
	CHECK(strstr(html, "<td class=\"etype\">malformed</td>") != NULL);
	CHECK(strstr(html, "<td class=\"num\" data-sort=\"0\">-</td><td>new-reg</td>") != NULL);
	CHECK(strstr(html, "SECRETNONCE123") == NULL);
	CHECK(strstr(html, "JWS has invalid anti-replay nonce [value not shown]") != NULL);
	/* issue 9 item 1: each row and failure names its upstream, the root
	 * as "/" (NULL: rows 0-2, failure 0) */
	CHECK(count(html, "<th>Upstream</th>") == 2);
	CHECK(count(html, "<td>/</td>") == 4);
	CHECK(strstr(html, "<td>/staging</td></tr>") != NULL);
	CHECK(strstr(html, "<td>::1</td><td>/le&lt;b&gt;</td></tr>") != NULL);
	free(html);
}

static void
test_bounds(void)
{
	struct fixture f;
	struct inventory_row *rows = calloc(1500, sizeof(*rows));
	struct inventory_failure *fails = calloc(60, sizeof(*fails));
	char names[1200], mixed[700];
	char *html;
	const char *p;
	size_t len = 0, i;

	memset(&f, 0, sizeof(f));
	if (rows == NULL || fails == NULL) {
		CHECK(0);
		free(rows);
		free(fails);
		return;
	}
	memset(names, 'n', sizeof(names) - 1);
	names[sizeof(names) - 1] = '\0';
	/* 'a' then 2-byte characters: byte 400 is inside one */
	mixed[0] = 'a';
	for (i = 1; i + 2 < sizeof(mixed); i += 2) {
		mixed[i] = '\xc3';
		mixed[i + 1] = '\xa9';
	}
	mixed[i] = '\0';
	for (i = 0; i < 1500; i++)
		set_row(&rows[i], (long long)i + 1, "dehydrated", "0.7.0",
		    "dehydrated/0.7.0", i == 0 ? names : i == 1 ? mixed : "x.example");
	for (i = 0; i < 60; i++) {
		fails[i].at = NOW;
		fails[i].error_type = "malformed";
		fails[i].resource = "new-authz";
	}
	f.inv.rows = rows;
	f.inv.n = 1500;
	f.fails = fails;
	f.nfails = 60;
	html = render(&f, &len);
	CHECK(html != NULL);
	if (html != NULL) {
		CHECK(count(html, "<tr data-account=") == PAGE_MAX_ROWS);
		CHECK(strstr(html, "Showing the 1000 most recently seen of 1500 accounts") != NULL);
		CHECK(count(html, "<td class=\"etype\">") == PAGE_MAX_FAILURES);
		CHECK(len < 1000 * 1500);
		/* long names cut with an ellipsis, never inside a character */
		p = strstr(html, "<td>nnnn");
		CHECK(p != NULL && strncmp(p + 4 + 400, "\xe2\x80\xa6</td>", 7) == 0);
		p = strstr(html, "<td>a\xc3\xa9");
		CHECK(p != NULL && strncmp(p + 4 + 399, "\xe2\x80\xa6</td>", 7) == 0);
		/* the version chart counts every account, not only those shown */
		CHECK(strstr(html, "data-version=\"0.7.0\" data-n=\"1500\"") != NULL);
		free(html);
	}
	free(rows);
	free(fails);
}

/* The upstream's URL, state and last error, escaped, and the version. */
static void
test_upstream(void)
{
	struct fixture f;
	struct page_data d;
	struct page_upstream u = { "/", "https://ca.example/dir?a=1&b=<2>", 0,
		0, "directory: <refused>" };
	struct page_upstream two[2] = { { "/", "https://a.example/dir", 1, 1,
					    "" },
		{ "/staging", "https://b.example/dir", 0, 0, "refused" } };
	char *html;
	size_t len;

	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	d.now = NOW;
	d.summary = &f.sum;
	d.inv = &f.inv;
	d.traffic_from = page_traffic_from(NOW);
	d.counts = f.counts;
	d.failures = f.failures;
	d.version = "1.2.3";
	d.upstreams = &u;
	d.nupstreams = 1;
	html = page_render(&d, &len);
	CHECK(html != NULL);
	CHECK(html && strstr(html, "https://ca.example/dir?a=1&amp;b=&lt;2&gt;"));
	CHECK(html && strstr(html, "unreachable: directory not loaded"));
	CHECK(html && strstr(html, "directory: &lt;refused&gt;"));
	CHECK(html && strstr(html, "by acme-bridge 1.2.3."));
	CHECK(html && strstr(html, "<refused>") == NULL);
	free(html);
	u.loaded = u.ready = 1;
	u.last_error = "";
	html = page_render(&d, &len);
	CHECK(html && strstr(html, ">reachable</strong></p>"));
	CHECK(html && strstr(html, "last error") == NULL);
	free(html);
	/* several: each by its name, the first keeps id="upstream" */
	d.upstreams = two;
	d.nupstreams = 2;
	html = page_render(&d, &len);
	CHECK(html && strstr(html, "id=\"upstream\">Upstream CA <code "
				   "class=\"upstream-name\">/</code>"));
	CHECK(html && strstr(html, "id=\"upstream-1\">Upstream CA <code "
				   "class=\"upstream-name\">/staging</code> "
				   "<code>https://b.example/dir</code>"));
	free(html);
	d.upstreams = &u;
	d.nupstreams = 1;
	/* none given: no upstream line, no version */
	d.upstreams = NULL;
	d.version = NULL;
	html = page_render(&d, &len);
	CHECK(html && strstr(html, "id=\"upstream\"") == NULL);
	CHECK(html && strstr(html, "by acme-bridge. "));
	free(html);
}

int
main(void)
{
	test_upstream();
	test_escape();
	test_bar_height();
	test_empty();
	test_traffic();
	test_traffic_small();
	test_rows();
	test_bounds();
	return T_DONE();
}
