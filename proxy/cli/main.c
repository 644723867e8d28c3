/* main.c: acme-bridge in the foreground: config, store, listeners, the
 * upstream client, signals and a clean shutdown (every handle closed, every
 * allocation freed, so LeakSanitizer and valgrind see nothing at exit). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "account_cmd.h"
#include "acme2.h"
#include "admin.h"
#include "observe.h"
#include "bridge.h"
#include "config.h"
#include "endpoints.h"
#include "flowrun.h"
#include "hook.h"
#include "keyring.h"
#include "log.h"
#include "nonce.h"
#include "proof.h"
#include "ratelimit.h"
#include "report_cmd.h"
#include "fiber.h"
#include "store_cmd.h"
#include "store_pg_loop.h"
#include "v1_nonce.h"
#include "responder.h"
#include "server.h"
#include "startup_check.h"
#include "store.h"
#include "tls.h"
#include "upstream.h"

#define NONCE_POOL 64
#define DRAIN_TICK_MS 200

static struct bridge B;
static int state_lock = -1; /* store_file_lock's descriptor */
/* issue 9 item 3: the v1 API over TLS (tls_listen), NULL when off */
static struct server *front_tls;

static long long
nonce_pool_size(struct bridge *b, size_t i)
{
	struct acme2 *a = i < b->nups ? b->ups[i].acme : NULL;

	return a != NULL ? (long long)acme2_nonce_pool_size(a) : 0;
}

static void
upstream_health(
    struct bridge *b, size_t i, struct upstream_health *h, int probe)
{
	acme2_health(b->ups[i].acme, h);
	if (probe && h->loaded && !h->nonce_ok)
		acme2_probe_nonce(b->ups[i].acme);
}

static uv_signal_t sig_term, sig_int, sig_hup;
static uv_timer_t housekeeping;
static uv_timer_t drain_timer;
static long long drain_deadline_ms;
static int drain_quiet; /* ticks in a row with nothing in progress */

long long
bridge_now(void)
{
	return (long long)time(NULL);
}

long long
bridge_now_ms(void)
{
	return (long long)(uv_hrtime() / 1000000);
}

static void
on_dir(void *arg, int ok, const char *why)
{
	struct bridge_upstream *u = arg;

	(void)why; /* acme2 logs the failures, once per change of state */
	if (ok == 0) {
		u->dir_ready = 1;
		log_info("upstream directory loaded from %s (upstream %s)",
		    u->cfg->url, u->cfg->name);
	}
}

static void
housekeep(void *arg)
{
	(void)arg;
	store_http01_expire(B.store, bridge_now());
	if (B.nonce_shared)
		(void)store_nonce_expire(B.store, bridge_now());
}

static void
on_housekeeping(uv_timer_t *t)
{
	(void)t;
	fiber_run(housekeep, NULL, NULL, NULL); /* may wait for the store */
}

static void
upstreams_free(void)
{
	size_t i;

	for (i = 0; i < B.nups; i++) {
		if (B.ups[i].acme != NULL)
			acme2_free(B.ups[i].acme);
		if (B.ups[i].up != NULL)
			upstream_close(B.ups[i].up, NULL, NULL);
		B.ups[i].acme = NULL;
		B.ups[i].up = NULL;
	}
}

static void
stop(void)
{
	if (B.stopping)
		return;
	B.stopping = 1;
	log_info("stopping");
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&housekeeping, NULL);
	uv_close((uv_handle_t *)&drain_timer, NULL);
	flowrun_cancel_all(&B);
	proof_cancel_all(&B);
	if (B.front != NULL)
		server_close(B.front, NULL, NULL);
	if (B.http01 != NULL)
		server_close(B.http01, NULL, NULL);
	if (B.admin != NULL)
		server_close(B.admin, NULL, NULL);
	if (front_tls != NULL)
		server_close(front_tls, NULL, NULL);
	front_tls = NULL;
	B.front = B.http01 = B.admin = NULL;
	uv_close((uv_handle_t *)&sig_hup, NULL);
	upstreams_free();
}

/* The TLS listener's certificate and key, read again: new connections
 * get the new ones, open ones keep theirs; on failure the old stay. */
static void
tls_reload(void)
{
	char err[1536];
	SSL_CTX *ctx;

	if (front_tls == NULL)
		return;
	if ((ctx = tls_ctx_load(
		 B.cfg->tls_cert, B.cfg->tls_key, err, sizeof(err))) == NULL) {
		log_err("SIGHUP: keeping the TLS certificate in use: %s", err);
		return;
	}
	server_set_tls(front_tls, ctx);
	SSL_CTX_free(ctx); /* the server holds its own reference */
	log_info("SIGHUP: TLS certificate reloaded from %s", B.cfg->tls_cert);
}

