/* flowrun.h: runs a translate/flow against the upstream CA: signs and sends
 * its SENDs through acme2, publishes its http-01 answers in the store before
 * answering a challenge, sleeps its WAITs on a libuv timer. */
#ifndef FLOWRUN_H
#define FLOWRUN_H

struct bridge;
struct flow;
struct obs_req;

/* Called once, never inside flowrun_start (the first step runs on the
 * next loop turn), with ok = 1 (done) or 0 (failed: flow_failure). The flow
 * is freed after the callback returns. */
typedef void (*flowrun_cb)(void *arg, struct flow *f, int ok);

/* Start f at the upstream CA acme, signed with key key_id of b->keyring (held there until the run
 * ends; -1 when it is not there) and kid (NULL before the account exists). Each
 * upstream call is reported to observe_upstream with obs (the v1 request
 * waiting for it, or NULL; it must outlive the run). Takes ownership of f. 0, or -1 (f freed, cb not called). */
int flowrun_start(struct bridge *b, struct acme2 *acme, struct flow *f,
    const char *key_id, const char *kid, struct obs_req *obs, flowrun_cb cb,
    void *arg);

/* Fail every flow in progress (shutdown): their callbacks run now or as
 * their upstream requests are aborted. */
void flowrun_cancel_all(struct bridge *b);

#endif
