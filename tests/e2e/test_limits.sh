#!/usr/bin/env bash
# The listener's limits from a --config file: oversized headers (431) and
# URLs (414), the connection cap, the header and idle timeouts, a chunked
# POST (accepted) and a POST without body framing (411). The bridge keeps
# serving and exits cleanly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin limits

pebble_ensure "$W"
cat >"$W/limits.json" <<-EOF
	{
	  "_comment": "test_limits.sh: small limits so they can be hit quickly",
	  "max_connections": 4,
	  "header_timeout_ms": 1000,
	  "idle_timeout_ms": 2000
	}
EOF
bridge_start "$W" --config "$W/limits.json" || finish

R=$W/r
now_ms() { date +%s%3N; }
# send FD TEXT: write to a raw socket; a connection the server already closed
# must give a FAIL line later, not kill this script with SIGPIPE
# shellcheck disable=SC2059 # TEXT is a printf format on purpose (\r\n)
send() { (trap '' PIPE; printf "$2" >&"$1") 2>/dev/null || true; }
# eof_within NAME OUT SECS MIN MAX: read fd 3 into OUT until EOF (SECS at
# most); pass when the EOF came MIN..MAX ms after $t0
eof_within() {
	local name=$1 out=$2 secs=$3 lo=$4 hi=$5 rc=0 el
	timeout "$secs" cat <&3 >"$out" || rc=$?
	el=$(($(now_ms) - t0))
	if [ "$rc" -eq 0 ] && [ "$el" -ge "$lo" ] && [ "$el" -le "$hi" ]; then
		pass "$name (EOF after $el ms)"
	else
		fail "$name" "read ended with status $rc after $el ms (124 = still open after $secs s; want EOF in $lo..$hi ms)"
	fi
}

# ---- (a) one 20 KB header: over max_header_bytes (16384) -> 431 problem
big=$(head -c 20480 /dev/zero | tr '\0' 'h')
st=$(http_req "$R.big" -H "X-Big: $big" "$BRIDGE_DIR_URL")
check_problem "20 KB of headers -> 431 malformed problem" "$R.big" 431 malformed "$st"
# just under the limit is still served (the limit is max_header_bytes, not less)
ok_hdr=$(head -c 12000 /dev/zero | tr '\0' 'h')
st=$(http_req "$R.okhdr" -H "X-Big: $ok_hdr" "$BRIDGE_DIR_URL")
assert_eq "12 KB of headers (under the limit) -> 200" 200 "$st"

# ---- (b) a URL over 2048 characters -> 414 problem
long=$(head -c 2100 /dev/zero | tr '\0' 'a')
path="/directory?q=$long"
st=$(http_req "$R.url" "$BRIDGE_URL$path")
check_problem "request URL of ${#path} chars -> 414 malformed problem" "$R.url" 414 malformed "$st"

# ---- (c) connection limit: 4 idle connections, the 5th is closed unanswered.
# They must be used within header_timeout_ms (1 s) of opening: the server
# closes idle fresh connections after that, which would free the slots.
t0=$(now_ms)
exec 3<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
exec 4<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
exec 5<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
exec 6<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
sleep 0.2
crc=0
code=$(curl -s --max-time 3 -o "$R.fifth.body" -w '%{http_code}' "$BRIDGE_DIR_URL" 2>/dev/null) || crc=$?
t5=$(($(now_ms) - t0))
if [ "$crc" -ne 0 ] && [ "$crc" -ne 28 ] && [ "$code" = 000 ] && [ ! -s "$R.fifth.body" ]; then
	pass "5th connection with 4 open is closed without an answer (curl exit $crc)"
else
	fail "5th connection with 4 open is closed without an answer" "curl exit $crc, HTTP $code, $(wc -c <"$R.fifth.body") body bytes"
fi
if [ "$t5" -lt 900 ]; then
	pass "5th connection tried while the 4 were surely still open (${t5} ms < header timeout)"
else
	fail "5th connection tried while the 4 were surely still open" "${t5} ms after opening them (header timeout 1000 ms)"
