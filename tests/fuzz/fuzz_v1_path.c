/* fuzz_v1_path.c: a request path through v1_route (which resource, which
 * ids), as the front routes every request. */
#include "fuzz.h"
#include "v1_rules.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_text(data, size);
	struct v1_route r;
	struct v1_authz_ref ref;
	long long id;
	int idx;

	if (path == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	v1_route(path, &r);
	FUZZ_ASSERT(r.res >= V1R_UNKNOWN && r.res < V1R_COUNT);
	FUZZ_ASSERT(v1_resource_name(r.res) != NULL);
	if (r.res == V1R_REG)
		FUZZ_ASSERT(r.id >= 1 && r.id < (1LL << 53));
	/* an authorization: a public id of exactly its length, or a number */
	if (r.res == V1R_AUTHZ || r.res == V1R_CHALLENGE)
		FUZZ_ASSERT(r.authz.pid[0] != '\0'
			? strlen(r.authz.pid) == AUTHZ_PUBLIC_ID_LEN &&
			    r.authz.id == 0
			: r.authz.id >= 1 && r.authz.id < (1LL << 53));
	if (r.res == V1R_CHALLENGE)
		FUZZ_ASSERT(r.idx >= 0 && r.idx <= 99);
	if (r.res == V1R_CERT || r.res == V1R_ISSUER_CERT)
		FUZZ_ASSERT(r.tail != NULL && r.tail >= path &&
		    r.tail <= path + strlen(path));
	if (v1_path_id(path, "/acme/reg/", &id))
		FUZZ_ASSERT(id >= 1 && id < (1LL << 53));
	if (v1_path_challenge(path, &ref, &idx))
		FUZZ_ASSERT(idx >= 0 && idx <= 99);
	if (v1_path_authz(path, &ref))
		FUZZ_ASSERT(ref.pid[0] != '\0' || ref.id >= 1);
	free(path);
	return 0;
}
