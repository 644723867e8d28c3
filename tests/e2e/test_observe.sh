#!/usr/bin/env bash
# The JSON access log and the Prometheus metrics (docs/observe.md): real v1
# clients (dehydrated: register + one issuance) and hand-made requests (HEAD
# and GET /directory, a 404, a new-cert without authorization, a badNonce)
# through the bridge against Pebble, then: every log line is JSON with the
# documented fields and the right values; /metrics counts exactly what was
# driven (cross-checked line by line against the log); the gauges move;
# SIGHUP reopens a rotated log file; no key, nonce or signature appears in
# the access log, the stderr log or /metrics.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin observe

need_tools dehydrated sqlite3
pebble_ensure "$W"
ALOG=$W/access.log
bridge_start "$W/b" --log-file "$ALOG" || finish
R=$W/r
mkdir -p "$R"
UA="observe-e2e/1.2.3 (test)"
NONCES=$W/nonces.txt
SIGS=$W/signatures.txt
: >"$NONCES"
: >"$SIGS"

# keep every Replay-Nonce the test sees, and every signature it sends
seen() { hdrs "$1.hdr" replay-nonce >>"$NONCES" || true; }
sent() {
	json_get "$1.req" signature >>"$SIGS" && echo >>"$SIGS"
	json_get "$1.req" protected >>"$SIGS" && echo >>"$SIGS"
}
# nonce PREFIX: a fresh nonce from HEAD /directory (recorded)
nonce() {
	http_req "$1" -I -A "$UA" "$BRIDGE_DIR_URL" >/dev/null
	seen "$1"
	hdr "$1.hdr" replay-nonce
}
# post PREFIX URL KEY RESOURCE PAYLOAD: signed v1 POST with a recorded nonce
post() {
	local p=$1 n
	n=$(nonce "$p.n")
	E2E_NONCE=$n v1_post "$@"
	seen "$p"
	sent "$p"
}

# ---- hand-made requests: HEAD and GET /directory, a 404 (with a query)
st=$(http_req "$R/head" -I -A "$UA" "$BRIDGE_DIR_URL"); seen "$R/head"
assert_eq "HEAD /directory 200" 200 "$st"
st=$(http_req "$R/get" -A "$UA" "$BRIDGE_DIR_URL"); seen "$R/get"
assert_eq "GET /directory 200" 200 "$st"
st=$(http_req "$R/404" -A "$UA" "$BRIDGE_URL/acme/no-such-thing?token=querysecret42"); seen "$R/404"
assert_eq "GET /acme/no-such-thing 404" 404 "$st"

# ---- dehydrated: register, one issuance
D=$W/dh
dh_config "$D" CONTACT_EMAIL= # an account without contact
assert_eq "dehydrated --register exits 0" 0 "$(dh_rc register "$D" --register --accept-terms)"
rc=$(dh_rc issue "$D" -c -d obs.example)
assert_eq "dehydrated issues obs.example" 0 "$rc"
[ "$rc" = 0 ] || tail -n 15 "$D/issue.log" | sed 's/^/    | /'
DH_ID=$(json_get "$(find "$D/accounts" -name registration_info.json | head -n 1)" id 2>/dev/null || true)
assert_match "dehydrated account id known" '^[0-9]+$' "$DH_ID"
DH_KEY=$(find "$D/accounts" -name account_key.pem | head -n 1)

