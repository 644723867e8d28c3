#!/usr/bin/env bash
# Name policy (docs/policy.md): with "policy" rules, a client gets only the
# names a rule that matches it allows. new-authz and new-cert refuse the
# others with 403 unauthorized naming the rule(s) that matched, or saying
# that no rule matches the client (its account id, thumbprint, address); the
# store is unchanged and nothing happens upstream. Rules match by key
# thumbprint, by v1 account id and by address (127.0.0.1/32). A policy
# change applies at once, even to names authorized before. Bad rules stop
# the bridge at start with a message that names the rule and the member.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin policy

need_tools sqlite3
pebble_ensure "$W"
pebble_roots "$W"
R=$W/r

db() { sqlite3 -cmd '.timeout 5000' "$BRIDGE_STATE" "$1" 2>&1; }
# accounts authzs certs upstream-accounts
store_counts() {
	db "select (select count(*) from accounts), (select count(*) from authzs),
		(select count(*) from certs),
		(select count(*) from accounts where v2_account_url is not null);" | tr '|' ' '
}
# refused NAME PREFIX STATUS BEFORE DETAIL-ERE [NOT-ERE]: 403 unauthorized,
# detail matching DETAIL-ERE (and not NOT-ERE), store unchanged since BEFORE
refused() {
	local name=$1 p=$2 st=$3 before=$4 ere=$5 notere=${6:-} d
	check_problem "$name -> 403 unauthorized" "$p" 403 unauthorized "$st"
	d=$(json_get "$p.body" detail 2>/dev/null || true)
	assert_match "$name: detail" "$ere" "$d"
	if [ -n "$notere" ]; then
		if printf '%s' "$d" | grep -Eq -- "$notere"; then
			fail "$name: detail does not match /$notere/" "'$d'"
		else
			pass "$name: detail does not match /$notere/"
		fi
	fi
	assert_eq "$name: store unchanged (accounts authzs certs upstream)" "$before" "$(store_counts)"
}
# refused_new KIND NAME TAG KEY DETAIL-ERE NOT-ERE DNSNAME...: new-KIND (authz:
# one name, cert: a CSR for all) by KEY is refused (refused NAME, against
# before=$(store_counts), left set for the next checks)
refused_new() {
	local kind=$1 name=$2 p=$R.$3 key=$4 ere=$5 notere=$6 st
	shift 6
	before=$(store_counts)
	st=$("v1_new_$kind" "$p" "$key" "$@")
	refused "$name" "$p" "$st" "$before" "$ere" "$notere"
}

KEY_A=$W/a.pem
KEY_B=$W/b.pem
new_rsa_key "$KEY_A"
new_rsa_key "$KEY_B"
TP_A=$(node "$E2E_DIR/jws.js" --key "$KEY_A" --thumbprint)
TP_B=$(node "$E2E_DIR/jws.js" --key "$KEY_B" --thumbprint)

# ---- bad rules: the bridge refuses to start, naming the rule and member
cat >"$W/bad.json" <<EOF
{
  "policy": [
    {"name": "fine", "match": {"any": true}, "allow": ["ok.example"]},
    {"name": "typo", "match": {"addresses": ["10.0.0.0/33"]}, "allow": ["x.example"]}
  ]
}
EOF
rc=0
"$BRIDGE_BIN" --config "$W/bad.json" --check-config >"$W/bad.out" 2>&1 || rc=$?
assert_eq "bad CIDR in a rule: --check-config exits 2" 2 "$rc"
assert_match "bad CIDR: message names the rule, member and limit" \
	"bad.json:2: key 'policy': rule \[1\] 'typo': match.addresses\[0\] \"10.0.0.0/33\": prefix length must be 0..32" \
	"$(cat "$W/bad.out")"
