/* tls.h: TLS 1.2+ for the server (issue 9 item 3), OpenSSL's SSL API over
 * memory BIOs: the server hands it the bytes libuv read and writes what it
 * gives back, so the TLS layer sits between the socket and llhttp and the
 * server's limits and timeouts apply to TLS connections unchanged. */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* A server context from PEM files: the certificate (with its chain) and its
 * private key, which must match. NULL with the reason in err. */
SSL_CTX *
tls_ctx_load(const char *cert, const char *key, char *err, size_t errlen);

struct tls_conn;

/* One connection on ctx (it keeps ctx alive while it lives); NULL when out
 * of memory. */
struct tls_conn *tls_conn_new(SSL_CTX *ctx);
void tls_conn_free(struct tls_conn *t);

/* Bytes read from the peer; 0, or -1 when out of memory. */
int tls_conn_in(struct tls_conn *t, const char *data, size_t len);
/* Decrypted bytes into buf: how many, 0 when none are ready yet, -1 when
 * the peer closed or broke the protocol (the reason in err). */
int tls_conn_read(
    struct tls_conn *t, char *buf, size_t size, char *err, size_t errlen);
/* Encrypt len bytes for the peer; 0 or -1. */
int tls_conn_write(struct tls_conn *t, const void *data, size_t len);
/* The bytes to send the peer (handshake, records, alerts): *buf malloc'd
 * (NULL and *len 0 when none); 0, or -1 when out of memory. */
int tls_conn_take(struct tls_conn *t, char **buf, size_t *len);

#endif
