/* account_cmd.c: `acme-bridge account import` (account_cmd.h). A short-lived
 * command: it reads the key, optionally looks the account up at the CA on a
 * private libuv loop (the same upstream client and flow as the server), and
 * writes the store in one transaction. Nothing is written when anything
 * fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "account_cmd.h"
#include "acme2.h"
#include "bridge.h"
#include "cli_opt.h"
#include "config.h"
#include "flow.h"
#include "flowrun.h"
#include "jwk.h"
#include "keyring.h"
#include "log.h"
#include "problem.h"
#include "problem_v2.h"
#include "store.h"
#include "upstream.h"

#define KEY_FILE_MAX (64 * 1024)

static const char usage_text[] =
    "usage: acme-bridge account import --key FILE [--force] [--offline]\n"
    "           [--config FILE] [--state FILE] [--upstream URL] [--upstream-ca "
    "FILE]\n"
    "           [--prefix PREFIX]\n"
    "\n"
    "Import a host's existing ACME account key (PEM: RSA >= 2048 bits, EC "
    "P-256\n"
    "or P-384; not readable by others). The host's v1 client, using the same "
    "key,\n"
    "then works through the bridge with its existing account at the CA, and\n"
    "answers its challenges itself. See docs/accounts.md.\n"
    "\n"
    "  --key FILE           the account's private key\n"
    "  --force              convert a v1 account already registered with this "
    "key\n"
    "                       through the bridge (its bridge-held key is "
    "replaced)\n"
    "  --offline            do not look the account up at the CA now (the "
    "bridge\n"
    "                       does it at the host's first request)\n"
    "  --prefix PREFIX      the upstream (config key upstreams) the account "
    "is at,\n"
    "                       by its path prefix, e.g. /staging (default: the "
    "root)\n"
    "  --config FILE, --state FILE, --upstream URL, --upstream-ca FILE\n"
    "                       as for the server (docs/config.md; the last two "
    "set\n"
    "                       the root's)\n";

struct opts {
	const char *key, *config, *state, *upstream, *upstream_ca, *prefix;
	int force, offline;
};

/* The upstream lookup, on its own loop. */
struct lookup {
	struct bridge b;
	uv_loop_t loop;
	uv_timer_t quit;
	/* the key: its id in b.keyring */
	const char *key_id;
	char *url;	/* the account URL found */
	int no_account; /* the CA has no account for the key */
	char why[PROBLEM_DETAIL_MAX + 64];
};

/* ---- arguments ---- */

static int
parse_args(int argc, char **argv, struct opts *o)
{
	const struct cli_opt opts[] = { { "--key", &o->key },
		{ "--config", &o->config }, { "--state", &o->state },
		{ "--upstream", &o->upstream },
		{ "--upstream-ca", &o->upstream_ca },
		{ "--prefix", &o->prefix } };
	const char *missing = NULL;
	int i, rc;

	memset(o, 0, sizeof(*o));
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0) {
			o->force = 1;
			continue;
		}
		if (strcmp(argv[i], "--offline") == 0) {
			o->offline = 1;
			continue;
		}
		rc = cli_opt_value(argc, argv, &i, opts,
		    sizeof(opts) / sizeof(opts[0]), &missing);
		if (rc == -1) {
			fprintf(stderr,
			    "acme-bridge account import: option '%s' needs "
			    "a value\n",
			    missing);
			return -1;
		}
		if (rc == 0) {
			char e[80];

			fprintf(stderr,
			    "acme-bridge account import: unknown "
			    "option '%s'\n%s",
			    log_escape(argv[i], strlen(argv[i]), e, sizeof(e)),
			    usage_text);
			return -1;
		}
	}
	if (o->key == NULL || o->key[0] == '\0') {
		fprintf(stderr,
		    "acme-bridge account import: --key FILE is "
		    "required\n%s",
		    usage_text);
		return -1;
	}
	return 0;
}