printf '{"policy": [{"name": "w", "match": {"any": true}, "allow": ["a.*.b"]}]}\n' >"$W/bad2.json"
rc=0
"$BRIDGE_BIN" --config "$W/bad2.json" --check-config >"$W/bad2.out" 2>&1 || rc=$?
assert_eq "bad pattern a.*.b: --check-config exits 2" 2 "$rc"
assert_match "bad pattern: message" "rule \[0\] 'w': allow: \[0\] \"a.\*.b\"" "$(cat "$W/bad2.out")"
printf '{"policy": [{"name": "w", "match": {"accounts": [1], "who": 1}, "allow": ["a.example"]}]}\n' >"$W/bad3.json"
rc=0
"$BRIDGE_BIN" --config "$W/bad3.json" --check-config >"$W/bad3.out" 2>&1 || rc=$?
assert_eq "unknown match member: --check-config exits 2" 2 "$rc"
assert_match "unknown match member: message" "match has an unknown member 'who'" "$(cat "$W/bad3.out")"

# ---- --check-config checks what start-up would fail on (issue 9 item 8)
# cc NAME ERE ARGS...: exits 2 and says ERE, with no internal names
cc_ports=(--listen "127.0.0.1:$(free_port)" --admin-listen "127.0.0.1:$(free_port)"
	--http01-listen "127.0.0.1:$(free_port)")
cc() {
	local name=$1 ere=$2 rc=0; shift 2
	"$BRIDGE_BIN" --check-config "${cc_ports[@]}" "$@" >"$W/cc.out" 2>&1 || rc=$?
	assert_eq "--check-config, $name: exits 2" 2 "$rc"
	assert_match "--check-config, $name: says why" "$ere" "$(cat "$W/cc.out")"
	if grep -Eq 'store_|sqlite3?_|_open|errno' "$W/cc.out"; then
		fail "--check-config, $name: no internal names" "$(cat "$W/cc.out")"
	else
		pass "--check-config, $name: no internal names"
	fi
}
cc "state directory missing" "state $W/nodir/s.db: the directory $W/nodir: it does not exist" \
	--state "$W/nodir/s.db"
echo 'not a database' >"$W/junk.db"
cc "state file not SQLite" "state $W/junk.db: not an acme-bridge state file" --state "$W/junk.db"
mkdir -p "$W/adir"
cc "state is a directory" "state $W/adir: is a directory, not a file" --state "$W/adir"
cc "log file directory missing" "log_file $W/nolog/a.log: the directory $W/nolog: it does not exist" \
	--state "$W/ok.db" --log-file "$W/nolog/a.log"
busy=$(free_port)
node -e 'require("net").createServer().listen(+process.argv[1], "127.0.0.1")' "$busy" &
busy_pid=$!
wait_for 10 port_busy "$busy"
cc_ports[1]="127.0.0.1:$busy"
cc "listen port in use" "^acme-bridge: listen 127.0.0.1:$busy: cannot listen there: the port is already in use\$" \
	--state "$W/ok.db"
kill "$busy_pid" 2>/dev/null || true
wait "$busy_pid" 2>/dev/null || true
cc_ports[1]="127.0.0.1:$(free_port)"
if [ "$(id -u)" != 0 ]; then # root writes anywhere
	: >"$W/ro.log"; chmod 444 "$W/ro.log"
	cc "log file not writable" "log_file $W/ro.log: cannot write to it: permission denied" \
		--state "$W/ok.db" --log-file "$W/ro.log"
fi
rc=0
"$BRIDGE_BIN" --check-config "${cc_ports[@]}" --state "$W/ok.db" --log-file "$W/ok.log" >"$W/cc.out" 2>&1 || rc=$?
assert_eq "--check-config, all fine: exits 0" 0 "$rc"
[ ! -e "$W/ok.db" ] && [ ! -e "$W/ok.log" ] && pass "--check-config creates neither the state nor the log file" ||
	fail "--check-config creates neither the state nor the log file" "$(ls "$W")"

