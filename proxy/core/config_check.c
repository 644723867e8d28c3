/* config_check.c: the checks of config.c's key table (config_check.h):
 * listen addresses, URLs, paths that must be readable or executable, and
 * the closed sets (log level, authz mode). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "b64url.h"
#include "config_check.h"

#define CONFIG_BASE_URL_MAX 255

/* ---- addresses ---- */

static int
parse_port(const char *s, int *port)
{
	long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return -1;
	v = strtol(s, NULL, 10);
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* Split s at the port colon into host (brackets removed) and port text. */
static int
split_addr(const char *s, char *host, size_t hostlen, const char **portp,
    char *why, size_t whylen)
{
	const char *colon, *hs = s, *he;

	if (s[0] == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':') {
			snprintf(why, whylen, "expected [IPV6]:PORT");
			return -1;
		}
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			snprintf(why, whylen, "expected HOST:PORT");
			return -1;
		}
		he = colon;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			snprintf(why, whylen,
			    "put an IPv6 address in brackets, like [::1]:80");
			return -1;
		}
	}
	if ((size_t)(he - hs) >= hostlen) {
		snprintf(why, whylen, "host too long");
		return -1;
	}
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	*portp = colon + 1;
	return 0;
}

/* "localhost" becomes 127.0.0.1 so listeners need no resolver. */
int
config_addr_parse(const char *s, char *host, size_t hostlen, int *port,
    char *why, size_t whylen)
{
	char h[64];
	const char *ptxt = NULL;
	unsigned char bin[16];
	int af = s[0] == '[' ? AF_INET6 : AF_INET;

	if (split_addr(s, h, sizeof(h), &ptxt, why, whylen) != 0)
		return -1;
	if (af == AF_INET && strcmp(h, "localhost") == 0)
		snprintf(h, sizeof(h), "127.0.0.1");
	if (inet_pton(af, h, bin) != 1) {
		snprintf(why, whylen,
		    af == AF_INET6 ? "bad IPv6 address"
				   : "host must be an IPv4 or [IPv6] literal "
				     "or localhost");
		return -1;
	}
	if (parse_port(ptxt, port) != 0) {
		snprintf(why, whylen, "port must be 1..65535");
		return -1;
	}
	if (strlen(h) >= hostlen) {
		snprintf(why, whylen, "host too long");
		return -1;
	}
	memcpy(host, h, strlen(h) + 1);
	return 0;
}

int
config_parse_addr(const char *s, char *host, size_t hostlen, int *port)
{
	char why[128];

	return config_addr_parse(s, host, hostlen, port, why, sizeof(why));
}

/* ---- string checks (they may normalise v in place) ---- */

static int
has_ctl_or_space(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v >= 0x7f)
			return 1;
	return 0;
}

int
config_check_url(char *v, char *why, size_t whylen)
{
	size_t skip;

	if (strncmp(v, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(v, "http://", 7) == 0)
		skip = 7;
	else {
		snprintf(why, whylen, "must start with https:// or http://");
		return -1;
	}
	if (v[skip] == '\0' || v[skip] == '/') {
		snprintf(why, whylen, "URL has no host");
		return -1;
	}
	if (has_ctl_or_space(v)) {
		snprintf(why, whylen,
		    "URL must not contain spaces, control or non-ASCII "
		    "characters");
		return -1;
	}
	return 0;
}

/* "" = derive from the Host header; otherwise a URL without trailing '/'. */
int
config_check_base_url(char *v, char *why, size_t whylen)
{
	size_t n;

	if (v[0] == '\0')
		return 0;
	if (config_check_url(v, why, whylen) != 0)
		return -1;
	if (strlen(v) > CONFIG_BASE_URL_MAX) { /* v1 URLs are built on it */
		snprintf(why, whylen, "too long (at most %d bytes)",
		    CONFIG_BASE_URL_MAX);
		return -1;
	}
	if (strchr(v, '?') != NULL || strchr(v, '#') != NULL) {
		snprintf(why, whylen, "must not have a query or fragment");
		return -1;
	}
	n = strlen(v);
	while (n > 0 && v[n - 1] == '/')
		v[--n] = '\0';
	return 0;
}

int
config_check_nonempty(char *v, char *why, size_t whylen)
{
	if (v[0] != '\0')
		return 0;
	snprintf(why, whylen, "must not be empty");
	return -1;
}

int
config_check_b64url(char *v, char *why, size_t whylen)
{
	size_t n = strlen(v), len;
	unsigned char *b;

	while (n > 0 && v[n - 1] == '=')
		v[--n] = '\0';
	if (n == 0)
		return 0;
	if ((b = b64url_decode(v, n, &len)) == NULL) {
		snprintf(why, whylen,
		    "must be base64url (A-Z a-z 0-9 - _), as the CA gave it");
		return -1;
	}
	OPENSSL_cleanse(b, len);
	free(b);
	return 0;
}

int
config_check_readable(char *v, char *why, size_t whylen)
{
	struct stat st;
	int fd;

	if (v[0] == '\0')
		return 0;
	fd = open(v, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(
		    why, whylen, "cannot read '%s': %s", v, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "'%s' is not a regular file", v);
		return -1;
	}
	close(fd);
	return 0;
}

/* A hook is run directly (no shell): it must be an executable file. */
int
config_check_executable(char *v, char *why, size_t whylen)
{
	struct stat st;

	if (v[0] == '\0')
		return 0;
	if (v[0] != '/') {
		snprintf(why, whylen, "must be an absolute path");
		return -1;
	}
	if (stat(v, &st) != 0 || !S_ISREG(st.st_mode) || access(v, X_OK) != 0) {
		snprintf(why, whylen, "%s is not an executable file", v);
		return -1;
	}
	return 0;
}
