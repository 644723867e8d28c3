#!/usr/bin/env bash
# The v1 directory, nonces on HEAD, 405/404 problem documents, keep-alive.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin directory

pebble_ensure "$W"
bridge_start "$W" || finish

R=$W/r

# ---- GET /directory
st=$(http_req "$R.dir" "$BRIDGE_DIR_URL")
assert_eq "GET /directory status" 200 "$st"
ct=$(hdr "$R.dir.hdr" content-type || true)
assert_match "GET /directory Content-Type is application/json" '^application/json' "$ct"
if json_get "$R.dir.body" >/dev/null 2>&1; then pass "directory body is JSON"; else
	fail "directory body is JSON" "$(head -c 300 "$R.dir.body")"; fi
for res in new-reg new-authz new-cert revoke-cert key-change; do
	v=$(json_get "$R.dir.body" "$res" || true)
	assert_eq "directory[$res] is the absolute bridge URL" "$BRIDGE_URL/acme/$res" "$v"
done
tos_meta=$(json_get "$R.dir.body" meta terms-of-service || true)
tos_top=$(json_get "$R.dir.body" terms-of-service || true)
assert_match "directory meta.terms-of-service is a URL" '^https?://' "$tos_meta"
assert_eq "directory top-level terms-of-service equals meta's (dehydrated 0.7.0)" "$tos_meta" "$tos_top"
if grep -q 'newOrder' "$R.dir.body"; then fail "directory has no 'newOrder' text" "found"; else pass "directory has no 'newOrder' text"; fi
if grep -q 'newNonce' "$R.dir.body"; then fail "directory has no 'newNonce' text" "found"; else pass "directory has no 'newNonce' text"; fi
# Go MarshalIndent layout: two-space indent, '"key": value'.
if grep -q '^  "new-reg": "' "$R.dir.body"; then pass "directory JSON is indented like Go MarshalIndent"; else
	fail "directory JSON is indented like Go MarshalIndent" "$(head -c 200 "$R.dir.body" | tr '\n' '~')"; fi
n_get=$(hdr "$R.dir.hdr" replay-nonce || true)
assert_match "GET /directory carries Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$n_get"

# URLs follow the Host header (Boulder built absolute URLs from it).
st=$(http_req "$R.host" -H "Host: localhost:$BRIDGE_PORT" "$BRIDGE_DIR_URL")
v=$(json_get "$R.host.body" new-reg || true)
assert_eq "directory URLs are built from the Host header" "http://localhost:$BRIDGE_PORT/acme/new-reg" "$v"

# The terms URL must be fetchable by a client (served by the bridge or elsewhere).
if [ -n "$tos_meta" ]; then
	st=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$tos_meta" || true)
	assert_match "GET terms-of-service URL answers 2xx/3xx" '^(2|3)[0-9][0-9]$' "$st"
fi

# ---- HEAD /directory: 200 + Replay-Nonce (dehydrated aborts on non-2xx)
st=$(http_req "$R.head1" -I "$BRIDGE_DIR_URL")
assert_eq "HEAD /directory status" 200 "$st"
n1=$(hdr "$R.head1.hdr" replay-nonce || true)
assert_match "HEAD /directory Replay-Nonce is base64url" '^[A-Za-z0-9_-]{16,}$' "$n1"
# dehydrated greps '^Replay-Nonce: ' and splits on ': '
if tr -d '\r' <"$R.head1.hdr" | grep -Eiq '^replay-nonce: [A-Za-z0-9_-]+$'; then pass "Replay-Nonce header is 'Name: value'"; else
	fail "Replay-Nonce header is 'Name: value'" "$(grep -i nonce "$R.head1.hdr" || true)"; fi
http_req "$R.head2" -I "$BRIDGE_DIR_URL" >/dev/null
n2=$(hdr "$R.head2.hdr" replay-nonce || true)
if [ -n "$n1" ] && [ -n "$n2" ] && [ "$n1" != "$n2" ] && [ "$n_get" != "$n1" ]; then
	pass "each response gets a fresh nonce"