/* The server's config with the same checks: --config, then the flags. */
static int
load_config(const struct opts *o, struct config *cfg)
{
	const char *av[12];
	char err[1024];
	int n = 0;

	av[n++] = "acme-bridge";
	if (o->config) {
		av[n++] = "--config";
		av[n++] = o->config;
	}
	if (o->state) {
		av[n++] = "--state";
		av[n++] = o->state;
	}
	if (o->upstream) {
		av[n++] = "--upstream";
		av[n++] = o->upstream;
	}
	if (o->upstream_ca) {
		av[n++] = "--upstream-ca";
		av[n++] = o->upstream_ca;
	}
	av[n] = NULL;
	if (config_load(cfg, n, (char **)av, err, sizeof(err)) != 0) {
		fprintf(stderr, "acme-bridge account import: %s\n", err);
		return -1;
	}
	return 0;
}

/* ---- the key ---- */

/* Read path (a regular file, not writable by its group nor accessible by
 * others, at most KEY_FILE_MAX) into a NUL-terminated buffer. */
static char *
read_key_file(const char *path)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		fprintf(stderr, "acme-bridge account import: %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fprintf(stderr,
		    "acme-bridge account import: %s is not a "
		    "regular file\n",
		    path);
		goto fail;
	}
	if ((st.st_mode & 027) != 0) {
		fprintf(stderr,
		    "acme-bridge account import: %s is mode %03o: a "
		    "private key must not be readable by others nor writable "
		    "by "
		    "the group (chmod 600 %s)\n",
		    path, (unsigned)(st.st_mode & 0777), path);
		goto fail;
	}
	if (st.st_size <= 0 || st.st_size > KEY_FILE_MAX ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fprintf(stderr,
		    "acme-bridge account import: %s: empty or "
		    "larger than %d bytes\n",
		    path, KEY_FILE_MAX);
		goto fail;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n != (ssize_t)st.st_size) {
		fprintf(stderr, "acme-bridge account import: %s: short read\n",
		    path);
		goto fail;
	}
	buf[n] = '\0';
	close(fd);
	return buf;
fail:
	if (buf != NULL)
		OPENSSL_cleanse(buf, (size_t)st.st_size);
	free(buf);
	close(fd);
	return NULL;
}

/* The key into kr, its id (= thumbprint), its public JWK text and a
 * printable kind. 0 or -1 (said why). */
