#!/usr/bin/env bash
# Several clients at once, and SIGTERM with work in flight: the bridge still
# answers everyone correctly and stops cleanly (exit 0, no sanitizer report).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin lifecycle

pebble_ensure "$W"
pebble_roots "$W"
bridge_start "$W" || finish

R=$W/r
tos=$(v1_tos)

# ---- 6 clients, each new-reg + new-authz + new-cert, all at the same time
N=6
for i in $(seq 1 "$N"); do
	new_rsa_key "$W/k$i.pem"
	mkdir -p "$W/c$i"
	make_csr "$W/c$i" "par$i.example"
done
pids=()
for i in $(seq 1 "$N"); do
	(
		a=$(v1_post "$R.reg$i" "$BRIDGE_URL/acme/new-reg" "$W/k$i.pem" new-reg "{\"agreement\":\"$tos\"}")
		b=$(v1_post "$R.az$i" "$BRIDGE_URL/acme/new-authz" "$W/k$i.pem" new-authz \
			"{\"identifier\":{\"type\":\"dns\",\"value\":\"par$i.example\"}}")
		c=$(v1_post "$R.ct$i" "$BRIDGE_URL/acme/new-cert" "$W/k$i.pem" new-cert \
			"{\"csr\":\"$(b64url_file "$W/c$i/csr.der")\"}")
		echo "$a $b $(json_get "$R.az$i.body" status 2>/dev/null || echo -) $c" >"$R.par$i"
	) &
	pids+=("$!")
done
wait "${pids[@]}" || true
for i in $(seq 1 "$N"); do
	got=$(cat "$R.par$i" 2>/dev/null || echo none)
	assert_eq "parallel client $i: new-reg 201, new-authz 201 valid, new-cert 201" "201 201 valid 201" "$got"
	assert_eq "parallel client $i: certificate for its own name" "par$i.example" "$(cert_sans "$R.ct$i.body" der)"
done
ids=$(for i in $(seq 1 "$N"); do hdr "$R.reg$i.hdr" location || true; done | sort -u | wc -l)
assert_eq "parallel clients got $N distinct accounts" "$N" "$ids"

# ---- SIGTERM while a new-authz is being validated upstream and a client
# has sent half a request: exit 0, nothing leaked, no client left hanging.
KEY=$W/k1.pem
node "$E2E_DIR/jws.js" --key "$KEY" --nonce "$(fresh_nonce)" --url-resource new-authz \
	--payload '{"identifier":{"type":"dns","value":"inflight.example"}}' >"$R.inflight.req"
exec 5<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
printf 'POST /acme/new-reg HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{"partial' >&5
t0=$SECONDS
curl -s --max-time 60 -o "$R.inflight.body" -w '%{http_code}' -H 'Content-Type: application/jose+json' \
	--data-binary "@$R.inflight.req" "$BRIDGE_URL/acme/new-authz" >"$R.inflight.status" 2>/dev/null &
cpid=$!
sleep 0.1
bridge_stop
crc=0
wait "$cpid" || crc=$?
exec 5>&-
# curl exit 0 with a complete answer, or 52/56 (connection closed): both fine;
# 28 (timeout) means the bridge left the client hanging.
if [ "$crc" -ne 28 ] && [ $((SECONDS - t0)) -lt 30 ]; then
	pass "in-flight request answered or closed at shutdown (curl exit $crc, HTTP $(cat "$R.inflight.status"))"
else
	fail "in-flight request answered or closed at shutdown" "curl exit $crc after $((SECONDS - t0)) s"
fi

# ---- the state survives: same accounts after a restart
bridge_start "$W" || finish
st=$(v1_post "$R.again" "$BRIDGE_URL/acme/new-reg" "$W/k2.pem" new-reg '{}')
assert_eq "after restart: known key -> 409" 409 "$st"
assert_eq "after restart: same account URL" "$(hdr "$R.reg2.hdr" location || true)" "$(hdr "$R.again.hdr" location || true)"
GET_URL=$(hdr "$R.ct3.hdr" location || true)
st=$(http_req "$R.getagain" "${GET_URL:-$BRIDGE_URL/acme/cert/00}")
if [ "$st" = 200 ] && cmp -s "$R.ct3.body" "$R.getagain.body"; then
	pass "after restart: GET cert serves the same DER"
else
	fail "after restart: GET cert serves the same DER" "status $st"
fi
bridge_stop
finish
