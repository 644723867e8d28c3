/* config.c: defaults, then the JSON file named by --config, then the other
 * flags. Every file key and flag is a row of config_keys[]; one set of
 * setters serves both, so a value is checked the same way wherever it came
 * from. Errors name the file, the line when it can be found, and the key. */
#include "config.h"
#include "config_check.h"
#include "config_upstreams.h"
#include "netaddr.h"
#include "policy.h"
#include "ratelimit.h"
#include "log.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_VERSION "acme-bridge 0.1.0"
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_BODY_CAP 65536

const char *const config_log_level_names[] = { "debug", "info", "warn", "error",
	NULL };
const char *const config_authz_mode_names[] = { "eager", "client-proof", NULL };

enum config_type {
	CT_STRING,  /* char[size] at off, checked by check() */
	CT_ADDR,    /* "HOST:PORT": host char[size] at off, int port at off2 */
	CT_BOOL,    /* int at off */
	CT_SIZE,    /* size_t at off, min..max */
	CT_MSEC,    /* long at off, min..max */
	CT_COMMENT, /* any string, ignored */
	CT_JSON,    /* json_t * at off, checked by check_json() */
	CT_INT,	    /* int at off, min..max */
	CT_ENUM,    /* int at off: the index of the string in names[] */
};

struct config_key {
	const char *name; /* JSON key */
	const char *flag; /* command-line flag, NULL for file only */
	enum config_type type;
	size_t off, size, off2;
	long min, max;
	int empty_ok; /* CT_ADDR: "" turns the listener off */
	int (*check)(char *v, char *why, size_t whylen);
	const char *note; /* numbers: why the range is what it is */
	int (*check_json)(const json_t *v, char *why, size_t whylen);
	const char *const *names; /* CT_ENUM: the spellings, NULL-ended */
};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define K_STR(n, fl, f, chk) \
	{ \
		n, fl, CT_STRING, FIELD(f), 0, 0, 0, 0, chk, NULL, NULL, NULL \
	}
#define K_ADDR(n, fl, h, p, e) \
	{ \
		n, fl, CT_ADDR, FIELD(h), offsetof(struct config, p), 0, 0, e, \
		    NULL, NULL, NULL, NULL \
	}
#define K_BOOL(n, fl, f) \
	{ \
		n, fl, CT_BOOL, FIELD(f), 0, 0, 1, 0, NULL, NULL, NULL, NULL \
	}
#define K_SIZE(n, f, lo, hi) \
	{ \
		n, NULL, CT_SIZE, FIELD(f), 0, lo, hi, 0, NULL, NULL, NULL, \
		    NULL \
	}
#define K_SIZE_NOTE(n, f, lo, hi, note) \
	{ \
		n, NULL, CT_SIZE, FIELD(f), 0, lo, hi, 0, NULL, note, NULL, \
		    NULL \
	}
#define K_MSEC(n, f, lo, hi) \
	{ \
		n, NULL, CT_MSEC, FIELD(f), 0, lo, hi, 0, NULL, NULL, NULL, \
		    NULL \
	}
#define K_INT(n, f, lo, hi) \
	{ \
		n, NULL, CT_INT, FIELD(f), 0, lo, hi, 0, NULL, NULL, NULL, \
		    NULL \
	}
#define K_ENUM(n, fl, f, names) \
	{ \
		n, fl, CT_ENUM, FIELD(f), 0, 0, 0, 0, NULL, NULL, NULL, names \
	}
#define K_JSON(n, f, chk) \
	{ \
		n, NULL, CT_JSON, FIELD(f), 0, 0, 0, 0, NULL, NULL, chk, NULL \
	}

