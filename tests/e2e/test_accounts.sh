#!/usr/bin/env bash
# Account modes (docs/accounts.md), against real Pebbles.
#
# 1. shared: v1 accounts in one group share ONE upstream account (one groups
#    row, one "upstream account created" log line); an account outside the
#    groups keeps its own. Authorizations stay per v1 account: the second
#    account cannot finalize a name only the first authorized (403), even
#    though the shared upstream account holds a valid authorization for it.
# 2. rateLimited account creation (through tests/e2e/relay.js): the CA's
#    Retry-After is remembered per group / account; until then requests get
#    429 + Retry-After without the CA being asked (the relay counts); after
#    it the account is created, once, even for concurrent requests.
# 3. imported: a key with an account created directly at a second Pebble
#    (whose http-01 port is a static file server) is imported with
#    `acme-bridge account import`; dehydrated 0.7.0 with that key serves its
#    own http-01 files and gets a certificate: the CA fetched the CA's token
#    from the static server, the bridge's responder was not used, the
#    upstream account is the one created directly (onlyReturnExisting). Also:
#    --offline (looked up at the first request), a key without an account at
#    the CA, a loose key file mode, and --force converting a bridge account.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin accounts

need_tools sqlite3 dehydrated
pebble_ensure "$W"
pebble_roots "$W"
R=$W/r
mkdir -p "$R"

db() { sqlite3 -cmd '.timeout 5000' "$BRIDGE_STATE" "$1" 2>&1; }
thumb() { node "$E2E_DIR/jws.js" --key "$1" --thumbprint; }
detail_of() { json_get "$1.body" detail 2>/dev/null || echo "(no detail)"; }
log_count() { grep -cE -- "$1" "$BRIDGE_LOG" || true; }

# register_direct KEY: an account for KEY made directly at $IMPORT_UPSTREAM
register_direct() { node "$E2E_DIR/v2_register.js" "$IMPORT_UPSTREAM" "$PEBBLE_CA" "$1"; }
# import OUT KEY [flags]: `acme-bridge account import` into $BRIDGE_STATE with
# the CA $IMPORT_UPSTREAM; exit status in OUT.rc, stdout/stderr in OUT.out/.err
import() {
	local out=$1 key=$2; shift 2
	local rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$BRIDGE_BIN" account import --key "$key" \
		--state "$BRIDGE_STATE" --upstream "$IMPORT_UPSTREAM" --upstream-ca "$PEBBLE_CA" "$@" \
		>"$out.out" 2>"$out.err" || rc=$?
	echo "$rc" >"$out.rc"
	if grep -Eq 'Sanitizer|runtime error' "$out.err"; then
		fail "account import $(basename "$out"): no sanitizer report" "$(head -c 600 "$out.err")"
	fi
}

# ======================================================= 1. shared accounts
for k in 1 2 3; do new_rsa_key "$W/k$k.pem"; done
TP1=$(thumb "$W/k1.pem")
TP2=$(thumb "$W/k2.pem")
cat >"$W/shared.json" <<EOF
{
  "accounts": {"mode": "shared", "groups": [
    {"name": "fleet-a", "match": {"thumbprints": ["$TP1", "$TP2"]}}
  ]}
}
EOF
bridge_start "$W/b1" --config "$W/shared.json" || finish
for k in 1 2 3; do
	st=$(v1_new_reg "$R.reg$k" "$W/k$k.pem")
	assert_eq "shared: new-reg account $k 201" 201 "$st"
done
for k in 1 2 3; do
	st=$(v1_new_authz "$R.az$k" "$W/k$k.pem" "s$k.example")
	assert_eq "shared: account $k new-authz s$k.example 201" 201 "$st"
	assert_eq "shared: account $k authz valid" valid "$(json_get "$R.az$k.body" status || true)"
done
assert_eq "shared: accounts 1, 2 bound to fleet-a, 3 per-client" \
	"1|shared|fleet-a 2|shared|fleet-a 3|per-client|" \
	"$(db "select id, mode, ifnull(group_name, '') from accounts order by id;" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "shared: one groups row, with an upstream account" "fleet-a|1" \
	"$(db "select name, v2_account_url is not null from groups;")"
assert_eq "shared: accounts 1 and 2 have no upstream account of their own" 0 \
	"$(db "select count(*) from accounts where id in (1, 2) and v2_account_url is not null;")"
