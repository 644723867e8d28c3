#!/usr/bin/env bash
# Issue 8 items 6 and 8, as a hostile host would try them (127.0.0.2 stands in
# for another host; Linux routes all of 127/8 to lo):
#  (a) per-address rate limits: a flood of 300 new-regs from one address gets
#      rateLimited 429 with Retry-After for nearly all, the store keeps at
#      most burst + refill accounts from it, the metrics count the refusals,
#      and meanwhile a new-reg from 127.0.0.1 succeeds. The defaults are
#      generous: 5 new-regs in a row all succeed.
#  (b) the state file lock: a second bridge on the same state file exits
#      non-zero naming the file and the first bridge's pid; the first keeps
#      serving, and the report command (which takes no lock) still runs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin hostile_limits
need_tools node sqlite3 curl

pebble_ensure "$W"
R=$W/r
# accounts_from ADDR: accounts in the store registered from ADDR
accounts_from() {
	sqlite3 "$BRIDGE_STATE" "select count(*) from accounts where initial_ip = '$1';"
}
# flood NAME ADDR COUNT: the JSON summary of flood_reg.js in $R.NAME.json
flood() {
	timeout 120 node "$E2E_DIR/flood_reg.js" "$BRIDGE_URL" "$2" "$3" >"$R.$1.json" 2>"$R.$1.err"
}
# jget NAME KEY...: a member of $R.NAME.json (0 when absent)
jget() {
	local f=$R.$1.json; shift
	json_get "$f" "$@" 2>/dev/null || echo 0
}
# metric NAME: the value of the sample NAME{...} on /metrics ("" if absent)
metric() {
	curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" | grep -F "$1 " | awk '{ print $2 }'
}

# ==== defaults: generous (new-reg 10 a minute, burst 20)
bridge_start "$W" || finish
flood defaults 127.0.0.2 5 || true
assert_eq "defaults: 5 new-regs in a row from 127.0.0.2 all 201" 5 "$(jget defaults status 201)"
assert_eq "defaults: 5 accounts stored from 127.0.0.2" 5 "$(accounts_from 127.0.0.2)"
assert_eq "defaults: no refusal counted" 0 \
	"$(metric 'acme_bridge_rate_limited_total{what="new-reg"}')"

# ==== (b) a second bridge on the same state file
first=$BRIDGE_PID
rc=0
timeout 60 "$BRIDGE_BIN" --listen "127.0.0.1:$(free_port)" --upstream "$PEBBLE_DIR_URL" \
	--upstream-ca "$PEBBLE_CA" --http01-listen= --admin-listen= \
	--state "$BRIDGE_STATE" --agree-tos >"$W/second.log" 2>&1 || rc=$?
echo "  second bridge: exit $rc: $(grep -m1 'in use' "$W/second.log" || tail -n 1 "$W/second.log")"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
	pass "(b) a second bridge on the same state file exits non-zero ($rc)"
else
	fail "(b) a second bridge on the same state file exits non-zero" "exit $rc (124: still running after 60 s)"
fi
assert_match "(b) ... naming the state file and the first bridge's pid" \
	"state file $BRIDGE_STATE is in use by another acme-bridge \\(pid $first; lock file .*state\\.db\\.lock\\)" \
	"$(cat "$W/second.log")"
assert_eq "(b) the lock file holds the first bridge's pid, mode 0600" "$first 600" \
	"$(tr -d '\n' <"$BRIDGE_STATE.lock") $(stat -c %a "$BRIDGE_STATE.lock")"
st=$(http_req "$R.after2" "$BRIDGE_DIR_URL")
assert_eq "(b) the first bridge keeps serving: directory 200" 200 "$st"
flood after2 127.0.0.3 1 || true
assert_eq "(b) the first bridge keeps serving: new-reg 201" 1 "$(jget after2 status 201)"
rc=0
"$BRIDGE_BIN" report --state "$BRIDGE_STATE" >"$W/report.out" 2>&1 || rc=$?
assert_eq "(b) the report command still runs beside the server (no lock)" 0 "$rc"
bridge_stop

