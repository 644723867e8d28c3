/* test_b64url.c: strict base64url. */
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "t.h"

static void
enc(const char *in, size_t len, const char *want)
{
	char *s = b64url_encode((const unsigned char *)in, len);

	CHECK_STR(s, want);
	free(s);
}

static void
dec_ok(const char *in, const char *want, size_t wantlen)
{
	size_t len = 12345;
	unsigned char *b = b64url_decode(in, strlen(in), &len);

	CHECK(b != NULL);
	CHECK(len == wantlen);
	CHECK(b != NULL && memcmp(b, want, wantlen) == 0);
	CHECK(b != NULL && b[len] == '\0');
	free(b);
}

static void
dec_bad(const char *in)
{
	size_t len = 0;
	unsigned char *b = b64url_decode(in, strlen(in), &len);

	CHECK(b == NULL);
	if (b != NULL)
		fprintf(stderr, "  accepted \"%s\"\n", in);
	free(b);
}

int
main(void)
{
	static const char *vec[][2] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
	};
	const unsigned char hi[] = { 0xfb, 0xff, 0xbf };
	unsigned char all[256], *rt;
	char *s;
	size_t i, len = 0;

	/* RFC 4648 section 10 vectors, without padding */
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		enc(vec[i][0], strlen(vec[i][0]), vec[i][1]);
		dec_ok(vec[i][1], vec[i][0], strlen(vec[i][0]));
	}
	/* url alphabet: '-' and '_' instead of '+' and '/' */
	enc((const char *)hi, 2, "-_8");
	enc((const char *)hi, 3, "-_-_");
	dec_ok("-_-_", (const char *)hi, 3);
	dec_ok("-_8", (const char *)hi, 2);

	/* round trip of every byte value */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	s = b64url_encode(all, sizeof(all));
	CHECK(s != NULL && strlen(s) == 342);
	rt = s ? b64url_decode(s, strlen(s), &len) : NULL;
	CHECK(rt != NULL && len == sizeof(all) && memcmp(rt, all, len) == 0);
	free(rt);
	free(s);

	/* decoding respects inlen, not the NUL */
	rt = b64url_decode("Zm9vYmFy", 4, &len);
	CHECK(rt != NULL && len == 3 && memcmp(rt, "foo", 3) == 0);
	free(rt);

	/* strictness */
	dec_bad("Zg==");	/* padding */
	dec_bad("Zm8=");
	dec_bad("Zm9v=");
	dec_bad("+_8");		/* standard alphabet */
	dec_bad("-/8");
	dec_bad("Zm9 v");	/* whitespace */
	dec_bad("Zm9v\n");
	dec_bad(" Zm9v");
	dec_bad("Zm9v\t");
	dec_bad("Z");		/* len % 4 == 1 */
	dec_bad("Zm9vY");
	dec_bad("Zh");		/* non-zero trailing bits ("Zg" is right) */
	dec_bad("Zm9");		/* "Zm8" is right */
	dec_bad("-_9");		/* "-_8" is right */
	dec_bad("Zm.v");
	rt = b64url_decode("Zm\0v", 4, &len);	/* embedded NUL */
	CHECK(rt == NULL);
	free(rt);

	/* empty input decodes to an empty buffer */
	rt = b64url_decode("", 0, &len);
	CHECK(rt != NULL && len == 0 && rt[0] == '\0');
	free(rt);
	return T_DONE();
}
