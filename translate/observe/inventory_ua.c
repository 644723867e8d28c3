/* inventory_ua.c: User-Agent parsing for the client inventory
 * (inventory.h): inventory_ua_parse, which names the v1 client family and
 * version of a User-Agent, and inventory_client_identify, which also
 * recognises acme-client 1.0.0 by its missing User-Agent. Pure (libc). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "inventory.h"

#define UA_TOKENS 16

struct ua_tok {
	const char *name, *ver;
	size_t nlen, vlen;
};

enum ua_kind { UA_APP, UA_LIB };

/* Known User-Agent product names: v1 clients (APP) and the libraries
 * they or others are built on (LIB); family NULL = the name itself. */
static const struct {
	const char *name, *family;
	enum ua_kind kind;
} ua_known[] = {
	{ "dehydrated", "dehydrated", UA_APP },
	{ "CertbotACMEClient", "certbot", UA_APP },
	{ "LetsEncryptPythonClient", "certbot", UA_APP },
	{ "acme.sh", "acme.sh", UA_APP },
	{ "lego", "lego", UA_APP },
	{ "lego-cli", "lego", UA_APP },
	{ "acme-client", "acme-client", UA_APP },
	{ "node-acme-client", "acme-client", UA_APP },
	{ "xenolf-acme", "lego", UA_LIB },
	{ "acme-python", "acme-python", UA_LIB },
	{ "curl", NULL, UA_LIB },
	{ "libcurl", NULL, UA_LIB },
	{ "Go-http-client", NULL, UA_LIB },
	{ "python-requests", NULL, UA_LIB },
	{ "Python-urllib", NULL, UA_LIB },
	{ "urllib3", NULL, UA_LIB },
	{ "Python", NULL, UA_LIB },
	{ "Py", NULL, UA_LIB },
	{ "Wget", NULL, UA_LIB },
	{ "okhttp", NULL, UA_LIB },
	{ "Java", NULL, UA_LIB },
	{ "Apache-HttpClient", NULL, UA_LIB },
	{ "node-fetch", NULL, UA_LIB },
	{ "axios", NULL, UA_LIB },
	{ "libwww-perl", NULL, UA_LIB },
};

/* RFC 9110 token characters. */
static int
tok_char(int c)
{
	return isalnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
ver_char(int c)
{
	return isalnum(c) || (c != '\0' && strchr(".-_+~", c) != NULL);
}

/* Split ua into product tokens "name[/version]", skipping (comments);
 * returns how many (at most max). A version keeps its leading digits
 * form: "v1.2" -> "1.2"; one that does not start with a digit is empty. */
static size_t
ua_tokens(const char *ua, struct ua_tok *t, size_t max)
{
	const char *p = ua;
	size_t n = 0;
	int depth;

	while (*p != '\0' && n < max) {
		if (*p == '(') {
			for (depth = 0; *p != '\0'; p++) {
				if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0) {
					p++;
					break;
				}
			}
			continue;
		}
		if (!tok_char((unsigned char)*p)) {
			p++;
			continue;
		}
		memset(&t[n], 0, sizeof(t[n]));
		t[n].name = p;
		while (tok_char((unsigned char)*p))
			p++;
		t[n].nlen = (size_t)(p - t[n].name);
		if (*p == '/') {
			p++;
			if ((*p == 'v' || *p == 'V') &&
			    isdigit((unsigned char)p[1]))
				p++;
			t[n].ver = p;
			while (ver_char((unsigned char)*p))
				p++;
			t[n].vlen = (size_t)(p - t[n].ver);
			if (t[n].vlen == 0 ||
			    !isdigit((unsigned char)t[n].ver[0]))
				t[n].vlen = 0;
			while (*p != '\0' && *p != ' ' && *p != '(')
				p++; /* the rest of an odd version */
		}
		n++;
	}
	return n;
}

/* Index of t's name in ua_known, or -1. */
static int
ua_lookup(const struct ua_tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(ua_known) / sizeof(ua_known[0]); i++)
		if (strlen(ua_known[i].name) == t->nlen &&
		    strncasecmp(ua_known[i].name, t->name, t->nlen) == 0)
			return (int)i;
	return -1;
}

static void
ua_set(struct ua_info *out, const char *family, size_t flen,
    const struct ua_tok *t)
{
	if (flen >= sizeof(out->family))
		flen = sizeof(out->family) - 1;
	memcpy(out->family, family, flen);
	out->family[flen] = '\0';
	snprintf(out->version, sizeof(out->version), "%.*s",
	    (int)(t->vlen < sizeof(out->version) ? t->vlen
						 : sizeof(out->version) - 1),
	    t->ver ? t->ver : "");
}

/* The first token of kind whose family is known (named) or, for
 * known == 0, the first unknown token with a version. 1 when set. */
static int
ua_pick(const struct ua_tok *t, size_t n, int known, enum ua_kind kind,
    struct ua_info *out)
{
	const char *fam;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		k = ua_lookup(&t[i]);
		if (known) {
			if (k < 0 || ua_known[k].kind != kind ||
			    (fam = ua_known[k].family) == NULL)
				continue;
			ua_set(out, fam, strlen(fam), &t[i]);
			return 1;
		}
		if ((kind == UA_APP ? k >= 0
				    : k < 0 || ua_known[k].kind != UA_LIB) ||
		    t[i].vlen == 0)
			continue;
		ua_set(out, t[i].name, t[i].nlen, &t[i]);
		return 1;
	}
	return 0;
}

void
inventory_ua_parse(const char *ua, struct ua_info *out)
{
	struct ua_tok t[UA_TOKENS];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (ua == NULL)
		return;
	n = ua_tokens(ua, t, UA_TOKENS);
	/* a known v1 client anywhere, then the first unknown product with
	 * a version (an application), then a known ACME library, then any
	 * product with a version (curl/7.88.1, Go-http-client/1.1) */
	if (ua_pick(t, n, 1, UA_APP, out) || ua_pick(t, n, 0, UA_APP, out) ||
	    ua_pick(t, n, 1, UA_LIB, out) || ua_pick(t, n, 0, UA_LIB, out))
		return;
	memset(out, 0, sizeof(*out));
}

void
inventory_client_identify(
    const char *ua, const char *content_type, struct ua_info *out)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	inventory_ua_parse(ua, out);
	if (out->family[0] != '\0' || (ua != NULL && ua[0] != '\0') ||
	    content_type == NULL || strncasecmp(content_type, json, n) != 0 ||
	    (content_type[n] != '\0' && content_type[n] != ';' &&
		content_type[n] != ' '))
		return;
	snprintf(out->family, sizeof(out->family), "acme-client");
	snprintf(out->version, sizeof(out->version), "1.0.0");
}
