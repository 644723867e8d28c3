/* dns.c: DNS query building and answer parsing (see dns.h). */
#include "dns.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#define HDR_LEN 12
#define WIRE_NAME_MAX 255
#define FLAG_QR 0x8000u
#define FLAG_TC 0x0200u
#define FLAG_RD 0x0100u

/* One answer record as found in the message. */
struct rr {
	char owner[DNS_NAME_MAX + 1];
	int type;
	int klass;
	size_t rdoff;
	size_t rdlen;
};

static unsigned
get16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
set_err(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Length of name without one final dot. */
static size_t
name_len(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && name[n - 1] == '.' ? n - 1 : n;
}

/* Names equal without regard to ASCII case or one final dot. */
static int
name_eq(const char *a, const char *b)
{
	size_t la = name_len(a), lb = name_len(b), i;

	if (la != lb)
		return 0;
	for (i = 0; i < la; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

int
dns_name_ok(const char *name)
{
	size_t n, i, label = 0;

	if (name == NULL)
		return 0;
	n = name_len(name);
	if (n == 0 || n > DNS_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (c < 0x21 || c > 0x7e || ++label > 63)
			return 0;
	}
	return label > 0;
}

static int
type_ok(int type)
{
	return type == DNS_TYPE_A || type == DNS_TYPE_AAAA ||
	    type == DNS_TYPE_TXT || type == DNS_TYPE_CNAME;
}

/* name in wire form at buf; *len bytes. */
static size_t
put_name(const char *name, unsigned char *buf)
{
	size_t n = name_len(name), i, start = 0, o = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && name[i] != '.')
			continue;
		buf[o++] = (unsigned char)(i - start);
		memcpy(buf + o, name + start, i - start);
		o += i - start;
		start = i + 1;
	}
	buf[o++] = 0;
	return o;
}

int
dns_query_build(uint16_t id, const char *name, int type, unsigned char *buf,
    size_t cap, size_t *len)
{
	size_t o;

	if (!dns_name_ok(name) || !type_ok(type) || buf == NULL ||
	    len == NULL || cap < DNS_QUERY_MAX)
		return -1;
	memset(buf, 0, HDR_LEN);
	put16(buf, id);
	put16(buf + 2, FLAG_RD);
	put16(buf + 4, 1);  /* QDCOUNT */
	put16(buf + 10, 1); /* ARCOUNT: the OPT record */
	o = HDR_LEN + put_name(name, buf + HDR_LEN);
	put16(buf + o, (unsigned)type);
	put16(buf + o + 2, DNS_CLASS_IN);
	o += 4;
	/* OPT: root owner, type 41, class = UDP size, TTL 0, no data */
	buf[o] = 0;
	put16(buf + o + 1, DNS_TYPE_OPT);
	put16(buf + o + 3, DNS_EDNS_SIZE);
	memset(buf + o + 5, 0, 6);
	o += 11;
	*len = o;
	return 0;
}

int
dns_random_id(uint16_t *id)
{
	unsigned char r[2];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	*id = (uint16_t)get16(r);
	return 0;
}

/* Append one label to out (text form, '?' for bytes a host name never has,
 * so that odd names never compare equal to ours). */
static void
name_append(char *out, size_t *o, const unsigned char *label, size_t n)
{
	size_t i;

	if (*o > 0)
		out[(*o)++] = '.';
	for (i = 0; i < n; i++) {
		unsigned char c = label[i];

		out[(*o)++] = (char)(c < 0x21 || c > 0x7e || c == '.' ? '?'
								      : c);
	}
	out[*o] = '\0';
}

/* Decode the name at off into out (DNS_NAME_MAX + 1 bytes); *after is the
 * offset just past it in the message. 0 or -1 (malformed). */
static int
read_name(
    const unsigned char *msg, size_t len, size_t off, char *out, size_t *after)
{
	size_t pos = off, limit = off, o = 0, wire = 0;
	int jumps = 0;

	out[0] = '\0';
	*after = 0;
	for (;;) {
		unsigned c;

		if (pos >= len)
			return -1;
		c = msg[pos];
		if ((c & 0xC0) == 0xC0) {
			size_t target;

			if (pos + 1 >= len || ++jumps > DNS_PTR_MAX)
				return -1;
			target = ((size_t)(c & 0x3F) << 8) | msg[pos + 1];
			/* strictly below every place this name went */
			if (target >= limit)
				return -1;
			if (*after == 0)
				*after = pos + 2;
			pos = limit = target;
			continue;
		}
		if ((c & 0xC0) != 0)
			return -1; /* 0x40/0x80: extended label types */
		if (c == 0)
			break;
		if (pos + 1 + c > len || wire + 1 + c > WIRE_NAME_MAX - 1)
			return -1;
		name_append(out, &o, msg + pos + 1, c);
		wire += 1 + c;
		pos += 1 + c;
	}
	if (*after == 0)
		*after = pos + 1;
	return 0;
}

/* The question must be ours. DNS_OK, or the failure with err set. */
static int
check_question(const unsigned char *msg, size_t len, size_t *off,
    const char *name, int type, char *err, size_t errlen)
{
	char qname[DNS_NAME_MAX + 1];
	size_t next;

	if (read_name(msg, len, *off, qname, &next) == -1 || next + 4 > len) {
		set_err(err, errlen, "malformed question section");
		return DNS_EMALFORMED;
	}
	if (!name_eq(qname, name) || (int)get16(msg + next) != type ||
	    get16(msg + next + 2) != DNS_CLASS_IN) {
		set_err(err, errlen, "answer to another question");
		return DNS_EMISMATCH;
	}
	*off = next + 4;
	return DNS_OK;
}

/* Read up to DNS_RR_MAX answer records into rrs. Count in *n. */
static int
read_answers(const unsigned char *msg, size_t len, size_t off, unsigned count,
    struct rr *rrs, size_t *n, char *err, size_t errlen)
{
	unsigned i;

	*n = 0;
	for (i = 0; i < count && *n < DNS_RR_MAX; i++) {
		struct rr *r = &rrs[*n];
		size_t next;

		if (read_name(msg, len, off, r->owner, &next) == -1 ||
		    next + 10 > len) {
			set_err(err, errlen, "malformed answer record");
			return DNS_EMALFORMED;
		}
		r->type = (int)get16(msg + next);
		r->klass = (int)get16(msg + next + 2);
		r->rdlen = get16(msg + next + 8);
		r->rdoff = next + 10;
		if (r->rdlen > len - r->rdoff) {
			set_err(err, errlen,
			    "record data past the end of the answer");
			return DNS_EMALFORMED;
		}
		off = r->rdoff + r->rdlen;
		(*n)++;
	}
	return DNS_OK;
}

/* The CNAME target of r (inside its data) into out. 0 or -1. */
static int
cname_target(
    const unsigned char *msg, size_t len, const struct rr *r, char *out)
{
	size_t after;

	if (read_name(msg, len, r->rdoff, out, &after) == -1 ||
	    after != r->rdoff + r->rdlen)
		return -1;
	return 0;
}

/* Follow CNAMEs from name: chain[0] = name, then each target. Count in *n. */
static int
follow_cnames(const unsigned char *msg, size_t len, const struct rr *rrs,
    size_t nrr, const char *name, char chain[][DNS_NAME_MAX + 1], size_t *n,
    char *err, size_t errlen)
{
	size_t i;

	snprintf(chain[0], DNS_NAME_MAX + 1, "%s", name);
	*n = 1;
	while (*n <= DNS_CNAME_MAX) {
		for (i = 0; i < nrr; i++)
			if (rrs[i].type == DNS_TYPE_CNAME &&
			    rrs[i].klass == DNS_CLASS_IN &&
			    name_eq(rrs[i].owner, chain[*n - 1]))
				break;
		if (i == nrr)
			return DNS_OK;
		if (cname_target(msg, len, &rrs[i], chain[*n]) == -1) {
			set_err(err, errlen, "malformed CNAME record");
			return DNS_EMALFORMED;
		}
		(*n)++;
	}
	return DNS_OK; /* a longer chain: what we have */
}

/* The strings of a TXT record, concatenated. 0 or -1. */
static int
take_txt(const unsigned char *msg, const struct rr *r, struct dns_answer *a)
{
	size_t p = r->rdoff, end = r->rdoff + r->rdlen;

	a->len = 0;
	a->truncated = 0;
	while (p < end) {
		size_t l = msg[p], keep;

		if (l > end - p - 1)
			return -1;
		keep = l;
		if (keep > DNS_TXT_MAX - a->len) {
			keep = DNS_TXT_MAX - a->len;
			a->truncated = 1;
		}
		memcpy(a->txt + a->len, msg + p + 1, keep);
		a->len += keep;
		p += 1 + l;
	}
	a->txt[a->len] = '\0';
	return 0;
}

static int
take_answer(const unsigned char *msg, const struct rr *r, struct dns_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->type = r->type;
	if (r->type == DNS_TYPE_TXT)
		return take_txt(msg, r, a);
	if ((r->type == DNS_TYPE_A && r->rdlen != 4) ||
	    (r->type == DNS_TYPE_AAAA && r->rdlen != 16) ||
	    (r->type != DNS_TYPE_A && r->type != DNS_TYPE_AAAA))
		return -1;
	memcpy(a->addr, msg + r->rdoff, r->rdlen);
	a->len = r->rdlen;
	return 0;
}

static int
in_chain(const char *owner, char chain[][DNS_NAME_MAX + 1], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (name_eq(owner, chain[i]))
			return 1;
	return 0;
}

/* Header checks. DNS_OK with *rcode, *qd and *an, or the failure. */
static int
check_header(const unsigned char *msg, size_t len, uint16_t id, int *rcode,
    unsigned *qd, unsigned *an, char *err, size_t errlen)
{
	unsigned flags;

	if (len < HDR_LEN) {
		set_err(err, errlen, "answer shorter than a DNS header");
		return DNS_EMALFORMED;
	}
	flags = get16(msg + 2);
	if (get16(msg) != id || (flags & FLAG_QR) == 0) {
		set_err(err, errlen, "not a response to this query");
		return DNS_EMISMATCH;
	}
	if (((flags >> 11) & 0xF) != 0) {
		set_err(err, errlen, "not a standard query response");
		return DNS_EMALFORMED;
	}
	if (flags & FLAG_TC) {
		set_err(err, errlen, "truncated answer (TC)");
		return DNS_EMALFORMED;
	}
	*rcode = (int)(flags & 0xF);
	*qd = get16(msg + 4);
	*an = get16(msg + 6);
	if (*qd > 1 || (*qd == 0 && *rcode == DNS_RCODE_NOERROR)) {
		set_err(err, errlen, "answer without exactly one question");
		return DNS_EMALFORMED;
	}
	return DNS_OK;
}

static int
collect(const unsigned char *msg, size_t len, size_t off, unsigned an,
    const char *name, int type, struct dns_result *res, char *err,
    size_t errlen)
{
	char chain[DNS_CNAME_MAX + 1][DNS_NAME_MAX + 1];
	struct rr rrs[DNS_RR_MAX];
	size_t nrr, nchain, i;
	int rc;

	if ((rc = read_answers(msg, len, off, an, rrs, &nrr, err, errlen)) !=
		DNS_OK ||
	    (rc = follow_cnames(msg, len, rrs, nrr, name, chain, &nchain, err,
		 errlen)) != DNS_OK)
		return rc;
	for (i = 0; i < nrr && res->n < DNS_ANSWERS_MAX; i++) {
		if (rrs[i].type != type || rrs[i].klass != DNS_CLASS_IN ||
		    !in_chain(rrs[i].owner, chain, nchain))
			continue;
		if (take_answer(msg, &rrs[i], &res->ans[res->n]) == -1) {
			set_err(err, errlen, "malformed record data");
			return DNS_EMALFORMED;
		}
		res->n++;
	}
	return DNS_OK;
}

int
dns_parse(const unsigned char *msg, size_t len, uint16_t id, const char *name,
    int type, struct dns_result *res, char *err, size_t errlen)
{
	unsigned qd = 0, an = 0;
	size_t off = HDR_LEN;
	int rc;

	set_err(err, errlen, "");
	if (msg == NULL || res == NULL || !dns_name_ok(name) ||
	    (type != DNS_TYPE_A && type != DNS_TYPE_AAAA &&
		type != DNS_TYPE_TXT)) {
		set_err(err, errlen, "bad arguments");
		return DNS_EMALFORMED;
	}
	res->rcode = 0;
	res->n = 0;
	if ((rc = check_header(
		 msg, len, id, &res->rcode, &qd, &an, err, errlen)) != DNS_OK)
		return rc;
	if (qd == 1 &&
	    (rc = check_question(msg, len, &off, name, type, err, errlen)) !=
		DNS_OK)
		return rc;
	if (res->rcode != DNS_RCODE_NOERROR)
		return DNS_OK;
	rc = collect(msg, len, off, an, name, type, res, err, errlen);
	if (rc != DNS_OK)
		res->n = 0;
	return rc;
}

int
dns_resolv_conf_first(const char *text, char *host, size_t hostlen)
{
	const char *p = text;

	if (text == NULL || host == NULL || hostlen == 0)
		return -1;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *q = p, *a;
		size_t n;

		if (eol == NULL)
			eol = p + strlen(p);
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(eol - q) > 10 &&
		    strncmp(q, "nameserver", 10) == 0 &&
		    (q[10] == ' ' || q[10] == '\t')) {
			for (a = q + 10; a < eol && (*a == ' ' || *a == '\t');
			     a++)
				;
			for (n = 0;
			     a + n < eol && strchr(" \t\r#;", a[n]) == NULL;
			     n++)
				;
			if (n > 0 && n < hostlen) {
				memcpy(host, a, n);
				host[n] = '\0';
				return 0;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return -1;
}

struct code_name {
	int code;
	const char *name;
};

/* The name of code in t, else prefix and the number (in buf). */
static const char *
code_name(const struct code_name *t, size_t n, int code, const char *prefix,
    char buf[16])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	snprintf(buf, 16, "%s%d", prefix, code);
	return buf;
}

const char *
dns_type_name(int type, char buf[16])
{
	static const struct code_name t[] = { { DNS_TYPE_A, "A" },
		{ DNS_TYPE_AAAA, "AAAA" }, { DNS_TYPE_TXT, "TXT" },
		{ DNS_TYPE_CNAME, "CNAME" } };

	return code_name(t, sizeof(t) / sizeof(t[0]), type, "TYPE", buf);
}

const char *
dns_rcode_name(int rcode, char buf[16])
{
	static const struct code_name t[] = { { DNS_RCODE_NOERROR, "NOERROR" },
		{ DNS_RCODE_SERVFAIL, "SERVFAIL" },
		{ DNS_RCODE_NXDOMAIN, "NXDOMAIN" },
		{ DNS_RCODE_REFUSED, "REFUSED" } };

	return code_name(t, sizeof(t) / sizeof(t[0]), rcode, "RCODE", buf);
}
