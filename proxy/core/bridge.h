/* bridge.h: the running bridge, shared by every part of proxy/. */
#ifndef BRIDGE_H
#define BRIDGE_H

#include <sys/queue.h>

#include <uv.h>

#include "config.h"
#include "health.h"

struct store;
struct nonce_set;
struct upstream;
struct fairq;
struct dircache;
struct acme2;
struct server;
struct flowrun;
struct creation;
struct proof;
struct hook;
struct keyring;
struct rate_table;
struct authz_refresh;

/* One upstream CA (issue 9 item 1): its configuration, HTTP client and
 * RFC 8555 client. */
struct bridge_upstream {
	const struct config_upstream *cfg; /* prefix, name, url, EAB, ... */
	struct upstream *up;
	struct acme2 *acme;
	int dir_ready;
	/* issue 10 item 5 (flowrun.c): flows running at this CA, and those
	 * waiting their turn (NULL until the first has to wait) */
	size_t inflight;
	struct fairq *queue;
};

struct bridge {
	uv_loop_t *loop;
	const struct config *cfg;
	struct store *store;
	struct nonce_set *nonces;
	/* several instances on one database (v1_nonce.c): sealed nonces */
	int nonce_shared;
	unsigned char nonce_key[32];
	/* every upstream, the root first (cfg->ups); ups[0].up also makes
	 * the client-proof fetches */
	struct bridge_upstream ups[CONFIG_UPSTREAMS_MAX];
	size_t nups;
	struct keyring *keyring; /* every bridge-held private key (keyring.h) */
	struct server *front;
	struct server *http01;
	struct server *admin;
	void *obs;			       /* observe.c's state */
	LIST_HEAD(flowrun_list, flowrun) runs; /* flows in progress */
	/* In flight, so that a shutdown can end them (entries private to
	 * their files; zeroed = empty). */
	LIST_HEAD(proof_list, proof) proofs; /* client-proof checks */
	LIST_HEAD(hook_list, hook) hooks;    /* dns-01 hooks, newest first */
	/* upstream account creations and their waiters (front/accounts.c) */
	LIST_HEAD(creation_list, creation) creations;
	/* per-address rate limits (ratelimit.h), NULL = off: accounts
	 * created by new-reg, and signed POSTs */
	struct rate_table *rate_new_reg;
	struct rate_table *rate_post;
	/* pending authorizations refreshed lately or now, so that GETs do
	 * not each ask the CA (front/op_authz.c; issue 8 item 2) */
	LIST_HEAD(refresh_list, authz_refresh) refreshes;
	int stopping;
	int draining; /* SIGTERM: new requests refused, work in progress runs */
	/* Set by main: parts below call these without including the parts
	 * above them (docs/internals.md). NULL when not wired (a command). */
	int (*dns01_hook)(struct bridge *b, const char *verb,
	    const char *domain, const char *value,
	    void (*cb)(void *arg, int ok, const char *why), void *arg);
	void (*dns01_hook_cancel_all)(struct bridge *b);
	long long (*upstream_nonce_pool)(struct bridge *b, size_t i);
	/* upstream i's state (health.h); probe: fetch a nonce if none is
	 * fresh (issue 9 item 4) */
	void (*upstream_health)(
	    struct bridge *b, size_t i, struct upstream_health *h, int probe);
};

/* Unix seconds and milliseconds. */
long long bridge_now(void);
long long bridge_now_ms(void);

#endif