static int
load_key(struct keyring *kr, const char *path, char **jwk_text,
    char tp[JWK_THUMBPRINT_LEN + 1], char *kind, size_t kindlen)
{
	struct problem p;
	EVP_PKEY *pub = NULL;
	json_t *jwk = NULL;
	char *pem = NULL;
	const char *alg = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((pem = read_key_file(path)) == NULL)
		return -1;
	rc = keyring_import_pem(kr, pem, strlen(pem), tp);
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	if (rc == -1) {
		fprintf(stderr,
		    "acme-bridge account import: %s: not a PEM "
		    "private key (unencrypted RSA or EC)\n",
		    path);
		return -1;
	}
	/* The same limits as a v1 client's key (pub: the public key). */
	if (rc == -2 || (jwk = keyring_jwk(kr, tp)) == NULL ||
	    (pub = jwk_to_pkey(jwk, &p)) == NULL ||
	    (alg = keyring_alg(kr, tp)) == NULL) {
		fprintf(stderr, "acme-bridge account import: %s: %s\n", path,
		    p.detail[0] ? p.detail
				: "unsupported key type (RSA, "
				  "EC P-256 or P-384 only)");
		goto fail;
	}
	if ((*jwk_text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL)
		goto fail;
	if (strcmp(alg, "RS256") == 0)
		snprintf(kind, kindlen, "RSA %d", EVP_PKEY_get_bits(pub));
	else
		snprintf(kind, kindlen, "EC %s",
		    strcmp(alg, "ES256") == 0 ? "P-256" : "P-384");
	json_decref(jwk);
	EVP_PKEY_free(pub);
	return 0;
fail:
	json_decref(jwk);
	EVP_PKEY_free(pub);
	return -1;
}

/* ---- the upstream lookup ---- */

static void
on_quit_closed(uv_handle_t *h)
{
	(void)h;
}

static void
on_quit(uv_timer_t *t)
{
	struct lookup *l = t->data;

	if (l->b.ups[0].acme != NULL)
		acme2_free(l->b.ups[0].acme);
	l->b.ups[0].acme = NULL;
	if (l->b.ups[0].up != NULL)
		upstream_close(l->b.ups[0].up, NULL, NULL);
	l->b.ups[0].up = NULL;
	uv_close((uv_handle_t *)t, on_quit_closed);
}

/* Stop on the next turn of the loop (not inside an upstream callback). */
static void
lookup_stop(struct lookup *l)
{
	uv_timer_start(&l->quit, on_quit, 0, 0);
}

static void
on_found(void *arg, struct flow *f, int ok)
{
	struct lookup *l = arg;
	struct problem prob, *p = &prob;

	problem_v2_flow(p, flow_failure(f));
	if (ok) {
		if ((l->url = strdup(flow_account_url(f))) == NULL)
			snprintf(l->why, sizeof(l->why), "out of memory");
	} else {
		l->no_account = flow_failure_no_account(flow_failure(f));
		snprintf(l->why, sizeof(l->why), "%s", p->detail);
	}
	lookup_stop(l);
}

static void
on_dir_loaded(void *arg, int rc, const char *why)
{
	struct lookup *l = arg;
	const struct v2_directory *d = acme2_directory(l->b.ups[0].acme);
	struct flow_dir fd;
	struct flow *f;

	if (rc != 0 || d == NULL) {
		snprintf(l->why, sizeof(l->why), "%s",
		    why ? why : "the directory cannot be loaded");
		lookup_stop(l);
		return;
	}
	fd.new_account = d->new_account;
	fd.new_order = d->new_order;
	if ((f = flow_new_account(&fd, 1)) == NULL) {
		snprintf(l->why, sizeof(l->why), "out of memory");
		lookup_stop(l);
		return;
	}
	if (flowrun_start(&l->b, l->b.ups[0].acme, f, l->key_id, NULL, NULL,
		on_found, l) == -1) {
		snprintf(l->why, sizeof(l->why), "cannot start newAccount");
		lookup_stop(l);
	}
}

/* The URL of the account of key key_id (in kr) at the CA u: 0 and *url;
 * -1 with l->why set (and l->no_account when the CA has none). */
static int
lookup_account(const struct config *cfg, const struct config_upstream *u,
    struct store *s, struct keyring *kr, const char *key_id, struct lookup *l)
{
	int rc = -1;

	memset(l, 0, sizeof(*l));
	l->key_id = key_id;
	l->b.keyring = kr;
	l->b.cfg = cfg;
	l->b.store = s;
	l->b.ups[0].cfg = u;
	l->b.nups = 1;
	if (uv_loop_init(&l->loop) != 0) {
		snprintf(l->why, sizeof(l->why), "cannot create an event loop");
		return -1;
	}
	l->b.loop = &l->loop;
	uv_timer_init(&l->loop, &l->quit);
	l->quit.data = l;
	if ((l->b.ups[0].up = upstream_new(&l->loop,
		 u->ca_file[0] ? u->ca_file : NULL,
		 cfg->upstream_timeout_ms)) == NULL ||
	    (l->b.ups[0].acme = acme2_new(
		 &l->loop, l->b.ups[0].up, u->url, 4)) == NULL) {
		snprintf(l->why, sizeof(l->why),
		    "cannot set up the upstream "
		    "client (CA file %s?)",
		    u->ca_file[0] ? u->ca_file : "-");
		lookup_stop(l);
	} else
		acme2_load(l->b.ups[0].acme, 0, on_dir_loaded, l);
	uv_run(&l->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&l->loop) != 0)
		log_warn(
		    "account import: the event loop did not close cleanly");
	if (l->url != NULL)
		rc = 0;
	return rc;
}

/* ---- the store ---- */

static void
fmt_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", t);
}

/* Insert a new imported account a (zeroed here). 0 or -1. */
static int
insert_imported(struct store *s, struct store_account *a, const char *upstream,
    const char *jwk_text, const char *tp, const char *pem, const char *url)
{
	int n;

	memset(a, 0, sizeof(*a));
	snprintf(a->upstream, sizeof(a->upstream), "%s", upstream);
	snprintf(a->thumbprint, sizeof(a->thumbprint), "%s", tp);
	a->jwk = (char *)jwk_text;
	a->created_at = (long long)time(NULL);
	a->status = ACCOUNT_VALID;
	a->mode = ACCOUNT_IMPORTED;
	a->v2_key_pem = (char *)pem;
	a->v2_account_url = (char *)url;
	n = store_account_insert(s, a);
	/* borrowed strings: the caller frees them */
	a->jwk = a->v2_key_pem = a->v2_account_url = NULL;
	return n;
}

