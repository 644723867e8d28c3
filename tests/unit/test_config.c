/* test_config.c: proxy/core/config.c (file, flags, errors) and proxy/core/log.c
 * (log_escape, the log line format). Temp files go to /tmp via mkstemp. */
#include "config.h"
#include "log.h"
#include "t.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXARGS 16

static char tmp_paths[32][64];
static int ntmp;

static void
write_tmp(char *path, size_t len, const char *text)
{
	int fd;
	size_t n = strlen(text);

	snprintf(path, len, "/tmp/acme-bridge-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n) {
		perror("mkstemp/write");
		exit(2);
	}
	close(fd);
}

/* A temp file holding text; it lives until cleanup(). */
static const char *
tmp_file(const char *text)
{
	if (ntmp >= (int)(sizeof(tmp_paths) / sizeof(tmp_paths[0]))) {
		fprintf(stderr, "too many temp files\n");
		exit(2);
	}
	write_tmp(tmp_paths[ntmp], sizeof(tmp_paths[0]), text);
	return tmp_paths[ntmp++];
}

static void
cleanup(void)
{
	for (int i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
}

/* config_load on argv = {"acme-bridge", args..., NULL}. */
static int
load(struct config *c, char *err, size_t errlen, ...)
{
	char *argv[MAXARGS];
	int argc = 0;
	const char *a;
	va_list ap;

	argv[argc++] = "acme-bridge";
	va_start(ap, errlen);
	while ((a = va_arg(ap, const char *)) != NULL && argc < MAXARGS - 1)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return config_load(c, argc, argv, err, errlen);
}

/* Load a file whose text is given; returns config_load's result. */
static int
load_text(struct config *c, char *err, size_t errlen, const char *text)
{
	char path[64];
	int r;

	write_tmp(path, sizeof(path), text);
	r = load(c, err, errlen, "--config", path, (char *)NULL);
	unlink(path);
	return r;
}

#define HAS(hay, needle) (strstr((hay), (needle)) != NULL)

static void
test_defaults(void)
{
	struct config c;
	char err[512];

	CHECK(load(&c, err, sizeof(err), (char *)NULL) == 0);
	CHECK_STR(c.listen_host, "127.0.0.1");
	CHECK(c.listen_port == 4000);
	CHECK_STR(c.http01_host, "0.0.0.0");
	CHECK(c.http01_port == 5002);
	CHECK_STR(c.upstream, CONFIG_LE_PRODUCTION);
	CHECK_STR(c.upstream_ca, "");
	CHECK_STR(c.state, "acme-bridge.db");
	CHECK(c.agree_tos == 0);
	CHECK_STR(c.base_url, "");
	CHECK(c.max_connections == 256);
	CHECK(c.max_header_bytes == 16384);
	CHECK(c.max_body_bytes == 65536);
	CHECK(c.header_timeout_ms == 10000);
	CHECK(c.idle_timeout_ms == 60000);
	CHECK(c.upstream_timeout_ms == 30000);
	CHECK(c.authz_wait_ms == 20000);
	CHECK(c.issue_timeout_ms == 40000);
	CHECK(c.nonce_cap == 10000);
	CHECK(c.check_only == 0);
	CHECK_STR(c.config_file, "");
	CHECK(c.log_level == CONFIG_LOG_INFO);
	CHECK(c.authz_mode == AUTHZ_MODE_EAGER);
}

static void
test_valid_file(void)
{
	struct config c;
	char err[512], text[2048];
	const char *ca = tmp_file("-----BEGIN CERTIFICATE-----\n");

	snprintf(text, sizeof(text),
	    "{\n"
	    "  \"_comment\": \"test\",\n"
	    "  \"listen\": \"0.0.0.0:4100\",\n"
	    "  \"http01_listen\": \"[::]:5100\",\n"
	    "  \"upstream\": \"https://localhost:14000/dir\",\n"
	    "  \"upstream_ca\": \"%s\",\n"
	    "  \"state\": \"/var/lib/acme-bridge/state.db\",\n"
	    "  \"agree_tos\": true,\n"
	    "  \"base_url\": \"https://bridge.example:4000/\",\n"
	    "  \"max_connections\": 10,\n"
	    "  \"max_header_bytes\": 8192,\n"
	    "  \"max_body_bytes\": 32768,\n"
	    "  \"header_timeout_ms\": 5000,\n"
	    "  \"idle_timeout_ms\": 30000,\n"
	    "  \"upstream_timeout_ms\": 15000,\n"
	    "  \"authz_wait_ms\": 10000,\n"
	    "  \"issue_timeout_ms\": 35000,\n"
	    "  \"nonce_cap\": 500,\n"
	    "  \"log_level\": \"debug\"\n"
	    "}\n",
	    ca);
	CHECK(load_text(&c, err, sizeof(err), text) == 0);
	CHECK_STR(err, "");
	CHECK_STR(c.listen_host, "0.0.0.0");
	CHECK(c.listen_port == 4100);
	CHECK_STR(c.http01_host, "::");
	CHECK(c.http01_port == 5100);
	CHECK_STR(c.upstream, "https://localhost:14000/dir");
	CHECK_STR(c.upstream_ca, ca);
	CHECK_STR(c.state, "/var/lib/acme-bridge/state.db");
	CHECK(c.agree_tos == 1);
	CHECK_STR(c.base_url, "https://bridge.example:4000"); /* '/' stripped */
	CHECK(c.max_connections == 10);
	CHECK(c.max_header_bytes == 8192);
	CHECK(c.max_body_bytes == 32768);
	CHECK(c.header_timeout_ms == 5000);
	CHECK(c.idle_timeout_ms == 30000);
	CHECK(c.upstream_timeout_ms == 15000);
	CHECK(c.authz_wait_ms == 10000);
	CHECK(c.issue_timeout_ms == 35000);
	CHECK(c.nonce_cap == 500);
	CHECK(c.log_level == CONFIG_LOG_DEBUG);
	CHECK(strncmp(c.config_file, "/tmp/acme-bridge-test-", 22) == 0);

	/* An empty object is valid and leaves the defaults. */
	CHECK(load_text(&c, err, sizeof(err), "{}") == 0);
	CHECK(c.listen_port == 4000);
	/* http01_listen "" turns the responder off. */
	CHECK(
	    load_text(&c, err, sizeof(err), "{\"http01_listen\": \"\"}") == 0);
	CHECK_STR(c.http01_host, "");
	CHECK(c.http01_port == 0);
}

static void
test_flags_override(void)
{
	struct config c;
	char err[512];
	const char *f = tmp_file(
	    "{\"listen\": \"127.0.0.1:8000\", \"state\": \"file.db\","
	    " \"upstream\": \"https://file.example/dir\", \"agree_tos\": "
	    "false}");

	/* flag after --config */
	CHECK(load(&c, err, sizeof(err), "--config", f, "--listen",
		  "127.0.0.1:9000", (char *)NULL) == 0);
	CHECK(c.listen_port == 9000);
	CHECK_STR(c.state, "file.db");
	/* flag before --config */
	CHECK(
	    load(&c, err, sizeof(err), "--listen", "127.0.0.1:9001", "--state",
		"flag.db", "--agree-tos", "--config", f, (char *)NULL) == 0);
	CHECK(c.listen_port == 9001);
	CHECK_STR(c.state, "flag.db");
	CHECK(c.agree_tos == 1);
	CHECK_STR(c.upstream, "https://file.example/dir");
	/* the last of a repeated flag wins */
	CHECK(load(&c, err, sizeof(err), "--state", "a.db", "--state", "b.db",
		  (char *)NULL) == 0);
	CHECK_STR(c.state, "b.db");
}

static void
test_flag_equals(void)
{
	struct config c;
	char err[512];
	const char *f = tmp_file("{\"listen\": \"127.0.0.1:8000\"}");
	const char *ca = tmp_file("x");
	char caflag[128];

	snprintf(caflag, sizeof(caflag), "--upstream-ca=%s", ca);
	CHECK(load(&c, err, sizeof(err), "--listen=[::1]:4001",
		  "--config=", (char *)NULL) == -1);
	CHECK(load(&c, err, sizeof(err), "--listen=[::1]:4001",
		  "--upstream=http://127.0.0.1:14000/dir", "--log-level=debug",
		  "--http01-listen=", "--base-url=http://b.example", caflag,
		  "--state=s.db", (char *)NULL) == 0);
	CHECK_STR(c.listen_host, "::1");
	CHECK(c.listen_port == 4001);
	CHECK_STR(c.upstream, "http://127.0.0.1:14000/dir");
	CHECK(c.log_level == CONFIG_LOG_DEBUG);
	CHECK_STR(c.http01_host, "");
	CHECK(c.http01_port == 0);
	CHECK_STR(c.base_url, "http://b.example");
	CHECK_STR(c.upstream_ca, ca);
	CHECK_STR(c.state, "s.db");

	/* --config=FILE, and the flag still wins over the file */
	snprintf(caflag, sizeof(caflag), "--config=%s", f);
	CHECK(load(&c, err, sizeof(err), "--listen=localhost:4002", caflag,
		  (char *)NULL) == 0);
	CHECK_STR(c.listen_host, "127.0.0.1");
	CHECK(c.listen_port == 4002);
	CHECK_STR(c.config_file, f);
}

static void
test_unknown_key(void)
{
	struct config c;
	char err[512];
	const char *f = tmp_file(
	    "{\n  \"listen\": \"127.0.0.1:4000\",\n  \"lisen\": \"x\"\n}\n");
	char want[256];

	CHECK(load(&c, err, sizeof(err), "--config", f, (char *)NULL) == -1);
	snprintf(want, sizeof(want), "%s:3: key 'lisen': unknown key", f);
	CHECK_STR(err, want);
	/* the line is that of the key, not of a string value that looks like it */
	f = tmp_file("{\"_comment\": \"\\\"bogus\\\": 1\",\n\n\"bogus\": 1}");
	CHECK(load(&c, err, sizeof(err), "--config", f, (char *)NULL) == -1);
	snprintf(want, sizeof(want), "%s:3: key 'bogus': unknown key", f);
	CHECK_STR(err, want);
	/* a control byte in the key is escaped in the message */
	CHECK(load_text(&c, err, sizeof(err), "{\"a\\u0001b\": 1}") == -1);
	CHECK(HAS(err, "key 'a\\x01b': unknown key"));
}

/* Closed sets are enums; a value outside names every spelling. */
static void
test_enums(void)
{
	struct config c;
	char err[512];

	CHECK(load_text(&c, err, sizeof(err),
		  "{\"authz_mode\": \"client-proof\"}") == 0);
	CHECK(c.authz_mode == AUTHZ_MODE_CLIENT_PROOF);
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err), "{\"authz_mode\": \"lazy\"}") ==
	    -1);
	CHECK(HAS(
	    err, "key 'authz_mode': must be \"eager\" or \"client-proof\""));
	CHECK(
	    load_text(&c, err, sizeof(err), "{\"log_level\": \"warn\"}") == 0);
	CHECK(c.log_level == CONFIG_LOG_WARN);
	config_free(&c);
	CHECK(
	    load_text(&c, err, sizeof(err), "{\"log_level\": \"loud\"}") == -1);
	CHECK(HAS(err, "must be \"debug\", \"info\", \"warn\" or \"error\""));
	CHECK(load_text(&c, err, sizeof(err), "{\"log_level\": 3}") == -1);
	CHECK(HAS(err, "key 'log_level': must be a string"));
}

