#!/usr/bin/env bash
# dns-01 upstream through the dns01_hook (docs/dns01.md): names matching
# dns01_names are validated by the CA over DNS, the TXT record published by
# tests/e2e/dns01_hook.sh in pebble-challtestsrv; http-01 stays for the rest.
# A failing hook and a hanging hook give v1 errors that name the failure,
# store nothing and leave no process behind; SIGTERM with a hook running
# stops cleanly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin dns01

need_tools dehydrated sqlite3
pebble_ensure "$W"
pebble_roots "$W"
[ -n "${CHALLTESTSRV_MGMT:-}" ] || die "CHALLTESTSRV_MGMT not exported by lib.sh"
R=$W/r
HOOK=$E2E_DIR/dns01_hook.sh
export DNS01_HOOK_LOG=$W/hook.log # the bridge passes its environment on
: >"$DNS01_HOOK_LOG"

# new_bridge NAME CONFIG-JSON: a fresh bridge (own state) with that config
new_bridge() {
	local d=$W/$1
	mkdir -p "$d"
	printf '%s\n' "$2" >"$d/config.json"
	BRIDGE_PORT="" BRIDGE_STATE=""
	bridge_start "$d" --config "$d/config.json"
}
sql() { sqlite3 "$BRIDGE_STATE" "$1" 2>&1 || true; }
responder_hits() { grep -c 'http-01 req=' "$BRIDGE_LOG" || true; }

# dehydrated: dh_config, dh (lib.sh; CHALLENGETYPE http-01: the bridge picks the upstream type)
check_cert() { # check_cert DIR CERTNAME "SANS"
	local c="$1/certs/$2/cert.pem"
	cert_verifies "$2: certificate verifies against Pebble's root" "$c"
	assert_eq "$2: certificate SANs" "$3" "$(cert_sans "$c")"
}
# hook_calls NAME: the hook log lines for NAME ("VERB VALUE", in order)
hook_calls() { awk -v n="$1" '$2 == n { print $1, $4 }' "$DNS01_HOOK_LOG"; }
# check_hook_log NAME: present then cleanup with the same 43-char value, paired
check_hook_log() {
	local n=$1 calls
	calls=$(hook_calls "$n")
	if [ -z "$calls" ]; then
		fail "$n: hook called" "no line for $n in $DNS01_HOOK_LOG"
		return
	fi
	if printf '%s\n' "$calls" | awk '
		$1 == "present" { if (open != "") exit 1; open = $2; next }
		$1 == "cleanup" { if ($2 != open) exit 1; open = ""; next }
		{ exit 1 }
		END { if (open != "" || NR < 2) exit 1 }' &&
		! printf '%s\n' "$calls" | awk '{ print $2 }' | grep -Evq '^[A-Za-z0-9_-]{43}$'; then
		pass "$n: hook ran present then cleanup with the same 43-char value ($(printf '%s\n' "$calls" | wc -l) calls)"
	else
		fail "$n: hook ran present then cleanup with the same 43-char value" "$(printf '%s' "$calls" | tr '\n' ';')"
	fi
	if awk -v n="$n" '$2 == n' "$DNS01_HOOK_LOG" | grep -v -q -- "_acme-challenge\.$n\. .* stdin=/dev/null args=4 sockets=0\$"; then
		fail "$n: hook argv FQDN _acme-challenge.$n., stdin /dev/null, no inherited socket" "$(awk -v n="$n" '$2 == n' "$DNS01_HOOK_LOG" | head -n 2)"
	else
		pass "$n: hook argv FQDN _acme-challenge.$n., stdin /dev/null, no inherited socket"
	fi
}

# ==== 1. dns-01 names through the challtestsrv hook
new_bridge b1 "{\"dns01_hook\":\"$HOOK\",\"dns01_names\":[\"*.dns.example\"]}" || finish
D1=$W/dh1
dh_config "$D1"
dh register "$D1" --register --accept-terms
hits0=$(responder_hits)
dh dns-names "$D1" -c -d a.dns.example -d b.dns.example
check_cert "$D1" a.dns.example "a.dns.example b.dns.example"
check_hook_log a.dns.example
check_hook_log b.dns.example
assert_eq "dns-01 names: the http-01 responder was not asked" "$hits0" "$(responder_hits)"
assert_eq "dns-01 names: no http-01 answer published" 0 "$(sql 'select count(*) from http01;')"
if grep -q 'dns-01 hook present a.dns.example: ok' "$BRIDGE_LOG" &&
	grep -q 'dns-01 hook cleanup a.dns.example: ok' "$BRIDGE_LOG" &&
	grep -q 'dns-01 hook present a.dns.example: stdout: challtestsrv: set-txt' "$BRIDGE_LOG"; then
	pass "bridge log: hook runs and their output"
else
	fail "bridge log: hook runs and their output" "$(grep 'dns-01' "$BRIDGE_LOG" | head -n 5)"
fi

