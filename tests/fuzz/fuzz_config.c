/* fuzz_config.c: the config file (JSON text) and the command line through
 * config_load. The first byte picks: even, the rest is the file (written to
 * a temporary file, as there is no loader from text); odd, the rest is
 * argv, its arguments separated by NUL bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

#define ARGS_MAX 16

static char path[64];
static int fd = -1;

static void
file_remove(void)
{
	unlink(path);
}

static int
file_set(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/fuzz_config.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			return -1;
		atexit(file_remove);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return -1;
	return 0;
}

static void
load(int argc, char **argv)
{
	struct config c;
	char err[1024];

	err[0] = '\0';
	if (config_load(&c, argc, argv, err, sizeof(err)) == -1)
		FUZZ_ASSERT(err[0] != '\0' && strlen(err) < sizeof(err));
	config_free(&c);
}

static void
load_argv(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *argv[ARGS_MAX + 1], *p;
	int argc = 1;

	if (text == NULL)
		return;
	argv[0] = "acme-bridge";
	for (p = text; argc < ARGS_MAX && p <= text + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	load(argc, argv);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { "acme-bridge", "--config", path, NULL };

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		load_argv(data + 1, size - 1);
		return 0;
	}
	if (file_set(data + 1, size - 1) == 0)
		load(3, argv);
	return 0;
}
