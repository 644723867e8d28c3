#!/usr/bin/env bash
# Issue 9 item 10: a HEAD or GET that only fetches a nonce is no failure.
# Several v1 libraries HEAD the URL they are about to POST to for its
# Replay-Nonce (Boulder's WFE1 answered 405 with a nonce, as the bridge
# does). A client doing that before each POST leaves no row in the page's
# "Recent failures", no failed hour in its chart, no last error in
# `acme-bridge report`, and the metrics' failure counter unchanged; the
# requests themselves are still counted. A real failure afterwards does
# show (the checks can see one).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin page_nonce

pebble_ensure "$W"
bridge_start "$W" || finish
ADMIN=$BRIDGE_ADMIN_URL
report() { "$BRIDGE_BIN" report --state "$BRIDGE_STATE" "$@"; }

# failure_rows FILE: rows of the served page's Recent failures table
failure_rows() {
	sed -n '/<table id="failures"/,/<\/table>/p' "$1" | { grep '^<tr' || true; } | { grep -vc 'class="empty"' || true; }
}
# chart_sum FILE f|n: the traffic chart's failed (f) or all (n) requests
chart_sum() { # chart_sum FILE ATTR
	{ grep -o "data-$2=\"[0-9]*\"" "$1" || true; } | tr -dc '0-9\n' | awk '{s+=$1} END {print s+0}'
}
issuance_failures() { # the metrics' failure counter, summed over types
	awk '/^acme_bridge_issuance_failures_total/ {s+=$2} END {print s+0}' "$1"
}
http_req "$W/m0" "$ADMIN/metrics" >/dev/null
F0=$(issuance_failures "$W/m0.body")

# head_nonce PREFIX URL [curl flags]: a nonce fetched from URL itself
# (HEAD by default), as v1 libraries do before POSTing there
head_nonce() {
	local p=$1 url=$2; shift 2
	local st
	st=$(curl -s ${@:--I} --max-time 30 -D "$p.hdr" -o /dev/null -w '%{http_code}' "$url" || true)
	echo "$st $(hdr "$p.hdr" replay-nonce || true)"
}
K=$W/acct.key
new_rsa_key "$K"
# nonce_post PREFIX URL RESOURCE PAYLOAD: HEAD URL, then POST there with
# that nonce; the HEAD's "status nonce" in PREFIX.headres
nonce_post() {
	local r
	r=$(head_nonce "$1.head" "$2")
	echo "$r" >"$1.headres"
	E2E_NONCE=${r#* } v1_post "$1" "$2" "$K" "$3" "$4"
}
head_ok() { # head_ok PREFIX RESOURCE
	assert_match "HEAD $2: 405 with a Replay-Nonce" '^405 [A-Za-z0-9_-]{16,}$' "$(cat "$1.headres")"
}
st=$(nonce_post "$W/reg" "$BRIDGE_URL/acme/new-reg" new-reg \
	'{"contact":["mailto:n@example.com"]}')
head_ok "$W/reg" new-reg
assert_eq "new-reg after a HEAD nonce fetch is 201" 201 "$st"
loc=$(hdr "$W/reg.hdr" location || true)
ID=${loc##*/}
assert_match "account id" '^[0-9]+$' "$ID"
st=$(nonce_post "$W/authz" "$BRIDGE_URL/acme/new-authz" new-authz \
	'{"identifier":{"type":"dns","value":"nonce.page.example"}}')
head_ok "$W/authz" new-authz
assert_eq "new-authz after a HEAD nonce fetch is 201" 201 "$st"
st=$(nonce_post "$W/reg2" "$BRIDGE_URL/acme/reg/$ID" reg '{}')
head_ok "$W/reg2" reg
assert_eq "reg POST after a HEAD nonce fetch is 202" 202 "$st"
# a GET on a POST-only resource is a nonce fetch as well
r=$(head_nonce "$W/get" "$BRIDGE_URL/acme/new-cert" -X GET)
assert_match "GET new-cert: 405 with a Replay-Nonce" '^405 [A-Za-z0-9_-]{16,}$' "$r"
st=$(E2E_NONCE=${r#* } v1_post "$W/reg3" "$BRIDGE_URL/acme/reg/$ID" "$K" reg '{}')
assert_eq "reg POST with the GET's nonce is 202" 202 "$st"

http_req "$W/page" "$ADMIN/" >/dev/null
assert_eq "page: no Recent failures row for the nonce fetches" 0 "$(failure_rows "$W/page.body")"
assert_eq "page: the failures table says none" 1 "$(grep -c 'No failed v1 request recorded' "$W/page.body" || true)"
assert_eq "page chart: no failed request" 0 "$(chart_sum "$W/page.body" f)"
n=$(chart_sum "$W/page.body" n)
[ "$n" -ge 8 ] && pass "page chart: the nonce fetches are counted as requests ($n)" ||
	fail "page chart: the nonce fetches are counted as requests" "$n < 8"
report --json >"$W/report.json" 2>"$W/report.err" || true
out=$(node -e '
	const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	const all = j.clients || [];
	if (all.length !== 1) console.log(`${all.length} clients`);
	else if (all[0].last_error !== null) console.log(`last_error ${all[0].last_error}`);
	else console.log("ok");' "$W/report.json" "$ID" 2>&1 || true)
assert_eq "report: one client, no last error" ok "$out"
http_req "$W/m1" "$ADMIN/metrics" >/dev/null
assert_eq "metrics: issuance failures unchanged" "$F0" "$(issuance_failures "$W/m1.body")"
assert_match "metrics: the HEAD on new-reg counted as a request" \
	'^acme_bridge_v1_requests_total\{resource="new-reg",status="405"\} [1-9]' \
	"$(grep '^acme_bridge_v1_requests_total{resource="new-reg",status="405"}' "$W/m1.body" || true)"

# a real failure still shows, on the page and in the report
st=$(E2E_NONCE=pageNonceNeverIssued0123456789 v1_post "$W/bad" "$BRIDGE_URL/acme/reg/$ID" "$K" reg '{}')
check_problem "POST with a nonce never issued is badNonce" "$W/bad" 400 badNonce "$st"
http_req "$W/page2" "$ADMIN/" >/dev/null
assert_eq "page: the real failure is one row" 1 "$(failure_rows "$W/page2.body")"
assert_eq "page chart: one failed request" 1 "$(chart_sum "$W/page2.body" f)"

bridge_stop
finish
