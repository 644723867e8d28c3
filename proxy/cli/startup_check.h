/* startup_check.h: what start-up would fail on, checked before it starts
 * (--check-config, issue 9 item 8): the state file and the log file can be
 * written, the listen ports are free. */
#ifndef STARTUP_CHECK_H
#define STARTUP_CHECK_H

#include <stdio.h>

struct config;

/* Each problem is one line on out, naming the key, the file or address and
 * the cause in plain words. ports = 0 skips the listeners (start-up itself
 * reports those as it binds). The number of problems found. */
int startup_check(const struct config *cfg, int ports, FILE *out);

#endif
