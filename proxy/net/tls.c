/* tls.c: TLS on memory BIOs (see tls.h). The read BIO holds what the peer
 * sent until SSL_read consumes it; the write BIO collects what SSL wants to
 * send, which the server takes after every step and writes to the socket.
 * Memory BIOs never block, so SSL_write always completes in one call. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "tls.h"

struct tls_conn {
	SSL *ssl;
	BIO *rbio; /* owned by ssl */
	BIO *wbio; /* owned by ssl */
};

/* OpenSSL's last error, in err; the queue emptied. */
static void
ssl_reason(char *err, size_t errlen)
{
	unsigned long e = ERR_get_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(err, errlen, "%s", r != NULL ? r : "unknown error");
	ERR_clear_error();
}

/* The key did not load because it is not the certificate's: OpenSSL
 * checks that as it loads the key. The error queue is left as it is. */
static int
key_mismatch(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_X509 &&
	    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
}

/* The private key into ctx, checked against its certificate; 0, or -1
 * with the reason in err. */
static int
load_key(
    SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t errlen)
{
	char why[256];

	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		return 0;
	if (key_mismatch() || ERR_peek_error() == 0) {
		ERR_clear_error();
		snprintf(err, errlen,
		    "tls_key %s does not match the certificate in tls_cert %s",
		    key, cert);
	} else {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen,
		    "tls_key %s: cannot load a PEM private key from it: %s",
		    key, why);
	}
	return -1;
}

SSL_CTX *
tls_ctx_load(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	char why[256];

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "cannot make a TLS context: %s", why);
		return NULL;
	}
	/* TLS 1.2 and later only; no renegotiation (a costly, old attack
	 * surface the clients do not need). */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen,
		    "tls_cert %s: cannot load a PEM certificate from it: %s",
		    cert, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (load_key(ctx, cert, key, err, errlen) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct tls_conn *
tls_conn_new(SSL_CTX *ctx)
{
	struct tls_conn *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if ((t->ssl = SSL_new(ctx)) == NULL ||
	    (t->rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (t->wbio = BIO_new(BIO_s_mem())) == NULL) {
		BIO_free(t->rbio);
		SSL_free(t->ssl);
		free(t);
		ERR_clear_error();
		return NULL;
	}
	/* An empty read BIO means "no data yet", not end of file. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_accept_state(t->ssl);
	return t;
}

void
tls_conn_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl); /* and its BIOs */
	free(t);
}

int
tls_conn_in(struct tls_conn *t, const char *data, size_t len)
{
	while (len > 0) {
		int n = BIO_write(
		    t->rbio, data, len > INT_MAX ? INT_MAX : (int)len);

		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tls_conn_read(
    struct tls_conn *t, char *buf, size_t size, char *err, size_t errlen)
{
	int n = SSL_read(t->ssl, buf, size > INT_MAX ? INT_MAX : (int)size);

	if (n > 0)
		return n;
	switch (SSL_get_error(t->ssl, n)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE: /* the write BIO grows: never */
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(err, errlen, "the client closed TLS");
		ERR_clear_error();
		return -1;
	default:
		ssl_reason(err, errlen);
		return -1;
	}
}

int
tls_conn_write(struct tls_conn *t, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (len > INT_MAX || SSL_write(t->ssl, data, (int)len) != (int)len) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
tls_conn_take(struct tls_conn *t, char **buf, size_t *len)
{
	size_t n = BIO_ctrl_pending(t->wbio);

	*buf = NULL;
	*len = 0;
	if (n == 0)
		return 0;
	if (n > INT_MAX || (*buf = malloc(n)) == NULL)
		return -1;
	if (BIO_read(t->wbio, *buf, (int)n) != (int)n) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	*len = n;
	return 0;
}
