#!/usr/bin/env bash
# The client inventory and `acme-bridge report`: dehydrated 0.7.0 registers
# and gets one certificate for two names, acme-client 1.0.0 one for one
# name, then dehydrated's account asks new-cert for a name it has no
# authorization for (403 unauthorized). The report (table, --json, --csv,
# --since) shows the two hosts with their client, version, names,
# certificates, address and last error; the inventory survives a restart
# and keeps counting after it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin report

need_tools dehydrated
npm_ensure acme-client 1.0.0 1.0.0

pebble_ensure "$W"
bridge_start "$W" || finish

report() { "$BRIDGE_BIN" report --state "$BRIDGE_STATE" "$@"; }
# The User-Agent dehydrated 0.7.0 sends (its own recipe).
DH_UA="dehydrated/0.7.0 curl/$(curl -V 2>&1 | head -n1 | awk '{print $2}')"

# ---- dehydrated: register, one certificate for two names
D=$W/dh
dh_config "$D"
dh register "$D" --register --accept-terms
dh issue "$D" -c -d a.report.example -d b.report.example
t0=$(date +%s)

# ---- acme-client 1.0.0: one certificate (registerAccount, then easy(),
# which registers again: 409 -> the account's Location)
cat >"$W/one.js" <<'EOF'
'use strict';
const util = require('util');
const acme = require('acme-client');
const [directoryUri, domain] = process.argv.slice(2);
(async () => {
	const accountKey = await util.promisify(acme.openssl.createPrivateKey)();
	const client = new acme.Client({ directoryUri, accountKey, acceptTermsOfService: true });
	await util.promisify(client.registerAccount.bind(client))({ contact: ['mailto:e2e@example.com'] });
	const { csr } = await util.promisify(acme.openssl.createCsr)({ commonName: domain, altNames: [domain] });
	const r = await util.promisify(client.easy.bind(client))({
		csr, challengeType: 'http-01',
		challengeCreateFn: (k, c, n, cb) => cb(null), challengeRemoveFn: (c, n, cb) => cb(null),
	});
	if (!/BEGIN CERTIFICATE/.test(String(r.certificate))) throw new Error('no certificate');
	console.log('issued');
})().catch((e) => { console.error(e); process.exit(1); });
EOF
if NODE_PATH="$NODE_DIR/node_modules" NODE_NO_WARNINGS=1 timeout 120 \
	node "$W/one.js" "$BRIDGE_DIR_URL" node.report.example >"$W/node.out" 2>"$W/node.err"; then
	pass "acme-client: one certificate issued"
else
	fail "acme-client: one certificate issued" "$(tail -c 400 "$W/node.err" | tr '\n' ' ')"
fi

# ---- dehydrated's account: new-cert for a name it was never authorized
# for, signed with its account key and sent as dehydrated sends it (a
# second later: the table's order is by last seen, to the second)
sleep 1
key=$(find "$D/accounts" -name account_key.pem | head -n 1)
make_csr "$W" forbidden.report.example
csr=$(b64url_file "$W/csr.der")
node "$E2E_DIR/jws.js" --key "$key" --nonce "$(fresh_nonce)" --url-resource new-cert \
	--payload "{\"csr\":\"$csr\"}" >"$W/nc.req"
st=$(http_req "$W/nc" -A "$DH_UA" -H 'Content-Type: application/jose+json' \
	--data-binary "@$W/nc.req" "$BRIDGE_URL/acme/new-cert")
check_problem "dehydrated's account: new-cert for an unauthorized name" "$W/nc" 403 unauthorized "$st"

# ---- the report while the bridge runs: table (the inventory it holds in
# memory written first: SIGHUP)
bridge_flush
report >"$W/table.txt" 2>"$W/report.err" && pass "report: exit 0" ||
	fail "report: exit 0" "$(cat "$W/report.err")"
sed 's/^/    | /' "$W/table.txt"
assert_eq "report: header, 2 rows, summary" 4 "$(wc -l <"$W/table.txt")"
head -n 1 "$W/table.txt" | grep -Eq '^ACCOUNT +UPSTREAM +LAST SEEN +FIRST SEEN +ADDRESSES +CLIENT +VERSION +NAMES +CERTS +NEXT EXPIRY +LAST ERROR$' &&
	pass "report: the columns" || fail "report: the columns" "$(head -n 1 "$W/table.txt")"
