/* netaddr.h: IPv4 and IPv6 addresses and networks, pure (text forms by
 * inet_pton/inet_ntop): the config's network lists (policy "addresses",
 * client-proof's proof_deny_networks and proof_allow_networks) and the
 * kinds of address client-proof never fetches from unless allowed. */
#ifndef NETADDR_H
#define NETADDR_H

#include <stddef.h>

#include <jansson.h>

#define NETADDR_TEXT_MAX 64 /* an IPv6 literal with a prefix fits */

/* An address (bits 32 or 128) or a network (bits its prefix length). An
 * IPv4-mapped IPv6 address is held as the IPv4 address it maps. */
struct netaddr {
	int v6; /* 0: IPv4 (a[0..3]), 1: IPv6 (a[0..15]) */
	unsigned char a[16];
	int bits;
};

/* An address literal (no prefix, no zone) into n. 0 or -1. */
int netaddr_literal(const char *s, struct netaddr *n);

/* A peer's address text: a zone ("%eth0") is dropped, an IPv4-mapped IPv6
 * address becomes IPv4. 0 or -1. */
int netaddr_client(const char *s, struct netaddr *n);

/* An address as the resolver gives it (4 or 16 bytes), mapped IPv6 as
 * IPv4. 0 or -1. */
int netaddr_from_bytes(const unsigned char *b, size_t len, struct netaddr *n);

/* The address's text form ("127.0.0.1", "fe80::1") into buf. */
void netaddr_text(const struct netaddr *n, char buf[NETADDR_TEXT_MAX]);

/* "ADDR" or "ADDR/BITS" from the config; host bits set or an IPv4-mapped
 * form are refused. 0 or -1 with why. */
int
netaddr_net_parse(const char *s, struct netaddr *n, char *why, size_t whylen);

/* 1 when network net holds address addr (same family). */
int netaddr_covers(const struct netaddr *net, const struct netaddr *addr);

/* A JSON array of netaddr_net_parse strings, named what in messages
 * ("what[2] \"10.0.0.1/8\": bits set beyond..."). 0 or -1 with why. */
int netaddr_list_check_named(
    const json_t *list, const char *what, char *why, size_t whylen);

/* netaddr_list_check_named for a config key's value (the key names it). */
int netaddr_list_check(const json_t *list, char *why, size_t whylen);

/* 1 when some network of a checked list (NULL: none) holds addr. */
int netaddr_list_covers(const json_t *list, const struct netaddr *addr);

/* The kinds of address a client-proof fetch refuses by default: never a
 * web server of a fleet's names, but the bridge's own host, its link
 * (169.254.169.254 is a cloud's metadata service) or no host at all.
 * Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are ordinary. */
enum netaddr_class {
	NETADDR_ORDINARY,
	NETADDR_LOOPBACK,    /* 127/8, ::1 */
	NETADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
	NETADDR_UNSPECIFIED, /* 0/8, :: */
	NETADDR_MULTICAST,   /* 224/4, ff00::/8 */
	NETADDR_DENIED	     /* in a configured deny list */
};

/* "loopback", "link-local", "unspecified", "multicast", "denied" or
 * "ordinary". */
const char *netaddr_class_name(enum netaddr_class c);

/* The built-in class of addr. */
enum netaddr_class netaddr_class_of(const struct netaddr *addr);

/* Whether client-proof may fetch from addr: NETADDR_ORDINARY when allow
 * (a checked list or NULL) holds it, whatever else; else NETADDR_DENIED
 * when deny holds it; else its built-in class. */
enum netaddr_class netaddr_proof_class(
    const struct netaddr *addr, const json_t *deny, const json_t *allow);

#endif