/* The ranges are documented in docs/config.md: keep both in step. */
static const struct config_key config_keys[] = {
	K_ADDR("listen", "--listen", listen_host, listen_port, 0),
	K_ADDR("http01_listen", "--http01-listen", http01_host, http01_port, 1),
	K_STR("upstream", "--upstream", upstream, config_check_url),
	K_STR(
	    "upstream_ca", "--upstream-ca", upstream_ca, config_check_readable),
	K_STR("state", "--state", state, config_check_nonempty),
	K_BOOL("agree_tos", "--agree-tos", agree_tos),
	K_STR("base_url", "--base-url", base_url, config_check_base_url),
	K_ENUM("log_level", "--log-level", log_level, config_log_level_names),
	K_SIZE("max_connections", max_connections, 1, 100000),
	K_SIZE("max_header_bytes", max_header_bytes, 1024, 1048576),
	K_SIZE_NOTE("max_body_bytes", max_body_bytes, 1024, CONFIG_BODY_CAP,
	    "v1 requests are small (a CSR is a few KiB), so 65536 is the cap"),
	K_MSEC("header_timeout_ms", header_timeout_ms, 100, 300000),
	K_MSEC("idle_timeout_ms", idle_timeout_ms, 1000, 3600000),
	K_MSEC("upstream_timeout_ms", upstream_timeout_ms, 1000, 300000),
	K_MSEC("authz_wait_ms", authz_wait_ms, 100, 300000),
	K_MSEC("issue_timeout_ms", issue_timeout_ms, 1000, 600000),
	K_SIZE("nonce_cap", nonce_cap, 16, 10000000),
	/* issue 8 item 1: fair connection handling on every listener */
	K_SIZE("max_connections_per_address", max_connections_per_address, 1,
	    100000),
	K_MSEC("first_byte_timeout_ms", first_byte_timeout_ms, 100, 300000),
	K_SIZE("http01_max_connections", http01_max_connections, 1, 100000),
	K_SIZE("http01_max_connections_per_address",
	    http01_max_connections_per_address, 1, 100000),
	K_SIZE("admin_max_connections", admin_max_connections, 1, 100000),
	K_SIZE("admin_max_connections_per_address",
	    admin_max_connections_per_address, 1, 100000),
	K_STR("log_file", "--log-file", log_file, NULL),
	K_ADDR("admin_listen", "--admin-listen", admin_host, admin_port, 1),
	K_ENUM("authz_mode", NULL, authz_mode, config_authz_mode_names),
	K_INT("proof_http_port", proof_http_port, 1, 65535),
	K_ADDR("proof_resolver", NULL, proof_resolver_host, proof_resolver_port,
	    1),
	K_MSEC("proof_timeout_ms", proof_timeout_ms, 100, 120000),
	/* issue 8 item 5: the addresses client-proof may fetch from */
	K_JSON("proof_deny_networks", proof_deny_networks, netaddr_list_check),
	K_JSON(
	    "proof_allow_networks", proof_allow_networks, netaddr_list_check),
	K_STR("dns01_hook", NULL, dns01_hook, config_check_executable),
	K_MSEC("dns01_hook_timeout_ms", dns01_hook_timeout_ms, 100, 600000),
	K_JSON("dns01_names", dns01_names, policy_patterns_check),
	K_JSON("accounts", accounts, policy_accounts_check),
	K_JSON("policy", policy, policy_rules_check),
	/* issue 8 item 6: per-address rate limits (0 per minute = off) */
	K_INT("rate_new_reg_per_minute", rate_new_reg_per_minute, 0,
	    RATE_PER_MINUTE_MAX),
	K_INT("rate_new_reg_burst", rate_new_reg_burst, 1, RATE_BURST_MAX),
	K_INT("rate_post_per_minute", rate_post_per_minute, 0,
	    RATE_PER_MINUTE_MAX),
	K_INT("rate_post_burst", rate_post_burst, 1, RATE_BURST_MAX),
	K_SIZE("rate_table_size", rate_table_size, 16, 1000000),
	/* issue 8 item 2: GETs refresh a pending authorization at most this
	 * often */
	K_MSEC("authz_refresh_ms", authz_refresh_ms, 100, 3600000),
	/* issue 9 item 6: SIGTERM drains for at most this long */
	K_MSEC("drain_timeout_ms", drain_timeout_ms, 0, 600000),
	/* issue 9 item 5: the directory's retry backoff (1 s doubling) cap */
	K_MSEC("directory_retry_max_ms", directory_retry_max_ms, 1000, 3600000),
	/* issue 10 item 5: bounded work at each upstream, a fair queue */
	K_SIZE("upstream_inflight_max", upstream_inflight_max, 1, 10000),
	K_SIZE("upstream_queue_max", upstream_queue_max, 1, 1000000),
	K_MSEC("upstream_queue_timeout_ms", upstream_queue_timeout_ms, 100,
	    3600000),
	/* issue 9 item 2: External Account Binding at the upstream CA; file
	 * only, so the MAC key never shows in a process listing */
	K_STR("eab_kid", NULL, eab_kid, NULL),
	K_STR("eab_hmac_key", NULL, eab_hmac_key, config_check_b64url),
	/* issue 9 item 3: a TLS listener for the v1 API ("" = off) */
	K_ADDR("tls_listen", "--tls-listen", tls_host, tls_port, 1),
	K_STR("tls_cert", "--tls-cert", tls_cert, config_check_readable),
	K_STR("tls_key", "--tls-key", tls_key, config_check_readable),
	/* issue 9 item 1: several CAs by path prefix (config_upstreams.c) */
	K_JSON("upstreams", upstreams_json, config_upstreams_check),
	{ "_comment", NULL, CT_COMMENT, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL,
	    NULL },
};
#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