static void
test_wrong_type(void)
{
	struct config c;
	char err[512];

	CHECK(load_text(
		  &c, err, sizeof(err), "{\"max_connections\": \"10\"}") == -1);
	CHECK(HAS(err, ":1: key 'max_connections': must be an integer"));
	CHECK(load_text(&c, err, sizeof(err), "{\"max_connections\": 10.0}") ==
	    -1);
	CHECK(HAS(err, "must be an integer"));
	CHECK(load_text(&c, err, sizeof(err), "{\"agree_tos\": 1}") == -1);
	CHECK(HAS(err, "key 'agree_tos': must be true or false"));
	CHECK(load_text(&c, err, sizeof(err), "{\"listen\": 4000}") == -1);
	CHECK(HAS(err, "key 'listen': must be a string"));
	CHECK(load_text(&c, err, sizeof(err), "{\"state\": null}") == -1);
	CHECK(HAS(err, "key 'state': must be a string"));
	CHECK(load_text(&c, err, sizeof(err), "{\"_comment\": [\"x\"]}") == -1);
	CHECK(HAS(err, "key '_comment': must be a string"));
	CHECK(load_text(&c, err, sizeof(err), "[]") == -1);
	CHECK(HAS(err, "top level must be a JSON object"));
	CHECK(load_text(&c, err, sizeof(err), "{\"state\": \"a\\u0000b\"}") ==
	    -1);
	CHECK(HAS(err, "invalid JSON")); /* jansson refuses NUL escapes */
}

