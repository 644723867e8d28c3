/* test_dns.c: DNS query building and answer parsing (translate/dns/dns.c) with
 * hand-made packets: compression, CNAME chains, TXT, NXDOMAIN, truncated
 * and malicious answers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "t.h"

/* ---- a tiny packet writer for hand-made answers ---- */

struct pkt {
	unsigned char b[DNS_UDP_MAX];
	size_t n;
};

static void
p8(struct pkt *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)v;
}

static void
p16(struct pkt *p, unsigned v)
{
	p8(p, v >> 8);
	p8(p, v & 0xFF);
}

static void
p32(struct pkt *p, unsigned long v)
{
	p16(p, (unsigned)(v >> 16));
	p16(p, (unsigned)(v & 0xFFFF));
}

static void
pbytes(struct pkt *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

/* labels of a dotted name, no terminator */
static void
plabels(struct pkt *p, const char *name)
{
	const char *s = name, *dot;
	size_t l;

	while (*s) {
		dot = strchr(s, '.');
		l = dot ? (size_t)(dot - s) : strlen(s);

		p8(p, (unsigned)l);
		pbytes(p, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
}

static void
pname(struct pkt *p, const char *name)
{
	plabels(p, name);
	p8(p, 0);
}

static void
pptr(struct pkt *p, unsigned off)
{
	p16(p, 0xC000 | off);
}

static void
phdr(struct pkt *p, unsigned id, unsigned flags, unsigned qd, unsigned an)
{
	p->n = 0;
	p16(p, id);
	p16(p, flags);
	p16(p, qd);
	p16(p, an);
	p16(p, 0);
	p16(p, 0);
}

static void
pquestion(struct pkt *p, const char *name, unsigned type)
{
	pname(p, name);
	p16(p, type);
	p16(p, DNS_CLASS_IN);
}

/* type, class IN, ttl 300, rdlength */
static void
prr(struct pkt *p, unsigned type, unsigned rdlen)
{
	p16(p, type);
	p16(p, DNS_CLASS_IN);
	p32(p, 300);
	p16(p, rdlen);
}

#define QOFF 12	/* the question name starts right after the header */

static struct dns_result res;
static char err[128];

static int
parse(const struct pkt *p, unsigned id, const char *name, int type)
{
	memset(&res, 0xAB, sizeof(res));
	return dns_parse(p->b, p->n, (uint16_t)id, name, type, &res, err,
	    sizeof(err));
}

/* ---- tests ---- */

static void
test_name_ok(void)
{
	char long_label[80], long_name[300];
	size_t i;

	CHECK(dns_name_ok("example.com"));
	CHECK(dns_name_ok("example.com."));
	CHECK(dns_name_ok("_acme-challenge.a.example"));
	CHECK(!dns_name_ok(""));
	CHECK(!dns_name_ok("."));
	CHECK(!dns_name_ok("a..b"));
	CHECK(!dns_name_ok(".a"));
	CHECK(!dns_name_ok("a b.c"));
	CHECK(!dns_name_ok("a\x01.c"));
	CHECK(!dns_name_ok(NULL));
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	CHECK(!dns_name_ok(long_label));
	long_label[63] = '\0';
	CHECK(dns_name_ok(long_label));
	for (i = 0; i < 254; i++)
		long_name[i] = (i % 2) ? '.' : 'a';
	long_name[253] = '\0';		/* 127 labels "a", 253 bytes */
	CHECK(dns_name_ok(long_name));
	long_name[253] = 'a';
	long_name[254] = '\0';
	CHECK(!dns_name_ok(long_name));
}

static void
test_query_build(void)
{
	static const unsigned char want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 16, 0, 1,
		0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0,
	};
	unsigned char buf[DNS_QUERY_MAX];
	size_t len = 0;
	uint16_t a = 0, b = 0;

	CHECK(dns_query_build(0x1234, "example.com.", DNS_TYPE_TXT, buf,
	    sizeof(buf), &len) == 0);
	CHECK(len == sizeof(want));
	CHECK(len == sizeof(want) && memcmp(buf, want, len) == 0);
	CHECK(dns_query_build(1, "example.com", DNS_TYPE_A, buf, sizeof(buf),
	    &len) == 0);
	CHECK(buf[len - 13] == 0 && buf[len - 12] == 1);	/* qtype A */
	CHECK(dns_query_build(1, "a..com", DNS_TYPE_A, buf, sizeof(buf),
	    &len) == -1);
	CHECK(dns_query_build(1, "example.com", 99, buf, sizeof(buf),
	    &len) == -1);
	CHECK(dns_query_build(1, "example.com", DNS_TYPE_A, buf, 100,
	    &len) == -1);
	CHECK(dns_random_id(&a) == 0 && dns_random_id(&b) == 0);
}

/* An A answer whose owner is a pointer to the question name. */
static void
build_a(struct pkt *p, unsigned id)
{
	static const unsigned char ip[4] = { 127, 0, 0, 1 };

	phdr(p, id, 0x8180, 1, 1);
	pquestion(p, "host.example", DNS_TYPE_A);
	pptr(p, QOFF);
	prr(p, DNS_TYPE_A, 4);
	pbytes(p, ip, 4);
}

static void
test_a_compressed(void)
{
	struct pkt p;

	build_a(&p, 0xBEEF);
	CHECK(parse(&p, 0xBEEF, "host.example", DNS_TYPE_A) == DNS_OK);
	CHECK(res.rcode == 0 && res.n == 1);
	CHECK(res.ans[0].type == DNS_TYPE_A && res.ans[0].len == 4);
	CHECK(memcmp(res.ans[0].addr, "\x7f\0\0\x01", 4) == 0);
	/* case and final dot do not matter */
	CHECK(parse(&p, 0xBEEF, "HOST.Example.", DNS_TYPE_A) == DNS_OK &&
	    res.n == 1);
	/* another id, another name, another type, not a response */
	CHECK(parse(&p, 0xBEEE, "host.example", DNS_TYPE_A) == DNS_EMISMATCH);
	CHECK(parse(&p, 0xBEEF, "other.example", DNS_TYPE_A) == DNS_EMISMATCH);
	CHECK(parse(&p, 0xBEEF, "host.example", DNS_TYPE_TXT) == DNS_EMISMATCH);
	p.b[2] &= 0x7F;
	CHECK(parse(&p, 0xBEEF, "host.example", DNS_TYPE_A) == DNS_EMISMATCH);
}

static void
test_aaaa_and_others_ignored(void)
{
	static const unsigned char ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct pkt p;

	phdr(&p, 7, 0x8180, 1, 3);
	pquestion(&p, "v6.example", DNS_TYPE_AAAA);
	pptr(&p, QOFF);			/* an A record in an AAAA answer */
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\1\2\3\4", 4);
	pname(&p, "elsewhere.example");	/* someone else's AAAA */
	prr(&p, DNS_TYPE_AAAA, 16);
	pbytes(&p, ip6, 16);
	pptr(&p, QOFF);
	prr(&p, DNS_TYPE_AAAA, 16);
	pbytes(&p, ip6, 16);
	CHECK(parse(&p, 7, "v6.example", DNS_TYPE_AAAA) == DNS_OK);
	CHECK(res.n == 1 && res.ans[0].len == 16 &&
	    memcmp(res.ans[0].addr, ip6, 16) == 0);
}

static void
test_txt(void)
{
	struct pkt p;

	phdr(&p, 0x4242, 0x8180, 1, 2);
	pquestion(&p, "_acme-challenge.a.example", DNS_TYPE_TXT);
	/* record 1: two strings, concatenated */
	pptr(&p, QOFF);
	prr(&p, DNS_TYPE_TXT, 1 + 5 + 1 + 3);
	p8(&p, 5);
	pbytes(&p, "hello", 5);
	p8(&p, 3);
	pbytes(&p, "abc", 3);
	/* record 2: owner "_acme-challenge" label + pointer to "a.example" */
	p8(&p, 15);
	pbytes(&p, "_acme-challenge", 15);
	pptr(&p, QOFF + 16);
	prr(&p, DNS_TYPE_TXT, 1 + 4);
	p8(&p, 4);
	pbytes(&p, "w\0rl", 4);
	CHECK(parse(&p, 0x4242, "_acme-challenge.a.example", DNS_TYPE_TXT) ==
	    DNS_OK);
	CHECK(res.n == 2);
	CHECK_STR(res.ans[0].txt, "helloabc");
	CHECK(res.ans[0].len == 8 && !res.ans[0].truncated);
	CHECK(res.ans[1].len == 4 && memcmp(res.ans[1].txt, "w\0rl", 4) == 0);

	/* a string longer than its record */
	phdr(&p, 1, 0x8180, 1, 1);
	pquestion(&p, "t.example", DNS_TYPE_TXT);
	pptr(&p, QOFF);
	prr(&p, DNS_TYPE_TXT, 3);
	p8(&p, 9);
	pbytes(&p, "ab", 2);
	pbytes(&p, "xxxxxxxxxx", 10);	/* bytes after the record */
	CHECK(parse(&p, 1, "t.example", DNS_TYPE_TXT) == DNS_EMALFORMED);
}

static void
test_txt_long(void)
{
	struct pkt p;
	unsigned char s[255];
	int i;

	memset(s, 'x', sizeof(s));
	phdr(&p, 2, 0x8180, 1, 1);
	pquestion(&p, "t.example", DNS_TYPE_TXT);
	pptr(&p, QOFF);
	prr(&p, DNS_TYPE_TXT, 3 * 256);
	for (i = 0; i < 3; i++) {
		p8(&p, 255);
		pbytes(&p, s, 255);
	}
	CHECK(parse(&p, 2, "t.example", DNS_TYPE_TXT) == DNS_OK);
	CHECK(res.n == 1 && res.ans[0].len == DNS_TXT_MAX &&
	    res.ans[0].truncated && res.ans[0].txt[DNS_TXT_MAX] == '\0');
}

static void
test_cname_chain(void)
{
	struct pkt p;
	size_t target_off;

	phdr(&p, 3, 0x8180, 1, 3);
	pquestion(&p, "www.example", DNS_TYPE_A);
	pptr(&p, QOFF);			/* www.example CNAME web.example */
	prr(&p, DNS_TYPE_CNAME, 4 + 2);
	target_off = p.n;
	p8(&p, 3);
	pbytes(&p, "web", 3);
	pptr(&p, QOFF + 4);
	pptr(&p, (unsigned)target_off);	/* web.example CNAME cdn.net */
	prr(&p, DNS_TYPE_CNAME, 9);
	pname(&p, "cdn.net");
	pname(&p, "cdn.net");		/* cdn.net A 10.0.0.7 */
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\x0a\0\0\x07", 4);
	CHECK(parse(&p, 3, "www.example", DNS_TYPE_A) == DNS_OK);
	CHECK(res.n == 1 && memcmp(res.ans[0].addr, "\x0a\0\0\x07", 4) == 0);

	/* a CNAME whose target name runs past its record */
	phdr(&p, 3, 0x8180, 1, 1);
	pquestion(&p, "www.example", DNS_TYPE_A);
	pptr(&p, QOFF);
	prr(&p, DNS_TYPE_CNAME, 3);
	pname(&p, "cdn.net");
	CHECK(parse(&p, 3, "www.example", DNS_TYPE_A) == DNS_EMALFORMED);

	/* a CNAME loop ends; no address */
	phdr(&p, 4, 0x8180, 1, 2);
	pquestion(&p, "a.example", DNS_TYPE_A);
	pname(&p, "a.example");
	prr(&p, DNS_TYPE_CNAME, 11);
	pname(&p, "b.example");
	pname(&p, "b.example");
	prr(&p, DNS_TYPE_CNAME, 11);
	pname(&p, "a.example");
	CHECK(parse(&p, 4, "a.example", DNS_TYPE_A) == DNS_OK && res.n == 0);
}

static void
test_rcodes(void)
{
	struct pkt p;

	phdr(&p, 9, 0x8183, 1, 0);	/* NXDOMAIN */
	pquestion(&p, "nx.example", DNS_TYPE_A);
	CHECK(parse(&p, 9, "nx.example", DNS_TYPE_A) == DNS_OK);
	CHECK(res.rcode == DNS_RCODE_NXDOMAIN && res.n == 0);
	phdr(&p, 9, 0x8182, 0, 0);	/* SERVFAIL without a question */
	CHECK(parse(&p, 9, "nx.example", DNS_TYPE_A) == DNS_OK);
	CHECK(res.rcode == DNS_RCODE_SERVFAIL && res.n == 0);
	phdr(&p, 9, 0x8180, 0, 0);	/* NOERROR without a question */
	CHECK(parse(&p, 9, "nx.example", DNS_TYPE_A) == DNS_EMALFORMED);
	phdr(&p, 9, 0x8180, 1, 0);	/* NOERROR, no data */
	pquestion(&p, "nx.example", DNS_TYPE_A);
	CHECK(parse(&p, 9, "nx.example", DNS_TYPE_A) == DNS_OK);
	CHECK(res.rcode == 0 && res.n == 0);
	phdr(&p, 9, 0x8380, 1, 0);	/* TC */
	pquestion(&p, "nx.example", DNS_TYPE_A);
	CHECK(parse(&p, 9, "nx.example", DNS_TYPE_A) == DNS_EMALFORMED);
	CHECK(strstr(err, "TC") != NULL);
	phdr(&p, 9, 0x8980, 1, 0);	/* opcode 1 */
	pquestion(&p, "nx.example", DNS_TYPE_A);
	CHECK(parse(&p, 9, "nx.example", DNS_TYPE_A) == DNS_EMALFORMED);
	phdr(&p, 9, 0x8180, 2, 0);	/* two questions */
	pquestion(&p, "nx.example", DNS_TYPE_A);
	pquestion(&p, "nx.example", DNS_TYPE_A);
	CHECK(parse(&p, 9, "nx.example", DNS_TYPE_A) == DNS_EMALFORMED);
}

static void
test_truncated(void)
{
	struct pkt p, cut;
	size_t i;
	int bad = 0;

	build_a(&p, 5);
	for (i = 0; i < p.n; i++) {
		memcpy(cut.b, p.b, i);
		cut.n = i;
		if (parse(&cut, 5, "host.example", DNS_TYPE_A) == DNS_OK &&
		    res.n > 0)
			bad++;
	}
	CHECK(bad == 0);
	/* an answer count larger than what follows */
	p.b[7] = 2;
	CHECK(parse(&p, 5, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);
	/* rdlength past the end */
	build_a(&p, 5);
	p.b[p.n - 5] = 5;
	CHECK(parse(&p, 5, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);
	/* an A record of 5 bytes */
	build_a(&p, 5);
	p.b[p.n - 5] = 5;
	p8(&p, 0);
	CHECK(parse(&p, 5, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);
	/* a label running past the end */
	phdr(&p, 5, 0x8180, 1, 0);
	p8(&p, 40);
	pbytes(&p, "abc", 3);
	CHECK(parse(&p, 5, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);
}

static void
test_malicious_pointers(void)
{
	struct pkt p;
	size_t at;

	/* owner: a pointer to itself */
	phdr(&p, 6, 0x8180, 1, 1);
	pquestion(&p, "host.example", DNS_TYPE_A);
	at = p.n;
	pptr(&p, (unsigned)at);
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\1\2\3\4", 4);
	CHECK(parse(&p, 6, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);

	/* a forward pointer */
	phdr(&p, 6, 0x8180, 1, 1);
	pquestion(&p, "host.example", DNS_TYPE_A);
	pptr(&p, (unsigned)p.n + 2);
	pname(&p, "host.example");
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\1\2\3\4", 4);
	CHECK(parse(&p, 6, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);

	/* a loop: owner "y" then a pointer back to its own first label (a
	 * pointer below its own position, yet a loop) */
	phdr(&p, 6, 0x8180, 1, 1);
	pquestion(&p, "host.example", DNS_TYPE_A);
	at = p.n;
	p8(&p, 1);
	p8(&p, 'y');
	pptr(&p, (unsigned)at);
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\1\2\3\4", 4);
	CHECK(parse(&p, 6, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);

	/* a pointer in the question pointing into the header */
	phdr(&p, 6, 0x8180, 1, 0);
	pptr(&p, 2);
	p16(&p, DNS_TYPE_A);
	p16(&p, DNS_CLASS_IN);
	CHECK(parse(&p, 6, "host.example", DNS_TYPE_A) != DNS_OK);

	/* extended label type 0x40 */
	phdr(&p, 6, 0x8180, 1, 0);
	p8(&p, 0x41);
	p8(&p, 'a');
	p8(&p, 0);
	p16(&p, DNS_TYPE_A);
	p16(&p, DNS_CLASS_IN);
	CHECK(parse(&p, 6, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);
}

static void
test_long_names(void)
{
	struct pkt p;
	size_t at;
	int i;

	/* an owner of more than 255 wire bytes, plainly */
	phdr(&p, 8, 0x8180, 1, 1);
	pquestion(&p, "host.example", DNS_TYPE_A);
	for (i = 0; i < 5; i++) {
		p8(&p, 60);
		memset(p.b + p.n, 'a', 60);
		p.n += 60;
	}
	p8(&p, 0);
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\1\2\3\4", 4);
	CHECK(parse(&p, 8, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);

	/* and through a pointer: 205 wire bytes + a label of 60 */
	phdr(&p, 8, 0x8180, 1, 2);
	pquestion(&p, "host.example", DNS_TYPE_A);
	at = p.n;
	for (i = 0; i < 4; i++) {
		p8(&p, 50);
		memset(p.b + p.n, 'a', 50);
		p.n += 50;
	}
	p8(&p, 0);
	prr(&p, DNS_TYPE_TXT, 1);
	p8(&p, 0);
	p8(&p, 60);
	memset(p.b + p.n, 'b', 60);
	p.n += 60;
	pptr(&p, (unsigned)at);
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\1\2\3\4", 4);
	CHECK(parse(&p, 8, "host.example", DNS_TYPE_A) == DNS_EMALFORMED);

	/* odd bytes in an owner never match */
	phdr(&p, 8, 0x8180, 1, 1);
	pquestion(&p, "host.example", DNS_TYPE_A);
	p8(&p, 4);
	pbytes(&p, "ho.t", 4);
	pptr(&p, QOFF + 5);
	prr(&p, DNS_TYPE_A, 4);
	pbytes(&p, "\1\2\3\4", 4);
	CHECK(parse(&p, 8, "host.example", DNS_TYPE_A) == DNS_OK && res.n == 0);
}

static void
test_many_answers(void)
{
	struct pkt p;
	int i;

	phdr(&p, 10, 0x8180, 1, 40);
	pquestion(&p, "host.example", DNS_TYPE_A);
	for (i = 0; i < 40; i++) {
		pptr(&p, QOFF);
		prr(&p, DNS_TYPE_A, 4);
		p8(&p, 10);
		p8(&p, 0);
		p8(&p, 0);
		p8(&p, (unsigned)i);
	}
	CHECK(parse(&p, 10, "host.example", DNS_TYPE_A) == DNS_OK);
	CHECK(res.n == DNS_ANSWERS_MAX && res.ans[15].addr[3] == 15);
}

/* Random bytes and random flips of a valid answer: never a crash (run
 * under ASan), and any success is within bounds. */
static void
test_fuzz(void)
{
	struct pkt p, q;
	unsigned seed = 12345;
	int i, j, bad = 0;

	build_a(&p, 11);
	for (i = 0; i < 20000; i++) {
		q = p;
		for (j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1103515245u + 12345u;
			q.b[(seed >> 8) % q.n] = (unsigned char)(seed >> 16);
		}
		if (i % 7 == 0) {
			seed = seed * 1103515245u + 12345u;
			q.n = (seed >> 8) % (q.n + 1);
		}
		if (parse(&q, 11, "host.example", DNS_TYPE_A) == DNS_OK &&
		    res.n > DNS_ANSWERS_MAX)
			bad++;
	}
	CHECK(bad == 0);
}

static void
test_resolv_conf(void)
{
	char host[64];

	CHECK(dns_resolv_conf_first("# x\nsearch a.b\n  nameserver 10.0.0.53 # c\n"
	    "nameserver 10.0.0.54\n", host, sizeof(host)) == 0);
	CHECK_STR(host, "10.0.0.53");
	CHECK(dns_resolv_conf_first("nameserver\t::1", host, sizeof(host)) == 0);
	CHECK_STR(host, "::1");
	CHECK(dns_resolv_conf_first(";nameserver 1.1.1.1\n#nameserver 2.2.2.2\n"
	    "nameservers 3.3.3.3\nnameserver \n", host, sizeof(host)) == -1);
	CHECK(dns_resolv_conf_first("", host, sizeof(host)) == -1);
	CHECK(dns_resolv_conf_first("nameserver 1234567890", host, 5) == -1);
}

static void
test_names(void)
{
	char b[16];

	CHECK_STR(dns_type_name(DNS_TYPE_TXT, b), "TXT");
	CHECK_STR(dns_type_name(99, b), "TYPE99");
	CHECK_STR(dns_rcode_name(DNS_RCODE_NXDOMAIN, b), "NXDOMAIN");
	CHECK_STR(dns_rcode_name(9, b), "RCODE9");
}

int
main(void)
{
	test_name_ok();
	test_query_build();
	test_a_compressed();
	test_aaaa_and_others_ignored();
	test_txt();
	test_txt_long();
	test_cname_chain();
	test_rcodes();
	test_truncated();
	test_malicious_pointers();
	test_long_names();
	test_many_answers();
	test_fuzz();
	test_resolv_conf();
	test_names();
	return T_DONE();
}