enum flag_kind { FL_KEY, FL_CONFIG, FL_CHECK, FL_HELP, FL_VERSION };

struct flag {
	enum flag_kind kind;
	const struct config_key *key; /* FL_KEY */
	int takes_value;
};

static const char usage_text[] =
    "usage: acme-bridge [--config FILE] [options]\n"
    "       acme-bridge account import --key FILE [options]\n"
    "       acme-bridge report [options]\n"
    "       acme-bridge store copy --from sqlite:FILE --to postgresql://...\n"
    "\n"
    "An ACME v1 front end for RFC 8555 CAs. Flags override the config file.\n"
    "\n"
    "  --config FILE          JSON config file (docs/config.md)\n"
    "  --listen ADDR:PORT     v1 listener (default 127.0.0.1:4000)\n"
    "  --http01-listen ADDR:PORT\n"
    "                         http-01 responder, \"\" to disable (default "
    "0.0.0.0:5002)\n"
    "  --upstream URL         RFC 8555 directory URL of the root (default "
    "Let's Encrypt\n"
    "                         production); more CAs by path prefix: config "
    "key upstreams\n"
    "  --upstream-ca FILE     extra PEM roots for the root's CA\n"
    "  --state FILE           SQLite state file (default acme-bridge.db)\n"
    "  --agree-tos            agree to the CA's terms of service for clients\n"
    "  --base-url URL         public base URL of the v1 API (default: from "
    "Host)\n"
    "  --log-level LEVEL      debug, info, warn or error (default info)\n"
    "  --log-file FILE        JSON access log (default: standard output)\n"
    "  --admin-listen ADDR:PORT\n"
    "                         /metrics and the migration page, \"\" to "
    "disable\n"
    "                         (default 127.0.0.1:4001)\n"
    "  --tls-listen ADDR:PORT v1 over TLS as well (default off)\n"
    "  --tls-cert FILE        its PEM certificate chain (reloaded on SIGHUP)\n"
    "  --tls-key FILE         its PEM private key (reloaded on SIGHUP)\n"
    "  --check-config         check the configuration and exit\n"
    "  --version              print the version and exit\n"
    "  -h, --help             print this help and exit\n"
    "\n"
    "Subcommands (each takes --help):\n"
    "  account import         adopt an existing v2 account key\n"
    "  report                 which hosts still speak v1, and what failed\n"
    "  store copy             a SQLite state file into PostgreSQL "
    "(docs/ha.md)\n";

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
	c->listen_port = 4000;
	snprintf(c->http01_host, sizeof(c->http01_host), "0.0.0.0");
	c->http01_port = 5002;
	snprintf(c->upstream, sizeof(c->upstream), "%s", CONFIG_LE_PRODUCTION);
	snprintf(c->state, sizeof(c->state), "acme-bridge.db");
	c->max_connections = 256;
	c->max_header_bytes = 16384;
	c->max_body_bytes = CONFIG_BODY_CAP;
	c->header_timeout_ms = 10000;
	c->idle_timeout_ms = 60000;
	c->upstream_timeout_ms = 30000;
	c->authz_wait_ms = 20000;
	c->issue_timeout_ms = 40000;
	c->nonce_cap = 10000;
	/* issue 8 item 1: fair connection handling on every listener */
	c->max_connections_per_address = 32;
	c->first_byte_timeout_ms = 5000;
	c->http01_max_connections = 256;
	c->http01_max_connections_per_address = 32;
	c->admin_max_connections = 64;
	c->admin_max_connections_per_address = 32;
	c->log_level = CONFIG_LOG_INFO;
	c->authz_mode = AUTHZ_MODE_EAGER;
	c->proof_http_port = 80;
	c->proof_timeout_ms = 10000;
	c->dns01_hook_timeout_ms = 30000;
	snprintf(c->admin_host, sizeof(c->admin_host), "127.0.0.1");
	c->admin_port = 4001;
	/* issue 8 item 6 */
	c->rate_new_reg_per_minute = 10;
	c->rate_new_reg_burst = 20;
	c->rate_post_per_minute = 300;
	c->rate_post_burst = 100;
	c->rate_table_size = 16384;
	/* issue 8 item 2 */
	c->authz_refresh_ms = 1000;
	c->drain_timeout_ms = 30000;
	/* issue 9 item 5 */
	c->directory_retry_max_ms = 300000;
	/* issue 10 item 5: Let's Encrypt answers a few hundred requests a
	 * second per client but Pebble 2.4 stalls near 90 concurrent ones;
	 * 16 flows keep at most 16 requests in flight at one CA */
	c->upstream_inflight_max = 16;
	c->upstream_queue_max = 4096;
	c->upstream_queue_timeout_ms = 60000;
	/* issue 9 item 1: the root alone (cannot fail without upstreams) */
	(void)config_upstreams_build(c, NULL, 0);
}

