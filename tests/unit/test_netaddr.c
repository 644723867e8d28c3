/* test_netaddr.c: addresses, networks, network lists and the address
 * classes client-proof refuses by default (issue 8 item 5). */
#include <arpa/inet.h>
#include <string.h>

#include "netaddr.h"
#include "t.h"

/* The client-proof class of the address literal s (through the resolver's
 * byte form, as proof.c sees it), with lists given as JSON text or NULL. */
static enum netaddr_class
cls(const char *s, const char *deny, const char *allow)
{
	unsigned char b[16];
	struct netaddr a;
	json_t *d = deny ? json_loads(deny, 0, NULL) : NULL;
	json_t *al = allow ? json_loads(allow, 0, NULL) : NULL;
	enum netaddr_class c = NETADDR_ORDINARY;
	int v6 = strchr(s, ':') != NULL;

	CHECK(inet_pton(v6 ? AF_INET6 : AF_INET, s, b) == 1);
	CHECK(netaddr_from_bytes(b, v6 ? 16 : 4, &a) == 0);
	c = netaddr_proof_class(&a, d, al);
	json_decref(d);
	json_decref(al);
	return c;
}

static void
test_classes(void)
{
	static const struct {
		const char *addr;
		enum netaddr_class c;
	} cases[] = {
		{ "127.0.0.1", NETADDR_LOOPBACK },
		{ "127.255.255.254", NETADDR_LOOPBACK },
		{ "::1", NETADDR_LOOPBACK },
		{ "::ffff:127.0.0.1",
		    NETADDR_LOOPBACK }, /* mapped: that host */
		{ "169.254.169.254", NETADDR_LINK_LOCAL },
		{ "::ffff:169.254.169.254", NETADDR_LINK_LOCAL },
		{ "fe80::1", NETADDR_LINK_LOCAL },
		{ "febf:ffff::1", NETADDR_LINK_LOCAL },
		{ "0.0.0.0", NETADDR_UNSPECIFIED },
		{ "0.1.2.3", NETADDR_UNSPECIFIED },
		{ "::", NETADDR_UNSPECIFIED },
		{ "224.0.0.1", NETADDR_MULTICAST },
		{ "239.255.255.250", NETADDR_MULTICAST },
		{ "ff02::1", NETADDR_MULTICAST },
		/* private ranges stay allowed: fleets are internal */
		{ "10.0.0.1", NETADDR_ORDINARY },
		{ "172.16.0.1", NETADDR_ORDINARY },
		{ "172.31.255.255", NETADDR_ORDINARY },
		{ "192.168.1.1", NETADDR_ORDINARY },
		{ "fc00::1", NETADDR_ORDINARY },
		{ "fd12:3456::1", NETADDR_ORDINARY },
		/* the neighbours of each refused range */
		{ "1.0.0.0", NETADDR_ORDINARY },
		{ "126.255.255.255", NETADDR_ORDINARY },
		{ "128.0.0.0", NETADDR_ORDINARY },
		{ "169.253.255.255", NETADDR_ORDINARY },
		{ "169.255.0.0", NETADDR_ORDINARY },
		{ "223.255.255.255", NETADDR_ORDINARY },
		{ "240.0.0.1", NETADDR_ORDINARY },
		{ "fec0::1", NETADDR_ORDINARY },
		{ "fe7f::1", NETADDR_ORDINARY },
		{ "::2", NETADDR_ORDINARY },
		{ "8.8.8.8", NETADDR_ORDINARY },
		{ "2001:db8::1", NETADDR_ORDINARY },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum netaddr_class c = cls(cases[i].addr, NULL, NULL);

		CHECK(c == cases[i].c);
		if (c != cases[i].c)
			fprintf(stderr, "  %s: %s, want %s\n", cases[i].addr,
			    netaddr_class_name(c),
			    netaddr_class_name(cases[i].c));
	}
	CHECK_STR(netaddr_class_name(NETADDR_LOOPBACK), "loopback");
	CHECK_STR(netaddr_class_name(NETADDR_LINK_LOCAL), "link-local");
	CHECK_STR(netaddr_class_name(NETADDR_UNSPECIFIED), "unspecified");
	CHECK_STR(netaddr_class_name(NETADDR_MULTICAST), "multicast");
	CHECK_STR(netaddr_class_name(NETADDR_DENIED), "denied");
}

