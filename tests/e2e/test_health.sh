#!/usr/bin/env bash
# Health (issue 9 items 4, 5; docs/operations.md "Health checks"): one bridge
# whose upstream is a closed port, then a relay on that port serving a v1
# directory, then the relay passing Pebble's real directory through.
#  - unreachable: /healthz 200, /readyz 503 naming the URL and the cause,
#    acme_bridge_upstream_up 0, new-authz and /terms 503 with the cause and
#    Retry-After, one log line for the trouble (not one per retry)
#  - a v1 directory: the log, /readyz and the 503 name it as v1
#  - reachable: /readyz 200, upstream_up 1, the recovery logged, /terms and
#    new-authz answer again; the page shows the CA's URL, state and version
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin health

pebble_ensure "$W"
[ -r "$PEBBLE_WORKDIR/tls-cert.pem" ] && [ -r "$PEBBLE_WORKDIR/tls-key.pem" ] ||
	die "Pebble's TLS certificate/key not found in PEBBLE_WORKDIR=$PEBBLE_WORKDIR"
R=$W/r
mkdir -p "$R"
register() { new_account "$1" "$2" "new-reg $(basename "$2") 201" "$BRIDGE_URL/terms"; }
admin() { http_req "$1" "$BRIDGE_ADMIN_URL$2"; } # PREFIX PATH -> status
detail_of() { json_get "$1.body" detail 2>/dev/null || echo "(no detail)"; }
# retry_after PREFIX: 0 unless the Retry-After header is 1..300 seconds
retry_after_ok() {
	local v
	v=$(hdr "$1.hdr" Retry-After | tr -d '\r')
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] && [ "$v" -le 300 ]
}
up_metric() { curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" | grep "^acme_bridge_upstream_up{" || echo "(none)"; }

# ===================================== the upstream is a closed port
dead=$(free_port)
DEAD_URL="https://127.0.0.1:$dead/dir"
# backoff capped at 2 s so that the recovery below comes within seconds
echo '{"directory_retry_max_ms": 2000}' >"$W/h.json"
PEBBLE_DIR_URL="$DEAD_URL" bridge_start "$W/h" --config "$W/h.json" || finish
wait_for 10 grep -q "upstream directory $DEAD_URL: directory: .*Connection refused" "$BRIDGE_LOG" &&
	pass "unreachable: the log names the URL and the refusal" ||
	fail "unreachable: the log names the URL and the refusal" "$(grep 'upstream directory' "$BRIDGE_LOG" | tail -n 1)"

st=$(admin "$R.hz" /healthz)
assert_eq "unreachable: /healthz 200" 200 "$st"
assert_eq "unreachable: /healthz alive" true "$(json_get "$R.hz.body" alive)"

sleep 4 # several retries (1 s, 2 s, 2 s)
st=$(admin "$R.rz" /readyz)
assert_eq "unreachable: /readyz 503" 503 "$st"
assert_eq "unreachable: /readyz ready false" false "$(json_get "$R.rz.body" ready)"
assert_eq "unreachable: /readyz names the URL" "$DEAD_URL" "$(json_get "$R.rz.body" upstreams 0 url)"
assert_eq "unreachable: /readyz directory not loaded" "not loaded" "$(json_get "$R.rz.body" upstreams 0 directory)"
assert_match "unreachable: /readyz last_error says refused" "Connection refused" \
	"$(json_get "$R.rz.body" upstreams 0 last_error)"
fails=$(json_get "$R.rz.body" upstreams 0 failures)
check "unreachable: the directory was retried (failures $fails >= 3)" test "${fails:-0}" -ge 3
n=$(grep -c "upstream directory $DEAD_URL: directory: .*Connection refused" "$BRIDGE_LOG")
assert_eq "unreachable: one log line for $fails failed tries (no repeat per retry)" 1 "$n"
assert_eq "unreachable: acme_bridge_upstream_up 0" "acme_bridge_upstream_up{upstream=\"/\",url=\"$DEAD_URL\"} 0" "$(up_metric)"
assert_match "build_info metric" '^acme_bridge_build_info\{version="[^"]+"\} 1$' \
	"$(curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" | grep '^acme_bridge_build_info')"

st=$(http_req "$R.terms" "$BRIDGE_URL/terms")
assert_eq "unreachable: /terms 503 (not 404 'no terms')" 503 "$st"
assert_match "unreachable: /terms says unreachable" "^the upstream CA's directory at $DEAD_URL is unreachable" "$(detail_of "$R.terms")"
check "unreachable: /terms Retry-After 1..300" retry_after_ok "$R.terms"

admin "$R.page0" / >/dev/null
up_line=$(grep 'id="upstream"' "$R.page0.body" || echo "(no upstream line)")
assert_match "unreachable: the page names the CA's URL and state" \
	"<code>$DEAD_URL</code>: <strong class=\"upstream-state\">unreachable" "$up_line"
assert_match "unreachable: the page shows the last error" "last error: .*Connection refused" "$up_line"

KEY=$W/k.pem
register "$R.reg" "$KEY"
st=$(v1_new_authz "$R.az" "$KEY" health.example)
assert_eq "unreachable: new-authz 503" 503 "$st"
assert_match "unreachable: new-authz names the URL and the cause" \
	"^the upstream CA's directory at $DEAD_URL is not loaded: directory: .*Connection refused" "$(detail_of "$R.az")"
check "unreachable: new-authz Retry-After 1..300" retry_after_ok "$R.az"

# ===================================== a v1 directory at that URL
relay_start relay "$dead"
relay_fault '{"match":"directory","action":"status","status":200,"contentType":"application/json",
	"body":"{\"new-reg\":\"https://x/acme/new-reg\",\"new-authz\":\"https://x/acme/new-authz\",\"new-cert\":\"https://x/acme/new-cert\",\"revoke-cert\":\"https://x/acme/revoke-cert\"}"}'
