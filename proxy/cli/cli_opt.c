/* cli_opt.c: "--name VALUE" and "--name=VALUE" (cli_opt.h). */
#include <string.h>

#include "cli_opt.h"

/* One option: 1 taken, 0 not this option, -1 no value. */
static int
one(int argc, char **argv, int *i, const struct cli_opt *o)
{
	size_t n = strlen(o->name);
	const char *a = argv[*i];

	if (strncmp(a, o->name, n) == 0 && a[n] == '=') {
		*o->value = a + n + 1;
		return 1;
	}
	if (strcmp(a, o->name) != 0)
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*o->value = argv[++*i];
	return 1;
}

int
cli_opt_value(int argc, char **argv, int *i, const struct cli_opt *opts,
    size_t n, const char **missing)
{
	size_t k;
	int rc;

	for (k = 0; k < n; k++)
		if ((rc = one(argc, argv, i, &opts[k])) != 0) {
			if (rc == -1)
				*missing = opts[k].name;
			return rc;
		}
	return 0;
}