void
config_free(struct config *c)
{
	json_decref(c->dns01_names);
	json_decref(c->accounts);
	json_decref(c->policy);
	c->dns01_names = c->accounts = c->policy = NULL;
	/* issue 8 item 5 */
	json_decref(c->proof_deny_networks);
	json_decref(c->proof_allow_networks);
	c->proof_deny_networks = c->proof_allow_networks = NULL;
	json_decref(c->upstreams_json);
	c->upstreams_json = NULL;
	c->nups = 0;
}

/* ---- setters shared by the file and the flags ---- */

/* v's index in k->names into the int field; else why says "must be "a",
 * "b" or "c"". */
static int
set_enum(struct config *c, const struct config_key *k, const char *v, char *why,
    size_t whylen)
{
	size_t i, n, len;

	for (n = 0; k->names[n] != NULL; n++)
		if (strcmp(v, k->names[n]) == 0) {
			*(int *)((char *)c + k->off) = (int)n;
			return 0;
		}
	snprintf(why, whylen, "must be");
	for (i = 0; i < n && (len = strlen(why)) < whylen; i++)
		snprintf(why + len, whylen - len, "%s\"%s\"",
		    i == 0	     ? " "
			: i + 1 == n ? " or "
				     : ", ",
		    k->names[i]);
	return -1;
}

