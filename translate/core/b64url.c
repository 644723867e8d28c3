/* b64url.c: strict base64url without padding (RFC 7515 section 2). */
#include <stdint.h>
#include <stdlib.h>

#include "b64url.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
b64url_encode(const unsigned char *in, size_t len)
{
	char *out = NULL;
	size_t olen, i, o = 0;
	uint32_t v;

	if (in == NULL && len > 0)
		return NULL;
	if (len > (SIZE_MAX - 4) / 4 * 3)
		return NULL;
	olen = (len / 3) * 4 + ((len % 3) ? (len % 3) + 1 : 0);
	if ((out = malloc(olen + 1)) == NULL)
		return NULL;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
	}
	out[o] = '\0';
	return out;
}

static int
b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

unsigned char *
b64url_decode(const char *in, size_t inlen, size_t *outlen)
{
	unsigned char *out = NULL;
	size_t olen, i, o = 0, rem;
	uint32_t v = 0;
	int d, bits = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (in == NULL && inlen > 0)
		return NULL;
	rem = inlen % 4;
	if (rem == 1)
		return NULL;
	olen = (inlen / 4) * 3 + (rem ? rem - 1 : 0);
	if ((out = malloc(olen + 1)) == NULL)
		return NULL;
	for (i = 0; i < inlen; i++) {
		if ((d = b64url_val(in[i])) < 0)
			goto fail;
		v = (v << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)((v >> bits) & 0xff);
		}
	}
	/* Unused trailing bits must be zero. */
	if (bits > 0 && (v & ((1u << bits) - 1)) != 0)
		goto fail;
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
fail:
	free(out);
	return NULL;
}
