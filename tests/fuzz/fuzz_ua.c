/* fuzz_ua.c: the User-Agent and Content-Type headers through the client
 * inventory (inventory_client_identify) and the text cleaning applied to
 * what the inventory and the migration page keep. Input: User-Agent, an
 * optional NUL, then Content-Type. */
#include "fuzz.h"
#include "inventory.h"

static int
utf8_clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *ua = fuzz_text(data, size), *ct;
	struct ua_info info;
	char out[256];

	if (ua == NULL)
		return 0;
	/* the server cuts a header to 255 bytes and at a NUL */
	ct = strlen(ua) < size ? ua + strlen(ua) + 1 : NULL;
	memset(&info, 0, sizeof(info));
	inventory_client_identify(ua, ct, &info);
	FUZZ_ASSERT(strlen(info.family) < sizeof(info.family));
	FUZZ_ASSERT(strlen(info.version) < sizeof(info.version));
	inventory_ua_parse(ua, &info);
	inventory_clean(out, sizeof(out), ua);
	FUZZ_ASSERT(strlen(out) < sizeof(out) && utf8_clean(out));
	inventory_clean_detail(out, sizeof(out), ua);
	FUZZ_ASSERT(strlen(out) < sizeof(out) && utf8_clean(out));
	inventory_clean(out, 1, ua);
	FUZZ_ASSERT(out[0] == '\0');
	free(ua);
	return 0;
}