GURL=$(db "select v2_account_url from groups where name = 'fleet-a';")
URL3=$(db "select v2_account_url from accounts where id = 3;")
assert_match "shared: account 3 has its own upstream account" '^https://' "$URL3"
[ "$URL3" != "$GURL" ] && pass "shared: account 3's upstream account is not the group's" ||
	fail "shared: account 3's upstream account is not the group's" "both $GURL"
assert_eq "shared: 'group fleet-a: upstream account created' logged once" 1 \
	"$(log_count 'group fleet-a: upstream account created')"
assert_eq "shared: 'account 3: upstream account created' logged once" 1 \
	"$(log_count 'account 3: upstream account created')"
assert_eq "shared: no per-client upstream account created for accounts 1, 2" 0 \
	"$(log_count 'account [12]: upstream account created')"

# The CA holds a valid authorization for s1.example in the group's account...
db "select v2_key_pem from groups where name = 'fleet-a';" >"$W/group.pem"
chmod 600 "$W/group.pem"
AZ1=$(db "select v2_authz_url from authzs where account_id = 1 and name = 's1.example';")
node "$E2E_DIR/v2_get.js" "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$W/group.pem" "$GURL" "$AZ1" >"$R.upaz1" 2>&1 || true
assert_eq "shared: upstream, the group's authorization for s1.example is valid" "200 valid" \
	"$(head -n 1 "$R.upaz1") $(tail -n +2 "$R.upaz1" | node -e '
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			try { process.stdout.write(JSON.parse(s).status); } catch (e) { process.stdout.write("?"); } })')"
# ...but account 2 never authorized it: refused, nothing stored
before=$(db "select (select count(*) from authzs), (select count(*) from certs);")
st=$(v1_new_cert "$R.c2s1" "$W/k2.pem" s1.example)
check_problem "shared: account 2 new-cert s1.example (authorized by account 1 only) -> 403" "$R.c2s1" 403 unauthorized "$st"
assert_match "shared: the detail names s1.example" 'not found or expired: s1\.example' "$(detail_of "$R.c2s1")"
assert_eq "shared: refused new-cert stored nothing" "$before" \
	"$(db "select (select count(*) from authzs), (select count(*) from certs);")"
st=$(v1_new_cert "$R.c1s1" "$W/k1.pem" s1.example)
assert_eq "shared: account 1 new-cert s1.example 201" 201 "$st"
st=$(v1_new_cert "$R.c2s2" "$W/k2.pem" s2.example)
assert_eq "shared: account 2 new-cert s2.example 201 (same upstream account)" 201 "$st"
assert_eq "shared: account 2's certificate" s2.example "$(cert_sans "$R.c2s2.body" der)"
assert_eq "shared: still one upstream account for the group" 1 \
	"$(log_count 'group fleet-a: upstream account created')"

# --force: a key registered through the bridge first (per-client)
# (on the first Pebble, where the bridge's responder answers for it)
IMPORT_UPSTREAM=$PEBBLE_DIR_URL
new_rsa_key "$W/kf.pem"
chmod 600 "$W/kf.pem"
URL_F=$(register_direct "$W/kf.pem")
st=$(v1_new_reg "$R.regf" "$W/kf.pem")
assert_eq "force: new-reg through the bridge 201" 201 "$st"
ID_F=$(json_get "$R.regf.body" id)
st=$(v1_new_authz "$R.pref" "$W/kf.pem" pre.example)
assert_eq "force: per-client new-authz pre.example 201 valid" "201 valid" "$st $(json_get "$R.pref.body" status || true)"
import "$R.imp-f" "$W/kf.pem"
assert_eq "force: import without --force: exit 1" 1 "$(cat "$R.imp-f.rc")"
assert_match "force: ... says to use --force" "v1 account $ID_F already uses this key.*--force.*Nothing was changed" \
	"$(cat "$R.imp-f.err")"
assert_eq "force: ... the account is unchanged" per-client "$(db "select mode from accounts where id = $ID_F;")"
import "$R.imp-f2" "$W/kf.pem" --force
assert_eq "force: import --force: exit 0" 0 "$(cat "$R.imp-f2.rc")"
assert_match "force: prints the conversion" "converted v1 account $ID_F .* 1 authorization\(s\) deactivated" "$(cat "$R.imp-f2.out")"
assert_eq "force: now imported with the CA's own account" "imported|$URL_F" \
	"$(db "select mode, v2_account_url from accounts where id = $ID_F;")"