# ==== 2. a mixed CSR: one dns-01 name, one http-01 name
dh mixed "$D1" -c -d m.dns.example -d m.http.example
check_cert "$D1" m.dns.example "m.dns.example m.http.example"
check_hook_log m.dns.example
assert_eq "mixed: the hook never saw the http-01 name" "" "$(hook_calls m.http.example)"
h=$(responder_hits)
if [ "$h" -gt "$hits0" ]; then
	pass "mixed: the responder answered the http-01 name ($((h - hits0)) requests)"
else
	fail "mixed: the responder answered the http-01 name" "no http-01 request in $BRIDGE_LOG"
fi
bridge_stop

# ==== 2b. hooks for one name run one at a time: a slow cleanup (1 s) of
# account 1's record is not overtaken by account 2's present of the same name
cat >"$W/slow_hook.sh" <<-EOF
	#!/bin/sh
	echo "start \$1 \$2" >>"$W/slow.log"
	[ "\$1" = cleanup ] && sleep 1
	rc=0
	"$HOOK" "\$@" || rc=\$?
	echo "end \$1 \$2" >>"$W/slow.log"
	exit \$rc
EOF
chmod +x "$W/slow_hook.sh"
new_bridge b5 "{\"dns01_hook\":\"$W/slow_hook.sh\",\"dns01_names\":[\"*.dns.example\"]}" || finish
for i in 1 2; do
	new_rsa_key "$W/ks$i.pem"
	st=$(v1_post "$R.sreg$i" "$BRIDGE_URL/acme/new-reg" "$W/ks$i.pem" new-reg '{}')
done
for i in 1 2; do
	st=$(v1_post "$R.saz$i" "$BRIDGE_URL/acme/new-authz" "$W/ks$i.pem" new-authz \
		'{"identifier":{"type":"dns","value":"n.dns.example"}}')
	assert_eq "same name, account $i: new-authz 201 valid" "201 valid" "$st $(json_get "$R.saz$i.body" status 2>/dev/null || true)"
done
wait_for 10 test "$(grep -c '^end' "$W/slow.log" 2>/dev/null)" -ge 4 || true
assert_eq "same name: present, cleanup, present, cleanup, never overlapping" \
	"start-present end-present start-cleanup end-cleanup start-present end-present start-cleanup end-cleanup" \
	"$(awk '{ print $1 "-" $2 }' "$W/slow.log" | paste -sd' ')"
if grep -q 'dns-01 hook present n.dns.example: queued behind' "$BRIDGE_LOG"; then
	pass "same name: the second present waited in the queue (logged)"
else
	fail "same name: the second present waited in the queue (logged)" "no 'queued behind' line"
fi
bridge_stop

# ==== 3. a hook that exits 1: new-authz fails, nothing stored
cat >"$W/fail_hook.sh" <<-EOF
	#!/bin/sh
	echo "\$1 \$2" >>"$W/fail_hook.calls"
	printf 'zone dns.example: API says no \033[31mred\n' >&2
	exit 1
EOF
chmod +x "$W/fail_hook.sh"
new_bridge b2 "{\"dns01_hook\":\"$W/fail_hook.sh\",\"dns01_names\":[\"*.dns.example\"]}" || finish
KEY=$W/k.pem
new_rsa_key "$KEY"
st=$(v1_post "$R.reg2" "$BRIDGE_URL/acme/new-reg" "$KEY" new-reg '{}')
assert_eq "failing hook: new-reg 201" 201 "$st"
st=$(v1_post "$R.fail" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
	'{"identifier":{"type":"dns","value":"f.dns.example"}}')
check_problem "failing hook: new-authz -> 500 serverInternal" "$R.fail" 500 serverInternal "$st"
assert_eq "failing hook: detail names the hook failure" \
	"dns-01 hook failed for f.dns.example: hook exited with status 1" \
	"$(json_get "$R.fail.body" detail 2>/dev/null || true)"
assert_eq "failing hook: no authorization stored" 0 "$(sql 'select count(*) from authzs;')"
wait_for 5 grep -q '^cleanup f.dns.example' "$W/fail_hook.calls" || true
assert_eq "failing hook: present, then cleanup all the same" "present f.dns.example,cleanup f.dns.example" \
	"$(paste -sd, "$W/fail_hook.calls" 2>/dev/null)"
if grep -qF 'dns-01 hook present f.dns.example: stderr: zone dns.example: API says no \x1b[31mred' "$BRIDGE_LOG"; then
	pass "failing hook: its stderr is logged, escaped"
else
	fail "failing hook: its stderr is logged, escaped" "$(grep 'stderr' "$BRIDGE_LOG" | head -n 3)"
fi
# An http-01 name is not affected by the broken hook.
st=$(v1_post "$R.http" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
	'{"identifier":{"type":"dns","value":"ok.http.example"}}')
assert_eq "failing hook: an http-01 name still validates" "201 valid" "$st $(json_get "$R.http.body" status 2>/dev/null || true)"
bridge_stop

# ==== 4. a hook that hangs: killed after dns01_hook_timeout_ms
cat >"$W/hang_hook.sh" <<-EOF
	#!/bin/sh
	echo "\$\$" >>"$W/hang.pids"
	sleep 60 &
	echo "\$!" >>"$W/hang.pids"
	wait
