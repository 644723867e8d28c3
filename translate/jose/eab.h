/* eab.h: the External Account Binding JWS of an RFC 8555 newAccount
 * (section 7.3.4): the CA's key identifier and MAC key bind the new account
 * key to an account the operator holds at the CA. */
#ifndef EAB_H
#define EAB_H

#include <stddef.h>
#include <jansson.h>

/* The flattened JWS {protected, payload, signature}: protected
 * {"alg":"HS256","kid":kid,"url":url}, payload the account's public jwk
 * (the same JWK as the outer JWS's), signature HMAC-SHA256 with
 * key[0..keylen). A new JSON object, or NULL on bad input or no memory. */
json_t *eab_jws(const char *kid, const unsigned char *key, size_t keylen,
    const char *url, const json_t *jwk);

#endif
