/* v1.h: ACME v1 objects exactly as Boulder's WFE1 rendered them: Go's
 * json.MarshalIndent(v, "", "  ") layout, Boulder's member order, "uri" in
 * challenges, never "processing". base is the bridge's v1 base URL
 * ("http://bridge:4000", no trailing slash). */
#ifndef V1_H
#define V1_H

#include <stddef.h>
#include <jansson.h>
#include "records.h"

/* Challenge types offered in every v1 authorization, by index. */
#define V1_CHALL_HTTP01 0
#define V1_CHALL_DNS01 1
#define V1_CHALL_COUNT 2

/* MarshalIndent-style text (malloc'd, *len set) or NULL. */
char *v1_dump(const json_t *j, size_t *len);

/* The directory: kebab-case resources, meta.terms-of-service and a
 * top-level terms-of-service (dehydrated 0.7.0 reads that one). */
json_t *v1_directory(const char *base);

json_t *v1_registration(const struct store_account *a);
json_t *v1_authz(const char *base, const struct store_authz *z);
json_t *v1_challenge(const char *base, const struct store_authz *z, int idx);

/* "2026-11-22T16:40:01Z" for unix seconds t. */
void v1_time(long long t, char out[32]);

/* The v1 challenge type name for an index, or NULL. */
const char *v1_chall_type(int idx);

#endif