assert_eq "force: its old authorization is deactivated" deactivated \
	"$(db "select status from authzs where account_id = $ID_F and name = 'pre.example';")"
st=$(v1_new_authz "$R.forcez" "$W/kf.pem" force.example)
assert_eq "force: new-authz after the conversion 201 pending (the client answers)" "201 pending" \
	"$st $(json_get "$R.forcez.body" status || true)"
bridge_stop

# ================================================ 2. rateLimited, queued
[ -r "$PEBBLE_WORKDIR/tls-cert.pem" ] || die "Pebble's TLS certificate not found in $PEBBLE_WORKDIR"
relay_start relay
# newAccount requests the CA really considered: Pebble's own random badNonce
# rejections (5%, retried by the bridge) are not counted.
seen_new_account() {
	curl -s --max-time 10 --cacert "$PEBBLE_CA" "$RELAY/__fault" |
		node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			const j = JSON.parse(s);
			process.stdout.write(String((j.seen["new-account"] || 0) -
			    ((j.pebbleBadNonce || {})["new-account"] || 0))); })'
}
for k in 4 5 6; do new_rsa_key "$W/k$k.pem"; done
cat >"$W/shared2.json" <<EOF
{"accounts": {"mode": "shared", "groups": [{"name": "fleet-b", "match": {"accounts": [1, 2]}}]}}
EOF
unset BRIDGE_PORT BRIDGE_STATE
bridge_start "$W/b2" --config "$W/shared2.json" --upstream "$RELAY/dir" || finish
for k in 4 5 6; do
	st=$(v1_new_reg "$R.reg$k" "$W/k$k.pem")
	assert_eq "ratelimit: new-reg k$k 201" 201 "$st"
done
# 8 s: the checks up to the sleep below must fit in it even on a loaded
# machine (each v1 request runs node for its JWS).
relay_fault '{"match":"new-account","action":"rateLimited","retryAfter":8,"count":1,"detail":"too many registrations for this IP"}'
st=$(v1_new_authz "$R.rl4" "$W/k4.pem" r4.example)
check_problem "ratelimit: group fleet-b, first request -> 429 rateLimited" "$R.rl4" 429 rateLimited "$st"
assert_eq "ratelimit: Retry-After 8 (the CA's)" 8 "$(hdr "$R.rl4.hdr" retry-after || echo none)"
assert_match "ratelimit: detail has the CA's reason" 'too many registrations for this IP' "$(detail_of "$R.rl4")"
assert_eq "ratelimit: the CA was asked once" 1 "$(seen_new_account)"
nb=$(db "select not_before from groups where name = 'fleet-b';")
now=$(date +%s)
if [ -n "$nb" ] && [ "$nb" -gt "$now" ] && [ "$nb" -le $((now + 9)) ]; then
	pass "ratelimit: the group's not_before is stored (now + 8 s)"
else
	fail "ratelimit: the group's not_before is stored (now + 8 s)" "not_before '$nb', now $now"
fi
st=$(v1_new_authz "$R.rl5" "$W/k5.pem" r5.example)
check_problem "ratelimit: another account of the group -> 429 at once" "$R.rl5" 429 rateLimited "$st"
ra=$(hdr "$R.rl5.hdr" retry-after || echo none)
assert_match "ratelimit: Retry-After is the time left (1..8 s)" '^[1-8]$' "$ra"
st=$(v1_new_authz "$R.rl4b" "$W/k4.pem" r4.example)
check_problem "ratelimit: the first account again -> 429" "$R.rl4b" 429 rateLimited "$st"
assert_eq "ratelimit: the CA was not asked again" 1 "$(seen_new_account)"
assert_eq "ratelimit: no authorization stored" 0 "$(db 'select count(*) from authzs;')"
# a per-client account is not held back by the group's limit
st=$(v1_new_authz "$R.rl6" "$W/k6.pem" r6.example)
assert_eq "ratelimit: per-client account 3 new-authz 201" 201 "$st"
assert_eq "ratelimit: its account was created (CA asked twice in all)" 2 "$(seen_new_account)"
# until the stored not_before has passed (the bridge compares seconds)
while [ -n "$nb" ] && [ "$(date +%s)" -le "$nb" ]; do sleep 0.2; done
# after Retry-After: two concurrent requests of the group, one newAccount
relay_fault '{"match":"new-account","action":"delay","ms":1500,"count":1}'
(st=$(v1_new_authz "$R.ok4" "$W/k4.pem" r4.example); echo "$st" >"$R.ok4.st") &
p4=$!
(st=$(v1_new_authz "$R.ok5" "$W/k5.pem" r5.example); echo "$st" >"$R.ok5.st") &
p5=$!
wait "$p4" "$p5" || true
assert_eq "ratelimit: after Retry-After, account 1 new-authz 201" 201 "$(cat "$R.ok4.st" 2>/dev/null)"
assert_eq "ratelimit: concurrently, account 2 new-authz 201" 201 "$(cat "$R.ok5.st" 2>/dev/null)"
assert_eq "ratelimit: the concurrent requests made one newAccount" 3 "$(seen_new_account)"
assert_eq "ratelimit: 'group fleet-b: upstream account created' once" 1 \
	"$(log_count 'group fleet-b: upstream account created')"
