/* test_startup_check.c: proxy/cli/startup_check.c against a scratch
 * directory and a port held by the test (issue 9 item 8). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "startup_check.h"
#include "t.h"

static char out[4096];

/* startup_check on cfg, its messages in out. */
static int
run(const struct config *cfg, int ports)
{
	FILE *f = tmpfile();
	size_t n;
	int r;

	if (f == NULL)
		return -1;
	r = startup_check(cfg, ports, f);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return r;
}

/* A socket listening on 127.0.0.1 and its port, or -1. */
static int
hold_port(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 1) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
test_files(const char *dir)
{
	struct config c;
	FILE *f;

	memset(&c, 0, sizeof(c));
	snprintf(c.state, sizeof(c.state), "%s/s.db", dir);
	CHECK(run(&c, 0) == 0);
	CHECK(out[0] == '\0');
	snprintf(c.state, sizeof(c.state), "%s/none/s.db", dir);
	CHECK(run(&c, 0) == 1);
	CHECK(strstr(out, "/none: it does not exist\n") != NULL);
	CHECK(strncmp(out, "acme-bridge: state ", 19) == 0);
	snprintf(c.state, sizeof(c.state), "%s/junk.db", dir);
	if ((f = fopen(c.state, "w")) != NULL) {
		fputs("junk", f);
		fclose(f);
	}
	CHECK(run(&c, 0) == 1);
	CHECK(strstr(out, "not an acme-bridge state file") != NULL);
	snprintf(c.state, sizeof(c.state), "%s", dir);
	CHECK(run(&c, 0) == 1);
	CHECK(strstr(out, "is a directory, not a file") != NULL);
	snprintf(c.state, sizeof(c.state), ":memory:");
	snprintf(c.log_file, sizeof(c.log_file), "%s/no/a.log", dir);
	CHECK(run(&c, 0) == 1);
	CHECK(strncmp(out, "acme-bridge: log_file ", 22) == 0);
	c.log_file[0] = '\0';
	CHECK(run(&c, 0) == 0);
}

static void
test_ports(void)
{
	struct config c;
	int fd, port;

	memset(&c, 0, sizeof(c));
	if ((fd = hold_port(&port)) == -1)
		return;
	snprintf(c.listen_host, sizeof(c.listen_host), "127.0.0.1");
	c.listen_port = port;
	CHECK(run(&c, 0) == 0); /* ports = 0: not looked at */
	CHECK(run(&c, 1) == 1);
	CHECK(strstr(out, "listen 127.0.0.1:") != NULL);
	CHECK(strstr(out, "the port is already in use") != NULL);
	close(fd);
	CHECK(run(&c, 1) == 0);
	snprintf(c.admin_host, sizeof(c.admin_host), "no such host.invalid");
	c.admin_port = 4001;
	CHECK(run(&c, 1) == 1);
	CHECK(strncmp(out, "acme-bridge: admin_listen ", 26) == 0);
}

int
main(void)
{
	char dir[] = "/tmp/acme-bridge-sc-XXXXXX";
	char cmd[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_files(dir);
	test_ports();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_fail++;
	return T_DONE();
}