# ---- account A (jws.js): new-reg, new-cert without authorization, badNonce
KEY_A=$W/a.pem
new_rsa_key "$KEY_A"
tos=$(json_get "$R/get.body" meta terms-of-service 2>/dev/null || true)
st=$(post "$R/rega" "$BRIDGE_URL/acme/new-reg" "$KEY_A" new-reg "{\"agreement\":\"$tos\"}")
assert_eq "account A: new-reg 201" 201 "$st"
A_ID=$(hdr "$R/rega.hdr" location | sed -n 's|.*/acme/reg/\([0-9]*\)$|\1|p')
assert_match "account A id known" '^[0-9]+$' "$A_ID"
mkdir -p "$R/csr"
make_csr "$R/csr" never.example
st=$(post "$R/cert403" "$BRIDGE_URL/acme/new-cert" "$KEY_A" new-cert "{\"csr\":\"$(b64url_file "$R/csr/csr.der")\"}")
check_problem "account A: new-cert without authorization" "$R/cert403" 403 unauthorized "$st"
# replay the nonce new-cert used: badNonce, and that nonce (in $NONCES) must
# appear in no output, not even in the problem detail
spent=$(hdr "$R/cert403.n.hdr" replay-nonce)
st=$(E2E_NONCE=$spent v1_post "$R/badnonce" "$BRIDGE_URL/acme/new-authz" "$KEY_A" new-authz \
	'{"identifier":{"type":"dns","value":"nonce.example"}}')
seen "$R/badnonce"; sent "$R/badnonce"
check_problem "account A: badNonce" "$R/badnonce" 400 badNonce "$st"

# ---- the access log and /metrics, checked by one node script
curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" -o "$W/metrics.txt" -D "$W/metrics.hdr"
cat >"$W/check.js" <<'JS'
'use strict';
const fs = require('fs');
const [logFile, metricsFile] = process.argv.slice(2);
const env = process.env;
const out = [];
const ok = (name, cond, why) => out.push(cond ? `PASS\t${name}` : `FAIL\t${name}\t${why || ''}`);
// objects compare with their keys sorted
const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)) ?
	Object.fromEntries(Object.keys(x).sort().map((y) => [y, x[y]])) : x);
const eq = (name, want, got) => ok(name, canon(want) === canon(got), `want ${canon(want)}, got ${canon(got)}`);

// --- the log: one JSON object per line, the documented fields
const raw = fs.readFileSync(logFile, 'utf8');
ok('log ends with a newline', raw.endsWith('\n'), 'no trailing newline');
const lines = raw.split('\n').filter((l) => l !== '');
let bad = [];
const L = [];
for (const l of lines) {
	try { L.push(JSON.parse(l)); } catch (e) { bad.push(l.slice(0, 80)); }
}
ok(`all ${lines.length} log lines parse as JSON`, bad.length === 0 && lines.length > 10, bad.join(' | '));
const keys = ['time', 'request_id', 'client', 'user_agent', 'account_id', 'method', 'resource',
	'path', 'names', 'status', 'error_type', 'latency_ms', 'upstream'];
bad = L.filter((j) => !keys.every((k) => k in j) ||
	!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(j.time) ||
	Math.abs(Date.parse(j.time) - Date.now()) > 600e3 ||
	!Number.isInteger(j.request_id) || j.client !== '127.0.0.1' ||
	typeof j.user_agent !== 'string' ||
	!(j.account_id === null || Number.isInteger(j.account_id)) ||
	!Array.isArray(j.names) || !Number.isInteger(j.status) ||
	!(j.error_type === null || typeof j.error_type === 'string') ||
	(j.status >= 400) !== (j.error_type !== null) ||
	typeof j.latency_ms !== 'number' || j.latency_ms < 0 || j.latency_ms > 120e3 ||
	!Array.isArray(j.upstream) || j.path.includes('?') ||
	!j.upstream.every((u) => u.method === 'POST' && typeof u.resource === 'string' &&
		Number.isInteger(u.status) && (u.problem === null || typeof u.problem === 'string') &&
		typeof u.latency_ms === 'number' && u.latency_ms >= 0));
ok('every line has every field, well typed', bad.length === 0, JSON.stringify(bad[0]));
ok('request ids are unique', new Set(L.map((j) => j.request_id)).size === L.length, 'duplicates');
ok('no line drops upstream calls', L.every((j) => !('upstream_dropped' in j)), 'upstream_dropped');

