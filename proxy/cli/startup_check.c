/* startup_check.c: the checks behind --check-config that look at the
 * machine rather than at the values (issue 9 item 8), so that an
 * ExecStartPre=acme-bridge --check-config catches what start-up would
 * fail on. Messages name the key and say the cause in plain words. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "startup_check.h"
#include "tls.h"

struct sc {
	FILE *out;
	int problems;
};

static void
say(struct sc *s, const char *fmt, ...)
{
	va_list ap;

	fputs("acme-bridge: ", s->out);
	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
	fputc('\n', s->out);
	s->problems++;
}

/* errno in the words an operator reads. */
static const char *
plain(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return "permission denied";
	case ENOENT:
		return "it does not exist";
	case EROFS:
		return "the file system is read-only";
	case ENOTDIR:
		return "a part of the path is not a directory";
	default:
		return strerror(e);
	}
}

/* The directory a file would be created in ("." for a bare name). */
static void
dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* The directory of PATH exists and files can be created in it. */
static void
check_dir(struct sc *s, const char *key, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) != 0)
		say(s, "%s %s: the directory %s: %s", key, path, dir,
		    plain(errno));
	else if (!S_ISDIR(st.st_mode))
		say(s, "%s %s: %s is not a directory", key, path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		say(s, "%s %s: cannot create files in the directory %s: %s",
		    key, path, dir, plain(errno));
}

/* A file the bridge writes: writable when it exists, else creatable. 1 when
 * it exists (and is a writable file), 0 when not, -1 after a problem. */
static int
check_writable(struct sc *s, const char *key, const char *path)
{
	struct stat st;
	int n = s->problems;

	if (stat(path, &st) != 0) {
		if (errno != ENOENT) {
			say(s, "%s %s: %s", key, path, plain(errno));
			return -1;
		}
		check_dir(s, key, path);
		return s->problems > n ? -1 : 0;
	}
	if (S_ISDIR(st.st_mode))
		say(s, "%s %s: is a directory, not a file", key, path);
	else if (access(path, W_OK) != 0)
		say(s, "%s %s: cannot write to it: %s", key, path,
		    plain(errno));
	return s->problems > n ? -1 : 1;
}

/* The state file: writable, in a directory where SQLite can put its -wal
 * and -shm files, and an SQLite database when it is not empty. */
static void
check_state(struct sc *s, const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	FILE *f;
	size_t n;

	/* a database URI (postgresql://, docs/ha.md) is no file: the store
	 * reports what is wrong with it when it connects */
	if (path[0] == '\0' || strcmp(path, ":memory:") == 0 ||
	    strstr(path, "://") != NULL)
		return;
	if (check_writable(s, "state", path) != 1)
		return;
	check_dir(s, "state", path);
	if ((f = fopen(path, "rb")) == NULL) {
		say(s, "state %s: cannot read it: %s", path, plain(errno));
		return;
	}
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (n > 0 && (n < sizeof(head) || memcmp(head, magic, n) != 0))
		say(s,
		    "state %s: not an acme-bridge state file (it is not an "
		    "SQLite database)",
		    path);
}

/* Bind the listener's address and let go: a port in use, or one that
 * needs privileges, is found before start-up. */
static void
check_port(struct sc *s, const char *key, const char *host, int port)
{
	struct addrinfo hints, *ai;
	char ps[16];
	int fd, one = 1, rc;

	if (port <= 0)
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	if ((rc = getaddrinfo(host, ps, &hints, &ai)) != 0) {
		say(s, "%s %s:%d: unknown address: %s", key, host, port,
		    gai_strerror(rc));
		return;
	}
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	/* as libuv binds: SO_REUSEADDR, so a port in TIME_WAIT is free */
	if (fd != -1)
		(void)setsockopt(
		    fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd == -1 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		say(s, "%s %s:%d: cannot listen there: %s", key, host, port,
		    errno == EADDRINUSE ? "the port is already in use"
			: errno == EADDRNOTAVAIL
			? "the address is not one of this machine's"
			: errno == EACCES ? "permission denied (a port below "
					    "1024 needs root or "
					    "CAP_NET_BIND_SERVICE)"
					  : strerror(errno));
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
}

/* A readable file for KEY, or a problem said. 0 or -1. */
static int
check_readable(struct sc *s, const char *key, const char *path)
{
	if (path[0] == '\0') {
		say(s, "%s: tls_listen is set, so %s must name a PEM file", key,
		    key);
		return -1;
	}
	if (access(path, R_OK) != 0) {
		say(s, "%s %s: cannot read it: %s", key, path, plain(errno));
		return -1;
	}
	return 0;
}

/* issue 9 item 3: with tls_listen, the certificate and key load (as
 * start-up and SIGHUP load them) and match. */
static void
check_tls(struct sc *s, const struct config *cfg)
{
	char err[1536];
	SSL_CTX *ctx;
	int bad;

	if (cfg->tls_port <= 0)
		return;
	bad = check_readable(s, "tls_cert", cfg->tls_cert);
	bad |= check_readable(s, "tls_key", cfg->tls_key);
	if (bad)
		return;
	if ((ctx = tls_ctx_load(
		 cfg->tls_cert, cfg->tls_key, err, sizeof(err))) == NULL)
		say(s, "%s", err);
	SSL_CTX_free(ctx);
}

int
startup_check(const struct config *cfg, int ports, FILE *out)
{
	struct sc s = { out, 0 };

	check_state(&s, cfg->state);
	check_tls(&s, cfg);
	if (cfg->log_file[0] != '\0')
		(void)check_writable(&s, "log_file", cfg->log_file);
	if (!ports)
		return s.problems;
	check_port(&s, "listen", cfg->listen_host, cfg->listen_port);
	check_port(&s, "admin_listen", cfg->admin_host, cfg->admin_port);
	check_port(&s, "http01_listen", cfg->http01_host, cfg->http01_port);
	check_port(&s, "tls_listen", cfg->tls_host, cfg->tls_port);
	return s.problems;
}