/* Convert or refresh the existing account a to the imported key; *ndeact
 * is how many of its authorizations were deactivated. 0 or -1. */
static int
convert_imported(struct store *s, struct store_account *a, const char *pem,
    const char *url, int was_imported, int *ndeact)
{
	free(a->v2_key_pem);
	/* --offline keeps an imported account's known URL. */
	if ((a->v2_key_pem = strdup(pem)) == NULL ||
	    store_account_update(s, a) == -1 ||
	    ((url != NULL || !was_imported) &&
		store_account_set_upstream(s, a->id, url) == -1) ||
	    store_account_set_mode(s, a->id, ACCOUNT_IMPORTED, NULL) == -1 ||
	    store_account_set_not_before(s, a->id, 0) == -1)
		return -1;
	if (!was_imported &&
	    (*ndeact = store_authz_deactivate_account(s, a->id)) == -1)
		return -1;
	return 0;
}

/* Say what the import did. */
static void
print_imported(const struct store_account *a, int exists, int was_imported,
    const char *tp, const char *url, const char *kind, int ndeact)
{
	char when[40];

	if (!exists)
		printf("imported %s key %s as v1 account %lld (new)\n", kind,
		    tp, a->id);
	else if (was_imported)
		printf("v1 account %lld already uses this imported %s key %s: "
		       "refreshed\n",
		    a->id, kind, tp);
	else {
		fmt_time(a->created_at, when, sizeof(when));
		printf(
		    "converted v1 account %lld (registered through the bridge "
		    "%s) to imported %s key %s: its bridge-held key was "
		    "replaced; %d authorization(s) deactivated (the host "
		    "authorizes its names again)\n",
		    a->id, when, kind, tp, ndeact);
	}
	if (url != NULL)
		printf("upstream account: %s (found at the CA)\n", url);
	else if (was_imported && a->v2_account_url != NULL)
		printf(
		    "upstream account: %s (known, not looked up: --offline)\n",
		    a->v2_account_url);
	else
		printf(
		    "upstream account: looked up at the host's first request "
		    "(--offline)\n");
}

/* Insert a new imported account, or convert/refresh a, in one
 * transaction. Prints the result. */
static int
write_account(struct store *s, struct store_account *a, const char *upstream,
    int exists, const char *jwk_text, const char *tp, const char *pem,
    const char *url, const char *kind)
{
	int n = 0, was_imported = exists && a->mode == ACCOUNT_IMPORTED;

	if (store_begin(s) == -1)
		return -1;
	if ((!exists ? insert_imported(s, a, upstream, jwk_text, tp, pem, url)
		     : convert_imported(s, a, pem, url, was_imported, &n)) ==
		-1 ||
	    store_commit(s) == -1) {
		store_rollback(s);
		fprintf(stderr,
		    "acme-bridge account import: store error: "
		    "nothing was changed\n");
		return -1;
	}
	print_imported(a, exists, was_imported, tp, url, kind, n);
	return 0;
}

/* ---- import ---- */

/* The store's errors, said before the command's own. */
static void
store_log(void *arg, const char *fn, const char *msg)
{
	(void)arg;
	fprintf(stderr, "acme-bridge account import: store: %s: %s\n", fn, msg);
}

static void
say_needs_force(long long id)
{
	fprintf(stderr,
	    "acme-bridge account import: v1 account %lld "
	    "already uses this key: the host registered through the "
	    "bridge, which holds its own upstream key for it. Re-run "
	    "with --force to convert it: the bridge then uses this key "
	    "and its existing account at the CA, and the host "
	    "authorizes its names again. Nothing was changed.\n",
	    id);
}

static void
say_lookup_failed(const struct config_upstream *u, const struct lookup *l)
{
	if (l->no_account)
		fprintf(stderr,
		    "acme-bridge account import: no account "
		    "for this key at the CA %s: register it there first "
		    "(or import with --offline and let the bridge look "
		    "it up at the host's first request). The CA said: "
		    "%s. Nothing was changed.\n",
		    u->url, l->why);
	else
		fprintf(stderr,
		    "acme-bridge account import: cannot look "
		    "the account up at the CA: %s. Nothing was changed "
		    "(--offline imports without looking).\n",
		    l->why);
}

