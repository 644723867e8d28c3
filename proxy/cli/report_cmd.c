/* report_cmd.c: `acme-bridge report` (report_cmd.h, docs/report.md). Reads
 * the client inventory from the state file and prints it as a table, JSON
 * or CSV. A short-lived command: no loop, no listener, no upstream. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli_opt.h"
#include "config.h"
#include "store_inventory.h"
#include "log.h"
#include "report_cmd.h"
#include "store.h"

#define EXPIRY_DAYS 30
#define DAY 86400LL
#define NCOL 11
#define CELL_MAX 96 /* bytes of one table cell, cut with "..." */

static const char usage_text[] =
    "usage: acme-bridge report [--state FILE] [--config FILE]\n"
    "           [--since DURATION | --since YYYY-MM-DD] [--json | --csv]\n"
    "\n"
    "The v1 clients the bridge has seen (the inventory in the state file),\n"
    "last seen first, and a summary line. See docs/report.md.\n"
    "\n"
    "  --since DURATION     only clients seen in the last 90s, 30m, 24h, 7d, "
    "2w\n"
    "  --since YYYY-MM-DD   only clients seen since that day, 00:00 UTC\n"
    "  --json               {\"clients\": [...], \"summary\": {...}}\n"
    "  --csv                RFC 4180 CSV with a header row\n"
    "  --config FILE, --state FILE\n"
    "                       as for the server (docs/config.md)\n";

enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV };

struct opts {
	const char *config, *state, *since_arg;
	enum fmt fmt;
	long long since; /* unix seconds, 0 = everything */
	long long now;
};

/* ---- arguments ---- */

static int
usage_err(const char *what, const char *arg)
{
	char e[80];

	fprintf(stderr, "acme-bridge report: %s '%s'\n%s", what,
	    log_escape(arg, strlen(arg), e, sizeof(e)), usage_text);
	return -1;
}

/* "90s", "30m", "24h", "7d", "2w" -> seconds; -1 when not one. */
static long long
parse_duration(const char *s)
{
	static const char units[] = "smhdw";
	static const long long mult[] = { 1, 60, 3600, DAY, 7 * DAY };
	const char *u;
	long long n = 0;
	size_t i;

	for (i = 0; isdigit((unsigned char)s[i]); i++) {
		if (n > (10LL * 365 * DAY) / 10)
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	if (i == 0 || s[i] == '\0' || s[i + 1] != '\0' ||
	    (u = strchr(units, s[i])) == NULL)
		return -1;
	n *= mult[u - units];
	return n > 100LL * 365 * DAY ? -1 : n;
}

/* "YYYY-MM-DD" -> unix seconds of 00:00 UTC that day; -1. */
static long long
parse_date(const char *s)
{
	struct tm tm, back;
	time_t t;
	int y, m, d, n = 0;

	if (strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-' || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_mday != d)
		return -1; /* 2025-02-30 */
	return (long long)t;
}

static int
parse_since(struct opts *o)
{
	long long v;

	if (o->since_arg == NULL)
		return 0;
	if ((v = parse_duration(o->since_arg)) >= 0)
		o->since = o->now - v;
	else if ((v = parse_date(o->since_arg)) >= 0)
		o->since = v;
	else
		return usage_err("--since wants a duration (30m, 24h, 7d) or "
				 "a date (YYYY-MM-DD), not",
		    o->since_arg);
	if (o->since <= 0)
		o->since = 1; /* 0 would mean "everything" */
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	const struct cli_opt opts[] = { { "--state", &o->state },
		{ "--config", &o->config }, { "--since", &o->since_arg } };
	const char *missing = NULL;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 ||
		    strcmp(argv[i], "--csv") == 0) {
			if (o->fmt != FMT_TABLE)
				return usage_err(
				    "only one of --json and --csv,", argv[i]);
			o->fmt = argv[i][2] == 'j' ? FMT_JSON : FMT_CSV;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 1;
		}
		rc = cli_opt_value(argc, argv, &i, opts,
		    sizeof(opts) / sizeof(opts[0]), &missing);
		if (rc == 0)
			return usage_err("unknown option", argv[i]);
		if (rc == -1)
			return usage_err("option needs a value:", missing);
	}
	return parse_since(o);
}

