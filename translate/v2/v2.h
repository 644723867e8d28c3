/* v2.h: RFC 8555 documents as typed structs. The bridge reads the CA's
 * directory, account, order, authorization, challenge and problem
 * documents only through these parsers, and decides on the enums, never on
 * the wire strings (their spellings live in v2_doc.c and v2_problem.c).
 * Parsers take a jansson value and fill a struct: 0, or -1 when the
 * document is malformed (wrong shape, a required member missing, a status
 * outside RFC 8555's set, an identifier, token or status too long), with
 * the struct then empty. Prose (detail) too long is cut, never refused. */
#ifndef V2_H
#define V2_H

#include <stddef.h>
#include <jansson.h>

/* Order, authorization, challenge and account statuses (RFC 8555 7.1.6).
 * V2S_PENDING is 0: a zeroed slot reads pending, as a fresh one is. */
enum v2_status {
	V2S_PENDING,
	V2S_READY,
	V2S_PROCESSING,
	V2S_VALID,
	V2S_INVALID,
	V2S_DEACTIVATED,
	V2S_EXPIRED,
	V2S_REVOKED,
	V2S_UNKNOWN
};

enum v2_chall_type { V2C_HTTP01, V2C_DNS01, V2C_OTHER };

/* Problem types (RFC 8555 6.7). V2E_NONE: no type (no problem document, or
 * one without a type); V2E_OTHER: a type this list does not know. */
enum v2_err {
	V2E_NONE,
	V2E_ACCOUNT_DOES_NOT_EXIST,
	V2E_ALREADY_REVOKED,
	V2E_BAD_CSR,
	V2E_BAD_NONCE,
	V2E_BAD_PUBLIC_KEY,
	V2E_BAD_REVOCATION_REASON,
	V2E_BAD_SIGNATURE_ALGORITHM,
	V2E_CAA,
	V2E_COMPOUND,
	V2E_CONNECTION,
	V2E_DNS,
	V2E_EXTERNAL_ACCOUNT_REQUIRED,
	V2E_INCORRECT_RESPONSE,
	V2E_INVALID_CONTACT,
	V2E_MALFORMED,
	V2E_ORDER_NOT_READY,
	V2E_RATE_LIMITED,
	V2E_REJECTED_IDENTIFIER,
	V2E_SERVER_INTERNAL,
	V2E_TLS,
	V2E_UNAUTHORIZED,
	V2E_UNSUPPORTED_CONTACT,
	V2E_UNSUPPORTED_IDENTIFIER,
	V2E_USER_ACTION_REQUIRED,
	V2E_OTHER
};

#define V2_NAME_MAX 253	   /* a DNS name */
#define V2_TOKEN_MAX 255   /* a challenge token */
#define V2_TYPE_MAX 63	   /* a problem type's suffix as given */
#define V2_DETAIL_MAX 2048 /* problem detail, NUL included */
#define V2_SUB_DETAIL_MAX 256
#define V2_SUB_MAX 32	 /* subproblems kept; more are dropped */
#define V2_CHALL_MAX 16	 /* challenges in one authorization */
#define V2_ORDER_MAX 100 /* authorizations in one order */

/* The wire words. Names of out-of-range values read "unknown" / "other";
 * parse gives V2S_UNKNOWN, V2C_OTHER or V2E_OTHER for words it does not
 * know and for NULL (V2E_NONE for a NULL problem type). */
const char *v2_status_name(enum v2_status s);
enum v2_status v2_status_parse(const char *s);
const char *v2_chall_type_name(enum v2_chall_type t);
enum v2_chall_type v2_chall_type_parse(const char *s);
/* The type's suffix ("badNonce"); V2E_NONE reads "". */
const char *v2_err_name(enum v2_err e);
/* From a full type URN (urn:ietf:params:acme:error:<x>, or a v1
 * urn:acme:error:<x>); any other text is V2E_OTHER. */
enum v2_err v2_err_parse(const char *urn);

struct v2_subproblem {
	enum v2_err type;
	char identifier[V2_NAME_MAX + 1]; /* its identifier's value, or "" */
	char detail[V2_SUB_DETAIL_MAX];
};

