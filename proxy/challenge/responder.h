/* responder.h: the http-01 responder: GET /.well-known/acme-challenge/TOKEN
 * answers the key authorization the bridge published for TOKEN. */
#ifndef RESPONDER_H
#define RESPONDER_H

struct server_req;

/* The listener's request handler; arg is the struct bridge. */
void responder_handle(struct server_req *r, void *arg);

#endif
