#!/usr/bin/env bash
# Two bridges, one PostgreSQL, haproxy in front (issue 11 item 5): Debian's
# PostgreSQL (tests/pg_cluster.sh) and haproxy. haproxy balances every v1
# request round robin between bridge A and bridge B (no server-side
# keep-alive: each request is balanced on its own), and Pebble's http-01
# validations between their two responders, so a nonce handed out by one
# bridge is used at the other, an authorization made at one is answered
# at the other, and a token one published is served by the other.
# dehydrated (two names) and acme-client issue through it. Then the bridge
# working on a dehydrated new-cert (its finalize held 4 s by the relay in
# front of Pebble) is SIGKILLed; dehydrated's retry completes through the
# survivor, with no new upstream account and no new v1 account row.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin ha

need_tools dehydrated psql haproxy nginx
npm_ensure acme-client 1.0.0 1.0.0
pebble_ensure "$W"
pebble_roots "$W"
pg_start "$W/pg"
relay_start relay
psqlq() { psql "$PG_URI" -qAtX -c "$1"; }
newacct() { grep -c 'POST /sign-me-up -> calling handler()' "$PEBBLE_WORKDIR/pebble.log" || true; }

declare -A PID PORT ADMIN H01
echo '{"authz_wait_ms": 500}' >"$W/ha.json"
ha_bridge() { # ha_bridge NAME: a bridge on the database, upstream = the relay
	local n=$1
	PORT[$n]=$(free_port) ADMIN[$n]=$(free_port) H01[$n]=$(free_port)
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		"$BRIDGE_BIN" --config "$W/ha.json" --listen "127.0.0.1:${PORT[$n]}" --upstream "$RELAY/dir" \
		--upstream-ca "$PEBBLE_CA" --http01-listen "127.0.0.1:${H01[$n]}" \
		--admin-listen "127.0.0.1:${ADMIN[$n]}" --state "$PG_URI" --agree-tos \
		>>"$W/$n.log" 2>&1 &
	PID[$n]=$!
	E2E_PIDS+=("${PID[$n]}")
	wait_for 30 curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:${ADMIN[$n]}/readyz" ||
		die "bridge $n not ready (see $W/$n.log)"
}
ha_bridge a
ha_bridge b

HP=$(free_port)
haproxy_two "$W" "$HP" "${PORT[a]}" "${PORT[b]}" "${H01[a]}" "${H01[b]}" "${ADMIN[a]}" "${ADMIN[b]}"
HA_URL="http://127.0.0.1:$HP/directory"

reqs() { grep -c ' INFO v1 req=' "$W/$1.log" || true; }
BRIDGE_DIR_URL=$HA_URL # dehydrated's CA (dh_config)
a0=$(reqs a) b0=$(reqs b)
D=$W/dh
dh_config "$D"
dh register "$D" --register --accept-terms
dh issue "$D" -c -d a.ha.example -d b.ha.example
dh_cert_check "$D" a.ha.example "a.ha.example b.ha.example" "dehydrated through haproxy: verifies"
da=$(($(reqs a) - a0)) db=$(($(reqs b) - b0))
[ "$da" -ge 3 ] && [ "$db" -ge 3 ] && pass "dehydrated's requests went to both bridges (a $da, b $db)" ||
	fail "dehydrated's requests went to both bridges" "a $da, b $db"
grep -q 'badNonce' "$D/issue.log" && fail "no badNonce across instances" "see $D/issue.log" ||
	pass "no badNonce across instances"

acme_client "acme-client through haproxy" "$HA_URL" node.ha.example
for n in a b; do
	grep -q 'blocked the event loop' "$W/$n.log" &&
		fail "bridge $n: no store call blocked the loop" "$(grep 'blocked the event loop' "$W/$n.log")" ||
		pass "bridge $n: no store call blocked the loop"
done