else
	fail "each response gets a fresh nonce" "GET '$n_get', HEAD '$n1', HEAD '$n2'"
fi
# A body after a HEAD response would corrupt the next response on the
# connection: read the raw bytes (curl -I would not show them).
timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
	printf "HEAD /directory HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$0" >&3
	cat <&3' "$BRIDGE_PORT" >"$R.rawhead" 2>/dev/null || true
extra=$(node -e '
	const b = require("fs").readFileSync(process.argv[1]);
	const i = b.indexOf("\r\n\r\n");
	process.stdout.write(String(i < 0 ? -1 : b.length - (i + 4)));' "$R.rawhead")
if head -c 12 "$R.rawhead" | grep -q '^HTTP/1.1 200' && [ "$extra" = 0 ]; then
	pass "HEAD /directory (raw) has headers and no body"
else
	fail "HEAD /directory (raw) has headers and no body" "$extra bytes after the headers; $(head -c 40 "$R.rawhead" | tr -c '[:print:]' '.')"
fi

# ---- POST-only endpoints: HEAD -> 405 with a nonce (certbot takes nonces there)
for res in new-reg new-authz new-cert; do
	st=$(http_req "$R.h405" -I "$BRIDGE_URL/acme/$res")
	assert_eq "HEAD /acme/$res status 405" 405 "$st"
	v=$(hdr "$R.h405.hdr" replay-nonce || true)
	assert_match "HEAD /acme/$res carries Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$v"
done
st=$(http_req "$R.g405" "$BRIDGE_URL/acme/new-reg")
check_problem "GET /acme/new-reg -> 405 malformed problem" "$R.g405" 405 malformed "$st"
allow=$(hdr "$R.g405.hdr" allow || true)
assert_match "GET /acme/new-reg 405 has Allow: POST" 'POST' "$allow"

# ---- unknown resources -> 404 problem with a nonce
st=$(http_req "$R.404" "$BRIDGE_URL/no/such/path")
check_problem "GET unknown path -> 404 malformed problem" "$R.404" 404 malformed "$st"
st=$(http_req "$R.404a" "$BRIDGE_URL/acme/authz/987654321")
check_problem "GET unknown authz -> 404 malformed problem" "$R.404a" 404 malformed "$st"
st=$(http_req "$R.404c" "$BRIDGE_URL/acme/cert/00deadbeef")
check_problem "GET unknown cert -> 404 malformed problem" "$R.404c" 404 malformed "$st"
st=$(http_req "$R.404i" "$BRIDGE_URL/acme/issuer-cert/00000000000000000000000000000000")
check_problem "GET unknown issuer-cert -> 404 malformed problem" "$R.404i" 404 malformed "$st"

# ---- keep-alive: two requests over one connection
# keepalive TAG CODES-NAME WANT REUSE-NAME URL URL: curl -v fetches both URLs;
# the status codes are WANT, and curl says it reused the connection
keepalive() {
	local tag=$1 codes_name=$2 want=$3 reuse_name=$4 codes
	shift 4
	curl -sv --max-time 20 -o /dev/null -o /dev/null -w '%{http_code}\n' "$@" >"$R.$tag.out" 2>"$R.$tag.err" || true
	codes=$(tr -d '\r' <"$R.$tag.out" | tr '\n' ' ')
	assert_eq "$codes_name" "$want" "$codes"
	if grep -Eiq 're-?using existing connection' "$R.$tag.err"; then pass "$reuse_name"; else
		fail "$reuse_name" "$(grep -Ei 'connect|connection' "$R.$tag.err" | head -n 5 | tr '\n' '~')"
	fi
}
keepalive ka "keep-alive: both requests answered 200" "200 200 " \
	"keep-alive: second request reuses the connection" "$BRIDGE_DIR_URL" "$BRIDGE_DIR_URL"
# Same after an error response (the 404 must not close the connection either).
keepalive ka2 "keep-alive after 404: answers 404 then 200" "404 200 " \
	"keep-alive after 404: connection reused" "$BRIDGE_URL/no/such/path" "$BRIDGE_DIR_URL"

bridge_stop
finish