static void
test_lists(void)
{
	/* allowed exceptions win over the built-in classes and the deny list */
	CHECK(cls("127.0.0.1", NULL, "[\"127.0.0.0/8\"]") == NETADDR_ORDINARY);
	CHECK(cls("::1", NULL, "[\"127.0.0.0/8\"]") == NETADDR_LOOPBACK);
	CHECK(cls("::1", NULL, "[\"::1\"]") == NETADDR_ORDINARY);
	CHECK(cls("::ffff:127.0.0.2", NULL, "[\"127.0.0.0/8\"]") ==
	    NETADDR_ORDINARY);
	CHECK(cls("10.1.2.3", "[\"10.0.0.0/8\"]", NULL) == NETADDR_DENIED);
	CHECK(cls("10.1.2.3", "[\"10.0.0.0/8\"]", "[\"10.1.2.3\"]") ==
	    NETADDR_ORDINARY);
	CHECK(cls("10.1.2.4", "[\"10.0.0.0/8\"]", "[\"10.1.2.3\"]") ==
	    NETADDR_DENIED);
	CHECK(cls("11.0.0.1", "[\"10.0.0.0/8\"]", NULL) == NETADDR_ORDINARY);
	CHECK(cls("fd00::1", "[\"fc00::/7\"]", "[]") == NETADDR_DENIED);
	CHECK(cls("8.8.8.8", "[\"0.0.0.0/0\"]", NULL) == NETADDR_DENIED);
	CHECK(cls("169.254.169.254", "[]", "[\"169.254.169.254/32\"]") ==
	    NETADDR_ORDINARY);
	CHECK(cls("169.254.200.1", "[]", "[\"169.254.169.254/32\"]") ==
	    NETADDR_LINK_LOCAL);
}

static int
check(const char *text, char *why, size_t whylen)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	int rc;

	why[0] = '\0';
	rc = netaddr_list_check(j, why, whylen);
	json_decref(j);
	return rc;
}

static void
test_parse(void)
{
	struct netaddr n;
	char why[160], buf[NETADDR_TEXT_MAX];

	CHECK(check("[]", why, sizeof(why)) == 0);
	CHECK(check("[\"10.0.0.0/8\", \"192.0.2.7\", \"fe80::/10\", \"::1\"]",
		  why, sizeof(why)) == 0);
	CHECK(check("{}", why, sizeof(why)) == -1);
	CHECK_STR(why, "must be an array of networks");
	CHECK(check("[1]", why, sizeof(why)) == -1);
	CHECK_STR(why, "[0] must be a string");
	CHECK(
	    check("[\"10.0.0.0/8\", \"10.0.0.1/8\"]", why, sizeof(why)) == -1);
	CHECK_STR(
	    why, "[1] \"10.0.0.1/8\": bits set beyond the /8 prefix (a typo?)");
	CHECK(check("[\"10.0.0.0/33\"]", why, sizeof(why)) == -1);
	CHECK_STR(why, "[0] \"10.0.0.0/33\": prefix length must be 0..32");
	CHECK(check("[\"localhost\"]", why, sizeof(why)) == -1);
	CHECK_STR(why, "[0] \"localhost\": not an IPv4 or IPv6 address");
	CHECK(check("[\"::ffff:127.0.0.1\"]", why, sizeof(why)) == -1);
	CHECK(strstr(why, "IPv4-mapped") != NULL);

	CHECK(netaddr_client("fe80::1%eth0", &n) == 0 && n.v6 == 1);
	netaddr_text(&n, buf);
	CHECK_STR(buf, "fe80::1");
	CHECK(netaddr_client("::ffff:192.0.2.1", &n) == 0 && n.v6 == 0);
	netaddr_text(&n, buf);
	CHECK_STR(buf, "192.0.2.1");
	CHECK(netaddr_client("", &n) == -1);
	CHECK(netaddr_client(NULL, &n) == -1);
	CHECK(netaddr_from_bytes(
		  (const unsigned char *)"\x7f\0\0\x01", 3, &n) == -1);
}

int
main(void)
{
	test_classes();
	test_lists();
	test_parse();
	return T_DONE();
}