static void
test_bad_json(void)
{
	struct config c;
	char err[512];

	CHECK(load_text(&c, err, sizeof(err),
		  "{\n\"listen\": \"127.0.0.1:1\",\n}") == -1);
	CHECK(HAS(err, ":3: invalid JSON"));
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"state\": \"a\",\n\"state\": \"b\"}") == -1);
	CHECK(HAS(err, ":2: invalid JSON") && HAS(err, "duplicate"));
	CHECK(load_text(&c, err, sizeof(err), "") == -1);
	CHECK(HAS(err, "invalid JSON"));
}

static void
test_addresses(void)
{
	static const char *bad[] = {
		"300.1.1.1:80",
		"127.0.0.1:0",
		"127.0.0.1:99999",
		"nohost",
		"nohost:80",
		"127.0.0.1:",
		"127.0.0.1:+80",
		"127.0.0.1:-1",
		"127.0.0.1:80x",
		"::1:80",
		"[::1]80",
		"[::1]",
		"[1.2.3.4]:80",
		"[zz::1]:80",
		":80",
		"1.2.3:80",
		"127.0.0.1:080000",
		"",
	};
	struct config c;
	char err[512], host[64], json[128];
	int port = -1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(
		    config_parse_addr(bad[i], host, sizeof(host), &port) == -1);
		snprintf(json, sizeof(json), "{\"listen\": \"%s\"}", bad[i]);
		CHECK(load_text(&c, err, sizeof(err), json) == -1);
		CHECK(HAS(err, "key 'listen': "));
	}
	CHECK(config_parse_addr("[::1]:80", host, sizeof(host), &port) == 0);
	CHECK_STR(host, "::1");
	CHECK(port == 80);
	CHECK(config_parse_addr(
		  "[2001:db8::5]:65535", host, sizeof(host), &port) == 0);
	CHECK_STR(host, "2001:db8::5");
	CHECK(port == 65535);
	CHECK(config_parse_addr("localhost:1", host, sizeof(host), &port) == 0);
	CHECK_STR(host, "127.0.0.1");
	CHECK(port == 1);
	CHECK(config_parse_addr("10.0.0.1:4000", host, 8, &port) ==
	    -1); /* no room */

	CHECK(load_text(&c, err, sizeof(err),
		  "{\"listen\": \"300.1.1.1:80\"}") == -1);
	CHECK(HAS(err, "key 'listen': host must be"));
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"http01_listen\": \"127.0.0.1:99999\"}") == -1);
	CHECK(HAS(err, "key 'http01_listen': port must be 1..65535"));
	CHECK(load(&c, err, sizeof(err), "--listen", "nohost", (char *)NULL) ==
	    -1);
	CHECK_STR(err, "option '--listen': expected HOST:PORT");
	CHECK(load(&c, err, sizeof(err), "--listen", "::1:80", (char *)NULL) ==
	    -1);
	CHECK(HAS(err, "brackets"));
	/* listen may not be "" (only the responder can be turned off) */
	CHECK(load(&c, err, sizeof(err), "--listen=", (char *)NULL) == -1);
	CHECK(load(&c, err, sizeof(err), "--http01-listen", "[::1]:5002",
		  (char *)NULL) == 0);
	CHECK_STR(c.http01_host, "::1");
	CHECK(c.http01_port == 5002);
}

