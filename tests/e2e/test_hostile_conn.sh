#!/usr/bin/env bash
# Connection fairness (issue 8 item 1) and chunked bodies (item 7): one
# hostile host floods a listener from its own loopback alias while a
# legitimate client on 127.0.0.1 keeps working.
#  (a) 300 idle keep-alive sockets from 127.0.0.2 on the v1 port: dehydrated
#      registers and issues, and plain GETs are answered
#  (b) 1000 half-sent requests from 127.0.0.3 on the v1 port: still answered
#  (c) the same floods on the http-01 responder: a Pebble validation through
#      new-authz still succeeds
#  (d) the global cap filled with idle keep-alive sockets from 8 addresses:
#      the oldest idle one is reclaimed, the legitimate client gets in
#  (e) refusals are counted in /metrics, logged once a second at most
#  (f) a chunked new-reg is accepted; a chunked body over the limit is 413
#  (g) a connection that sends nothing is closed after first_byte_timeout_ms
# Each flood prints the legitimate client's "ok N/M" and latencies.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin hostile_conn

need_tools dehydrated python3
pebble_ensure "$W"
pebble_roots "$W"
bridge_start "$W" || finish
R=$W/r
FLOOD=$E2E_DIR/flood.py
t_start=$SECONDS

# flood_start NAME SOURCE PORT MODE COUNT: a flooder in the background,
# holding COUNT connections (reopened when closed) until flood_stop
declare -A FLOOD_PID
flood_start() {
	local name=$1 src=$2 port=$3 mode=$4 count=$5
	rm -f "$W/$name.ready"
	python3 "$FLOOD" --source "$src" --port "$port" --mode "$mode" \
		--count "$count" --secs 240 --ready "$W/$name.ready" >"$W/$name.out" 2>&1 &
	FLOOD_PID[$name]=$!
	E2E_PIDS+=("$!")
	wait_for 20 test -s "$W/$name.ready" || fail "flooder $name starts" "no ready file"
}
flood_stop() { # flood_stop NAME: stop it, print its counts
	local pid=${FLOOD_PID[$1]}
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "   flooder $1: $(cat "$W/$1.out")"
}