dh_row=$(grep -E '^[0-9]+ .* dehydrated +0\.7\.0 ' "$W/table.txt" || true)
ac_row=$(grep -E '^[0-9]+ .* acme-client +1\.0\.0 ' "$W/table.txt" || true)
assert_match "report: dehydrated row (address, names, 1 cert, unauthorized)" \
	' 127\.0\.0\.1 +dehydrated +0\.7\.0 +a\.report\.example,b\.report\.example,forbidden\.report\.example +1 +20[0-9-]+ +unauthorized: ' "$dh_row"
assert_match "report: acme-client row (address, name, 1 cert, no error)" \
	' 127\.0\.0\.1 +acme-client +1\.0\.0 +node\.report\.example +1 +20[0-9-]+ +-$' "$ac_row"
# newest first: the dehydrated account spoke last
assert_match "report: sorted by last seen" 'dehydrated' "$(sed -n 2p "$W/table.txt")"
assert_eq "report: summary line" "2 v1 hosts, 2 client versions, 0 certificates expiring within 30 days" \
	"$(tail -n 1 "$W/table.txt")"

# ---- --json
check_json() { # check_json NAME FILE DH_CERTS: the two clients as driven
	local out
	out=$(DH_UA="$DH_UA" node -e '
		const fs = require("fs");
		const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
		const want = Number(process.argv[2]);
		const bad = [];
		const c = j.clients || [];
		if (c.length !== 2) bad.push(`${c.length} clients`);
		const dh = c.find((x) => x.client === "dehydrated") || {};
		const ac = c.find((x) => x.client === "acme-client") || {};
		const eq = (what, a, b) => { if (JSON.stringify(a) !== JSON.stringify(b)) bad.push(`${what}: ${JSON.stringify(a)}`); };
		eq("dehydrated version", dh.version, "0.7.0");
		eq("dehydrated user_agent", dh.user_agent, process.env.DH_UA);
		// the names requested, the refused one included
		eq("dehydrated names", dh.names, ["a.report.example", "b.report.example", "forbidden.report.example"]);
		eq("dehydrated certs", dh.certs, want);
		eq("dehydrated addresses", dh.addresses, ["127.0.0.1"]);
		if (!/^unauthorized: .*forbidden\.report\.example/.test(dh.last_error || "")) bad.push(`dehydrated last_error ${dh.last_error}`);
		if (!/Z$/.test(dh.last_error_at || "")) bad.push("dehydrated last_error_at");
		eq("acme-client version", ac.version, "1.0.0");
		eq("acme-client user_agent", ac.user_agent, "");
		eq("acme-client names", ac.names, ["node.report.example"]);
		eq("acme-client certs", ac.certs, 1);
		eq("acme-client addresses", ac.addresses, ["127.0.0.1"]);
		eq("acme-client last_error", ac.last_error, null);
		for (const x of [dh, ac]) {
			if (!(Date.parse(x.next_expiry) > Date.now() + 30 * 86400e3)) bad.push(`next_expiry ${x.next_expiry}`);
			if (!(Date.parse(x.first_seen) <= Date.parse(x.last_seen))) bad.push("first_seen > last_seen");
			if (!/^[A-Za-z0-9_-]{43}$/.test(x.thumbprint || "")) bad.push(`thumbprint ${x.thumbprint}`);
		}
		if (c.length === 2 && Date.parse(c[0].last_seen) < Date.parse(c[1].last_seen)) bad.push("not newest first");
		eq("summary", [j.summary.hosts, j.summary.versions, j.summary.expiring, j.summary.expiring_within_days], [2, 2, 0, 30]);
		console.log(bad.length ? bad.join("; ") : "ok");
	' "$2" "$3" 2>&1)
	assert_eq "$1" ok "$out"
}
report --json >"$W/report.json" && pass "report --json: exit 0" || fail "report --json: exit 0" ""
check_json "report --json: the two clients as driven" "$W/report.json" 1

# ---- --csv: RFC 4180, CRLF, a header row and one row per client
report --csv >"$W/report.csv" || true
assert_eq "report --csv: header and 2 rows" 3 "$(wc -l <"$W/report.csv")"
assert_eq "report --csv: CRLF line ends" 3 "$(grep -c $'\r$' "$W/report.csv")"
assert_eq "report --csv: header" \
	"account,last_seen,first_seen,addresses,client,version,names,certs,next_expiry,last_error,last_error_at,user_agent,thumbprint,upstream" \
	"$(head -n 1 "$W/report.csv" | tr -d '\r')"
assert_match "report --csv: dehydrated row" \
	',127\.0\.0\.1,dehydrated,0\.7\.0,"a\.report\.example,b\.report\.example,forbidden\.report\.example",1,20[0-9T:-]+Z,unauthorized: ' \
	"$(grep ',dehydrated,' "$W/report.csv" || true)"
assert_match "report --csv: acme-client row" ',127\.0\.0\.1,acme-client,1\.0\.0,node\.report\.example,1,' \
	"$(grep ',acme-client,' "$W/report.csv" || true)"

# ---- --since
report --since 1m >"$W/since1m.txt" || true
assert_eq "report --since 1m: both hosts" "2 v1 hosts, 2 client versions, 0 certificates expiring within 30 days" \
	"$(tail -n 1 "$W/since1m.txt")"
assert_eq "report --since 1m: 2 rows" 4 "$(wc -l <"$W/since1m.txt")"
report --since "$(date -u -d '-1 day' +%F)" --json >"$W/since-yesterday.json" || true
assert_eq "report --since yesterday: 2 clients" 2 "$(E2E_JSON_RAW=1 json_get "$W/since-yesterday.json" summary hosts)"
report --since "$(date -u -d '+2 days' +%F)" >"$W/since-future.txt" || true
assert_eq "report --since a future date: no row" "no v1 client seen since then
0 v1 hosts, 0 client versions, 0 certificates expiring within 30 days" "$(cat "$W/since-future.txt")"
report --since "$(date -u -d '+2 days' +%F)" --json >"$W/since-future.json" || true
assert_eq "report --since a future date --json: no client" "[]" "$(E2E_JSON_RAW=1 json_get "$W/since-future.json" clients)"
rc=0
report --since yesterday >/dev/null 2>"$W/bad-since.err" || rc=$?
assert_eq "report --since yesterday (not a duration or date): usage error" 2 "$rc"
rc=0
"$BRIDGE_BIN" report --state "$W/no-such.db" >/dev/null 2>&1 || rc=$?
assert_eq "report on a missing state file: exit 1" 1 "$rc"
[ ! -e "$W/no-such.db" ] && pass "report creates no state file" || fail "report creates no state file" "created"

# Nothing secret in the report: no key of the store, no JWS of the run.
keyline=$(sqlite3 "$BRIDGE_STATE" 'select v2_key_pem from accounts limit 1;' | sed -n 2p)
sig=$(json_get "$W/nc.req" signature)
if [ -n "$keyline" ] && ! grep -qF -e "$keyline" -e "$sig" -e "PRIVATE KEY" \
	"$W/table.txt" "$W/report.json" "$W/report.csv"; then
	pass "report outputs hold no key nor signature"
else
	fail "report outputs hold no key nor signature" "found in the report outputs"
fi

# ---- restart: the inventory is in the state file, and grows after it
bridge_stop
report --json >"$W/stopped.json" || true
check_json "report with the bridge stopped: the same clients" "$W/stopped.json" 1
bridge_start "$W" || finish # same port and state
dh renew "$D" -c -x -d a.report.example -d b.report.example
# the inventory held in memory is written within 5 s with no signal and no
# further request (issue 10: a timer, not the next loop turn)
issued() { sqlite3 "$BRIDGE_STATE" 'select coalesce(sum(issued),0) from clients;'; }
wait_for 12 eval '[ "$(issued)" -ge 3 ]' && pass "the renewal's inventory is written within 5 s, unasked" ||
	fail "the renewal's inventory is written within 5 s, unasked" "issued $(issued) after 12 s, want 3"
bridge_flush
report --json >"$W/after.json" || true
check_json "after a restart and a renewal: dehydrated has 2 certificates" "$W/after.json" 2
first_before=$(node -e 'const j=require(process.argv[1]);console.log(j.clients.find(c=>c.client==="dehydrated").first_seen)' "$W/report.json")
first_after=$(node -e 'const j=require(process.argv[1]);console.log(j.clients.find(c=>c.client==="dehydrated").first_seen)' "$W/after.json")
last_after=$(node -e 'const j=require(process.argv[1]);console.log(Date.parse(j.clients.find(c=>c.client==="dehydrated").last_seen)/1000)' "$W/after.json")
assert_eq "after a restart: first seen kept" "$first_before" "$first_after"
if [ "${last_after%.*}" -ge "$t0" ]; then pass "after a restart: last seen moved on"; else
	fail "after a restart: last seen moved on" "$last_after < $t0"; fi
# traffic and failures went to the store too (the admin page reads them)
n=$(sqlite3 "$BRIDGE_STATE" 'select coalesce(sum(requests),0) from traffic;')
[ "$n" -ge 20 ] && pass "v1 traffic per hour counted ($n requests)" || fail "v1 traffic per hour counted" "$n"
assert_eq "the failure is listed" 1 "$(sqlite3 "$BRIDGE_STATE" "select count(*) from failures where error_type = 'unauthorized' and resource = 'new-cert';")"

bridge_stop
finish
