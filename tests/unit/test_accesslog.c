/* test_accesslog.c: the access log's JSON line. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "accesslog.h"
#include "t.h"

static json_t *
parse_line(const char *line, size_t len)
{
	json_error_t err;

	/* exactly one line: the newline is the last byte and the only one */
	if (len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		return NULL;
	return json_loadb(line, len - 1, 0, &err);
}

static void
test_time(void)
{
	char buf[40];

	CHECK(accesslog_time(1764000000123LL, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "2025-11-24T16:00:00.123Z");
	CHECK(accesslog_time(5, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "1970-01-01T00:00:00.005Z");
	CHECK(accesslog_time(0, buf, 10) == -1);
	CHECK(accesslog_time(-1, buf, sizeof(buf)) == -1);
}

static void
test_clean(void)
{
	char out[16];

	accesslog_clean("a\"b\\c", 100, out, sizeof(out));
	CHECK_STR(out, "a\"b\\c");
	accesslog_clean("x\n\xff", 100, out, sizeof(out));
	CHECK_STR(out, "x\\x0a\\xff");
	accesslog_clean("abcdef", 3, out, sizeof(out));
	CHECK_STR(out, "abc");
	/* never cuts an escape in half */
	accesslog_clean("abcdefghijk\x01", 100, out, 14);
	CHECK_STR(out, "abcdefghijk");
	accesslog_clean(NULL, 10, out, sizeof(out));
	CHECK_STR(out, "");
}

static void
test_full_line(void)
{
	struct accesslog_upcall up[3] = {
		{ "POST", "newOrder", 201, "", 0.0123456 },
		{ "POST", "finalize", 200, NULL, 0.5 },
		{ "POST", "certificate", 403, "unauthorized", 1.25 },
	};
	struct accesslog_entry e;
	json_t *j, *u;
	char *line;
	size_t len = 0;

	memset(&e, 0, sizeof(e));
	e.time_ms = 1764000000123LL;
	e.request_id = 42;
	e.client = "127.0.0.1";
	e.user_agent = "dehydrated/0.7.0 curl/7.88.1";
	e.account_id = 7;
	e.resource = "new-cert";
	e.upstream = "/staging";
	e.method = "POST";
	e.url = "/acme/new-cert?secret=1";
	e.names = "a.example,b.example";
	e.status = 201;
	e.error_type = NULL;
	e.latency_ms = 210.4444;
	e.up = up;
	e.nup = 3;
	e.dropped = 2;
	line = accesslog_line(&e, &len);
	CHECK(line != NULL);
	CHECK(len == strlen(line));
	j = line ? parse_line(line, len) : NULL;
	CHECK(j != NULL);
	if (j == NULL) {
		free(line);
		return;
	}
	/* field order as documented */
	CHECK(strncmp(line, "{\"time\":\"2025-11-24T16:00:00.123Z\","
	    "\"request_id\":42,\"client\":\"127.0.0.1\",", 72) == 0);
	CHECK_STR(json_string_value(json_object_get(j, "user_agent")),
	    "dehydrated/0.7.0 curl/7.88.1");
	CHECK(json_integer_value(json_object_get(j, "account_id")) == 7);
	CHECK_STR(json_string_value(json_object_get(j, "resource")), "new-cert");
	CHECK_STR(json_string_value(json_object_get(j, "upstream_name")),
	    "/staging");
	CHECK_STR(json_string_value(json_object_get(j, "method")), "POST");
	CHECK_STR(json_string_value(json_object_get(j, "path")), "/acme/new-cert");
	CHECK(json_array_size(json_object_get(j, "names")) == 2);
	CHECK_STR(json_string_value(json_array_get(json_object_get(j, "names"),
	    1)), "b.example");
	CHECK(json_integer_value(json_object_get(j, "status")) == 201);
	CHECK(json_is_null(json_object_get(j, "error_type")));
	CHECK(json_real_value(json_object_get(j, "latency_ms")) == 210.444);
	CHECK(json_array_size(json_object_get(j, "upstream")) == 3);
	u = json_array_get(json_object_get(j, "upstream"), 0);
	CHECK_STR(json_string_value(json_object_get(u, "method")), "POST");
	CHECK_STR(json_string_value(json_object_get(u, "resource")), "newOrder");
	CHECK(json_integer_value(json_object_get(u, "status")) == 201);
	CHECK(json_is_null(json_object_get(u, "problem")));
	CHECK(json_real_value(json_object_get(u, "latency_ms")) == 12.346);
	u = json_array_get(json_object_get(j, "upstream"), 2);
	CHECK_STR(json_string_value(json_object_get(u, "problem")), "unauthorized");
	CHECK(json_integer_value(json_object_get(j, "upstream_dropped")) == 2);
	CHECK(strstr(line, "secret") == NULL);
	json_decref(j);
	free(line);
}

static void
test_minimal_and_hostile(void)
{
	struct accesslog_entry e;
	char ua[1000], url[3000];
	json_t *j;
	char *line;
	size_t len = 0;

	memset(ua, 'u', sizeof(ua) - 1);
	ua[sizeof(ua) - 1] = '\0';
	ua[3] = '\n';
	ua[4] = '\x80';			/* not UTF-8 */
	memset(url, 'p', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	url[0] = '/';
	memset(&e, 0, sizeof(e));
	e.time_ms = 1000;
	e.client = "::1";
	e.user_agent = ua;
	e.resource = "";
	e.method = "GET";
	e.url = url;
	e.names = ",,";
	e.status = 404;
	e.error_type = "malformed";
	e.latency_ms = -3;
	line = accesslog_line(&e, &len);
	CHECK(line != NULL);
	j = line ? parse_line(line, len) : NULL;
	CHECK(j != NULL);
	if (j == NULL) {
		free(line);
		return;
	}
	CHECK(json_is_null(json_object_get(j, "account_id")));
	CHECK(json_is_null(json_object_get(j, "resource")));
	CHECK(json_is_null(json_object_get(j, "upstream_name")));
	CHECK_STR(json_string_value(json_object_get(j, "error_type")), "malformed");
	CHECK(json_array_size(json_object_get(j, "names")) == 0);
	CHECK(json_array_size(json_object_get(j, "upstream")) == 0);
	CHECK(json_object_get(j, "upstream_dropped") == NULL);
	/* User-Agent: 256 bytes kept, control and non-ASCII bytes escaped */
	CHECK(strncmp(json_string_value(json_object_get(j, "user_agent")),
	    "uuu\\x0a\\x80uu", 12) == 0);
	CHECK(json_string_length(json_object_get(j, "user_agent")) == 256 + 6);
	CHECK(json_string_length(json_object_get(j, "path")) ==
	    ACCESSLOG_PATH_MAX);
	CHECK(json_real_value(json_object_get(j, "latency_ms")) == 0);
	json_decref(j);
	free(line);
}

/* Issue 10 item 4: the line is written without jansson; quotes and
 * backslashes are escaped, an integral latency is still a real, and an
 * appended line goes after what the buffer holds. */
static void
test_escapes_append(void)
{
	struct accesslog_entry e;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	json_t *j;

	memset(&e, 0, sizeof(e));
	e.time_ms = 0;
	e.client = "::1";
	e.user_agent = "a \"quoted\" \\ agent";
	e.method = "GET";
	e.resource = "directory";
	e.url = "/directory";
	e.names = "";
	e.status = 200;
	e.latency_ms = 2;
	CHECK(accesslog_append(&e, &buf, &len, &cap) == 0);
	CHECK(buf != NULL && len == strlen(buf) && buf[len - 1] == '\n');
	CHECK(accesslog_append(&e, &buf, &len, &cap) == 0);
	CHECK(buf != NULL && strchr(buf, '\n') == buf + len / 2 - 1);
	j = buf ? json_loadb(buf, len / 2, 0, NULL) : NULL;
	CHECK(j != NULL);
	if (j != NULL) {
		CHECK_STR(json_string_value(json_object_get(j, "user_agent")),
		    "a \"quoted\" \\ agent");
		CHECK(json_is_real(json_object_get(j, "latency_ms")));
		CHECK(json_real_value(json_object_get(j, "latency_ms")) == 2);
		CHECK(json_is_null(json_object_get(j, "account_id")));
	}
	CHECK(buf && strstr(buf, "\"latency_ms\":2.0,") != NULL);
	json_decref(j);
	free(buf);
}

int
main(void)
{
	test_escapes_append();
	test_time();
	test_clean();
	test_full_line();
	test_minimal_and_hostile();
	return T_DONE();
}
