/* config.h: one immutable configuration, from a JSON file and the command
 * line (flags win). */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <jansson.h>

#define CONFIG_LE_PRODUCTION "https://acme-v02.api.letsencrypt.org/directory"
#define CONFIG_LE_STAGING \
	"https://acme-staging-v02.api.letsencrypt.org/directory"

/* The closed sets among the keys; their spellings (the config file's and
 * the flags') are the *_names arrays, in enum order, NULL-ended. */
enum config_log_level {
	CONFIG_LOG_DEBUG,
	CONFIG_LOG_INFO,
	CONFIG_LOG_WARN,
	CONFIG_LOG_ERROR
};
enum authz_mode { AUTHZ_MODE_EAGER, AUTHZ_MODE_CLIENT_PROOF };
extern const char *const config_log_level_names[];

/* issue 9 item 1: several upstream CAs on one bridge, each behind a path
 * prefix of the v1 API ("" the root, else one segment "/name",
 * v1_prefix_check). ups[0] is always the root. */
#define CONFIG_UPSTREAMS_MAX 16
#define CONFIG_PREFIX_MAX 64 /* with the '/' and the NUL */

struct config_upstream {
	char prefix[CONFIG_PREFIX_MAX]; /* "" or "/name": the store's key */
	char name[CONFIG_PREFIX_MAX];	/* "/" or the prefix: for people */
	char url[1024];			/* v2 directory URL */
	char ca_file[1024];		/* extra PEM roots, "" for none */
	char eab_kid[256];		/* External Account Binding, both "" */
	char eab_hmac_key[512];		/* = none (never logged) */
	int agree_tos;
	const json_t *accounts; /* {"mode":..}, borrowed; NULL = per-client */
};
extern const char *const config_authz_mode_names[];

struct config {
	char listen_host[64]; /* v1 front end */
	int listen_port;
	char http01_host[64]; /* http-01 responder; port 0 = off */
	int http01_port;
	char upstream[1024];	/* v2 directory URL */
	char upstream_ca[1024]; /* extra PEM roots, "" for none */
	char state[1024];	/* SQLite file */
	int agree_tos;		/* operator agrees for clients */
	char base_url[512];	/* public v1 base URL; "" = from Host */
	/* limits and timeouts */
	size_t max_connections;	  /* 256 */
	size_t max_header_bytes;  /* 16384 */
	size_t max_body_bytes;	  /* 65536 */
	long header_timeout_ms;	  /* 10000 */
	long idle_timeout_ms;	  /* 60000 */
	long upstream_timeout_ms; /* 30000, per upstream request */
	long authz_wait_ms;	/* 20000: eager validation wait in new-authz */
	long issue_timeout_ms;	/* 40000: the whole of new-cert */
	size_t nonce_cap;	/* 10000 outstanding v1 nonces */
	int check_only;		/* --check-config */
	char config_file[1024]; /* "" when none */
	enum config_log_level log_level; /* "info" by default */
	/* validation (docs/config.md) */
	enum authz_mode authz_mode; /* "eager" by default */
	int proof_http_port; /* 80: port client-proof fetches http-01 on */
	char proof_resolver_host[64]; /* DNS server for client-proof lookups; */
	int proof_resolver_port;      /* "" = first nameserver of resolv.conf */
	long proof_timeout_ms;	      /* 10000 */
	char dns01_hook[1024];	      /* "" = dns-01 upstream unavailable */
	long dns01_hook_timeout_ms;   /* 30000 */
	json_t *dns01_names;	      /* array of "name"/"*.suffix": answered
					 * upstream with dns-01; NULL = none */
	/* issue 8 item 5: arrays of networks (netaddr.h), NULL when absent;
	 * an allowed network wins over the built-in refusals (loopback,
	 * link-local, unspecified, multicast) and over the deny list */
	json_t *proof_deny_networks;
	json_t *proof_allow_networks;
	/* observation (docs/observe.md) */
	char log_file[1024]; /* JSON access log; "" = stdout */
	char admin_host[64]; /* /metrics and the migration page; */
	int admin_port;	     /* 0 = off; default 127.0.0.1:4001 */
	/* accounts and policy (translate/policy.h), NULL when absent */
	json_t *accounts; /* {"mode": ..., "groups": [...]} */
	json_t *policy;	  /* [rule, ...] */