static int
set_text(struct config *c, const struct config_key *k, const char *v, char *why,
    size_t whylen)
{
	char tmp[1024];
	char *field = (char *)c + k->off;

	if (k->type == CT_COMMENT)
		return 0;
	if (k->type == CT_ENUM)
		return set_enum(c, k, v, why, whylen);
	if (k->type == CT_ADDR) {
		if (v[0] == '\0' && k->empty_ok) {
			field[0] = '\0';
			*(int *)((char *)c + k->off2) = 0;
			return 0;
		}
		return config_addr_parse(v, field, k->size,
		    (int *)((char *)c + k->off2), why, whylen);
	}
	if (strlen(v) >= k->size || strlen(v) >= sizeof(tmp)) {
		snprintf(
		    why, whylen, "too long (at most %zu bytes)", k->size - 1);
		return -1;
	}
	memcpy(tmp, v, strlen(v) + 1);
	if (k->check != NULL && k->check(tmp, why, whylen) != 0)
		return -1;
	memcpy(field, tmp, strlen(tmp) + 1);
	return 0;
}

static int
set_number(struct config *c, const struct config_key *k, json_int_t v,
    char *why, size_t whylen)
{
	if (v < k->min || v > k->max) {
		snprintf(why, whylen,
		    "%lld is out of range: must be %ld..%ld%s%s", (long long)v,
		    k->min, k->max, k->note ? "; " : "",
		    k->note ? k->note : "");
		return -1;
	}
	if (k->type == CT_SIZE)
		*(size_t *)((char *)c + k->off) = (size_t)v;
	else if (k->type == CT_INT)
		*(int *)((char *)c + k->off) = (int)v;
	else
		*(long *)((char *)c + k->off) = (long)v;
	return 0;
}

static int
set_json(struct config *c, const struct config_key *k, const json_t *v,
    char *why, size_t whylen)
{
	switch (k->type) {
	case CT_BOOL:
		if (!json_is_boolean(v))
			break;
		*(int *)((char *)c + k->off) = json_is_true(v);
		return 0;
	case CT_SIZE:
	case CT_MSEC:
	case CT_INT:
		if (!json_is_integer(v))
			break;
		return set_number(c, k, json_integer_value(v), why, whylen);
	case CT_JSON: {
		json_t **slot = (json_t **)((char *)c + k->off), *copy;

		if (k->check_json(v, why, whylen) != 0)
			return -1;
		/* A lost copy would read as "key absent" (a policy gone). */
		if ((copy = json_deep_copy(v)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		json_decref(*slot);
		*slot = copy;
		return 0;
	}
	default:
		if (!json_is_string(v))
			break;
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			snprintf(why, whylen, "must not contain NUL");
			return -1;
		}
		return set_text(c, k, json_string_value(v), why, whylen);
	}
	snprintf(why, whylen, "must be %s",
	    k->type == CT_BOOL	     ? "true or false"
		: k->type == CT_JSON ? "an array or object"
		: k->type == CT_STRING || k->type == CT_ADDR ||
		    k->type == CT_COMMENT || k->type == CT_ENUM
		? "a string"
		: "an integer");
	return -1;
}

static const struct config_key *
key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

/* ---- the file ---- */

/* Line of top-level key `key` in the JSON text, 0 if not found (a key
 * written with escapes, say). Skips strings so values cannot fool it. */
static int
key_line(const char *t, size_t n, const char *key)
{
	size_t klen = strlen(key), i, j, m;
	int depth = 0, line = 1;

	for (i = 0; i < n; i++) {
		if (t[i] == '\n')
			line++;
		else if (t[i] == '{' || t[i] == '[')
			depth++;
		else if (t[i] == '}' || t[i] == ']')
			depth--;
		if (t[i] != '"')
			continue;
		for (j = i + 1; j < n && t[j] != '"'; j++)
			if (t[j] == '\\')
				j++;
		if (j >= n)
			return 0;
		m = j + 1;
		while (m < n && strchr(" \t\r\n", t[m]) != NULL && t[m] != '\0')
			m++;
		if (depth == 1 && m < n && t[m] == ':' && j - i - 1 == klen &&
		    memcmp(t + i + 1, key, klen) == 0)
			return line;
		i = j;
	}
	return 0;
}

static int
read_file(
    const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(
		    err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f) || n > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
		    ferror(f) ? "read error" : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	*out = buf;
	*outlen = n;
	return 0;
}

static void
key_error(const char *path, const char *text, size_t n, const char *key,
    const char *why, char *err, size_t errlen)
{
	char ek[128];
	int line = key_line(text, n, key);

	log_escape(key, strlen(key), ek, sizeof(ek));
	if (line > 0)
		snprintf(
		    err, errlen, "%s:%d: key '%s': %s", path, line, ek, why);
	else
		snprintf(err, errlen, "%s: key '%s': %s", path, ek, why);
}

static int
apply_object(struct config *c, const char *path, const char *text, size_t n,
    json_t *root, char *err, size_t errlen)
{
	const char *name;
	json_t *v;
	char why[512];

	json_object_foreach(root, name, v) {
		const struct config_key *k = key_find(name);

		if (k == NULL) {
			key_error(
			    path, text, n, name, "unknown key", err, errlen);
			return -1;
		}
		if (set_json(c, k, v, why, sizeof(why)) != 0) {
			key_error(path, text, n, name, why, err, errlen);
			return -1;
		}
	}
	return 0;
}

static int
load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t n = 0;
	json_t *root = NULL;
	json_error_t jerr;
	char why[512];
	int rc = -1;

	if (strlen(path) >= sizeof(c->config_file)) {
		snprintf(err, errlen, "config file name too long");
		return -1;
	}
	snprintf(c->config_file, sizeof(c->config_file), "%s", path);
	if (read_file(path, &text, &n, err, errlen) != 0)
		return -1;
	root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		snprintf(err, errlen, "%s:%d: invalid JSON: %s", path,
		    jerr.line, jerr.text);
	else if (!json_is_object(root))
		snprintf(err, errlen, "%s: the top level must be a JSON object",
		    path);
	else
		rc = apply_object(c, path, text, n, root, err, errlen);
	if (rc == 0 && config_upstreams_root(c, root, why, sizeof(why)) != 0) {
		key_error(path, text, n, "upstreams", why, err, errlen);
		rc = -1;
	}
	json_decref(root);
	free(text);
	return rc;
}