/* issue 8 item 1: the connection fairness keys, defaults and ranges */
static void
test_conn_keys(void)
{
	struct config c;
	char err[512];

	CHECK(load(&c, err, sizeof(err), (char *)NULL) == 0);
	CHECK(c.max_connections_per_address == 32);
	CHECK(c.first_byte_timeout_ms == 5000);
	CHECK(c.http01_max_connections == 256);
	CHECK(c.http01_max_connections_per_address == 32);
	CHECK(c.admin_max_connections == 64);
	CHECK(c.admin_max_connections_per_address == 32);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"max_connections_per_address\": 4, "
		  "\"first_byte_timeout_ms\": 800,"
		  " \"http01_max_connections\": 50,"
		  " \"http01_max_connections_per_address\": 5,"
		  " \"admin_max_connections\": 8,"
		  " \"admin_max_connections_per_address\": 2}") == 0);
	CHECK(c.max_connections_per_address == 4);
	CHECK(c.first_byte_timeout_ms == 800);
	CHECK(c.http01_max_connections == 50);
	CHECK(c.http01_max_connections_per_address == 5);
	CHECK(c.admin_max_connections == 8);
	CHECK(c.admin_max_connections_per_address == 2);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"max_connections_per_address\": 0}") == -1);
	CHECK(HAS(err, "key 'max_connections_per_address'"));
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"first_byte_timeout_ms\": 50}") == -1);
	CHECK(HAS(err, "key 'first_byte_timeout_ms'"));
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"http01_max_connections\": 100001}") == -1);
	CHECK(HAS(err, "key 'http01_max_connections'"));
}

static void
test_numbers(void)
{
	struct config c;
	char err[512];

	CHECK(load_text(&c, err, sizeof(err), "{\"max_body_bytes\": 65536}") ==
	    0);
	CHECK(c.max_body_bytes == 65536);
	CHECK(load_text(&c, err, sizeof(err), "{\"max_body_bytes\": 65537}") ==
	    -1);
	CHECK(HAS(err,
	    "key 'max_body_bytes': 65537 is out of range: must be "
	    "1024..65536"));
	CHECK(HAS(err, "65536 is the cap"));
	CHECK(load_text(&c, err, sizeof(err), "{\"header_timeout_ms\": 0}") ==
	    -1);
	CHECK(HAS(err, "key 'header_timeout_ms'"));
	CHECK(load_text(&c, err, sizeof(err), "{\"authz_wait_ms\": -5}") == -1);
	CHECK(HAS(err, "key 'authz_wait_ms'"));
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"nonce_cap\": 99999999999999}") == -1);
	CHECK(HAS(err, "key 'nonce_cap'"));
	CHECK(
	    load_text(&c, err, sizeof(err),
		"{\"max_connections\": 1, \"issue_timeout_ms\": 600000}") == 0);
	CHECK(c.max_connections == 1);
	CHECK(c.issue_timeout_ms == 600000);
}