/* The state file's path: --config's "state", then --state. */
static int
state_path(const struct opts *o, char *path, size_t n)
{
	static struct config cfg;
	const char *av[6];
	char err[1024];
	int ac = 0;

	av[ac++] = "acme-bridge";
	if (o->config != NULL) {
		av[ac++] = "--config";
		av[ac++] = o->config;
	}
	if (o->state != NULL) {
		av[ac++] = "--state";
		av[ac++] = o->state;
	}
	av[ac] = NULL;
	if (config_load(&cfg, ac, (char **)av, err, sizeof(err)) != 0) {
		fprintf(stderr, "acme-bridge report: %s\n", err);
		config_free(&cfg);
		return -1;
	}
	snprintf(path, n, "%s", cfg.state);
	config_free(&cfg);
	return 0;
}

/* ---- output helpers ---- */

enum tf { ISO, MINUTE, DATE };

/* t as UTC: ISO 8601, "YYYY-MM-DD HH:MM" or the date; "" for 0. */
static void
fmt_time(long long t, enum tf f, char *buf, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	buf[0] = '\0';
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return;
	if (f == ISO)
		strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else if (f == MINUTE)
		strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
	else
		strftime(buf, n, "%Y-%m-%d", &tm);
}

/* The display client: family, "unknown" when not recognised. */
static const char *
client_name(const struct inventory_row *r)
{
	return r->family != NULL && r->family[0] != '\0' ? r->family
							 : "unknown";
}

/* ---- table ---- */

/* s into a cell of at most max bytes (cut with "...", not inside a UTF-8
 * sequence), control characters as '?', "-" when empty. */
static void
set_cell(char *dst, size_t max, const char *s)
{
	size_t len, i;

	if (s == NULL || s[0] == '\0')
		s = "-";
	if (max >= CELL_MAX)
		max = CELL_MAX - 1;
	len = strlen(s);
	if (len > max) {
		len = max > 3 ? max - 3 : 0;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	for (i = 0; i < len; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?'
								      : s[i];
	dst[i] = '\0';
	if (len < strlen(s))
		snprintf(dst + i, CELL_MAX - i, "...");
}

/* Display width of a cell: UTF-8 characters, not bytes. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* UPSTREAM next to ACCOUNT: an account belongs to one CA (issue 9) */
static const char *const heads[NCOL] = { "ACCOUNT", "UPSTREAM", "LAST SEEN",
	"FIRST SEEN", "ADDRESSES", "CLIENT", "VERSION", "NAMES", "CERTS",
	"NEXT EXPIRY", "LAST ERROR" };
static const size_t caps[NCOL] = { 12, 24, 16, 16, 40, 20, 16, 60, 6, 11, 72 };

struct cells {
	char c[NCOL][CELL_MAX];
};

static void
row_cells(const struct inventory_row *r, struct cells *c)
{
	char buf[64];
	size_t i;

	snprintf(buf, sizeof(buf), "%lld", r->account_id);
	set_cell(c->c[0], caps[0], buf);
	set_cell(c->c[1], caps[1], inventory_upstream_name(r->upstream));
	fmt_time(r->last_seen, MINUTE, buf, sizeof(buf));
	set_cell(c->c[2], caps[2], buf);
	fmt_time(r->first_seen, MINUTE, buf, sizeof(buf));
	set_cell(c->c[3], caps[3], buf);
	set_cell(c->c[4], caps[4], r->addresses);
	set_cell(c->c[5], caps[5], client_name(r));
	set_cell(c->c[6], caps[6], r->version);
	set_cell(c->c[7], caps[7], r->names);
	snprintf(buf, sizeof(buf), "%lld", r->certs);
	set_cell(c->c[8], caps[8], buf);
	fmt_time(r->next_expiry, DATE, buf, sizeof(buf));
	set_cell(c->c[9], caps[9], buf);
	set_cell(c->c[10], caps[10], r->last_error);
	for (i = 0; i < NCOL; i++)
		if (c->c[i][0] == '\0')
			set_cell(c->c[i], caps[i], "-");
}

static void
print_line(const char *const *v, const size_t *w)
{
	size_t i, k;

	for (i = 0; i < NCOL; i++) {
		fputs(v[i], stdout);
		if (i + 1 == NCOL)
			break;
		for (k = width(v[i]); k < w[i] + 2; k++)
			putchar(' ');
	}
	putchar('\n');
}

static int
print_table(const struct inventory_list *l)
{
	struct cells *c = NULL;
	const char *v[NCOL];
	size_t w[NCOL], i, j;

	if (l->n > 0 && (c = calloc(l->n, sizeof(*c))) == NULL)
		return -1;
	for (j = 0; j < NCOL; j++)
		w[j] = strlen(heads[j]);
	for (i = 0; i < l->n; i++) {
		row_cells(&l->rows[i], &c[i]);
		for (j = 0; j < NCOL; j++)
			if (width(c[i].c[j]) > w[j])
				w[j] = width(c[i].c[j]);
	}
	print_line(heads, w);
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < NCOL; j++)
			v[j] = c[i].c[j];
		print_line(v, w);
	}
	free(c);
	return 0;
}

