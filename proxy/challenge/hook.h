/* hook.h: the dns-01 hook (config dns01_hook): run as
 *   HOOK present DOMAIN FQDN VALUE
 *   HOOK cleanup DOMAIN FQDN VALUE
 * with uv_spawn (argv, never a shell string), stdin closed, output logged,
 * killed after dns01_hook_timeout_ms. FQDN is _acme-challenge.DOMAIN., VALUE
 * the TXT value base64url(SHA-256(key authorization)). docs/dns01.md. */
#ifndef HOOK_H
#define HOOK_H

struct bridge;

typedef void (*hook_cb)(void *arg, int ok, const char *why);

/* Start the hook; cb(arg, 1, "") after exit status 0, cb(arg, 0, why)
 * after a failure, a signal or the timeout. 0, or -1 when it could not be
 * started (no hook configured, spawn failed: cb not called). */
int hook_run(struct bridge *b, const char *verb, const char *domain,
    const char *value, hook_cb cb, void *arg);

/* Shutdown: SIGTERM every running hook (SIGKILL after a grace period);
 * their callbacks run with ok = 0 as they exit. Hooks started later get
 * at most a few seconds. */
void hook_cancel_all(struct bridge *b);

#endif