/* The upstream --prefix names (the root without one), or NULL after
 * saying which prefixes the config has. */
static const struct config_upstream *
pick_upstream(const struct opts *o, const struct config *cfg)
{
	const char *want = o->prefix != NULL ? o->prefix : "";
	const struct config_upstream *u = config_upstream_find(cfg, want);
	char e[80];
	size_t i;

	if (u != NULL)
		return u;
	fprintf(stderr,
	    "acme-bridge account import: --prefix '%s': no such upstream in "
	    "the config (key upstreams); it has:",
	    log_escape(want, strlen(want), e, sizeof(e)));
	for (i = 0; i < cfg->nups; i++)
		fprintf(stderr, " %s",
		    cfg->ups[i].prefix[0] ? cfg->ups[i].prefix
					  : "\"\" (the root)");
	fputc('\n', stderr);
	return NULL;
}

/* The account's store: a PostgreSQL database (issue 11) or the state
 * file (created 0600 when missing, as the server would). NULL after
 * saying why. */
static struct store *
open_state(const char *state)
{
	char err[512], shown[256];
	struct store *s = NULL;

	if (store_is_pg(state))
		s = store_open_pg(state, store_log, NULL, err, sizeof(err));
	else if (store_file_prepare(state, err, sizeof(err)) == 0)
		s = store_open_sqlite(state, store_log, NULL, err, sizeof(err));
	if (s == NULL)
		fprintf(stderr, "acme-bridge account import: state %s: %s\n",
		    store_state_shown(state, shown, sizeof(shown)), err);
	return s;
}

static int
import(const struct opts *o, const struct config *cfg)
{
	const struct config_upstream *u = pick_upstream(o, cfg);
	struct store_account a;
	struct lookup l;
	struct store *s = NULL;
	struct keyring *kr = NULL;
	char *jwk_text = NULL, *pem = NULL;
	char tp[JWK_THUMBPRINT_LEN + 1], kind[32];
	int rc = 1, found;

	memset(&a, 0, sizeof(a));
	memset(&l, 0, sizeof(l));
	if (u == NULL)
		return 2;
	/* tp is the key's id in kr (its thumbprint); pem its PKCS#8 form. */
	if ((kr = keyring_new(1)) == NULL ||
	    load_key(kr, o->key, &jwk_text, tp, kind, sizeof(kind)) == -1 ||
	    (pem = keyring_private_pem(kr, tp)) == NULL)
		goto out;
	if ((s = open_state(cfg->state)) == NULL)
		goto out;
	if ((found = store_account_by_thumbprint(s, u->prefix, tp, &a)) == -1) {
		fprintf(stderr, "acme-bridge account import: store error\n");
		goto out;
	}
	if (found == 0 && a.mode != ACCOUNT_IMPORTED && !o->force) {
		say_needs_force(a.id);
		goto out;
	}
	if (!o->offline && lookup_account(cfg, u, s, kr, tp, &l) == -1) {
		say_lookup_failed(u, &l);
		goto out;
	}
	if (write_account(s, &a, u->prefix, found == 0, jwk_text, tp, pem,
		l.url, kind) == 0)
		rc = 0;
out:
	free(l.url);
	store_account_clear(&a);
	store_close(s);
	keyring_pem_free(pem);
	free(jwk_text);
	keyring_free(kr);
	return rc;
}

int
account_cmd_main(int argc, char **argv)
{
	static struct config cfg;
	struct opts o;
	int rc;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "import") != 0) {
		char e[80];

		fprintf(stderr,
		    "acme-bridge account: unknown subcommand '%s'\n%s",
		    log_escape(argv[1], strlen(argv[1]), e, sizeof(e)),
		    usage_text);
		return 2;
	}
	if (argc > 2 &&
	    (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o) == -1)
		return 2;
	config_defaults(&cfg);
	if (load_config(&o, &cfg) == -1) {
		config_free(&cfg);
		return 2;
	}
	log_min_level = LOG_WARN;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr,
		    "acme-bridge account import: curl_global_init "
		    "failed\n");
		config_free(&cfg);
		return 1;
	}
	rc = import(&o, &cfg);
	curl_global_cleanup();
	config_free(&cfg);
	return rc;
}
