/* store_copy.h: a SQLite state file copied into a PostgreSQL store
 * (issue 11 item 4; `acme-bridge store copy`, proxy/cli/store_cmd.c). */
#ifndef STORE_COPY_H
#define STORE_COPY_H

#include "store.h"

/* After each table: its name and the rows copied. */
typedef void store_copy_cb(void *arg, const char *table, long long rows);

/* Every row of the SQLite file at sqlite_path (an existing state file,
 * upgraded to STORE_SCHEMA_VERSION when older, read as one snapshot, so a
 * bridge may keep running on it) into the PostgreSQL store at conninfo,
 * which must hold no row yet: all or nothing, ids kept. 0, or -1 with
 * "where: cause" in err (the stores' own messages go to log). */
int store_copy(const char *sqlite_path, const char *conninfo, store_log_fn *log,
    void *log_arg, store_copy_cb *cb, void *arg, char *err, size_t errlen);

#endif