/* A problem document (RFC 7807, RFC 8555 6.7). */
struct v2_problem {
	enum v2_err type;
	char type_name[V2_TYPE_MAX + 1]; /* the suffix as given, cut to fit */
	long status;			 /* its "status" member, 0 if none */
	int has_detail;
	char detail[V2_DETAIL_MAX];
	char instance[V2_DETAIL_MAX]; /* a URL for the user, or "" */
	size_t nsub;
	struct v2_subproblem sub[V2_SUB_MAX];
};

int v2_problem_parse(const json_t *doc, struct v2_problem *out);
/* The suffix of doc's problem type URN as the CA gave it ("badNonce"), or
 * "" when doc has none (an answer that is not a problem: a challenge's
 * "type" is not an error URN). Borrowed from doc. */
const char *v2_problem_type(const json_t *doc);
/* 1 when an answer (HTTP status, parsed body or NULL) is badNonce, the
 * one problem the bridge retries itself with the answer's nonce. */
int v2_is_bad_nonce(long http_status, const json_t *doc);

/* The directory (RFC 8555 7.1.1): newNonce, newAccount and newOrder are
 * required. Strings are malloc'd; v2_directory_clear frees them. On -1,
 * why says what was wrong. */
struct v2_directory {
	char *new_nonce, *new_account, *new_order, *revoke_cert, *key_change;
	char *terms_of_service; /* meta.termsOfService, or NULL */
};
/* why for a v1 directory (it has "new-reg"/"new-authz"). */
#define V2_DIR_IS_V1 \
	"it is an ACME v1 directory; acme-bridge needs the CA's RFC 8555 " \
	"(v2) directory, e.g. https://acme-v02.api.letsencrypt.org/directory"
int v2_directory_parse(
    const json_t *doc, struct v2_directory *out, char *why, size_t whylen);
void v2_directory_clear(struct v2_directory *d);

/* An account (RFC 8555 7.1.2): status required. */
struct v2_account {
	enum v2_status status;
	char *orders; /* or NULL */
};
int v2_account_parse(const json_t *doc, struct v2_account *out);
void v2_account_clear(struct v2_account *a);

/* An order (RFC 8555 7.1.3): status, finalize and authorizations
 * required; certificate and error optional. */
struct v2_order {
	enum v2_status status;
	char *finalize;
	char *certificate; /* or NULL */
	size_t nauthz;
	char **authz;		  /* nauthz URLs */
	struct v2_problem *error; /* or NULL */
};
int v2_order_parse(const json_t *doc, struct v2_order *out);
void v2_order_clear(struct v2_order *o);

/* A challenge (RFC 8555 7.1.5, 8): type, url and status required. */
struct v2_challenge {
	enum v2_chall_type type;
	enum v2_status status;
	char *url;
	char token[V2_TOKEN_MAX + 1]; /* "" when none */
	struct v2_problem *error;     /* or NULL */
};
int v2_challenge_parse(const json_t *doc, struct v2_challenge *out);
void v2_challenge_clear(struct v2_challenge *c);

/* An authorization (RFC 8555 7.1.4): identifier (type dns), status and
 * challenges required, at most V2_CHALL_MAX of them. */
struct v2_authz {
	char name[V2_NAME_MAX + 1];
	enum v2_status status;
	int wildcard;
	size_t nchall;
	struct v2_challenge chall[V2_CHALL_MAX];
};
int v2_authz_parse(const json_t *doc, struct v2_authz *out);
void v2_authz_clear(struct v2_authz *z);
/* The first challenge of type t, or NULL. */
const struct v2_challenge *
v2_authz_challenge(const struct v2_authz *z, enum v2_chall_type t);

/* Request bodies, as compact JSON text (malloc'd; NULL on bad input or no
 * memory). */
char *v2_body_new_account(int only_existing);
/* newAccount with terms agreed and externalAccountBinding eab (RFC 8555
 * 7.3.4, the JWS of eab_jws). */
char *v2_body_new_account_eab(const json_t *eab);
char *v2_body_new_order(const char *const *names, size_t n);
char *v2_body_finalize(const char *csr_b64);
char *v2_body_deactivate(void);
/* reason < 0: none given. */
char *v2_body_revoke(const char *cert_b64, int reason);

#endif
