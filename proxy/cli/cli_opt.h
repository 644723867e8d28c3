/* cli_opt.h: the option syntax the commands share (account import, report):
 * "--name VALUE" or "--name=VALUE". No output: each command words its own
 * usage errors. */
#ifndef CLI_OPT_H
#define CLI_OPT_H

#include <stddef.h>

struct cli_opt {
	const char *name;   /* "--state" */
	const char **value; /* where its value goes */
};

/* Match argv[*i] against the n options: 1 when one took its value (*i then
 * past a separate value), 0 when argv[*i] is none of them, -1 when it is
 * one given last without a value (*missing names it). */
int cli_opt_value(int argc, char **argv, int *i, const struct cli_opt *opts,
    size_t n, const char **missing);

#endif