static void
flush_now(void *arg)
{
	(void)arg;
	observe_flush(&B);
}

/* SIGHUP: reopen the access log (log rotation), write the inventory held
 * in memory (so `report` sees it at once), reload the TLS certificate. */
static void
on_hup(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	observe_reopen(&B);
	fiber_run(
	    flush_now, NULL, NULL, NULL); /* the inventory, for a report */
	/* after the writes: tests wait for this line (bridge_flush) */
	log_info("SIGHUP: access log reopened, inventory written");
	tls_reload();
}

/* What a drain waits for: v1 requests not answered yet, flows, client-proof
 * checks, dns-01 hooks and upstream account creations. */
static int
work_in_progress(void)
{
	return (B.front != NULL && server_requests_in_flight(B.front) > 0) ||
	    (front_tls != NULL && server_requests_in_flight(front_tls) > 0) ||
	    !LIST_EMPTY(&B.runs) || !LIST_EMPTY(&B.proofs) ||
	    !LIST_EMPTY(&B.hooks) || !LIST_EMPTY(&B.creations);
}

static void
on_drain_tick(uv_timer_t *t)
{
	(void)t;
	if (work_in_progress()) {
		drain_quiet = 0;
		if (bridge_now_ms() < drain_deadline_ms)
			return;
		log_warn("drain: drain_timeout_ms (%ld) passed with work in "
			 "progress: failing it",
		    B.cfg->drain_timeout_ms);
	} else if (drain_quiet++ == 0)
		return; /* one tick more: the last answers reach their clients */
	else
		log_info("drain: nothing left in progress");
	stop();
}

/* SIGTERM: refuse new connections (v1 and admin) and new requests (503),
 * let what is in progress finish. The http-01 responder stays open: the CA
 * still validates the issuances in progress through it. */
static void
drain(void)
{
	B.draining = 1;
	log_info("draining: refusing new requests, letting those in progress "
		 "finish (at most %ld ms; SIGTERM again to stop now)",
	    B.cfg->drain_timeout_ms);
	if (B.front != NULL)
		server_stop_accepting(B.front);
	if (front_tls != NULL)
		server_stop_accepting(front_tls);
	if (B.admin != NULL)
		server_stop_accepting(B.admin);
	drain_deadline_ms = bridge_now_ms() + B.cfg->drain_timeout_ms;
	uv_timer_start(&drain_timer, on_drain_tick, 0, DRAIN_TICK_MS);
}

/* The first SIGTERM drains; SIGINT, or SIGTERM while draining, stops now
 * (failing the flows in progress). */
static void
on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	log_info("signal %d", signum);
	if (signum == SIGTERM && !B.draining && !B.stopping &&
	    B.cfg->drain_timeout_ms > 0) {
		drain();
		return;
	}
	stop();
}

/* Each listener has caps of its own (the whole, and per address). */
static int
listen_on(struct server **srv, const char *name, server_handler h,
    const char *host, int port, size_t max_conns, size_t max_per_address)
{
	struct server_limits lim;
	int rc;

	lim.max_connections = max_conns;
	lim.max_per_address = max_per_address;
	lim.max_header_bytes = B.cfg->max_header_bytes;
	lim.max_body_bytes = B.cfg->max_body_bytes;
	lim.first_byte_timeout_ms = B.cfg->first_byte_timeout_ms;
	lim.header_timeout_ms = B.cfg->header_timeout_ms;
	lim.idle_timeout_ms = B.cfg->idle_timeout_ms;
	if ((*srv = server_new(B.loop, &lim, h, &B, name)) == NULL)
		return -1;
	if ((rc = server_listen(*srv, host, port)) != 0) {
		log_err("%s: cannot listen on %s:%d: %s", name, host, port,
		    uv_strerror(rc));
		return -1;
	}
	log_info("%s listening on %s:%d", name, host, port);
	return 0;
}

/* The v1 API over TLS with the same limits as the plain listener's
 * (issue 9 item 3). */
static int
listen_tls(const struct config *cfg)
{
	char err[1536];
	SSL_CTX *ctx;

	if ((ctx = tls_ctx_load(
		 cfg->tls_cert, cfg->tls_key, err, sizeof(err))) == NULL) {
		log_err("%s", err);
		return -1;
	}
	if (listen_on(&front_tls, "v1-tls", endpoints_handle, cfg->tls_host,
		cfg->tls_port, cfg->max_connections,
		cfg->max_connections_per_address) == -1) {
		SSL_CTX_free(ctx);
		return -1;
	}
	server_set_tls(front_tls, ctx);
	SSL_CTX_free(ctx);
	return 0;
}