# ---- bridge 1: rules by thumbprint and by account id
cat >"$W/p1.json" <<EOF
{
  "policy": [
    {"name": "ok-hosts", "match": {"thumbprints": ["$TP_A"]}, "allow": ["*.ok.example"]},
    {"name": "someone-else", "match": {"accounts": [999]}, "allow": ["*.bad.example"]}
  ]
}
EOF
bridge_start "$W/b1" --config "$W/p1.json" || finish
st=$(v1_post "$R.rega" "$BRIDGE_URL/acme/new-reg" "$KEY_A" new-reg '{}')
assert_eq "A: new-reg 201 (registration is not policed)" 201 "$st"
st=$(v1_post "$R.regb" "$BRIDGE_URL/acme/new-reg" "$KEY_B" new-reg '{}')
assert_eq "B: new-reg 201" 201 "$st"
ID_B=$(json_get "$R.regb.body" id 2>/dev/null || E2E_JSON_RAW=1 json_get "$R.regb.body" id || true)

st=$(v1_new_authz "$R.aok" "$KEY_A" a.ok.example)
assert_eq "A: new-authz a.ok.example 201 (allowed by ok-hosts)" 201 "$st"
assert_eq "A: authz a.ok.example valid" valid "$(json_get "$R.aok.body" status || true)"

refused_new authz "A: new-authz b.bad.example" abad "$KEY_A" \
	"name policy refuses b\.bad\.example: rule 'ok-hosts' matches this client and does not allow it" "someone-else" b.bad.example
st=$(v1_new_authz "$R.asuffix" "$KEY_A" ok.example)
refused "A: new-authz ok.example (the suffix itself)" "$R.asuffix" "$st" "$before" "rule 'ok-hosts' matches"
# the client's spelling does not matter
st=$(v1_new_authz "$R.aupper" "$KEY_A" C.OK.EXAMPLE)
assert_eq "A: new-authz C.OK.EXAMPLE 201 (case-insensitive)" 201 "$st"

refused_new authz "B (matched by no rule): new-authz a.ok.example" bok "$KEY_B" \
	"no rule matches this client \(account ${ID_B:-[0-9]+}, key thumbprint $TP_B, address 127\.0\.0\.1\)" "" a.ok.example
assert_eq "B: no upstream account was created" "" \
	"$(db "select v2_account_url from accounts where thumbprint = '$TP_B';")"

# new-cert: every CSR name is policed, even with a valid authorization
st=$(v1_new_cert "$R.acert" "$KEY_A" a.ok.example)
assert_eq "A: new-cert a.ok.example 201" 201 "$st"
assert_eq "A: certificate for a.ok.example" a.ok.example "$(cert_sans "$R.acert.body" der)"
refused_new cert "A: new-cert a.ok.example + b.bad.example" amixed "$KEY_A" \
	"refuses b\.bad\.example: rule 'ok-hosts'" "" a.ok.example b.bad.example
bridge_stop

# ---- bridge 2 (same state): rules by address; the policy changed
cat >"$W/p2.json" <<EOF
{
  "policy": [
    {"name": "loopback", "match": {"addresses": ["127.0.0.1/32"]}, "allow": ["loop.example"]},
    {"name": "lan", "match": {"addresses": ["10.0.0.0/8", "::1"]}, "allow": ["*.ok.example"]}
  ]
}
EOF
bridge_start "$W/b2" --config "$W/p2.json" || finish # same BRIDGE_PORT and BRIDGE_STATE
st=$(v1_new_authz "$R.bloop" "$KEY_B" loop.example)
assert_eq "B from 127.0.0.1: new-authz loop.example 201 (rule 'loopback')" 201 "$st"
assert_eq "B: authz loop.example valid" valid "$(json_get "$R.bloop.body" status || true)"
refused_new authz "B from 127.0.0.1: new-authz x.ok.example" bx "$KEY_B" \
	"rule 'loopback' matches this client and does not allow it" "'lan'" x.ok.example
# A's authorization of a.ok.example is still valid, but the policy no longer allows it
assert_eq "A still holds a valid authz for a.ok.example" 1 \
	"$(db "select count(*) from authzs where name = 'a.ok.example' and status = 'valid';")"
refused_new cert "A: new-cert a.ok.example after the policy change" aold "$KEY_A" \
	"refuses a\.ok\.example: rule 'loopback' matches" "" a.ok.example
st=$(v1_new_cert "$R.bcert" "$KEY_B" loop.example)
assert_eq "B: new-cert loop.example 201" 201 "$st"
bridge_stop
finish
