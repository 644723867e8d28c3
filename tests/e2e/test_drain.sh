#!/usr/bin/env bash
# Drain (issue 9 item 6): SIGTERM during an issuance whose finalize the fault
# relay holds for a few seconds. The client still gets its certificate, a new
# connection after SIGTERM is refused, and the bridge exits 0 once the work is
# done. Then: a second SIGTERM while draining stops at once, and a drain that
# outlasts drain_timeout_ms ends at the timeout, both exiting 0.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin drain

pebble_ensure "$W"
[ -r "$PEBBLE_WORKDIR/tls-cert.pem" ] && [ -r "$PEBBLE_WORKDIR/tls-key.pem" ] ||
	die "Pebble's TLS certificate/key not found in PEBBLE_WORKDIR=$PEBBLE_WORKDIR"
R=$W/r
mkdir -p "$R"
relay_start relay
relay_hits() { grep -c ' fault ' "$W/relay.log" || true; }
hits_above() { [ "$(relay_hits)" -gt "$1" ]; }

# exits_within SECS PID -> 0 when PID has exited within SECS; status in EXIT_RC
exits_within() {
	local secs=$1 pid=$2 i
	EXIT_RC=""
	for i in $(seq 1 $((secs * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 1
	fi
	EXIT_RC=0
	wait "$pid" || EXIT_RC=$?
	return 0
}

# start_held NAME CONFIG-JSON DELAY-MS: a fresh bridge through the relay, an
# account and a validated name, then a new-cert in the background (pid in
# CERT_PID, status to $R.NAME.st) whose finalize the relay is holding.
start_held() {
	local name=$1 json=$2 delay=$3 hits st
	unset BRIDGE_PORT BRIDGE_STATE
	echo "$json" >"$W/$name.json"
	PEBBLE_DIR_URL="$RELAY/dir" bridge_start "$W/$name" --config "$W/$name.json" || finish
	wait_for 15 grep -q 'upstream directory loaded' "$BRIDGE_LOG" ||
		fail "$name: the bridge loads the directory through the relay" "see $BRIDGE_LOG"
	new_account "$R.$name.reg" "$W/$name.key" "$name: new-reg 201"
	st=$(v1_new_authz "$R.$name.authz" "$W/$name.key" "$name.example")
	assert_eq "$name: new-authz 201" 201 "$st"
	hits=$(relay_hits)
	relay_fault "{\"match\":\"finalize\",\"action\":\"delay\",\"ms\":$delay,\"count\":1}"
	(v1_new_cert "$R.$name.cert" "$W/$name.key" "$name.example" >"$R.$name.st") &
	CERT_PID=$!
	wait_for 30 hits_above "$hits" ||
		fail "$name: the relay holds the finalize" "no fault hit; see $W/relay.log"
}

UP='"upstream_timeout_ms": 120000, "issue_timeout_ms": 150000'

# keepalive_client PORT GO OUT: one connection; GET /directory, then after
# the file GO exists another GET on the same connection; "STATUS1 STATUS2" to OUT
keepalive_client() {
	python3 - "$@" <<-'PY' &
		import http.client, os, sys, time
		port, go, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
		c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
		c.request("GET", "/directory"); r = c.getresponse(); r.read(); s1 = r.status
		open(out + ".ready", "w").close()
		while not os.path.exists(go): time.sleep(0.05)
		try:
		    c.request("GET", "/directory"); r = c.getresponse(); r.read(); s2 = r.status
		except Exception as e:
		    s2 = "error:" + type(e).__name__
		open(out, "w").write("%s %s\n" % (s1, s2))
	PY
	KA_PID=$!
}

# ============================================ 1: the issuance in progress ends
start_held a "{$UP}" 5000
keepalive_client "$BRIDGE_PORT" "$W/ka.go" "$W/ka.out"
wait_for 20 test -e "$W/ka.out.ready" ||
	fail "a: the kept-alive client has its first answer" "no $W/ka.out.ready"
pid=$BRIDGE_PID
BRIDGE_PID=""
kill -TERM "$pid"
wait_for 10 grep -q 'draining' "$BRIDGE_LOG" ||
	fail "a: the bridge says it drains" "see $BRIDGE_LOG"
touch "$W/ka.go"
wait "$KA_PID" || true
assert_eq "a: a new request on a kept-alive connection after SIGTERM gets 503" "200 503" \
	"$(cat "$W/ka.out" 2>/dev/null)"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BRIDGE_DIR_URL" || true)
assert_eq "a: after SIGTERM a new connection is refused (curl status 000)" 000 "$st"
kill -0 "$pid" 2>/dev/null && pass "a: the bridge still runs while the issuance is in progress" ||
	fail "a: the bridge still runs while the issuance is in progress" "it has exited"
wait "$CERT_PID" || true
assert_eq "a: the new-cert in progress at SIGTERM gets its certificate" 201 "$(cat "$R.a.st")"
cert_sans "$R.a.cert.body" der >"$R.a.sans" 2>/dev/null || true
assert_match "a: the certificate names a.example" 'a\.example' "$(cat "$R.a.sans")"
if exits_within 30 "$pid"; then
	assert_eq "a: the bridge exits 0 once drained" 0 "$EXIT_RC"
else
	fail "a: the bridge exits once drained" "still running 30 s after the certificate (killed)"
fi
assert_match "a: the log says nothing was left" 'drain: nothing left in progress' "$(cat "$BRIDGE_LOG")"

# ======================================= 2: a second SIGTERM stops at once
relay_clear
start_held b "{$UP}" 60000
pid=$BRIDGE_PID
BRIDGE_PID=""
kill -TERM "$pid"
wait_for 10 grep -q 'draining' "$BRIDGE_LOG" ||
	fail "b: the bridge says it drains" "see $BRIDGE_LOG"
sleep 1
kill -0 "$pid" 2>/dev/null && pass "b: draining after the first SIGTERM" ||
	fail "b: draining after the first SIGTERM" "it has exited"
kill -TERM "$pid"
if exits_within 10 "$pid"; then
	pass "b: a second SIGTERM exits within 10 s (the finalize was held for 60 s)"
	assert_eq "b: exit status 0" 0 "$EXIT_RC"
else
	fail "b: a second SIGTERM exits within 10 s" "still running (killed)"
fi
wait "$CERT_PID" || true
st=$(cat "$R.b.st")
[ "$st" != 201 ] && pass "b: the cancelled new-cert gets no certificate ($st)" ||
	fail "b: the cancelled new-cert gets no certificate" "got 201"

# =================================== 3: drain_timeout_ms ends a long drain
relay_clear
start_held c "{$UP, \"drain_timeout_ms\": 2000}" 60000
pid=$BRIDGE_PID
BRIDGE_PID=""
kill -TERM "$pid"
if exits_within 20 "$pid"; then
	pass "c: drain_timeout_ms 2000 ends the drain (finalize held for 60 s)"
	assert_eq "c: exit status 0" 0 "$EXIT_RC"
else
	fail "c: drain_timeout_ms 2000 ends the drain" "still running 20 s after SIGTERM (killed)"
fi
assert_match "c: the log says the timeout passed" 'drain_timeout_ms \(2000\) passed' "$(cat "$BRIDGE_LOG")"
wait "$CERT_PID" || true
relay_clear

finish
