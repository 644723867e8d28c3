/* fuzz_dns.c: a DNS answer through dns_parse (client-proof lookups read
 * whatever comes back to the query's port), and resolv.conf text through
 * dns_resolv_conf_first. The first byte picks the question (type and name)
 * or resolv.conf; the answer's own id is taken as the query's, so the
 * fuzzer gets past the id check (an off-path forger's one obstacle). */
#include "dns.h"
#include "fuzz.h"

static void
check_answer(int sel, const uint8_t *msg, size_t len)
{
	static const int type[] = { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_TXT };
	static const char *const name[] = { "example.com",
		"_acme-challenge.Example.COM", "a.b.c.d.e.f.g.h.example.org." };
	static struct dns_result res; /* 8 KB */
	char err[128];
	uint16_t id = len >= 2 ? (uint16_t)(msg[0] << 8 | msg[1]) : 0;
	size_t i;
	int rc;

	memset(&res, 0, sizeof(res));
	err[0] = '\0';
	rc = dns_parse(msg, len, id, name[(sel / 3) % 3], type[sel % 3], &res,
	    err, sizeof(err));
	FUZZ_ASSERT(
	    rc == DNS_OK || rc == DNS_EMALFORMED || rc == DNS_EMISMATCH);
	if (rc != DNS_OK)
		return;
	FUZZ_ASSERT(res.n <= DNS_ANSWERS_MAX);
	for (i = 0; i < res.n; i++) {
		FUZZ_ASSERT(res.ans[i].type == type[sel % 3]);
		if (res.ans[i].type == DNS_TYPE_TXT)
			FUZZ_ASSERT(res.ans[i].len <= DNS_TXT_MAX &&
			    strlen(res.ans[i].txt) <= res.ans[i].len);
		else
			FUZZ_ASSERT(
			    res.ans[i].len == 4 || res.ans[i].len == 16);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[64], *text;

	if (size < 1)
		return 0;
	if (data[0] < 9) {
		check_answer(data[0], data + 1, size - 1);
		return 0;
	}
	if ((text = fuzz_text(data + 1, size - 1)) == NULL)
		return 0;
	if (dns_resolv_conf_first(text, host, sizeof(host)) == 0)
		FUZZ_ASSERT(strlen(host) < sizeof(host));
	free(text);
	return 0;
}
