#!/usr/bin/env bash
# dehydrated 0.7.0 (API=1): register, one-name and three-name certificates,
# and an account registered before a bridge restart still issues after it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin dehydrated

need_tools dehydrated
pebble_ensure "$W"
pebble_roots "$W"
bridge_start "$W" || finish

# check_cert DIR CERTNAME "SAN SAN..." : cert.pem exists, verifies, SANs match
check_cert() {
	local d=$1 cn=$2 want=$3
	local c="$d/certs/$cn/cert.pem"
	if [ ! -s "$c" ]; then
		fail "dehydrated $cn: cert.pem exists" "missing $c"
		return 0
	fi
	pass "dehydrated $cn: cert.pem exists"
	cert_verifies "dehydrated $cn: cert.pem verifies against Pebble's root" "$c"
	assert_eq "dehydrated $cn: SANs" "$want" "$(cert_sans "$c")"
	if [ "$(openssl x509 -in "$c" -noout -pubkey | openssl dgst -sha256)" = \
		"$(openssl pkey -in "$d/certs/$cn/privkey.pem" -pubout | openssl dgst -sha256)" ]; then
		pass "dehydrated $cn: certificate matches privkey.pem"
	else
		fail "dehydrated $cn: certificate matches privkey.pem" "public keys differ"
	fi
}

# ---- account 1: register, one name, three names
D1=$W/dh1
dh_config "$D1" RENEW_DAYS=30
dh register "$D1" --register --accept-terms
reg_json=$(find "$D1/accounts" -name registration_info.json | head -n 1)
if [ -n "$reg_json" ] && grep -Eq '"id": *[0-9]+' "$reg_json"; then
	pass "dehydrated register: registration_info.json has a numeric id"
else
	fail "dehydrated register: registration_info.json has a numeric id" "$(cat "$reg_json" 2>/dev/null | head -c 300)"
fi
# dehydrated 0.7.0 reads the ToS from the top-level directory key: the
# agreement it sent must not be empty.
if [ -n "$reg_json" ] && grep -Eq '"agreement": *"[^"]+"' "$reg_json"; then
	pass "dehydrated register: agreement recorded"
else
	fail "dehydrated register: agreement recorded" "$(cat "$reg_json" 2>/dev/null | head -c 300)"
fi

dh one-name "$D1" -c -d one.example
grep -q 'Found valid authorization for one.example' "$D1/one-name.log" &&
	pass "dehydrated one-name: authz came back valid" ||
	fail "dehydrated one-name: authz came back valid" "no 'Found valid authorization' in output"
check_cert "$D1" one.example "one.example"

dh three-names "$D1" -c -d a.example -d b.example -d c.example
check_cert "$D1" a.example "a.example b.example c.example"

# ---- account 2: registered, bridge restarted on the same state, then issue
D2=$W/dh2
dh_config "$D2" RENEW_DAYS=30
dh restart-register "$D2" --register --accept-terms
bridge_stop
bridge_start "$W" || finish # same BRIDGE_PORT and BRIDGE_STATE
dh after-restart "$D2" -c -d restart.example
if grep -q 'Registering account key' "$D2/after-restart.log"; then
	fail "dehydrated after-restart: no re-registration" "it registered again"
else
	pass "dehydrated after-restart: no re-registration"
fi
check_cert "$D2" restart.example "restart.example"
if command -v sqlite3 >/dev/null; then
	n=$(sqlite3 "$BRIDGE_STATE" 'select count(*) from accounts;' 2>&1 || true)
	assert_eq "store holds exactly the 2 dehydrated accounts after the restart" 2 "$n"
fi
# account 1 still works after the restart too (forced renewal: a new serial)
old_serial=$(openssl x509 -in "$D1/certs/one.example/cert.pem" -noout -serial 2>/dev/null || true)
dh renew-after-restart "$D1" -c -x -d one.example
check_cert "$D1" one.example "one.example"
new_serial=$(openssl x509 -in "$D1/certs/one.example/cert.pem" -noout -serial 2>/dev/null || true)
if [ -n "$new_serial" ] && [ "$new_serial" != "$old_serial" ]; then
	pass "dehydrated renew-after-restart: a new certificate"
else
	fail "dehydrated renew-after-restart: a new certificate" "serial '$old_serial' -> '$new_serial'"
fi

# Keys at rest: the state file (and its WAL files) are the bridge user's
# alone; the log never shows a private key or the account key's PEM.
for f in "$BRIDGE_STATE" "$BRIDGE_STATE-wal" "$BRIDGE_STATE-shm"; do
	[ -e "$f" ] || continue
	assert_eq "$(basename "$f") is mode 600" 600 "$(stat -c %a "$f")"
done
if command -v sqlite3 >/dev/null; then
	keyline=$(sqlite3 "$BRIDGE_STATE" 'select v2_key_pem from accounts limit 1;' | sed -n 2p)
	if [ -n "$keyline" ] && ! grep -qF -- "$keyline" "$BRIDGE_LOG" && ! grep -q 'PRIVATE KEY' "$BRIDGE_LOG"; then
		pass "bridge log holds no private key"
	else
		fail "bridge log holds no private key" "key material in $BRIDGE_LOG (or no key stored)"
	fi
fi

bridge_stop
finish