/* ---- flags ---- */

const char *
config_flag_at(size_t i)
{
	if (i >= NKEYS)
		return NULL;
	return config_keys[i].flag != NULL ? config_keys[i].flag : "";
}

static int
flag_find(const char *name, struct flag *f)
{
	static const struct {
		const char *name;
		enum flag_kind kind;
		int val;
	} special[] = {
		{ "--config", FL_CONFIG, 1 },
		{ "--check-config", FL_CHECK, 0 },
		{ "--help", FL_HELP, 0 },
		{ "-h", FL_HELP, 0 },
		{ "--version", FL_VERSION, 0 },
	};

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (strcmp(special[i].name, name) == 0) {
			f->kind = special[i].kind;
			f->key = NULL;
			f->takes_value = special[i].val;
			return 0;
		}
	for (size_t i = 0; i < NKEYS; i++)
		if (config_keys[i].flag &&
		    strcmp(config_keys[i].flag, name) == 0) {
			f->kind = FL_KEY;
			f->key = &config_keys[i];
			f->takes_value = config_keys[i].type != CT_BOOL;
			return 0;
		}
	return -1;
}

/* Read the flag at argv[*i] (advancing *i past its value). name gets the
 * flag without "=value"; *val is NULL for flags without a value. */
static int
flag_next(int argc, char **argv, int *i, struct flag *f, char *name,
    size_t namelen, const char **val, char *err, size_t errlen)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	size_t nlen = eq && a[0] == '-' ? (size_t)(eq - a) : strlen(a);
	char ea[128];

	log_escape(a, nlen, ea, sizeof(ea));
	if (a[0] != '-') {
		snprintf(err, errlen, "unexpected argument '%s'", ea);
		return -1;
	}
	if (nlen >= namelen) {
		snprintf(err, errlen, "unknown option '%s'", ea);
		return -1;
	}
	memcpy(name, a, nlen);
	name[nlen] = '\0';
	if (flag_find(name, f) != 0) {
		snprintf(err, errlen, "unknown option '%s'", ea);
		return -1;
	}
	*val = NULL;
	if (!f->takes_value && eq != NULL) {
		snprintf(err, errlen, "option '%s' takes no value", ea);
		return -1;
	}
	if (f->takes_value && eq != NULL)
		*val = eq + 1;
	else if (f->takes_value) {
		if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) {
			snprintf(err, errlen, "option '%s' needs a value", ea);
			return -1;
		}
		*val = argv[++*i];
	}
	return 0;
}