fi
# each of the 4 held connections was accepted: a request on it is answered
for fd in 3 4 5 6; do
	send "$fd" 'GET /directory HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'
done
for fd in 3 4 5 6; do
	first=$(timeout 3 cat <&"$fd" | head -n 1 | tr -d '\r' || true)
	assert_match "held connection $((fd - 2)) of 4 is served" '^HTTP/1\.1 200' "$first"
done
exec 3>&- 4>&- 5>&- 6>&-
grep -q 'connection limit (4) reached' "$BRIDGE_LOG" &&
	pass "bridge logs the refused connection" ||
	fail "bridge logs the refused connection" "no 'connection limit (4) reached' in $BRIDGE_LOG"
st=000
for _ in 1 2 3 4 5; do
	st=$(http_req "$R.after" "$BRIDGE_DIR_URL")
	[ "$st" = 200 ] && break
	sleep 0.1
done
assert_eq "after closing the 4: GET /directory -> 200" 200 "$st"

# ---- (d) header timeout: half a request line, then silence -> closed in ~1 s
exec 3<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
t0=$(now_ms)
send 3 'GET /direc'
eof_within "partial request line: server closes after the header timeout" "$R.partial.out" 5 700 3000
exec 3>&-

# headers trickled in one byte at a time are not a way around it
exec 3<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
t0=$(now_ms)
(
	for ch in G E T ' ' / d i r e c t o r y ' ' H T T P; do
		(trap '' PIPE; printf '%s' "$ch" >&3) 2>/dev/null || exit 0
		sleep 0.2
	done
) &
trickle=$!
eof_within "request line trickled byte by byte: closed after the header timeout" "$R.trickle.out" 5 700 3000
kill "$trickle" 2>/dev/null || true
wait "$trickle" 2>/dev/null || true
exec 3>&-

# ---- (e) idle timeout: a complete keep-alive request, then idle -> closed in ~2 s
exec 3<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
t0=$(now_ms)
send 3 'GET /directory HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
# 1600 ms lower bound: later than the 1 s header timeout, so it is the idle timer
eof_within "idle keep-alive connection closed after the idle timeout" "$R.idle.out" 6 1600 4000
exec 3>&-
assert_match "keep-alive request answered before the idle close" '^HTTP/1\.1 200' "$(head -n 1 "$R.idle.out" | tr -d '\r')"

# ---- (f) a chunked POST is framed (issue 8 item 7): accepted, 201; a POST
# with neither Content-Length nor chunked framing -> 411 malformed problem
KEY=$W/account.pem
new_rsa_key "$KEY"
node "$E2E_DIR/jws.js" --key "$KEY" --nonce "$(fresh_nonce)" --url-resource new-reg \
	--payload '{"contact":["mailto:limits@example.com"]}' >"$R.chunked.req"
st=$(http_req "$R.chunked" -H 'Content-Type: application/jose+json' -H 'Transfer-Encoding: chunked' \
	--data-binary "@$R.chunked.req" "$BRIDGE_URL/acme/new-reg")
assert_eq "chunked POST /acme/new-reg (no Content-Length) -> 201" 201 "$st"
st=$(http_req "$R.nolen" -X POST -H 'Content-Type: application/jose+json' "$BRIDGE_URL/acme/new-reg")
check_problem "POST /acme/new-reg with no body framing -> 411 malformed problem" "$R.nolen" 411 malformed "$st"
if command -v sqlite3 >/dev/null; then
	assert_eq "the chunked new-reg created one account" 1 \
		"$(sqlite3 "$BRIDGE_STATE" 'select count(*) from accounts;' 2>&1 || true)"
fi

# ---- still alive and serving after all that
st=$(http_req "$R.alive" "$BRIDGE_DIR_URL")
assert_eq "bridge still answers GET /directory" 200 "$st"
assert_match "directory still lists new-reg" '"new-reg"' "$(cat "$R.alive.body")"

bridge_stop
finish