const one = (name, pred) => {
	const m = L.filter(pred);
	ok(`${name}: exactly one line`, m.length === 1, `${m.length} lines`);
	return m[0] || {};
};
const UA = env.UA;
let j = one('HEAD /directory', (x) => x.method === 'HEAD' && x.user_agent === UA && x.resource === 'directory' &&
	x.request_id === Math.min(...L.filter((y) => y.user_agent === UA).map((y) => y.request_id)));
eq('HEAD /directory: status, path, no account, no upstream', [200, '/directory', null, null, []],
	[j.status, j.path, j.account_id, j.error_type, j.upstream]);
j = one('GET /directory', (x) => x.method === 'GET' && x.user_agent === UA && x.resource === 'directory');
eq('GET /directory: status', 200, j.status);
j = one('404', (x) => x.status === 404);
eq('404: resource, path without query, error type', ['unknown', '/acme/no-such-thing', 'malformed', 'GET'],
	[j.resource, j.path, j.error_type, j.method]);
ok('the query string is never logged', !raw.includes('querysecret42'), 'querysecret42 in the log');

const dh = L.filter((x) => x.user_agent.startsWith('dehydrated/'));
ok('dehydrated lines carry its User-Agent', dh.length >= 5, `${dh.length} lines`);
const DH = Number(env.DH_ID), A = Number(env.A_ID);
j = one('dehydrated new-reg', (x) => x.resource === 'new-reg' && x.user_agent.startsWith('dehydrated/'));
eq('dehydrated new-reg: status, account id, method', [201, DH, 'POST'], [j.status, j.account_id, j.method]);
j = one('dehydrated new-authz', (x) => x.resource === 'new-authz' && x.account_id === DH);
eq('dehydrated new-authz: status, names', [201, ['obs.example']], [j.status, j.names]);
const upOf = (x) => (x.upstream || []).map((u) => `${u.resource}:${u.status}`);
ok('dehydrated new-authz: upstream newAccount 201, newOrder 201, authorization 200, challenge 200',
	['newAccount:201', 'newOrder:201', 'authorization:200', 'challenge:200'].every((s) => upOf(j).includes(s)),
	upOf(j).join(' '));
j = one('dehydrated new-cert', (x) => x.resource === 'new-cert' && x.account_id === DH);
eq('dehydrated new-cert: status, names, error, path', [201, ['obs.example'], null, '/acme/new-cert'],
	[j.status, j.names, j.error_type, j.path]);
const u = upOf(j);
// issue 10 item 2: the new-authz's order is finalized, no newOrder
ok('dehydrated new-cert: upstream finalize 200 (the new-authz order), then certificate 200',
	u[0] === 'finalize:200' && !u.includes('newOrder:201') && u[u.length - 1] === 'certificate:200',
	u.join(' '));
ok('dehydrated new-cert: upstream problems null, latencies add up under the total',
	j.upstream.every((x) => x.problem === null) &&
	j.upstream.reduce((s, x) => s + x.latency_ms, 0) <= j.latency_ms + 1, JSON.stringify(j.upstream));