EOF
chmod +x "$W/hang_hook.sh"
new_bridge b3 "{\"dns01_hook\":\"$W/hang_hook.sh\",\"dns01_hook_timeout_ms\":500,\"dns01_names\":[\"*.dns.example\"]}" || finish
new_rsa_key "$KEY"
st=$(v1_post "$R.reg3" "$BRIDGE_URL/acme/new-reg" "$KEY" new-reg '{}')
t0=$(date +%s%N)
st=$(v1_post "$R.hang" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
	'{"identifier":{"type":"dns","value":"h.dns.example"}}')
ms=$((($(date +%s%N) - t0) / 1000000))
check_problem "hanging hook: new-authz -> 500 serverInternal" "$R.hang" 500 serverInternal "$st"
assert_eq "hanging hook: detail names the timeout" \
	"dns-01 hook failed for h.dns.example: hook timed out after 500 ms" \
	"$(json_get "$R.hang.body" detail 2>/dev/null || true)"
if [ "$ms" -lt 4000 ]; then
	pass "hanging hook: answered in $ms ms"
else
	fail "hanging hook: answered within 4 s" "$ms ms"
fi
assert_eq "hanging hook: no authorization stored" 0 "$(sql 'select count(*) from authzs;')"
# The cleanup call hangs too and is killed the same way (0.5 s).
alive() { # alive PID: running (a zombie is not running)
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null || true)
	[ -n "$s" ] && [ "${s#Z}" = "$s" ]
}
no_hook_left() {
	local p
	for p in $(cat "$W/hang.pids"); do alive "$p" && return 1; done
	pgrep -f "$W/hang_hook.sh" >/dev/null && return 1
	return 0
}
wait_for 6 no_hook_left || true
npids=$(wc -l <"$W/hang.pids")
if [ "$npids" -ge 4 ] && no_hook_left; then
	pass "hanging hook: present and cleanup hooks and their children are gone ($npids pids)"
else
	fail "hanging hook: hooks and their children are gone" "pids $(tr '\n' ' ' <"$W/hang.pids"): $(ps -o pid,stat,args -p "$(paste -sd, "$W/hang.pids")" 2>/dev/null | tail -n +2 | tr '\n' ';')"
fi
zombies=$(ps -o stat= --ppid "$BRIDGE_PID" 2>/dev/null | grep -c '^Z' || true)
assert_eq "hanging hook: no zombie child of the bridge" 0 "$zombies"
grep -q 'dns-01 hook cleanup h.dns.example: hook timed out after 500 ms' "$BRIDGE_LOG" &&
	pass "hanging hook: the cleanup call timed out too (logged)" ||
	fail "hanging hook: the cleanup call timed out too (logged)" "$(grep 'dns-01 hook cleanup' "$BRIDGE_LOG" | head -n 3)"
bridge_stop

# ==== 5. SIGTERM while a hook runs: the request ends, the bridge exits 0
: >"$W/hang.pids"
# drain_timeout_ms 0: SIGTERM stops at once, as a second SIGTERM does (test_drain.sh)
new_bridge b4 "{\"drain_timeout_ms\":0,\"dns01_hook\":\"$W/hang_hook.sh\",\"dns01_hook_timeout_ms\":60000,\"dns01_names\":[\"*.dns.example\"]}" || finish
new_rsa_key "$KEY"
st=$(v1_post "$R.reg4" "$BRIDGE_URL/acme/new-reg" "$KEY" new-reg '{}')
node "$E2E_DIR/jws.js" --key "$KEY" --nonce "$(fresh_nonce)" --url-resource new-authz \
	--payload '{"identifier":{"type":"dns","value":"s.dns.example"}}' >"$R.stop.req"
curl -s --max-time 60 -o "$R.stop.body" -w '%{http_code}' -H 'Content-Type: application/jose+json' \
	--data-binary "@$R.stop.req" "$BRIDGE_URL/acme/new-authz" >"$R.stop.status" 2>/dev/null &
cpid=$!
wait_for 20 test -s "$W/hang.pids" || true
t0=$SECONDS
bridge_stop
crc=0
wait "$cpid" || crc=$?
secs=$((SECONDS - t0))
if [ "$secs" -le 12 ]; then
	pass "SIGTERM with a hook running: stopped in ${secs} s"
else
	fail "SIGTERM with a hook running: stopped within 12 s" "${secs} s"
fi
stop_st=$(cat "$R.stop.status" 2>/dev/null || echo none)
if [ "$stop_st" = 503 ]; then
	check_problem "SIGTERM with a hook running: the client gets 503 serverInternal" "$R.stop" 503 serverInternal
else # the answer may lose the race with the listener's close
	assert_eq "SIGTERM with a hook running: the client gets 503 or a closed connection" 000 "$stop_st"
fi
wait_for 5 no_hook_left || true
if [ -s "$W/hang.pids" ] && no_hook_left; then
	pass "SIGTERM with a hook running: no hook process left"
else
	fail "SIGTERM with a hook running: no hook process left" "$(ps -o pid,stat,args -p "$(paste -sd, "$W/hang.pids")" 2>/dev/null | tail -n +2 | tr '\n' ';')"
fi

finish
