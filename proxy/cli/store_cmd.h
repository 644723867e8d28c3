/* store_cmd.h: `acme-bridge store` (docs/ha.md): moving state between
 * stores.
 *
 *   acme-bridge store copy --from sqlite:FILE --to postgresql://...
 *
 * Every row of the SQLite state file FILE (plain FILE works too) into an
 * empty PostgreSQL database (a libpq URI; the password as libpq finds it:
 * ?passfile=, PGPASSFILE, ~/.pgpass, PGPASSWORD), in one transaction, ids
 * kept. A bridge may keep serving from FILE meanwhile: the copy is the
 * snapshot when it started. One line per table on stdout. */
#ifndef STORE_CMD_H
#define STORE_CMD_H

/* argv[0] is "store". The exit status: 0 copied, 1 failed (nothing was
 * written to the target), 2 usage error. */
int store_cmd_main(int argc, char **argv);

#endif