bridge_stop

# ============================================================ 3. imported
WWW=$W/www
mkdir -p "$WWW/.well-known/acme-challenge"
SPORT=$(free_port)
node "$E2E_DIR/static_server.js" --dir "$WWW" --port "$SPORT" --log "$W/access.log" >>"$W/static.out" 2>&1 &
E2E_PIDS+=("$!")
wait_for 15 grep -q ready "$W/static.out" || die "static_server.js did not start (see $W/static.out)"
# A second Pebble whose VA fetches http-01 from the static server. It
# reuses valid authorizations always, as Let's Encrypt does for an account.
PEBBLE_AUTHZREUSE=100 PEBBLE_HTTP_PORT=$SPORT pebble_start "$W/pebble2"
pebble_roots "$W"
P2_DIR=$PEBBLE_DIR_URL
IMPORT_UPSTREAM=$P2_DIR
for k in i n l; do new_rsa_key "$W/k$k.pem"; chmod 600 "$W/k$k.pem"; done
URL_I=$(register_direct "$W/ki.pem")
URL_L=$(register_direct "$W/kl.pem")
assert_match "imported: account created directly at Pebble 2" '^https://.*/my-account/' "$URL_I"
TP_I=$(thumb "$W/ki.pem")
mkdir -p "$W/b3"
STATE3=$W/b3/state.db
BRIDGE_STATE=$STATE3

import "$R.imp-n" "$W/kn.pem"
assert_eq "import of a key without an account at the CA: exit 1" 1 "$(cat "$R.imp-n.rc")"
assert_match "... says there is no account at the CA" 'no account for this key at the CA .*register it there first' \
	"$(cat "$R.imp-n.err")"
assert_eq "... and stored nothing" 0 "$(db 'select count(*) from accounts;')"
chmod 644 "$W/ki.pem"
import "$R.imp-mode" "$W/ki.pem"
assert_eq "import of a key file readable by others: exit 1" 1 "$(cat "$R.imp-mode.rc")"
assert_match "... says why" 'mode 644.*chmod 600' "$(cat "$R.imp-mode.err")"
chmod 600 "$W/ki.pem"
import "$R.imp-i" "$W/ki.pem"
assert_eq "import: exit 0" 0 "$(cat "$R.imp-i.rc")"
assert_match "import: prints the new v1 account" "imported RSA 2048 key $TP_I as v1 account 1 \(new\)" "$(cat "$R.imp-i.out")"
assert_match "import: prints the upstream account found" "upstream account: $URL_I \(found at the CA\)" "$(cat "$R.imp-i.out")"
assert_eq "import: stored as imported with the CA's own account URL" "imported|$URL_I" \
	"$(db "select mode, v2_account_url from accounts where thumbprint = '$TP_I';")"
if grep -q 'PRIVATE KEY' "$R.imp-i.out" "$R.imp-i.err"; then
	fail "import: prints no key material" "PRIVATE KEY in its output"
else
	pass "import: prints no key material"
fi
import "$R.imp-l" "$W/kl.pem" --offline
assert_eq "import --offline: exit 0" 0 "$(cat "$R.imp-l.rc")"
assert_match "import --offline: says when the lookup happens" "first request" "$(cat "$R.imp-l.out")"
import "$R.imp-n2" "$W/kn.pem" --offline
assert_eq "import --offline of a key without an account at the CA: exit 0" 0 "$(cat "$R.imp-n2.rc")"
assert_eq "the state file is mode 600" 600 "$(stat -c %a "$STATE3")"

