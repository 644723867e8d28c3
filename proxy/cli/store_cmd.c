/* store_cmd.c: `acme-bridge store copy` (store_cmd.h). The copy itself is
 * proxy/store/store_copy.c; here the command line and what it prints. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_opt.h"
#include "store.h"
#include "store_cmd.h"
#include "store_copy.h"

#define USAGE \
	"usage: acme-bridge store copy --from sqlite:FILE --to " \
	"postgresql://USER@HOST[:PORT]/DB[?passfile=FILE]\n"

static void
copy_log(void *arg, const char *fn, const char *msg)
{
	(void)arg;
	fprintf(stderr, "acme-bridge store copy: store: %s: %s\n", fn, msg);
}

static void
copied(void *arg, const char *table, long long rows)
{
	long long *total = arg;

	*total += rows;
	printf("%-13s %lld rows\n", table, rows);
}

/* "sqlite:FILE" or FILE: the path; NULL for another scheme. */
static const char *
sqlite_path(const char *from)
{
	if (strncmp(from, "sqlite:", 7) == 0)
		return from + 7;
	if (strstr(from, "://") != NULL)
		return NULL;
	return from;
}

static int
copy_main(const char *from, const char *to)
{
	char err[1024] = "";
	const char *path = sqlite_path(from);
	long long total = 0;
	struct stat st;

	if (path == NULL || path[0] == '\0' || !store_is_pg(to)) {
		fprintf(stderr,
		    "acme-bridge store copy: --from must be "
		    "sqlite:FILE and --to a postgresql:// URI\n%s",
		    USAGE);
		return 2;
	}
	/* never create the source: a typo must not copy an empty state */
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
		fprintf(stderr,
		    "acme-bridge store copy: %s: no such state file\n", path);
		return 1;
	}
	if (store_copy(path, to, copy_log, NULL, copied, &total, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "acme-bridge store copy: %s; nothing copied\n",
		    err);
		return 1;
	}
	printf("copied %lld rows from %s\n", total, path);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
store_cmd_main(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *missing = NULL;
	const struct cli_opt opts[] = { { "--from", &from }, { "--to", &to } };
	int i, r;

	if (argc < 2 || strcmp(argv[1], "copy") != 0) {
		fprintf(stderr, "%s", USAGE);
		return argc >= 2 &&
			(strcmp(argv[1], "-h") == 0 ||
			    strcmp(argv[1], "--help") == 0)
		    ? 0
		    : 2;
	}
	for (i = 2; i < argc; i++) {
		r = cli_opt_value(argc, argv, &i, opts, 2, &missing);
		if (r == 1)
			continue;
		fprintf(stderr, "acme-bridge store copy: %s%s\n%s",
		    r == -1 ? "no value for " : "unknown argument ",
		    r == -1 ? missing : argv[i], USAGE);
		return 2;
	}
	if (from == NULL || to == NULL) {
		fprintf(stderr, "%s", USAGE);
		return 2;
	}
	return copy_main(from, to);
}
