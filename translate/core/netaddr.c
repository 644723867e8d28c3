/* netaddr.c: IPv4 and IPv6 addresses and networks (netaddr.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	0xff };

int
netaddr_literal(const char *s, struct netaddr *n)
{
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, s, n->a) == 1) {
		n->bits = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, n->a) == 1) {
		n->v6 = 1;
		n->bits = 128;
		return 0;
	}
	return -1;
}

/* An IPv4-mapped IPv6 address is the IPv4 address: it reaches that host. */
static void
unmap(struct netaddr *n)
{
	if (n->v6 && memcmp(n->a, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(n->a, n->a + 12, 4);
		memset(n->a + 4, 0, 12);
		n->v6 = 0;
		n->bits = 32;
	}
}

int
netaddr_client(const char *s, struct netaddr *n)
{
	char buf[NETADDR_TEXT_MAX];
	size_t len;

	if (s == NULL || (len = strcspn(s, "%")) == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (netaddr_literal(buf, n) == -1)
		return -1;
	unmap(n);
	return 0;
}

int
netaddr_from_bytes(const unsigned char *b, size_t len, struct netaddr *n)
{
	memset(n, 0, sizeof(*n));
	if (b == NULL || (len != 4 && len != 16))
		return -1;
	memcpy(n->a, b, len);
	n->v6 = len == 16;
	n->bits = (int)len * 8;
	unmap(n);
	return 0;
}

void
netaddr_text(const struct netaddr *n, char buf[NETADDR_TEXT_MAX])
{
	if (inet_ntop(n->v6 ? AF_INET6 : AF_INET, n->a, buf,
		NETADDR_TEXT_MAX) == NULL)
		snprintf(buf, NETADDR_TEXT_MAX, "?");
}

/* The "/BITS" of s (after the slash) into n->bits, at most max. */
static int
prefix_parse(const char *d, struct netaddr *n, int max)
{
	size_t dl = strlen(d);
	int bits;

	if (dl == 0 || dl > 3 || strspn(d, "0123456789") != dl ||
	    (dl > 1 && d[0] == '0') || (bits = atoi(d)) > max)
		return -1;
	n->bits = bits;
	return 0;
}

int
netaddr_net_parse(const char *s, struct netaddr *n, char *why, size_t whylen)
{
	char buf[NETADDR_TEXT_MAX];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s), i;
	int max, b;

	if (alen == 0 || alen >= sizeof(buf)) {
		snprintf(why, whylen, "not an IPv4 or IPv6 address");
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (netaddr_literal(buf, n) == -1) {
		snprintf(why, whylen, "not an IPv4 or IPv6 address%s",
		    slash ? " with a /prefix" : "");
		return -1;
	}
	max = n->bits;
	if (n->v6 && memcmp(n->a, v4mapped, sizeof(v4mapped)) == 0) {
		snprintf(why, whylen,
		    "an IPv4-mapped IPv6 address: write "
		    "the IPv4 form (it matches mapped clients too)");
		return -1;
	}
	if (slash != NULL && prefix_parse(slash + 1, n, max) == -1) {
		snprintf(why, whylen, "prefix length must be 0..%d", max);
		return -1;
	}
	/* Host bits set ("10.0.0.1/8") is most likely a typo. */
	for (i = 0; i < (size_t)max / 8; i++) {
		b = n->bits - (int)i * 8;
		if (b >= 8)
			continue;
		if ((n->a[i] & (b <= 0 ? 0xff : (0xff >> b))) != 0) {
			snprintf(why, whylen,
			    "bits set beyond the /%d "
			    "prefix (a typo?)",
			    n->bits);
			return -1;
		}
	}
	return 0;
}

int
netaddr_covers(const struct netaddr *net, const struct netaddr *addr)
{
	int full = net->bits / 8, rest = net->bits % 8;
	unsigned char mask;

	if (net->v6 != addr->v6)
		return 0;
	if (full > 0 && memcmp(net->a, addr->a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (net->a[full] & mask) == (addr->a[full] & mask);
}

int
netaddr_list_check_named(
    const json_t *list, const char *what, char *why, size_t whylen)
{
	const json_t *v;
	struct netaddr n;
	char r[128];
	size_t i;

	if (!json_is_array(list)) {
		snprintf(why, whylen, "must be an array of networks");
		return -1;
	}
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			snprintf(
			    why, whylen, "%s[%zu] must be a string", what, i);
			return -1;
		}
		if (netaddr_net_parse(json_string_value(v), &n, r, sizeof(r)) ==
		    -1) {
			snprintf(why, whylen, "%s[%zu] \"%.60s\": %s", what, i,
			    json_string_value(v), r);
			return -1;
		}
	}
	return 0;
}

int
netaddr_list_check(const json_t *list, char *why, size_t whylen)
{
	return netaddr_list_check_named(list, "", why, whylen);
}

int
netaddr_list_covers(const json_t *list, const struct netaddr *addr)
{
	const json_t *v;
	struct netaddr n;
	char r[8];
	size_t i;

	json_array_foreach(list, i, v)
		if (json_is_string(v) &&
		    netaddr_net_parse(json_string_value(v), &n, r, sizeof(r)) ==
			0 &&
		    netaddr_covers(&n, addr))
			return 1;
	return 0;
}

/* --- the built-in classes ------------------------------------------------ */

struct netaddr_range {
	enum netaddr_class c;
	int v6;
	unsigned char a[16];
	int bits;
};

static const struct netaddr_range ranges[] = {
	{ NETADDR_LOOPBACK, 0, { 127 }, 8 },
	{ NETADDR_LOOPBACK, 1, { [15] = 1 }, 128 },
	{ NETADDR_LINK_LOCAL, 0, { 169, 254 }, 16 },
	{ NETADDR_LINK_LOCAL, 1, { 0xfe, 0x80 }, 10 },
	/* 0/8 is "this network"; Linux connects 0.0.0.0 to the local host */
	{ NETADDR_UNSPECIFIED, 0, { 0 }, 8 },
	{ NETADDR_UNSPECIFIED, 1, { 0 }, 128 },
	{ NETADDR_MULTICAST, 0, { 224 }, 4 },
	{ NETADDR_MULTICAST, 1, { 0xff }, 8 },
};

const char *
netaddr_class_name(enum netaddr_class c)
{
	switch (c) {
	case NETADDR_LOOPBACK:
		return "loopback";
	case NETADDR_LINK_LOCAL:
		return "link-local";
	case NETADDR_UNSPECIFIED:
		return "unspecified";
	case NETADDR_MULTICAST:
		return "multicast";
	case NETADDR_DENIED:
		return "denied";
	default:
		return "ordinary";
	}
}

enum netaddr_class
netaddr_class_of(const struct netaddr *addr)
{
	struct netaddr net;
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		net.v6 = ranges[i].v6;
		memcpy(net.a, ranges[i].a, sizeof(net.a));
		net.bits = ranges[i].bits;
		if (netaddr_covers(&net, addr))
			return ranges[i].c;
	}
	return NETADDR_ORDINARY;
}

enum netaddr_class
netaddr_proof_class(
    const struct netaddr *addr, const json_t *deny, const json_t *allow)
{
	/* An allowed exception wins over both the built-in classes and the
	 * deny list: "deny 10/8 but allow 10.1.2.3" reads as meant. */
	if (netaddr_list_covers(allow, addr))
		return NETADDR_ORDINARY;
	if (netaddr_list_covers(deny, addr))
		return NETADDR_DENIED;
	return netaddr_class_of(addr);
}