static void
test_strings(void)
{
	struct config c;
	char err[512], big[1200], json[1300];

	CHECK(load(&c, err, sizeof(err), "--upstream", "ftp://x/dir",
		  (char *)NULL) == -1);
	CHECK_STR(
	    err, "option '--upstream': must start with https:// or http://");
	CHECK(load(&c, err, sizeof(err), "--upstream", "https://",
		  (char *)NULL) == -1);
	CHECK(load(&c, err, sizeof(err), "--upstream", "https://a b/",
		  (char *)NULL) == -1);
	CHECK(load(&c, err, sizeof(err), "--base-url", "http://x/?q",
		  (char *)NULL) == -1);
	memset(big, 'b', 300);
	big[300] = '\0';
	snprintf(json, sizeof(json), "--base-url=https://%s", big);
	CHECK(load(&c, err, sizeof(err), json, (char *)NULL) == -1);
	CHECK(HAS(err, "too long (at most 255 bytes)"));
	CHECK(load(&c, err, sizeof(err), "--base-url", "", (char *)NULL) == 0);
	CHECK_STR(c.base_url, "");
	CHECK(load(&c, err, sizeof(err), "--state", "", (char *)NULL) == -1);
	CHECK(HAS(err, "must not be empty"));
	CHECK(load(&c, err, sizeof(err), "--log-level", "loud", (char *)NULL) ==
	    -1);
	CHECK(HAS(err, "--log-level") &&
	    HAS(err, "must be \"debug\", \"info\", \"warn\" or \"error\""));
	CHECK(load(&c, err, sizeof(err), "--upstream-ca", "/nonexistent/ca.pem",
		  (char *)NULL) == -1);
	CHECK(HAS(err, "/nonexistent/ca.pem") && HAS(err, "No such file"));
	CHECK(load(&c, err, sizeof(err), "--upstream-ca", "/tmp",
		  (char *)NULL) == -1);
	CHECK(HAS(err, "not a regular file"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(json, sizeof(json), "{\"state\": \"%s\"}", big);
	CHECK(load_text(&c, err, sizeof(err), json) == -1);
	CHECK(HAS(err, "key 'state': too long"));
}

static void
test_flags(void)
{
	struct config c;
	char err[512];
	const char *f = tmp_file("{}");

	CHECK(load(&c, err, sizeof(err), "--check-config", (char *)NULL) == 0);
	CHECK(c.check_only == 1);
	CHECK(load(&c, err, sizeof(err), "--config", f, "--check-config",
		  (char *)NULL) == 0);
	CHECK(c.check_only == 1);
	CHECK(load(&c, err, sizeof(err), "--bogus", (char *)NULL) == -1);
	CHECK_STR(err, "unknown option '--bogus'");
	CHECK(load(&c, err, sizeof(err), "--bogus=1", (char *)NULL) == -1);
	CHECK_STR(err, "unknown option '--bogus'");
	CHECK(load(&c, err, sizeof(err), "-x", (char *)NULL) == -1);
	CHECK_STR(err, "unknown option '-x'");
	CHECK(load(&c, err, sizeof(err), "--listen", (char *)NULL) == -1);
	CHECK_STR(err, "option '--listen' needs a value");
	CHECK(load(&c, err, sizeof(err), "--listen", "--check-config",
		  (char *)NULL) == -1);
	CHECK_STR(err, "option '--listen' needs a value");
	CHECK(
	    load(&c, err, sizeof(err), "--agree-tos=yes", (char *)NULL) == -1);
	CHECK_STR(err, "option '--agree-tos' takes no value");
	CHECK(load(&c, err, sizeof(err), "stray", (char *)NULL) == -1);
	CHECK_STR(err, "unexpected argument 'stray'");
	CHECK(load(&c, err, sizeof(err), "--config", f, "--config", f,
		  (char *)NULL) == -1);
	CHECK(HAS(err, "given twice"));
	/* a bad flag is reported even when the file is fine, before --help */
	CHECK(load(&c, err, sizeof(err), "--config", f, "--nope", "--help",
		  (char *)NULL) == -1);
}

static void
test_missing_file(void)
{
	struct config c;
	char err[512];
	const char *p = "/tmp/acme-bridge-test-does-not-exist.json";

	CHECK(load(&c, err, sizeof(err), "--config", p, (char *)NULL) == -1);
	CHECK(HAS(err, p));
	CHECK(HAS(err, "No such file"));
}

/* config_load on up to three arguments, with stdout sent to /dev/null. */
static int
load_quiet(struct config *c, char *err, size_t errlen, const char *a1,
    const char *a2, const char *a3)
{
	int saved, nul, r;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	nul = open("/dev/null", O_WRONLY);
	dup2(nul, STDOUT_FILENO);
	r = load(c, err, errlen, a1, a2, a3, (char *)NULL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(nul);
	return r;
}

static void
test_help_version(void)
{
	struct config c;
	char err[512];

	CHECK(load_quiet(&c, err, sizeof(err), "--help", NULL, NULL) == 1);
	CHECK(load_quiet(&c, err, sizeof(err), "-h", NULL, NULL) == 1);
	CHECK(load_quiet(&c, err, sizeof(err), "--version", NULL, NULL) == 1);
	/* they stop before the file is read */
	CHECK(load_quiet(&c, err, sizeof(err), "--config", "/nonexistent.json",
		  "--help") == 1);
	CHECK(load_quiet(&c, err, sizeof(err), "--version", "--config",
		  "/nonexistent.json") == 1);
}

/* The shipped files load, and the example file really holds the defaults
 * (skipped when not run from the top of the tree). */
static void
test_shipped_files(void)
{
	struct config c, d;
	char err[512];

	if (access("config/acme-bridge.example.json", R_OK) != 0)
		return;
	config_defaults(&d);
	CHECK(load(&c, err, sizeof(err), "--config",
		  "config/acme-bridge.example.json", (char *)NULL) == 0);
	memset(c.config_file, 0, sizeof(c.config_file));
	CHECK(memcmp(&c, &d, sizeof(c)) == 0);
	config_free(&c);
	config_free(&d);
	CHECK(load(&c, err, sizeof(err), "--config", "config/acme-bridge.json",
		  (char *)NULL) == 0);
	/* issue 9 item 1: production at the root, staging at /staging, the
	 * third CA an ignored example */
	CHECK_STR(c.upstream, CONFIG_LE_PRODUCTION);
	CHECK(c.nups == 2);
	CHECK_STR(c.ups[0].url, CONFIG_LE_PRODUCTION);
	CHECK_STR(c.ups[0].name, "/");
	CHECK_STR(c.ups[1].prefix, "/staging");
	CHECK_STR(c.ups[1].url, CONFIG_LE_STAGING);
	CHECK_STR(c.listen_host, "127.0.0.1");
	CHECK_STR(c.http01_host, "127.0.0.1");
	CHECK(c.agree_tos == 0);
	config_free(&c);
}

/* Read all of a small file into buf (NUL-terminated); 0 or -1. */
static int
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* Issue 9 item 9: --help names the subcommands and every flag, and
 * docs/config.md's flag table has a row for every flag the binary takes. */
static void
test_help_and_docs_complete(void)
{
	static char help[8192], docs[65536];
	char path[] = "/tmp/acme-bridge-help-XXXXXX", row[64];
	struct config c;
	char err[512];
	const char *fl;
	int fd, saved;

	if ((fd = mkstemp(path)) == -1)
		return;
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	CHECK(load(&c, err, sizeof(err), "--help", (char *)NULL) == 1);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	CHECK(slurp(path, help, sizeof(help)) == 0);
	unlink(path);
	CHECK(strstr(help, "account import") != NULL);
	CHECK(strstr(help, "\n  report ") != NULL);
	if (slurp("docs/config.md", docs, sizeof(docs)) != 0)
		return; /* not run from the top of the tree */
	for (size_t i = 0; (fl = config_flag_at(i)) != NULL; i++) {
		if (fl[0] == '\0')
			continue;
		snprintf(row, sizeof(row), "| `%s ", fl);
		if (strstr(docs, row) == NULL)
			snprintf(row, sizeof(row), "| `%s`", fl);
		CHECK(strstr(docs, row) != NULL);
		snprintf(row, sizeof(row), "  %s ", fl);
		CHECK(strstr(help, row) != NULL);
	}
}

static void
test_log_escape(void)
{
	char out[64];

	CHECK_STR(log_escape("hello", 5, out, sizeof(out)), "hello");
	CHECK_STR(log_escape("a\nb\r\x1b[0m", 8, out, sizeof(out)),
	    "a\\x0ab\\x0d\\x1b[0m");
	CHECK_STR(
	    log_escape("\xc3\xa9\x7f", 3, out, sizeof(out)), "\\xc3\\xa9\\x7f");
	CHECK_STR(log_escape("a\0b", 3, out, sizeof(out)), "a\\x00b");
	CHECK_STR(log_escape("abcdef", 3, out, sizeof(out)), "abc");
	CHECK_STR(log_escape("abcdef", 6, out, 4), "abc");
	CHECK_STR(log_escape("a\x01", 2, out, 5), "a"); /* no half escapes */
	CHECK_STR(log_escape("a\x01", 2, out, 6), "a\\x01");
	CHECK_STR(log_escape("abc", 3, out, 1), "");
	CHECK_STR(log_escape(NULL, 3, out, sizeof(out)), "");
	out[0] = 'z';
	log_escape("abc", 3, out, 0);
	CHECK(out[0] == 'z');
}

/* Capture what log_msg writes to stderr. */
static size_t
capture_log(char *buf, size_t len, void (*fn)(void))
{
	char path[64];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "/tmp/acme-bridge-test-XXXXXX");
	fd = mkstemp(path);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	close(fd);
	unlink(path);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static void
log_short(void)
{
	log_msg(LOG_WARN, "hello %d", 5);
}
static void
log_debug_dropped(void)
{
	log_debug("hidden %s", "x");
	log_info("shown");
}
static void
log_newline(void)
{
	log_err("a %s c", "b\nX");
}
static void
log_long(void)
{
	static char big[5000];

	memset(big, 'a', sizeof(big) - 1);
	log_msg(LOG_INFO, "%s", big);
}

static void
test_log_msg(void)
{
	char buf[8192];
	size_t n;

	CHECK(log_min_level == LOG_INFO);
	n = capture_log(buf, sizeof(buf), log_short);
	CHECK(n == 24 + strlen(" WARN hello 5\n"));
	CHECK(buf[4] == '-' && buf[10] == 'T' && buf[19] == '.' &&
	    buf[23] == 'Z');
	CHECK_STR(buf + 24, " WARN hello 5\n");
	capture_log(buf, sizeof(buf), log_debug_dropped);
	CHECK_STR(buf + 24, " INFO shown\n");
	capture_log(buf, sizeof(buf), log_newline);
	CHECK_STR(buf + 24, " ERROR a b?X c\n");
	n = capture_log(buf, sizeof(buf), log_long);
	CHECK(n == 2048);
	CHECK(n >= 5 && memcmp(buf + n - 4, "...\n", 4) == 0);
	CHECK(strchr(buf, '\n') == buf + n - 1);
}

/* "policy" and "accounts": checked by translate/v1/policy.c at load time, the
 * JSON kept for the bridge; errors name the file, line, key and rule. */
static void
test_policy_accounts(void)
{
	struct config c;
	char err[512], want[512];
	const char *f;

	CHECK(
	    load_text(&c, err, sizeof(err),
		"{\n"
		"  \"policy\": [{\"name\": \"web\", \"match\": {\"addresses\": "
		"[\"10.0.0.0/8\"]},\n"
		"              \"allow\": [\"*.example.org\"]}],\n"
		"  \"accounts\": {\"mode\": \"shared\", \"groups\": "
		"[{\"name\": \"fleet-a\",\n"
		"                \"match\": {\"accounts\": [1, 2]}}]}\n}\n") ==
	    0);
	CHECK(json_is_array(c.policy) && json_array_size(c.policy) == 1);
	CHECK_STR(json_string_value(
		      json_object_get(json_array_get(c.policy, 0), "name")),
	    "web");
	CHECK_STR(
	    json_string_value(json_object_get(c.accounts, "mode")), "shared");
	config_free(&c);
	CHECK(c.policy == NULL && c.accounts == NULL);
	/* absent: NULL (everything allowed, per-client) */
	CHECK(load_text(&c, err, sizeof(err), "{}") == 0);
	CHECK(c.policy == NULL && c.accounts == NULL);
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"accounts\": {\"mode\": \"per-client\"}}") == 0);
	config_free(&c);

	f = tmp_file(
	    "{\n  \"state\": \"x.db\",\n  \"policy\": [{\"name\": \"web\","
	    " \"match\": {\"addresses\": [\"10.0.0.1/8\"]}, \"allow\": "
	    "[\"a.example\"]}]\n}\n");
	CHECK(load(&c, err, sizeof(err), "--config", f, (char *)NULL) == -1);
	snprintf(want, sizeof(want),
	    "%s:3: key 'policy': rule [0] 'web': "
	    "match.addresses[0] \"10.0.0.1/8\": bits set beyond the /8 prefix "
	    "(a typo?)",
	    f);
	CHECK_STR(err, want);
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err), "{\"policy\": []}") == -1);
	CHECK(HAS(err, "key 'policy': is empty"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err), "{\"policy\": {}}") == -1);
	CHECK(HAS(err, "key 'policy': must be an array"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"policy\": [{\"name\": \"w\", \"match\":"
		  " {\"any\": true}, \"allow\": [\"*example.com\"]}]}") == -1);
	CHECK(HAS(err, "rule [0] 'w': allow: [0] \"*example.com\""));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"accounts\": {\"mode\": \"shared\"}}") == -1);
	CHECK(HAS(
	    err, "key 'accounts': mode \"shared\" needs a non-empty groups"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"accounts\": {\"mode\": \"shared\","
		  " \"groups\": [{\"name\": \"a\", \"match\": "
		  "{\"thumbprints\": [\"x\"]}}]}}") == -1);
	CHECK(HAS(err, "key 'accounts': groups[0] 'a': match.thumbprints[0]"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err), "{\"accounts\": \"shared\"}") ==
	    -1);
	CHECK(HAS(err, "key 'accounts': must be"));
	config_free(&c);
}

