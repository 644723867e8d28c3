/* report_cmd.h: `acme-bridge report` (docs/report.md): the client inventory
 * kept in the state file (translate/inventory.h) on the terminal.
 *
 *   acme-bridge report [--state FILE] [--config FILE]
 *       [--since DURATION | --since YYYY-MM-DD] [--json | --csv]
 *
 * One row per v1 account seen (since DURATION ago: 30m, 24h, 7d, 2w, 90s;
 * or since 00:00 UTC of the date), newest first, then the summary line
 * "N v1 hosts, M client versions, K certificates expiring within 30 days".
 * --json prints {"clients":[...],"summary":{...}}, --csv an RFC 4180 CSV
 * with a header row. The state file is only read (a file of an older
 * schema is upgraded, as the server would); no listener is started. */
#ifndef REPORT_CMD_H
#define REPORT_CMD_H

/* argv[0] is "report". Returns the exit status: 0 done, 1 failed (state
 * file missing or unreadable), 2 usage or configuration error. */
int report_cmd_main(int argc, char **argv);

#endif