# ---- one upstream account made once across instances: four issuances of
# one new v1 account at once, through both bridges, newAccount held 2 s by
# the relay; the bridge that did not get the claim waits for the other's
n0=$(newacct)
relay_fault '{"match":"new-account","action":"delay","ms":2000,"count":2}'
rc=0
node "$E2E_ROOT/tests/bench/v1_driver.js" --url "http://127.0.0.1:$HP" --accounts 1 --concurrency 4 \
	--runs 4 --warmup 0 --tag once --deadline-s 120 >"$W/once.out" 2>"$W/once.err" || rc=$?
relay_clear
assert_eq "four issuances of one new account through both bridges: all ok" 4 "$(grep -c '"ok":true' "$W/once.out" || true)"
assert_eq "... and one newAccount at the CA" $((n0 + 1)) "$(newacct)"
grep -q 'made by another instance' "$W/a.log" "$W/b.log" &&
	pass "... the other bridge used the account the first one made" ||
	fail "... the other bridge used the account the first one made" "no 'made by another instance' in a.log or b.log"

# ---- a pending authorization's refresh, once across instances: while
# another instance holds the lock "authz refresh: ID" (here a psql session),
# bridge b answers GETs from the store and asks the CA nothing; once the
# lock is free, its next GET refreshes
relay_fault '{"match":"authz","action":"merge","merge":{"status":"pending"},"challengeStatus":"pending"}'
K=$W/pend.pem
A_URL="http://127.0.0.1:${PORT[a]}"
BRIDGE_URL=$A_URL BRIDGE_DIR_URL=$A_URL/directory new_account "$W/preg" "$K" "pending: new-reg at bridge a 201"
st=$(BRIDGE_URL=$A_URL BRIDGE_DIR_URL=$A_URL/directory v1_new_authz "$W/pz" "$K" p.ha.example)
assert_eq "pending: new-authz at bridge a 201" 201 "$st"
assert_eq "... pending" pending "$(json_get "$W/pz.body" status)"
zid=$(psqlq "select id from authzs where name = 'p.ha.example'")
zurl=$(hdr "$W/pz.hdr" Location | sed -E "s#^https?://[^/]+#http://127.0.0.1:${PORT[b]}#")
authz_asks() { grep -c '\[authz\]' "$W/relay.log" || true; }
psql "$PG_URI" -qAtX -c "select pg_advisory_lock(hashtextextended('authz refresh: $zid', 0)), pg_sleep(30)" \
	>/dev/null 2>&1 &
HOLDER=$!
sleep 1
q0=$(authz_asks)
for i in 1 2; do
	assert_eq "lock held elsewhere: GET $i at bridge b 200" 200 "$(http_req "$W/pg$i" "$zurl")"
	sleep 1.1 # past authz_refresh_ms: a refresh would be due
done
assert_eq "... and bridge b asked the CA nothing" "$q0" "$(authz_asks)"
kill "$HOLDER" 2>/dev/null || true
wait "$HOLDER" 2>/dev/null || true
psqlq "select pg_terminate_backend(pid) from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()" >/dev/null
sleep 1.1
assert_eq "lock free: GET at bridge b 200" 200 "$(http_req "$W/pg3" "$zurl")"
[ "$(authz_asks)" -gt "$q0" ] && pass "... and bridge b refreshed it from the CA" ||
	fail "... and bridge b refreshed it from the CA" "no authorization request at the relay"
relay_clear

# ---- one bridge SIGKILLed in the middle of a new-cert
inflight() { curl -s --max-time 2 "http://127.0.0.1:${ADMIN[$1]}/metrics" |
	awk '/^acme_bridge_upstream_inflight/ {s += $2} END {print s + 0}'; }
accts0=$(psqlq 'select count(*) from accounts')
n0=$(newacct)
relay_fault '{"match":"finalize","action":"delay","ms":4000,"count":1}'
( dh_rc killed "$D" -c -d c.ha.example >"$W/dh-killed.rc" ) &
DH=$!
# the finalize is being held: the bridge with a flow in flight is the one
# (dehydrated waits on its new-cert, nothing else runs)
victim=""
wait_for 20 grep -q '\[finalize\] fault delay' "$W/relay.log" || true
for n in a b; do [ "$(inflight $n)" -ge 1 ] && victim=$n; done
if [ -z "$victim" ]; then
	fail "a bridge is working on the new-cert" "no upstream_inflight seen"