wait_for 10 grep -q "upstream directory $DEAD_URL: it is an ACME v1 directory; acme-bridge needs the CA's RFC 8555 (v2) directory" "$BRIDGE_LOG" &&
	pass "v1 directory: the log names it as v1" ||
	fail "v1 directory: the log names it as v1" "$(grep 'upstream directory' "$BRIDGE_LOG" | tail -n 1)"
st=$(v1_new_authz "$R.az1" "$KEY" health.example)
assert_eq "v1 directory: new-authz 503" 503 "$st"
assert_match "v1 directory: the 503 names it as v1" \
	"^the upstream CA's directory at $DEAD_URL is not loaded: it is an ACME v1 directory; .*RFC 8555" "$(detail_of "$R.az1")"
admin "$R.rz1" /readyz >/dev/null
assert_match "v1 directory: /readyz last_error names it as v1" "ACME v1 directory" \
	"$(json_get "$R.rz1.body" upstreams 0 last_error)"

# ===================================== reachable: Pebble through the relay
relay_clear
wait_for 15 grep -q 'upstream directory loaded' "$BRIDGE_LOG" &&
	pass "reachable: the directory loads on a retry" || fail "reachable: the directory loads on a retry" "see $BRIDGE_LOG"
assert_eq "reachable: the recovery is logged once" 1 "$(grep -c "upstream directory $DEAD_URL reachable again" "$BRIDGE_LOG")"
wait_for 10 bash -c "curl -s -o /dev/null -w '%{http_code}' '$BRIDGE_ADMIN_URL/readyz' | grep -q 200"
st=$(admin "$R.rz2" /readyz)
assert_eq "reachable: /readyz 200" 200 "$st"
assert_eq "reachable: /readyz ready true" true "$(json_get "$R.rz2.body" ready)"
assert_eq "reachable: /readyz directory loaded" loaded "$(json_get "$R.rz2.body" upstreams 0 directory)"
assert_eq "reachable: acme_bridge_upstream_up 1" "acme_bridge_upstream_up{upstream=\"/\",url=\"$DEAD_URL\"} 1" "$(up_metric)"
st=$(http_req "$R.terms2" "$BRIDGE_URL/terms")
check "reachable: /terms answers (got $st)" test "$st" = 200 -o "$st" = 302
st=$(v1_new_authz "$R.az2" "$KEY" health.example)
assert_eq "reachable: the same new-authz 201" 201 "$st"

# the page shows the CA's URL, its state and the bridge's version
st=$(admin "$R.page" /)
assert_eq "page: 200" 200 "$st"
up_line=$(grep 'id="upstream"' "$R.page.body" || echo "(no upstream line)")
assert_match "page: the upstream line shows the CA's URL" "<code>$DEAD_URL</code>" "$up_line"
assert_match "page: the upstream line shows its state" '>reachable</strong>' "$up_line"
assert_match "page: shows the bridge's version" 'by acme-bridge [0-9]+\.[0-9]+[^ <]*\.' \
	"$(grep 'class="generated"' "$R.page.body")"
bridge_stop

finish