/* issue 8 item 5: proof_deny_networks and proof_allow_networks, arrays of
 * networks checked at load time (translate/core/netaddr.c). */
static void
test_proof_networks(void)
{
	struct config c;
	char err[512];

	CHECK(load_text(&c, err, sizeof(err), "{}") == 0);
	CHECK(c.proof_deny_networks == NULL && c.proof_allow_networks == NULL);
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"proof_deny_networks\": [\"192.0.2.0/24\", "
		  "\"2001:db8::/32\"],"
		  " \"proof_allow_networks\": [\"127.0.0.0/8\"]}") == 0);
	CHECK(json_array_size(c.proof_deny_networks) == 2);
	CHECK_STR(json_string_value(json_array_get(c.proof_allow_networks, 0)),
	    "127.0.0.0/8");
	config_free(&c);
	CHECK(c.proof_deny_networks == NULL && c.proof_allow_networks == NULL);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"proof_allow_networks\": [\"127.0.0.1/8\"]}") == -1);
	CHECK(HAS(err,
	    "key 'proof_allow_networks': [0] \"127.0.0.1/8\": bits "
	    "set beyond the /8 prefix (a typo?)"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"proof_deny_networks\": \"10.0.0.0/8\"}") == -1);
	CHECK(HAS(
	    err, "key 'proof_deny_networks': must be an array of networks"));
	config_free(&c);
}