# probe NAME N: N sequential GET /directory from 127.0.0.1 (5 s each at
# most); prints "ok K/N avg X s max Y s" and sets PROBE_OK
probe() {
	local name=$1 n=$2 i out code t ok=0 sum=0 max=0
	for i in $(seq 1 "$n"); do
		out=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' "$BRIDGE_DIR_URL" 2>/dev/null || true)
		code=${out%% *}
		t=${out#* }
		[ "$code" = 200 ] && ok=$((ok + 1))
		sum=$(awk -v a="$sum" -v b="$t" 'BEGIN { print a + b }')
		max=$(awk -v a="$max" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
	done
	PROBE_OK=$ok
	echo "   $name: legitimate GET /directory ok $ok/$n, latency avg $(awk -v s="$sum" -v n="$n" 'BEGIN { printf "%.3f", s / n }') s, max $max s"
}

# ---- (a) 300 idle keep-alive sockets from 127.0.0.2 on the v1 port
flood_start a-idle 127.0.0.2 "$BRIDGE_PORT" idle 300
probe "(a) idle flood" 30
assert_eq "(a) idle flood from 127.0.0.2: every legitimate GET answered" 30 "$PROBE_OK"
D1=$W/dh1
dh_config "$D1"
t0=$SECONDS
dh a-register "$D1" --register --accept-terms
dh a-issue "$D1" -c -d flood-a.example
echo "   (a) dehydrated register + issue under the flood: $((SECONDS - t0)) s"
dh_cert_check "$D1" flood-a.example flood-a.example "(a) dehydrated certificate under the idle flood verifies"
flood_stop a-idle
# its sockets close only when refused (idle_timeout_ms is 60 s): at most
# max_connections_per_address (32) of them were ever answered
ans=$(sed -n 's/.*answered \([0-9]*\).*/\1/p' "$W/a-idle.out")
if [ -n "$ans" ] && [ "$ans" -le 32 ] && grep -Eq 'refused [1-9]' "$W/a-idle.out"; then
	pass "(a) the flooder got 32 connections at most (per-address cap): $ans answered"
else
	fail "(a) the flooder got 32 connections at most (per-address cap)" "$(cat "$W/a-idle.out")"
fi

# ---- (b) 1000 half-sent requests from 127.0.0.3 on the v1 port
flood_start b-half 127.0.0.3 "$BRIDGE_PORT" half 1000
probe "(b) half-sent flood" 30
assert_eq "(b) half-sent flood from 127.0.0.3: every legitimate GET answered" 30 "$PROBE_OK"
new_rsa_key "$W/kb.pem"
st=$(v1_new_reg "$R.b-reg" "$W/kb.pem")
assert_eq "(b) new-reg under the half-sent flood -> 201" 201 "$st"
flood_stop b-half

# ---- (c) the same floods on the http-01 responder: validation still works
flood_start c-half 127.0.0.3 "$HTTP01_PORT" half 1000
flood_start c-idle 127.0.0.4 "$HTTP01_PORT" idle 300
new_rsa_key "$W/kc.pem"
st=$(v1_new_reg "$R.c-reg" "$W/kc.pem")
assert_eq "(c) new-reg -> 201" 201 "$st"
ok=0
for i in 1 2 3; do
	st=$(v1_new_authz "$R.c-az$i" "$W/kc.pem" "flood-c$i.example")
	s=$(json_get "$R.c-az$i.body" status 2>/dev/null || true)
	echo "   (c) new-authz flood-c$i.example under the http-01 flood: HTTP $st, status $s"
	[ "$st" = 201 ] && [ "$s" = valid ] && ok=$((ok + 1))
done
echo "   (c) http-01 flood: Pebble validations ok $ok/3"
assert_eq "(c) http-01 floods from 127.0.0.3/.4: every Pebble validation succeeds" 3 "$ok"
flood_stop c-half
flood_stop c-idle

# ---- (d) the global cap (256) filled with idle sockets from 8 addresses
for k in 0 1 2 3 4 5 6 7; do
	flood_start "d-idle$k" "127.0.0.1$k" "$BRIDGE_PORT" idle 32
done
sleep 1
probe "(d) global cap of idle sockets" 20
assert_eq "(d) 8 x 32 idle sockets: every legitimate GET answered (oldest idle reclaimed)" 20 "$PROBE_OK"
for k in 0 1 2 3 4 5 6 7; do flood_stop "d-idle$k"; done

# ---- (e) refusals in /metrics, and a rate-limited log; the scrape itself
# goes through an idle flood of the admin listener from 127.0.0.5
flood_start e-admin 127.0.0.5 "$BRIDGE_ADMIN_PORT" idle 100
st=$(curl -s --max-time 10 -o "$W/metrics.txt" -w '%{http_code}' "$BRIDGE_ADMIN_URL/metrics" || true)
assert_eq "(e) /metrics answered while 127.0.0.5 floods the admin listener" 200 "$st"
flood_stop e-admin
metric() { # metric LISTENER REASON -> the counter's value (0 when absent)
	awk -v k="acme_bridge_connections_refused_total{listener=\"$1\",reason=\"$2\"}" \
		'$1 == k { v = $2 } END { print v + 0 }' "$W/metrics.txt"
}
v1pa=$(metric v1 per_address)
h1pa=$(metric http01 per_address)
adpa=$(metric admin per_address)
echo "   (e) refused: v1 per_address $v1pa, global $(metric v1 global); http01 per_address $h1pa, global $(metric http01 global)"
[ "$v1pa" -ge 100 ] && pass "(e) v1 per-address refusals counted ($v1pa)" ||
	fail "(e) v1 per-address refusals counted" "got $v1pa"
[ "$h1pa" -ge 100 ] && pass "(e) http01 per-address refusals counted ($h1pa)" ||
	fail "(e) http01 per-address refusals counted" "got $h1pa"
[ "$adpa" -ge 1 ] && pass "(e) admin per-address refusals counted ($adpa)" ||
	fail "(e) admin per-address refusals counted" "got $adpa"
v1rc=$(awk '$1 == "acme_bridge_connections_reclaimed_total{listener=\"v1\"}" { v = $2 } END { print v + 0 }' "$W/metrics.txt")
echo "   (e) v1 idle connections reclaimed: $v1rc"
# (not one per GET: a GET may find the slot a reclaim freed before the
# flooder takes it back)
[ "$v1rc" -ge 1 ] && pass "(e) (d)'s reclaims counted ($v1rc)" ||
	fail "(e) (d)'s reclaims counted" "acme_bridge_connections_reclaimed_total{listener=\"v1\"} $v1rc"
lines=$(grep -c 'refused .* connection' "$BRIDGE_LOG" || true)
secs=$((SECONDS - t_start))
echo "   (e) log: $lines refusal lines in $secs s for $((v1pa + h1pa)) refusals"
# at most one line a second per listener (3 listeners), with a margin
if [ "$lines" -ge 1 ] && [ "$lines" -le $((secs * 3 + 10)) ]; then
	pass "(e) refusals logged at most once a second ($lines lines in $secs s)"
else
	fail "(e) refusals logged at most once a second" "$lines lines in $secs s"
fi
assert_match "(e) a log line carries the count" 'refused [0-9]+ connection' "$(grep -m1 'refused .* connection' "$BRIDGE_LOG" || true)"

# ---- (f) chunked request bodies: accepted within max_body_bytes, else 413
new_rsa_key "$W/kf.pem"
node "$E2E_DIR/jws.js" --key "$W/kf.pem" --nonce "$(fresh_nonce)" --url-resource new-reg \
	--payload '{"contact":["mailto:chunked@example.com"]}' >"$R.chunked.req"
st=$(http_req "$R.chunked" -H 'Content-Type: application/jose+json' -H 'Transfer-Encoding: chunked' \
	--data-binary "@$R.chunked.req" "$BRIDGE_URL/acme/new-reg")
assert_eq "(f) chunked new-reg -> 201" 201 "$st"
head -c 70000 /dev/zero | tr '\0' 'x' >"$R.bigchunk"
st=$(http_req "$R.bigc" -H 'Content-Type: application/jose+json' -H 'Transfer-Encoding: chunked' \
	--data-binary "@$R.bigchunk" "$BRIDGE_URL/acme/new-reg")
check_problem "(f) chunked body over max_body_bytes -> 413 malformed problem" "$R.bigc" 413 malformed "$st"

# ---- (g) a connection that sends nothing is closed after
# first_byte_timeout_ms (5 s), well before header_timeout_ms (10 s)
exec 3<>"/dev/tcp/127.0.0.1/$BRIDGE_PORT"
t0=$(date +%s%3N)
rc=0
timeout 20 cat <&3 >/dev/null || rc=$?
el=$(($(date +%s%3N) - t0))
exec 3>&-
if [ "$rc" -eq 0 ] && [ "$el" -ge 4000 ] && [ "$el" -le 9000 ]; then
	pass "(g) a silent connection is closed after first_byte_timeout_ms ($el ms)"
else
	fail "(g) a silent connection is closed after first_byte_timeout_ms" "read status $rc after $el ms (want EOF in 4000..9000 ms)"
fi

st=$(http_req "$R.alive" "$BRIDGE_DIR_URL")
assert_eq "bridge still answers GET /directory" 200 "$st"
bridge_stop
finish