/* The v1 front end (plain, and over TLS when asked), then the admin
 * listener and the http-01 responder (each optional). */
static int
listen_all(const struct config *cfg)
{
	if (listen_on(&B.front, "v1", endpoints_handle, cfg->listen_host,
		cfg->listen_port, cfg->max_connections,
		cfg->max_connections_per_address) == -1)
		return -1;
	if (cfg->tls_port > 0 && listen_tls(cfg) == -1)
		return -1;
	if (cfg->admin_port > 0 &&
	    listen_on(&B.admin, "admin", admin_handle, cfg->admin_host,
		cfg->admin_port, cfg->admin_max_connections,
		cfg->admin_max_connections_per_address) == -1)
		return -1;
	if (cfg->http01_port > 0 &&
	    listen_on(&B.http01, "http-01", responder_handle, cfg->http01_host,
		cfg->http01_port, cfg->http01_max_connections,
		cfg->http01_max_connections_per_address) == -1)
		return -1;
	return 0;
}

/* The per-address rate limits (0 a minute = off). The hash seed is
 * random so that no one can pick addresses that share a chain. -1 when out
 * of memory. */
static int
rate_limits_new(const struct config *cfg)
{
	unsigned long long seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = uv_hrtime();
	if (cfg->rate_new_reg_per_minute > 0 &&
	    (B.rate_new_reg = rate_table_new(cfg->rate_table_size,
		 cfg->rate_new_reg_per_minute, cfg->rate_new_reg_burst,
		 seed)) == NULL)
		return -1;
	if (cfg->rate_post_per_minute > 0 &&
	    (B.rate_post = rate_table_new(cfg->rate_table_size,
		 cfg->rate_post_per_minute, cfg->rate_post_burst,
		 seed ^ 0x9e3779b97f4a7c15ULL)) == NULL)
		return -1;
	return 0;
}

/* The store's errors, in the server's log. */
static void
store_log(void *arg, const char *fn, const char *msg)
{
	(void)arg;
	log_err("store: %s: %s", fn, msg);
}

/* A PostgreSQL state (issue 11, docs/ha.md): no file and no lock (every
 * instance shares it), the store's calls on the loop (store_pg_loop.h).
 * -1 after logging why. */
static int
open_pg_state(const struct config *cfg)
{
	char err[512], shown[256];

	store_state_shown(cfg->state, shown, sizeof(shown));
	if ((B.store = store_open_pg(
		 cfg->state, store_log, NULL, err, sizeof(err))) == NULL) {
		log_err("state %s: %s", shown, err);
		return -1;
	}
	/* before the loop: what start-up reads blocks, as it may */
	if (v1_nonce_init(&B) == -1)
		return -1;
	if (store_pg_on_loop(B.store, B.loop, err, sizeof(err)) == -1) {
		log_err("state %s: %s", shown, err);
		return -1;
	}
	log_info("state: PostgreSQL %s", shown);
	return 0;
}