/* issue 8 item 6: the rate limit keys, their defaults and ranges */
static void
test_rate_limits(void)
{
	struct config c;
	char err[512];

	CHECK(load(&c, err, sizeof(err), (char *)NULL) == 0);
	CHECK(c.rate_new_reg_per_minute == 10 && c.rate_new_reg_burst == 20);
	CHECK(c.rate_post_per_minute == 300 && c.rate_post_burst == 100);
	CHECK(c.rate_table_size == 16384);
	CHECK(
	    load_text(&c, err, sizeof(err),
		"{\"rate_new_reg_per_minute\": 0, \"rate_post_per_minute\": 0,"
		" \"rate_post_burst\": 1, \"rate_table_size\": 16}") == 0);
	CHECK(c.rate_new_reg_per_minute == 0 && c.rate_post_per_minute == 0);
	CHECK(c.rate_post_burst == 1 && c.rate_table_size == 16);
	CHECK(load_text(&c, err, sizeof(err), "{\"rate_new_reg_burst\": 0}") ==
	    -1);
	CHECK(HAS(err, "rate_new_reg_burst") && HAS(err, "1..1000000"));
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"rate_post_per_minute\": 1000001}") == -1);
	CHECK(
	    load_text(&c, err, sizeof(err), "{\"rate_table_size\": 15}") == -1);
	CHECK(load_text(&c, err, sizeof(err), "{\"rate_post_burst\": \"5\"}") ==
	    -1);
}

/* issue 9 item 2: EAB keys; errors never quote the MAC key. */
static void
test_eab(void)
{
	struct config c;
	char err[512];

	CHECK(load(&c, err, sizeof(err), (char *)NULL) == 0);
	CHECK(c.eab_kid[0] == '\0' && c.eab_hmac_key[0] == '\0');
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"eab_kid\": \"kid-1\", \"eab_hmac_key\": "
		  "\"c2VjcmV0LWtleQ==\"}") == 0);
	CHECK(strcmp(c.eab_kid, "kid-1") == 0);
	CHECK(strcmp(c.eab_hmac_key, "c2VjcmV0LWtleQ") == 0); /* padding gone */
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"eab_kid\": \"kid-1\", \"eab_hmac_key\": "
		  "\"no+slash/SECRET\"}") == -1);
	CHECK(HAS(err, "eab_hmac_key") && HAS(err, "base64url"));
	CHECK(!HAS(err, "SECRET"));
	CHECK(
	    load_text(&c, err, sizeof(err), "{\"eab_kid\": \"kid-1\"}") == -1);
	CHECK(HAS(err, "eab_hmac_key") && HAS(err, "both"));
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"eab_hmac_key\": \"c2VjcmV0\"}") == -1);
	CHECK(HAS(err, "eab_kid") && !HAS(err, "c2VjcmV0"));
}