else
	kill -KILL "${PID[$victim]}"
	wait "${PID[$victim]}" 2>/dev/null || true
	pass "bridge $victim SIGKILLed with the new-cert's finalize in flight"
fi
wait "$DH" || true
[ "$(cat "$W/dh-killed.rc")" -ne 0 ] && pass "the client's run in flight at the kill failed (status $(cat "$W/dh-killed.rc"))" ||
	fail "the client's run in flight at the kill failed" "it succeeded: the kill came too late"
relay_clear
dh retry "$D" -c -d c.ha.example
dh_cert_check "$D" c.ha.example "c.ha.example" "the retry through the survivor: verifies"
assert_eq "the retry made no new upstream account" "$n0" "$(newacct)"
assert_eq "... and no new v1 account row" "$accts0" "$(psqlq 'select count(*) from accounts')"
# ---- the database gone: the survivor's /readyz says so (503, store false)
survivor=a
[ "$victim" = a ] && survivor=b
rz() { curl -s --max-time 2 "http://127.0.0.1:${ADMIN[$survivor]}/readyz"; }
assert_match "the survivor's /readyz: store usable" '"store": *true' "$(rz)"
bash "$E2E_ROOT/tests/pg_cluster.sh" stop "$W/pg"
wait_for 10 eval '[ "$(curl -s -o /dev/null -w "%{http_code}" --max-time 2 "http://127.0.0.1:${ADMIN[$survivor]}/readyz")" = 503 ]' &&
	pass "the database stopped: the survivor's /readyz 503" ||
	fail "the database stopped: the survivor's /readyz 503" "$(rz)"
assert_match "... naming the store" '"store": *false' "$(rz)"
bash "$E2E_ROOT/tests/pg_cluster.sh" start "$W/pg" >/dev/null
wait_for 20 eval '[ "$(curl -s -o /dev/null -w "%{http_code}" --max-time 2 "http://127.0.0.1:${ADMIN[$survivor]}/readyz")" = 200 ]' &&
	pass "the database back: the survivor connects again (/readyz 200)" ||
	fail "the database back: the survivor connects again (/readyz 200)" "$(rz)"
# haproxy takes it back after two good checks
wait_for 10 curl -sf --max-time 2 -o /dev/null "$HA_URL" || fail "haproxy takes the survivor back" "no answer at $HA_URL"
dh again "$D" -c -x -d c.ha.example
dh_cert_check "$D" c.ha.example "c.ha.example" "the renewal after the database came back: verifies"
grep -q 'connection to the database made again' "$W/$survivor.log" &&
	pass "... and logged the reconnection" || fail "... and logged the reconnection" "not in $W/$survivor.log"

# ---- the shipped examples (config/, docs/ha.md) are valid configs
haproxy -c -f "$E2E_ROOT/config/haproxy-ha.cfg" >"$W/ha-check.out" 2>&1 &&
	pass "config/haproxy-ha.cfg: haproxy -c accepts it" ||
	fail "config/haproxy-ha.cfg: haproxy -c accepts it" "$(tail -n 3 "$W/ha-check.out")"
{
	echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
	echo "error_log $W/nginx-t.log; pid $W/nginx-t.pid; events {}"
	cat "$E2E_ROOT/config/nginx-ha.conf"
} >"$W/nginx-t.conf"
nginx -t -c "$W/nginx-t.conf" >"$W/nginx-t.out" 2>&1 &&
	pass "config/nginx-ha.conf: nginx -t accepts it (stream module)" ||
	fail "config/nginx-ha.conf: nginx -t accepts it (stream module)" "$(tail -n 3 "$W/nginx-t.out")"
finish