# The bridge (its responder on HTTP01_PORT, which Pebble 2 does not use).
# No --agree-tos: an imported account agreed at the CA.
unset BRIDGE_PORT
BRIDGE_STATE=$STATE3 BRIDGE_NO_AGREE=1 bridge_start "$W/b3" || finish

# --offline: the account is looked up at the first request
st=$(v1_new_authz "$R.lazy" "$W/kl.pem" lazy.example)
assert_eq "offline import: new-authz 201 pending (the client answers)" "201 pending" \
	"$st $(json_get "$R.lazy.body" status || true)"
assert_eq "offline import: the upstream account was found at the first request" "$URL_L" \
	"$(db "select v2_account_url from accounts where thumbprint = '$(thumb "$W/kl.pem")';")"
assert_eq "offline import: logged as found, not created" 1 \
	"$(log_count 'upstream account found \(imported key\)')"
import "$R.imp-l2" "$W/kl.pem" --offline
assert_eq "re-import --offline of an imported key: exit 0" 0 "$(cat "$R.imp-l2.rc")"
assert_match "... keeps the known upstream account" "already uses this imported .*upstream account: $URL_L \(known" \
	"$(tr '\n' ' ' <"$R.imp-l2.out")"
assert_eq "... in the store too" "$URL_L" \
	"$(db "select v2_account_url from accounts where thumbprint = '$(thumb "$W/kl.pem")';")"
before=$(db 'select count(*) from authzs;')
st=$(v1_new_authz "$R.noacct" "$W/kn.pem" none.example)
check_problem "imported key without an account at the CA: new-authz -> 403" "$R.noacct" 403 unauthorized "$st"
assert_match "... detail" 'no account for this key at the CA: register it there first or remove the import' \
	"$(detail_of "$R.noacct")"
assert_eq "... nothing stored" "$before" "$(db 'select count(*) from authzs;')"

# dehydrated 0.7.0 with the imported key, serving its own http-01 files
D=$W/dh
dh_config "$D" CONTACT_EMAIL= "WELLKNOWN=\"$WWW/.well-known/acme-challenge\"" RENEW_DAYS=30
assert_eq "dehydrated --register with the imported key: exit 0" 0 \
	"$(dh_rc register "$D" --register --accept-terms --privkey "$W/ki.pem")"
assert_match "dehydrated --register: the bridge said the key is registered (409)" 'Registration key is already in use' \
	"$(cat "$W/ki.pem.json" 2>/dev/null)"
rc=$(dh_rc issue "$D" -c -d imp.example --privkey "$W/ki.pem")
if [ "$rc" -eq 0 ]; then
	pass "dehydrated -c -d imp.example (imported key): exit 0"
else
	fail "dehydrated -c -d imp.example (imported key): exit 0" "status $rc; output tail:"
	tail -n 15 "$D/issue.log" | sed 's/^/    | /'
fi
C=$D/certs/imp.example/cert.pem
if [ -s "$C" ] && openssl verify -CAfile "$W/root.pem" -untrusted "$W/intermediate.pem" "$C" >/dev/null 2>&1; then
	pass "imported: certificate issued, verifies against Pebble 2's root"
else
	fail "imported: certificate issued, verifies against Pebble 2's root" "$C"
fi
assert_eq "imported: certificate SANs" imp.example "$(cert_sans "$C")"
TOKEN=$(db "select token from authzs where account_id = 1 and name = 'imp.example' order by id desc limit 1;")
assert_match "imported: the v1 authorization carries the CA's token" '^[A-Za-z0-9_-]{20,}$' "$TOKEN"
if grep -q "GET /.well-known/acme-challenge/$TOKEN 200" "$W/access.log"; then
	pass "imported: the CA fetched its token from the host's own files (static server, 200)"
else
	fail "imported: the CA fetched its token from the host's own files (static server, 200)" \
		"access log: $(tr '\n' ' ' <"$W/access.log" | head -c 400)"
fi
assert_eq "imported: the bridge published no http-01 answer" 0 "$(db 'select count(*) from http01;')"
assert_eq "imported: the bridge's responder got no request" 0 "$(log_count 'http-01 req=')"
assert_eq "imported: the upstream account is still the one created directly" "$URL_I" \
	"$(db "select v2_account_url from accounts where id = 1;")"
assert_eq "imported: no upstream account was created by the bridge" 0 "$(log_count 'upstream account created')"
bridge_stop
finish