/* issue 9 item 1: several upstreams by path prefix. */
static void
test_upstreams(void)
{
	struct config c;
	char err[512];

	CHECK(load(&c, err, sizeof(err), (char *)NULL) == 0);
	CHECK(c.nups == 1 && strcmp(c.ups[0].prefix, "") == 0);
	CHECK_STR(c.ups[0].name, "/");
	CHECK_STR(c.ups[0].url, CONFIG_LE_PRODUCTION);
	config_free(&c);
	/* the root's shorthand keys and the flags make ups[0] */
	CHECK(
	    load_text(&c, err, sizeof(err),
		"{\"upstream\": \"https://a.example/dir\", \"agree_tos\": true,"
		" \"upstreams\": {\"/staging\": {\"url\": "
		"\"https://b.example/dir\","
		" \"eab_kid\": \"k\", \"eab_hmac_key\": \"c2VjcmV0\","
		" \"accounts\": {\"mode\": \"shared\", \"groups\": [{\"name\": "
		"\"g\","
		" \"match\": {\"addresses\": [\"10.0.0.0/8\"]}}]}},"
		" \"_note\": {\"url\": 5}}}") == 0);
	CHECK(c.nups == 2);
	CHECK_STR(c.ups[0].url, "https://a.example/dir");
	CHECK(c.ups[0].agree_tos == 1 && c.ups[0].accounts == NULL);
	CHECK_STR(c.ups[1].prefix, "/staging");
	CHECK_STR(c.ups[1].name, "/staging");
	CHECK_STR(c.ups[1].url, "https://b.example/dir");
	CHECK_STR(c.ups[1].eab_kid, "k");
	CHECK(c.ups[1].agree_tos == 0 && c.ups[1].accounts != NULL);
	CHECK(config_upstream_find(&c, "/staging") == &c.ups[1]);
	CHECK(config_upstream_find(&c, "/nope") == NULL);
	config_free(&c);
	/* upstreams[""] is the root; --upstream still wins */
	{
		const char *f = tmp_file(
		    "{\"upstreams\": {\"\": {\"url\":"
		    " \"https://r.example/dir\", \"agree_tos\": true}}}");

		CHECK(load(&c, err, sizeof(err), "--config", f, (char *)NULL) ==
		    0);
		CHECK_STR(c.ups[0].url, "https://r.example/dir");
		CHECK(c.nups == 1 && c.ups[0].agree_tos == 1);
		config_free(&c);
		CHECK(load(&c, err, sizeof(err), "--config", f, "--upstream",
			  "https://flag.example/dir", (char *)NULL) == 0);
		CHECK_STR(c.ups[0].url, "https://flag.example/dir");
		config_free(&c);
	}
	/* refusals name the key and the cause */
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"upstream\": \"https://a.example/d\","
		  " \"upstreams\": {\"\": {\"url\": "
		  "\"https://b.example/d\"}}}") == -1);
	CHECK(HAS(err, "upstreams") && HAS(err, "'upstream'") &&
	    HAS(err, "one or the other"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"upstreams\": {\"/a/b\": {\"url\": "
		  "\"https://b.example/d\"}}}") == -1);
	CHECK(HAS(err, "upstreams") && HAS(err, "one path segment"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"upstreams\": {\"staging\": {\"url\": "
		  "\"https://b.example/d\"}}}") == -1);
	CHECK(HAS(err, "upstreams") && HAS(err, "\"/name\""));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"upstreams\": {\"/acme\": {\"url\": "
		  "\"https://b.example/d\"}}}") == -1);
	CHECK(HAS(err, "v1 resource"));
	config_free(&c);
	CHECK(load_text(
		  &c, err, sizeof(err), "{\"upstreams\": {\"/s\": {}}}") == -1);
	CHECK(HAS(err, "\"/s\": 'url' is required"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"upstreams\": {\"/s\": {\"url\": \"https://b.example/d\", "
		  "\"colour\": 1}}}") == -1);
	CHECK(HAS(err, "unknown member 'colour'"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"upstreams\": {\"/s\": {\"url\": \"https://b.example/d\", "
		  "\"eab_kid\": \"k\"}}}") == -1);
	CHECK(HAS(err, "both eab_kid and eab_hmac_key"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err),
		  "{\"upstreams\": {\"/s\": {\"url\": "
		  "\"ftp://b.example/d\"}}}") == -1);
	CHECK(HAS(err, "'url'"));
	config_free(&c);
	CHECK(load_text(&c, err, sizeof(err), "{\"upstreams\": [1]}") == -1);
	CHECK(HAS(err, "upstreams"));
	config_free(&c);
}

static void
test_upstreams_max(void)
{
	char text[4096];
	struct config c;
	char err[512];
	size_t o, i;

	/* the root and 15 more fit; one more does not */
	for (int extra = 15; extra <= 16; extra++) {
		o = (size_t)snprintf(text, sizeof(text), "{\"upstreams\": {");
		for (i = 0; i < (size_t)extra; i++)
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "%s\"/u%zu\": {\"url\": "
			    "\"https://u%zu.example/d\"}",
			    i ? ", " : "", i, i);
		snprintf(text + o, sizeof(text) - o, "}}");
		CHECK(load_text(&c, err, sizeof(err), text) ==
		    (extra == 15 ? 0 : -1));
		if (extra == 15)
			CHECK(c.nups == CONFIG_UPSTREAMS_MAX);
		else
			CHECK(HAS(err, "at most 16 upstreams"));
		config_free(&c);
	}
}

int
main(void)
{
	test_defaults();
	test_valid_file();
	test_flags_override();
	test_flag_equals();
	test_unknown_key();
	test_wrong_type();
	test_enums();
	test_bad_json();
	test_addresses();
	test_numbers();
	test_conn_keys();
	test_strings();
	test_flags();
	test_missing_file();
	test_help_version();
	test_shipped_files();
	test_help_and_docs_complete();
	test_log_escape();
	test_log_msg();
	test_policy_accounts();
	test_proof_networks();
	test_rate_limits();
	test_eab();
	test_upstreams();
	test_upstreams_max();
	cleanup();
	return T_DONE();
}
