/* account_cmd.h: the `acme-bridge account ...` subcommands
 * (docs/accounts.md).
 *
 *   acme-bridge account import --key FILE [--force] [--offline]
 *       [--config FILE] [--state FILE] [--upstream URL] [--upstream-ca FILE]
 *
 * import registers a v1 account for the public key of FILE (the host's own
 * ACME account key: PEM, RSA >= 2048 bits or EC P-256/P-384, not readable
 * by others) marked "imported", with FILE's private key stored as its
 * upstream key. Unless --offline, the key's existing account at the CA is
 * looked up first (newAccount onlyReturnExisting) and nothing is written
 * when there is none; with --offline the lookup happens at the host's first
 * request instead. A v1 account that already uses the key (the host
 * registered through the bridge) is converted only with --force. The
 * config (file and flags) is checked exactly as for the server. */
#ifndef ACCOUNT_CMD_H
#define ACCOUNT_CMD_H

/* argv[0] is "account". Returns the process exit status: 0 done, 1 failed,
 * 2 usage or configuration error. Prints what was done on stdout, errors on
 * stderr; never key material. */
int account_cmd_main(int argc, char **argv);

#endif