/* First pass: check the syntax of every flag and find --config and the
 * flags that stop early. */
static int
flags_scan(int argc, char **argv, const char **config, int *stop, char *err,
    size_t errlen)
{
	struct flag f;
	char name[64];
	const char *val;

	*config = NULL;
	*stop = 0;
	for (int i = 1; i < argc; i++) {
		if (flag_next(argc, argv, &i, &f, name, sizeof(name), &val, err,
			errlen) != 0)
			return -1;
		if (f.kind == FL_CONFIG && *config != NULL) {
			snprintf(err, errlen, "option '--config' given twice");
			return -1;
		}
		if (f.kind == FL_CONFIG)
			*config = val;
		else if (f.kind == FL_HELP && *stop == 0)
			*stop = FL_HELP;
		else if (f.kind == FL_VERSION && *stop == 0)
			*stop = FL_VERSION;
	}
	return 0;
}

/* Second pass, after the file: the flags win. */
static int
flags_apply(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
	struct flag f;
	char name[64], why[512];
	const char *val;

	for (int i = 1; i < argc; i++) {
		if (flag_next(argc, argv, &i, &f, name, sizeof(name), &val, err,
			errlen) != 0)
			return -1;
		if (f.kind == FL_CHECK)
			c->check_only = 1;
		if (f.kind != FL_KEY)
			continue;
		if (f.key->type == CT_BOOL)
			*(int *)((char *)c + f.key->off) = 1;
		else if (set_text(c, f.key, val, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "option '%s': %s", name, why);
			return -1;
		}
	}
	return 0;
}

/* issue 9 item 2: EAB needs both the key id and the MAC key. */
static int
check_eab(const struct config *c, char *err, size_t errlen)
{
	if ((c->eab_kid[0] == '\0') == (c->eab_hmac_key[0] == '\0'))
		return 0;
	snprintf(err, errlen,
	    "%s: key '%s': External Account Binding needs both eab_kid and "
	    "eab_hmac_key",
	    c->config_file[0] ? c->config_file : "config",
	    c->eab_kid[0] ? "eab_hmac_key" : "eab_kid");
	return -1;
}

static int
upstreams_build(struct config *c, char *err, size_t errlen)
{
	char why[512];

	if (config_upstreams_build(c, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "%s: key 'upstreams': %s",
	    c->config_file[0] ? c->config_file : "config", why);
	return -1;
}

int
config_load(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
	const char *file = NULL;
	int stop = 0;

	if (errlen > 0)
		err[0] = '\0';
	config_defaults(c);
	if (flags_scan(argc, argv, &file, &stop, err, errlen) != 0)
		return -1;
	if (stop == FL_HELP) {
		fputs(usage_text, stdout);
		return 1;
	}
	if (stop == FL_VERSION) {
		puts(CONFIG_VERSION);
		return 1;
	}
	if (file != NULL && load_file(c, file, err, errlen) != 0)
		return -1;
	if (flags_apply(c, argc, argv, err, errlen) != 0)
		return -1;
	if (c->dns01_names != NULL && json_array_size(c->dns01_names) > 0 &&
	    c->dns01_hook[0] == '\0') {
		snprintf(err, errlen,
		    "%s: key 'dns01_names': needs a dns01_hook "
		    "to publish the TXT records",
		    c->config_file[0] ? c->config_file : "config");
		return -1;
	}
	if (check_eab(c, err, errlen) != 0)
		return -1;
	return upstreams_build(c, err, errlen);
}
