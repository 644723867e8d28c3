/* chain.h: split an upstream PEM chain into the DER leaf and its issuers. */
#ifndef CHAIN_H
#define CHAIN_H

#include <stddef.h>
#include <openssl/evp.h>

#define CHAIN_MAX 8
#define CHAIN_SERIAL_MAX 80 /* serial hex + NUL */

struct chain {
	unsigned char *der[CHAIN_MAX]; /* [0] leaf, then issuers, no root */
	size_t len[CHAIN_MAX];
	char id[CHAIN_MAX][33]; /* issuer ids (see store.h) */
	size_t n;
	char serial[CHAIN_SERIAL_MAX]; /* leaf serial, lower-case hex */
	long long not_after;	       /* leaf notAfter, unix seconds */
};

/* Parse pem (a leaf first, then its issuers). Self-signed certificates
 * (roots) are dropped. 0, or -1 when there is no parsable leaf. */
int chain_parse(const char *pem, size_t len, struct chain *out);
void chain_clear(struct chain *c);

/* The serial of one DER certificate, in the form of chain.serial (the v1
 * cert URL and the store's key), and, when pubkey is not NULL, its public
 * key (*pubkey, free with EVP_PKEY_free). 0, or -1 when der is not exactly
 * one certificate. */
int chain_der_serial(const unsigned char *der, size_t len,
    char serial[CHAIN_SERIAL_MAX], EVP_PKEY **pubkey);

/* The issuer id of a DER certificate: first 32 hex chars of its SHA-256. */
int chain_cert_id(const unsigned char *der, size_t len, char out[33]);

#endif