# ==== (a) a new-reg flood from 127.0.0.2 under small limits
cat >"$W/limits.json" <<-EOF
	{
	  "_comment": "test_hostile_limits.sh: small limits so they are hit quickly",
	  "rate_new_reg_per_minute": 6,
	  "rate_new_reg_burst": 5,
	  "rate_post_per_minute": 120,
	  "rate_post_burst": 60
	}
EOF
bridge_start "$W" --config "$W/limits.json" || finish
before=$(accounts_from 127.0.0.2)
# a legitimate host's new-reg, signed before the flood so that it is sent
# while the flood runs (the flood takes well under a second)
new_rsa_key "$W/legit.pem"
node "$E2E_DIR/jws.js" --key "$W/legit.pem" --nonce "$(fresh_nonce)" \
	--url-resource new-reg --payload '{}' >"$R.legit.req"
t0=$SECONDS
flood flood 127.0.0.2 300 &
flood_pid=$!
sleep 0.1
st=$(http_req "$R.legit" -H 'Content-Type: application/jose+json' \
	--data-binary "@$R.legit.req" "$BRIDGE_URL/acme/new-reg")
running=no
kill -0 "$flood_pid" 2>/dev/null && running=yes
assert_eq "(a) during the flood (still running: $running): new-reg from 127.0.0.1 -> 201" 201 "$st"
flood_rc=0
wait "$flood_pid" || flood_rc=$?
el=$((SECONDS - t0 + 1))
[ -s "$R.flood.err" ] && sed 's/^/    | /' "$R.flood.err"
assert_eq "(a) flood_reg.js ran to the end" "0 300" "$flood_rc $(jget flood sent)"
ok=$(jget flood status 201)
refused=$(jget flood status 429)
echo "  flood: $(cat "$R.flood.json")"
# burst 5, one more every 10 s, +1 for the rounding of the elapsed time
bound=$((5 + el / 10 + 1))
if [ "$ok" -ge 1 ] && [ "$ok" -le "$bound" ]; then
	pass "(a) flood: $ok of 300 new-regs created an account (at most $bound in $el s)"
else
	fail "(a) flood: accounts created" "$ok, want 1..$bound in $el s"
fi
assert_eq "(a) flood: every other answer is 429" "$((300 - ok))" "$refused"
assert_eq "(a) flood: every 429 is urn:acme:error:rateLimited" "$refused" "$(jget flood rateLimited)"
assert_eq "(a) flood: every 429 has Retry-After (whole seconds >= 1)" "$refused" "$(jget flood retryAfter)"
assert_match "(a) flood: the new-reg limit refused some" '^[1-9]' \
	"$(jget flood details 'too many registrations from 127.0.0.2: retry after N s')"
assert_match "(a) flood: the signed-POST limit refused some" '^[1-9]' \
	"$(jget flood details 'too many requests from 127.0.0.2: retry after N s')"
assert_eq "(a) store: only the created accounts from 127.0.0.2 were kept" \
	"$((before + ok))" "$(accounts_from 127.0.0.2)"
assert_eq "(a) store: the legitimate account from 127.0.0.1" 1 "$(accounts_from 127.0.0.1)"
m_reg=$(metric 'acme_bridge_rate_limited_total{what="new-reg"}')
m_post=$(metric 'acme_bridge_rate_limited_total{what="post"}')
assert_eq "(a) metrics: refusals counted (new-reg + post = 429s)" "$refused" "$((${m_reg:-0} + ${m_post:-0}))"
assert_match "(a) log: refusals logged as rateLimited" '^[1-9]' \
	"$(grep -c 'error rateLimited: too many' "$BRIDGE_LOG" || true)"
st=$(http_req "$R.dir" "$BRIDGE_DIR_URL")
assert_eq "(a) after the flood: the directory still answers 200" 200 "$st"
bridge_stop

finish