/* The state file: prepared, locked, opened. -1 after logging why. */
static int
open_state(const struct config *cfg)
{
	char err[512];

	/* the causes in plain words, before the store's own messages */
	if (startup_check(cfg, 0, stderr) > 0)
		return -1;
	if (store_is_pg(cfg->state))
		return open_pg_state(cfg);
	if (store_file_prepare(cfg->state, err, sizeof(err)) == -1) {
		log_err("state %s: %s", cfg->state, err);
		return -1;
	}
	/* The lock before the store opens: a second server never migrates
	 * or writes under a first one. */
	if (store_file_lock(cfg->state, &state_lock, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return -1;
	}
	if ((B.store = store_open_sqlite(
		 cfg->state, store_log, NULL, err, sizeof(err))) == NULL) {
		log_err("state %s: %s", cfg->state, err);
		return -1;
	}
	return 0;
}

/* An HTTP client and an RFC 8555 client per upstream (issue 9 item 1). */
static int
upstreams_new(const struct config *cfg)
{
	const struct config_upstream *c;
	size_t i;

	for (i = 0; i < cfg->nups; i++) {
		c = &cfg->ups[i];
		B.ups[i].cfg = c;
		B.nups = i + 1;
		if ((B.ups[i].up = upstream_new(B.loop,
			 c->ca_file[0] ? c->ca_file : NULL,
			 cfg->upstream_timeout_ms)) == NULL ||
		    (B.ups[i].acme = acme2_new(
			 B.loop, B.ups[i].up, c->url, NONCE_POOL)) == NULL) {
			log_err("upstream %s: cannot set up the client for %s "
				"(CA file %s?)",
			    c->name, c->url, c->ca_file[0] ? c->ca_file : "-");
			return -1;
		}
	}
	return 0;
}

static int
start(const struct config *cfg)
{
	B.cfg = cfg;
	B.loop = uv_default_loop();
	B.dns01_hook = hook_run;
	B.dns01_hook_cancel_all = hook_cancel_all;
	B.upstream_nonce_pool = nonce_pool_size;
	B.upstream_health = upstream_health;
	/* Before anything can fail: stop() closes these. */
	uv_signal_init(B.loop, &sig_term);
	uv_signal_init(B.loop, &sig_int);
	uv_signal_init(B.loop, &sig_hup);
	uv_timer_init(B.loop, &housekeeping);
	uv_timer_init(B.loop, &drain_timer);
	if (open_state(cfg) == -1)
		return -1;
	if (observe_init(&B) == -1) {
		log_err("cannot open the access log %s", cfg->log_file);
		return -1;
	}
	/* Every private key of the bridge's lives in B.keyring (keyring.h). */
	if ((B.keyring = keyring_new(KEYRING_DEFAULT_CAP)) == NULL ||
	    rate_limits_new(cfg) == -1) {
		log_err("out of memory");
		return -1;
	}
	if ((B.nonces = nonce_set_new(cfg->nonce_cap)) == NULL) {
		log_err("out of memory");
		return -1;
	}
	if (upstreams_new(cfg) == -1)
		return -1;
	if (listen_all(cfg) == -1)
		return -1;
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_start(&sig_hup, on_hup, SIGHUP);
	uv_timer_start(
	    &housekeeping, on_housekeeping, 3600 * 1000, 3600 * 1000);
	for (size_t i = 0; i < B.nups; i++)
		acme2_load(B.ups[i].acme, cfg->directory_retry_max_ms, on_dir,
		    &B.ups[i]);
	return 0;
}

static void
walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* --check-config: the values were checked as they loaded; then what
 * start-up would fail on (issue 9 item 8). The exit status. */
static int
check_config(struct config *cfg)
{
	int bad = startup_check(cfg, 1, stderr) > 0;

	if (!bad)
		printf("acme-bridge: configuration OK\n");
	config_free(cfg);
	return bad ? 2 : 0;
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	char err[1024];
	int rc, status = 0;

	signal(SIGPIPE, SIG_IGN);
	umask(077);
	/* Subcommands first; everything else is the server's command line. */
	if (argc > 1 && strcmp(argv[1], "account") == 0)
		return account_cmd_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_cmd_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "store") == 0)
		return store_cmd_main(argc - 1, argv + 1);
	config_defaults(&cfg);
	if ((rc = config_load(&cfg, argc, argv, err, sizeof(err))) == 1)
		return 0;
	if (rc == -1) {
		fprintf(stderr, "acme-bridge: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	log_min_level = cfg.log_level == CONFIG_LOG_DEBUG ? LOG_DEBUG
	    : cfg.log_level == CONFIG_LOG_WARN		  ? LOG_WARN
	    : cfg.log_level == CONFIG_LOG_ERROR		  ? LOG_ERR
							  : LOG_INFO;
	if (cfg.check_only)
		return check_config(&cfg);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "acme-bridge: curl_global_init failed\n");
		return 1;
	}
	if (start(&cfg) == -1) {
		status = 1;
		stop();
	}
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	/* Anything still open (after a failed start) is closed here. */
	uv_walk(uv_default_loop(), walk_close, NULL);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	uv_loop_close(uv_default_loop());
	if (B.store != NULL && store_is_pg(cfg.state))
		store_pg_loop_end(B.store); /* the last writes block: no loop */
	fiber_cleanup();
	ep_refreshes_free(&B);
	if (B.nonces != NULL)
		nonce_set_free(B.nonces);
	keyring_free(B.keyring); /* after the loop: nothing holds a key now */
	rate_table_free(B.rate_new_reg);
	rate_table_free(B.rate_post);
	observe_close(&B);
	if (B.store != NULL)
		store_close(B.store);
	store_file_unlock(state_lock); /* after the store: its last commit */
	curl_global_cleanup();
	config_free(&cfg);
	log_info("stopped");
	return status;
}
