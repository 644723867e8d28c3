/* dns.h: DNS messages (RFC 1035) for the client-proof checks, pure: build a
 * one-question query, parse its answer. No I/O (proxy/resolver.c sends and
 * receives). Every length in an answer is checked against the message;
 * compression pointers must point strictly backwards (so they cannot
 * loop) and are followed at most DNS_PTR_MAX times per name. */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED 5

#define DNS_NAME_MAX 253   /* text form, without the final dot */
#define DNS_QUERY_MAX 512  /* a query always fits */
#define DNS_UDP_MAX 4096   /* the largest answer read */
#define DNS_EDNS_SIZE 1232 /* UDP payload size advertised (EDNS0) */
#define DNS_ANSWERS_MAX 16 /* answers of the asked type kept */
#define DNS_RR_MAX 64	   /* answer records looked at */
#define DNS_TXT_MAX 512	   /* bytes kept of one TXT record */
#define DNS_CNAME_MAX 8	   /* CNAME links followed */
#define DNS_PTR_MAX 32	   /* compression pointers per name */

/* Return values of dns_parse. */
#define DNS_OK 0
#define DNS_EMALFORMED (-1) /* the answer is broken (or truncated, TC) */
#define DNS_EMISMATCH (-2)  /* not the answer to this query: ignore */

struct dns_answer {
	int type;		   /* DNS_TYPE_A, _AAAA or _TXT */
	unsigned char addr[16];	   /* A: 4 bytes, AAAA: 16 */
	char txt[DNS_TXT_MAX + 1]; /* TXT: the strings concatenated, NUL */
	size_t len;		   /* bytes in addr or txt */
	int truncated;		   /* TXT longer than DNS_TXT_MAX */
};

struct dns_result {
	int rcode; /* DNS_RCODE_* (answers only for 0) */
	size_t n;
	struct dns_answer ans[DNS_ANSWERS_MAX];
};

/* 1 when name ("a.b.c", one optional final dot) can be asked: labels of 1 to
 * 63 printable ASCII bytes (no space), at most DNS_NAME_MAX bytes. */
int dns_name_ok(const char *name);

/* A recursive (RD) query with id for name and type, class IN, with an EDNS0
 * OPT record advertising DNS_EDNS_SIZE. Writes *len bytes to buf (cap at
 * least DNS_QUERY_MAX is always enough). 0, or -1 on a bad name or type. */
int dns_query_build(uint16_t id, const char *name, int type, unsigned char *buf,
    size_t cap, size_t *len);

/* A random query id (OpenSSL RAND_bytes). 0 or -1. */
int dns_random_id(uint16_t *id);

/* Parse the answer msg (len bytes) to the query (id, name, type). On DNS_OK
 * res->rcode is the server's RCODE and, for NOERROR, res->ans holds the
 * records of that type whose owner is name or the end of a CNAME chain that
 * starts at name (names compared without regard to ASCII case), in message
 * order, at most DNS_ANSWERS_MAX. DNS_EMISMATCH: not a response, another id
 * or another question. DNS_EMALFORMED: broken, truncated (TC) or not a
 * standard query answer; err says why. */
int
dns_parse(const unsigned char *msg, size_t len, uint16_t id, const char *name,
    int type, struct dns_result *res, char *err, size_t errlen);

/* The address of the first "nameserver" line of resolv.conf text (comments
 * '#' and ';' ignored). 0, or -1 when there is none. */
int dns_resolv_conf_first(const char *text, char *host, size_t hostlen);

/* "A", "AAAA", "TXT", "CNAME" or "TYPEnnn" (static or in buf, 16 bytes). */
const char *dns_type_name(int type, char buf[16]);

/* "NOERROR", "SERVFAIL", "NXDOMAIN", "REFUSED" or "RCODEn" (same). */
const char *dns_rcode_name(int rcode, char buf[16]);

#endif