	/* issue 8 item 1: connection fairness (max_connections is the v1
	 * listener's; each per-address cap sits below its listener's) */
	size_t max_connections_per_address;	   /* 32 */
	long first_byte_timeout_ms;		   /* 5000, every listener */
	size_t http01_max_connections;		   /* 256 */
	size_t http01_max_connections_per_address; /* 32 */
	size_t admin_max_connections;		   /* 64 */
	size_t admin_max_connections_per_address;  /* 32 */
	/* per-address rate limits (issue 8 item 6; docs/config.md): tokens
	 * a minute (0 = off) and burst, buckets per table */
	int rate_new_reg_per_minute; /* 10: accounts created */
	int rate_new_reg_burst;	     /* 20 */
	int rate_post_per_minute;    /* 300: signed POSTs */
	int rate_post_burst;	     /* 100 */
	size_t rate_table_size;	     /* 16384 addresses per limit */

	/* issue 8 item 2: unauthenticated GETs refresh one pending
	 * authorization from upstream at most once in this many ms (1000) */
	long authz_refresh_ms;
	/* issue 9 item 6: how long SIGTERM lets issuances finish */
	long drain_timeout_ms;
	/* issue 9 item 5: directory retries back off from 1 s doubling up to
	 * this many ms (300000) */
	long directory_retry_max_ms;
	/* issue 10 item 5: work at each upstream CA is bounded: at most this
	 * many flows (orders, account creations, ...) run at once (16), more
	 * wait in a queue fair between v1 accounts, of at most queue_max
	 * (4096), for at most queue_timeout_ms (60000) */
	size_t upstream_inflight_max;
	size_t upstream_queue_max;
	long upstream_queue_timeout_ms;
	/* issue 9 item 2: External Account Binding (RFC 8555 7.3.4), both
	 * "" = none; the MAC key is base64url as the CA hands it out (any
	 * "=" padding removed) and a secret: never logged */
	char eab_kid[256];
	char eab_hmac_key[512];
	/* issue 9 item 3: the v1 API over TLS too; port 0 = off (default).
	 * PEM files, reloaded on SIGHUP */
	char tls_host[64];
	int tls_port;
	char tls_cert[1024];
	char tls_key[1024];

	/* issue 9 item 1: the `upstreams` object as given (NULL when
	 * absent), and every upstream, the root first: built by config_load
	 * from the root's shorthand keys above (upstream, upstream_ca,
	 * eab_*, agree_tos, accounts; upstreams[""] sets those) and the
	 * other members of upstreams */
	json_t *upstreams_json;
	struct config_upstream ups[CONFIG_UPSTREAMS_MAX];
	size_t nups;
};

/* The upstream whose prefix is exactly prefix, NULL when none. */
const struct config_upstream *
config_upstream_find(const struct config *c, const char *prefix);

/* Release what config_load allocated (the JSON members). */
void config_free(struct config *c);

/* Defaults (listen 127.0.0.1:4000, http-01 0.0.0.0:5002, upstream
 * Let's Encrypt production, state ./acme-bridge.db). */
void config_defaults(struct config *c);

/* Parse argv (after argv[0]) into c: first --config FILE is loaded, then the
 * flags override it. Unknown flags, unknown keys, wrong types and bad
 * addresses fill err ("FILE: key 'x': reason") and return -1. --help prints
 * usage to stdout and returns 1. */
int
config_load(struct config *c, int argc, char **argv, char *err, size_t errlen);

/* The flag of the i-th config key ("" for a key without one), NULL past the
 * last key: lets the tests hold docs/config.md to the flags accepted. */
const char *config_flag_at(size_t i);

/* "HOST:PORT" -> host, port ("[::1]:80" too). 0 or -1. */
int config_parse_addr(const char *s, char *host, size_t hostlen, int *port);

#endif
