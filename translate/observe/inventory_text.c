/* inventory_text.c: the pure side of the client inventory: text as it is
 * kept (bounded, valid UTF-8, no control characters, no nonce-like values)
 * and what counts as a failure. The store side is proxy/store/store_inventory.c. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory.h"

#define DETAIL_MAX 256

/* Length of the valid UTF-8 sequence at p (2-4 bytes; C1 controls,
 * overlong forms, surrogates and beyond U+10FFFF refused), or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xc2 && p[1] < 0xa0) ||  /* C1 controls */
	    (p[0] == 0xe0 && p[1] < 0xa0) ||  /* overlong */
	    (p[0] == 0xed && p[1] >= 0xa0) || /* surrogates */
	    (p[0] == 0xf0 && p[1] < 0x90) ||  /* overlong */
	    (p[0] == 0xf4 && p[1] >= 0x90))   /* > U+10FFFF */
		return 0;
	return n;
}

/* src (NULL = "") into dst of size n, cut on a character boundary, as
 * valid UTF-8 without control characters: each control character, DEL
 * and invalid byte becomes '?'. Safe for a terminal, JSON, CSV and HTML
 * (once escaped). */
void
inventory_clean(char *dst, size_t n, const char *src)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	size_t len = 0, k;

	while (*p != '\0' && len + 1 < n) {
		if (*p < 0x80) {
			dst[len++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
			p++;
		} else if ((k = utf8_len(p)) == 0) {
			dst[len++] = '?';
			p++;
		} else {
			if (len + k + 1 > n)
				break;
			memcpy(dst + len, p, k);
			len += k;
			p += k;
		}
	}
	dst[len] = '\0';
}

static int
b64u_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* An error detail as kept: cleaned, and no value a client or the CA put
 * in it that could be a nonce or a signature: whatever follows the word
 * "nonce" and any run of 32 or more base64url characters mixing upper
 * and lower case are replaced by "[value not shown]". */
void
inventory_clean_detail(char *dst, size_t n, const char *src)
{
	static const char hidden[] = "[value not shown]";
	char tmp[DETAIL_MAX];
	const char *p, *q;
	size_t len = 0, run, i;
	int up, low;

	inventory_clean(tmp, sizeof(tmp), src);
	if ((p = strcasestr(tmp, "nonce")) != NULL) {
		for (q = p + 5; *q != '\0' && !isalnum((unsigned char)*q); q++)
			;
		if (*q != '\0' &&
		    (size_t)(p + 5 - tmp) + sizeof(hidden) + 1 < sizeof(tmp))
			snprintf(tmp + (p + 5 - tmp),
			    sizeof(tmp) - (size_t)(p + 5 - tmp), " %s", hidden);
	}
	for (p = tmp; *p != '\0' && len + 1 < n;) {
		for (run = 0, up = low = 0; b64u_char((unsigned char)p[run]);
		     run++) {
			up |= isupper((unsigned char)p[run]) != 0;
			low |= islower((unsigned char)p[run]) != 0;
		}
		if (run >= 32 && up && low) {
			for (i = 0; hidden[i] != '\0' && len + 1 < n; i++)
				dst[len++] = hidden[i];
			p += run;
		} else if (run > 0) {
			for (i = 0; i < run && len + 1 < n; i++)
				dst[len++] = p[i];
			p += run;
		} else
			dst[len++] = *p++;
	}
	dst[len] = '\0';
}

int
inventory_nonce_only(const char *method, int status)
{
	return status == 405 && method != NULL &&
	    (strcmp(method, "HEAD") == 0 || strcmp(method, "GET") == 0);
}

int
inventory_failed(const char *resource, const char *method, int status)
{
	return status >= 400 && !inventory_nonce_only(method, status) &&
	    !(status == 409 && resource != NULL &&
		strcmp(resource, "new-reg") == 0);
}

int
inventory_kept(const struct inventory_seen *v)
{
	return v->account_id != 0 ||
	    (inventory_failed(v->resource, v->method, v->status) &&
		v->resource != NULL && v->resource[0] != '\0');
}

const char *
inventory_upstream_name(const char *prefix)
{
	return prefix == NULL || prefix[0] == '\0' ? "/" : prefix;
}