j = one('account A new-reg', (x) => x.resource === 'new-reg' && x.account_id === A);
eq('account A new-reg: status, User-Agent is curl', [201, true], [j.status, /^curl\//.test(j.user_agent)]);
j = one('account A new-cert 403', (x) => x.resource === 'new-cert' && x.status === 403);
eq('account A new-cert 403: account, names, error, no upstream', [A, ['never.example'], 'unauthorized', []],
	[j.account_id, j.names, j.error_type, j.upstream]);
j = one('badNonce', (x) => x.error_type === 'badNonce');
eq('badNonce: resource, status, upstream', ['new-authz', 400, []], [j.resource, j.status, j.upstream]);

// --- /metrics: parse, then compare with the log
const mtext = fs.readFileSync(metricsFile, 'utf8');
const M = new Map();
const help = new Set(), type = new Map();
bad = [];
for (const l of mtext.split('\n')) {
	if (l === '') continue;
	let m;
	if ((m = /^# HELP (\S+) \S.*$/.exec(l))) { help.add(m[1]); continue; }
	if ((m = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(l))) { type.set(m[1], m[2]); continue; }
	if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(l)) && !Number.isNaN(Number(m[3]))) {
		M.set(m[1] + (m[2] || ''), Number(m[3]));
		continue;
	}
	bad.push(l);
}
ok('/metrics: every line is HELP, TYPE or a sample', bad.length === 0, bad.slice(0, 3).join(' | '));
const want = {
	acme_bridge_v1_requests_total: 'counter', acme_bridge_upstream_requests_total: 'counter',
	acme_bridge_upstream_request_duration_seconds: 'histogram', acme_bridge_issuances_total: 'counter',
	acme_bridge_issuance_failures_total: 'counter', acme_bridge_open_connections: 'gauge',
	acme_bridge_nonces_outstanding: 'gauge', acme_bridge_upstream_nonce_pool: 'gauge',
};
for (const [n, t] of Object.entries(want))
	eq(`/metrics: ${n} has HELP and TYPE ${t}`, [true, t], [help.has(n), type.get(n)]);
const sel = (prefix) => [...M.entries()].filter(([k]) => k.startsWith(prefix + '{'));

const v1 = {};
for (const x of L) {
	const k = `acme_bridge_v1_requests_total{resource="${x.resource || 'other'}",status="${x.status}"}`;
	v1[k] = (v1[k] || 0) + 1;
}
const v1m = Object.fromEntries(sel('acme_bridge_v1_requests_total'));
eq('/metrics: v1 requests by resource and status == the access log, exactly', v1, v1m);
eq('/metrics: new-cert 201 counted once', 1, M.get('acme_bridge_v1_requests_total{resource="new-cert",status="201"}'));
eq('/metrics: new-cert 403 counted once', 1, M.get('acme_bridge_v1_requests_total{resource="new-cert",status="403"}'));
eq('/metrics: unknown 404 counted once', 1, M.get('acme_bridge_v1_requests_total{resource="unknown",status="404"}'));
eq('/metrics: issuances_total', 1, M.get('acme_bridge_issuances_total{upstream="/"}'));
eq('/metrics: issuance failures by reason', { 'acme_bridge_issuance_failures_total{reason="unauthorized"}': 1 },
	Object.fromEntries(sel('acme_bridge_issuance_failures_total')));

const up = {}, perRes = {}, secs = {};
for (const x of L) for (const c of x.upstream) {
	const k = `acme_bridge_upstream_requests_total{resource="${c.resource}",status="${c.status}"}`;
	up[k] = (up[k] || 0) + 1;
	perRes[c.resource] = (perRes[c.resource] || 0) + 1;
	secs[c.resource] = (secs[c.resource] || 0) + c.latency_ms / 1000;
}
eq('/metrics: upstream requests by resource and status == the access log, exactly', up,
	Object.fromEntries(sel('acme_bridge_upstream_requests_total')));
ok('/metrics: upstream newOrder, finalize, certificate with status labels',
	['newOrder",status="201', 'finalize",status="200', 'certificate",status="200']
		.every((s) => M.has(`acme_bridge_upstream_requests_total{resource="${s}"}`)), 'missing');
const H = 'acme_bridge_upstream_request_duration_seconds';
const hc = Object.fromEntries(sel(H + '_count').map(([k, v]) => [k.replace(/^.*resource="([^"]*)".*$/, '$1'), v]));
eq('/metrics: histogram _count per resource == upstream requests per resource', perRes, hc);
let hist = true, why = '';
for (const r of Object.keys(perRes)) {
	const bk = sel(H + '_bucket').filter(([k]) => k.includes(`resource="${r}"`));
	const les = bk.map(([k]) => k.replace(/^.*le="([^"]*)".*$/, '$1'));
	const vals = bk.map(([, v]) => v);
	const mono = vals.every((v, i) => i === 0 || v >= vals[i - 1]);
	const sum = M.get(`${H}_sum{resource="${r}"}`);
	// the log rounds each latency to the microsecond, the sum to 1 us
	if (les.join(',') !== '0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10,30,+Inf' || !mono ||
		vals[vals.length - 1] !== perRes[r] || vals[vals.length - 2] !== perRes[r] ||
		!(sum > 0) || Math.abs(sum - secs[r]) > 2e-6 * (perRes[r] + 1)) {
		hist = false;
		why += `${r}: le ${les.join(',')} values ${vals.join(',')} sum ${sum}; `;
	}
}
ok('/metrics: histogram buckets 0.005..30,+Inf, cumulative, +Inf == _count, _sum == the log\'s latencies', hist, why);
const total = Object.values(up).reduce((a, b) => a + b, 0);
eq('/metrics: histogram _count total == sum of upstream counts', total,
	Object.values(hc).reduce((a, b) => a + b, 0));
ok('/metrics: upstream nonce pool gauge >= 1 after the CA answered', M.get('acme_bridge_upstream_nonce_pool{upstream="/"}') >= 1,
	String(M.get('acme_bridge_upstream_nonce_pool{upstream="/"}')));
// v1 accounts by client family and version, from the inventory (2 accounts)
const acc = Object.fromEntries(sel('acme_bridge_v1_accounts'));
eq('/metrics: acme_bridge_v1_accounts has HELP and TYPE gauge', [true, 'gauge'],
	[help.has('acme_bridge_v1_accounts'), type.get('acme_bridge_v1_accounts')]);
eq('/metrics: v1 accounts: dehydrated 0.7.0 and curl (account A), one each', {
	'acme_bridge_v1_accounts{family="dehydrated",version="0.7.0"}': 1,
	[`acme_bridge_v1_accounts{family="curl",version="${env.CURL_VERSION}"}`]: 1,
}, acc);
ok('/metrics: nonces outstanding gauge present', Number.isInteger(M.get('acme_bridge_nonces_outstanding')), 'absent');
console.log(out.join('\n'));
JS
report() { # report NODE-OUTPUT: pass/fail for each PASS/FAIL line
	local status name why
	while IFS=$'\t' read -r status name why; do
		case "$status" in
			PASS) pass "$name" ;;
			FAIL) fail "$name" "$why" ;;
			*) fail "check.js output" "$status $name $why" ;;
		esac
	done <<<"$1"
}
CURL_VERSION=$(curl --version | awk 'NR == 1 {print $2}')
out=$(UA=$UA DH_ID=$DH_ID A_ID=$A_ID CURL_VERSION=$CURL_VERSION node "$W/check.js" "$ALOG" "$W/metrics.txt" 2>&1) ||
	fail "check.js ran" "$out"
report "$out"
assert_match "/metrics Content-Type is the text format 0.0.4" '^text/plain; version=0\.0\.4' \
	"$(hdr "$W/metrics.hdr" content-type)"

st=$(http_req "$R/mhead" -I "$BRIDGE_ADMIN_URL/metrics")
assert_eq "HEAD /metrics 200" 200 "$st"
st=$(http_req "$R/mpost" -X POST -d x "$BRIDGE_ADMIN_URL/metrics")
assert_eq "POST /metrics 405" 405 "$st"

# ---- gauges at scrape time
metric() { curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
n0=$(metric acme_bridge_nonces_outstanding)
http_req "$R/head2" -I -A "$UA" "$BRIDGE_DIR_URL" >/dev/null; seen "$R/head2"
n1=$(metric acme_bridge_nonces_outstanding)
assert_eq "nonces outstanding: +1 after one HEAD /directory" "$((n0 + 1))" "$n1"
conns_are() { [ "$(metric acme_bridge_open_connections)" = "$1" ]; }
wait_for 5 conns_are 0 || true
assert_eq "open connections: 0 when no client is connected" 0 "$(metric acme_bridge_open_connections)"
exec 7<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
wait_for 5 conns_are 1 || true
assert_eq "open connections: 1 while a client holds one open" 1 "$(metric acme_bridge_open_connections)"
exec 7>&-
wait_for 5 conns_are 0 || true
assert_eq "open connections: back to 0 when it closes" 0 "$(metric acme_bridge_open_connections)"

# ---- log rotation: rename, SIGHUP, the next line goes to a new file
mode=$(stat -c %a "$ALOG")
assert_eq "access log created with mode 0640" 640 "$mode"
mv "$ALOG" "$ALOG.1"
http_req "$R/before" -A "before-hup/1" "$BRIDGE_DIR_URL" >/dev/null; seen "$R/before"
kill -HUP "$BRIDGE_PID"
wait_for 10 test -e "$ALOG" || true
check "SIGHUP: a new access log file is created" test -e "$ALOG"
http_req "$R/after" -A "after-hup/1" "$BRIDGE_DIR_URL" >/dev/null; seen "$R/after"
check "before SIGHUP, lines still go to the renamed file" grep -q 'before-hup/1' "$ALOG.1"
check "after SIGHUP, the line is in the new file" grep -q '"user_agent":"after-hup/1"' "$ALOG"
if grep -q 'after-hup/1' "$ALOG.1"; then
	fail "after SIGHUP, nothing more in the renamed file" "after-hup line in $ALOG.1"
else
	pass "after SIGHUP, nothing more in the renamed file"
fi
assert_eq "the new file has exactly one line" 1 "$(wc -l <"$ALOG")"
assert_eq "the new access log has mode 0640" 640 "$(stat -c %a "$ALOG")"
check "the bridge logged the reopen" grep -q 'SIGHUP: access log reopened' "$BRIDGE_LOG"

# ---- nothing secret in any output
curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" -o "$W/metrics2.txt"
SECRETS=$W/secrets.txt
{
	for k in "$KEY_A" "$DH_KEY"; do grep -v -- '-----' "$k"; done
	sqlite3 "$BRIDGE_STATE" 'select v2_key_pem from accounts;' | grep -v -- '-----'
	sort -u "$NONCES"
	grep -v '^$' "$SIGS"
} | awk 'length($0) >= 20' | sort -u >"$SECRETS"
nk=$(sqlite3 "$BRIDGE_STATE" 'select count(*) from accounts where v2_key_pem is not null;')
assert_eq "two accounts with v2 keys in the state file" 2 "$nk"
nn=$(sort -u "$NONCES" | grep -c . || true)
ns=$(grep -c . "$SIGS" || true)
if [ "$(wc -l <"$SECRETS")" -ge 50 ] && [ "$nn" -ge 10 ] && [ "$ns" -ge 6 ]; then
	pass "secrets to look for: $(wc -l <"$SECRETS") lines ($nn nonces, $ns signature/protected values)"
else
	fail "secrets to look for" "only $(wc -l <"$SECRETS") lines, $nn nonces, $ns signatures"
fi
# the grep itself works: it finds the nonces in the curl headers
check "secret grep finds what is there (the response headers)" grep -qF -f "$SECRETS" "$R/head.hdr"
for f in "$ALOG" "$ALOG.1" "$BRIDGE_LOG" "$W/metrics.txt" "$W/metrics2.txt"; do
	if hit=$(grep -F -o -f "$SECRETS" "$f" | head -n 3); then
		fail "no key, nonce or signature in $(basename "$f")" "found: $hit"
	else
		pass "no key, nonce or signature in $(basename "$f")"
	fi
done

bridge_stop
finish