static void
print_summary(const struct inventory_summary *s)
{
	printf("%lld v1 hosts, %lld client versions, %lld certificates "
	       "expiring within %d days\n",
	    s->hosts, s->versions, s->expiring, EXPIRY_DAYS);
}

/* ---- JSON ---- */

/* A JSON string of s; invalid UTF-8 (never stored, but the file may come
 * from elsewhere) with every byte >= 0x80 as '?'. */
static json_t *
jstr(const char *s)
{
	json_t *j;
	char *c;
	size_t i;

	if (s == NULL)
		s = "";
	if ((j = json_string(s)) != NULL || (c = strdup(s)) == NULL)
		return j;
	for (i = 0; c[i] != '\0'; i++)
		if ((unsigned char)c[i] >= 0x80)
			c[i] = '?';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *
jtime(long long t)
{
	char buf[32];

	if (t <= 0)
		return json_null();
	fmt_time(t, ISO, buf, sizeof(buf));
	return json_string(buf);
}

/* "a,b,c" -> ["a","b","c"]. */
static json_t *
jlist(const char *csv)
{
	json_t *a = json_array();
	const char *p = csv, *e;
	char *item;

	if (a == NULL)
		return NULL;
	while (p != NULL && *p != '\0') {
		e = p + strcspn(p, ",");
		if (e > p) {
			if ((item = strndup(p, (size_t)(e - p))) == NULL ||
			    json_array_append_new(a, jstr(item)) != 0) {
				free(item);
				json_decref(a);
				return NULL;
			}
			free(item);
		}
		p = *e == ',' ? e + 1 : e;
	}
	return a;
}

static json_t *
row_json(const struct inventory_row *r)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (json_object_set_new(o, "account", json_integer(r->account_id)) ||
	    json_object_set_new(o, "thumbprint", jstr(r->thumbprint)) ||
	    json_object_set_new(
		o, "upstream", jstr(inventory_upstream_name(r->upstream))) ||
	    json_object_set_new(o, "last_seen", jtime(r->last_seen)) ||
	    json_object_set_new(o, "first_seen", jtime(r->first_seen)) ||
	    json_object_set_new(o, "addresses", jlist(r->addresses)) ||
	    json_object_set_new(o, "client", jstr(r->family)) ||
	    json_object_set_new(o, "version", jstr(r->version)) ||
	    json_object_set_new(o, "user_agent", jstr(r->user_agent)) ||
	    json_object_set_new(o, "names", jlist(r->names)) ||
	    json_object_set_new(o, "certs", json_integer(r->certs)) ||
	    json_object_set_new(o, "next_expiry", jtime(r->next_expiry)) ||
	    json_object_set_new(o, "last_error",
		r->last_error ? jstr(r->last_error) : json_null()) ||
	    json_object_set_new(o, "last_error_at", jtime(r->last_error_at))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
summary_json(const struct inventory_summary *s, const struct opts *o)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	if (json_object_set_new(j, "hosts", json_integer(s->hosts)) ||
	    json_object_set_new(j, "versions", json_integer(s->versions)) ||
	    json_object_set_new(j, "expiring", json_integer(s->expiring)) ||
	    json_object_set_new(
		j, "expiring_within_days", json_integer(EXPIRY_DAYS)) ||
	    json_object_set_new(j, "since", jtime(o->since)) ||
	    json_object_set_new(j, "generated_at", jtime(o->now))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
print_json(const struct inventory_list *l, const struct inventory_summary *s,
    const struct opts *o)
{
	json_t *root = NULL, *rows = NULL;
	size_t i;
	int rc = -1;

	if ((root = json_object()) == NULL || (rows = json_array()) == NULL)
		goto out;
	for (i = 0; i < l->n; i++)
		if (json_array_append_new(rows, row_json(&l->rows[i])) != 0)
			goto out;
	if (json_object_set_new(root, "clients", rows) != 0) {
		rows = NULL;
		goto out;
	}
	rows = NULL;
	if (json_object_set_new(root, "summary", summary_json(s, o)) != 0 ||
	    json_dumpf(root, stdout, JSON_INDENT(2)) != 0)
		goto out;
	putchar('\n');
	rc = 0;
out:
	json_decref(rows);
	json_decref(root);
	return rc;
}

/* ---- CSV (RFC 4180: CRLF, fields quoted when they hold , " CR LF) ---- */

static void
csv_field(const char *s, int last)
{
	const char *p;

	if (s == NULL)
		s = "";
	/* a cell a spreadsheet would run as a formula starts with a quote */
	if (s[0] != '\0' && strchr("=+-@", s[0]) != NULL) {
		putchar('"');
		putchar('\'');
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else if (strpbrk(s, ",\"\r\n") != NULL) {
		putchar('"');
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else
		fputs(s, stdout);
	fputs(last ? "\r\n" : ",", stdout);
}

static void
csv_row(const struct inventory_row *r)
{
	char id[32], certs[32], last[32], first[32], exp[32], errat[32];

	snprintf(id, sizeof(id), "%lld", r->account_id);
	snprintf(certs, sizeof(certs), "%lld", r->certs);
	fmt_time(r->last_seen, ISO, last, sizeof(last));
	fmt_time(r->first_seen, ISO, first, sizeof(first));
	fmt_time(r->next_expiry, ISO, exp, sizeof(exp));
	fmt_time(r->last_error_at, ISO, errat, sizeof(errat));
	csv_field(id, 0);
	csv_field(last, 0);
	csv_field(first, 0);
	csv_field(r->addresses, 0);
	csv_field(r->family, 0);
	csv_field(r->version, 0);
	csv_field(r->names, 0);
	csv_field(certs, 0);
	csv_field(exp, 0);
	csv_field(r->last_error, 0);
	csv_field(errat, 0);
	csv_field(r->user_agent, 0);
	csv_field(r->thumbprint, 0);
	csv_field(inventory_upstream_name(r->upstream), 1);
}

static void
print_csv(const struct inventory_list *l)
{
	size_t i;

	fputs(
	    "account,last_seen,first_seen,addresses,client,version,names,"
	    "certs,next_expiry,last_error,last_error_at,user_agent,thumbprint,"
	    "upstream\r\n",
	    stdout);
	for (i = 0; i < l->n; i++)
		csv_row(&l->rows[i]);
}

/* ---- main ---- */

/* The store's errors, said before the command's own. */
static void
store_log(void *arg, const char *fn, const char *msg)
{
	(void)arg;
	fprintf(stderr, "acme-bridge report: store: %s: %s\n", fn, msg);
}

static int
report(struct store *s, const struct opts *o)
{
	struct inventory_list l;
	struct inventory_summary sum;
	int rc = -1;

	if (inventory_list(s, o->since, o->now, &l) == -1)
		return -1;
	if (inventory_summary(s, o->since, o->now, EXPIRY_DAYS * DAY, &sum) ==
	    -1)
		goto out;
	switch (o->fmt) {
	case FMT_JSON:
		rc = print_json(&l, &sum, o);
		break;
	case FMT_CSV:
		print_csv(&l);
		rc = 0;
		break;
	default:
		if (l.n == 0)
			printf("no v1 client seen%s\n",
			    o->since ? " since then" : " yet");
		else if (print_table(&l) == -1)
			break;
		print_summary(&sum);
		rc = 0;
	}
out:
	inventory_list_free(&l);
	return rc;
}

/* The store the report reads: a PostgreSQL database (issue 11), or an
 * existing state file, never a new one. NULL after saying why. */
static struct store *
open_state(const char *path)
{
	struct store *s;
	struct stat st;
	char err[512], shown[256];

	if (store_is_pg(path)) {
		if ((s = store_open_pg(
			 path, store_log, NULL, err, sizeof(err))) == NULL)
			fprintf(stderr, "acme-bridge report: state %s: %s\n",
			    store_state_shown(path, shown, sizeof(shown)), err);
		return s;
	}
	if (stat(path, &st) == -1) {
		fprintf(stderr, "acme-bridge report: state file %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr,
		    "acme-bridge report: state file %s: not a regular file\n",
		    path);
		return NULL;
	}
	if (store_file_prepare(path, err, sizeof(err)) == -1 ||
	    (s = store_open_sqlite(path, store_log, NULL, err, sizeof(err))) ==
		NULL) {
		fprintf(stderr, "acme-bridge report: %s\n", err);
		return NULL;
	}
	return s;
}

int
report_cmd_main(int argc, char **argv)
{
	struct opts o;
	struct store *s = NULL;
	char path[1024];
	int rc;

	memset(&o, 0, sizeof(o));
	o.now = (long long)time(NULL);
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : 2;
	if (state_path(&o, path, sizeof(path)) == -1)
		return 2;
	if ((s = open_state(path)) == NULL)
		return 1;
	rc = report(s, &o);
	store_close(s);
	if (fflush(stdout) != 0 || ferror(stdout) || rc == -1) {
		fprintf(stderr,
		    "acme-bridge report: cannot read the inventory "
		    "or write the report\n");
		return 1;
	}
	return 0;
}
