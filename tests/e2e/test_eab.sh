#!/usr/bin/env bash
# External Account Binding (issue 9 item 2) against this script's own Pebble
# that requires it (PEBBLE_EAB=1): with eab_kid/eab_hmac_key the bridge's
# newAccount is bound and v1 clients (v1 helpers, dehydrated) get their
# certificates, a shared group's upstream account included; without them
# new-authz fails with the documented error naming the keys; with a wrong MAC
# key the CA's refusal reaches the client. The MAC key never reaches the log.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin eab

# ---- this script's own Pebble (never pebble_ensure's shared one)
PEBBLE_EAB=1 pebble_start "$W/pebble"
pebble_roots "$W"
if grep -q '"externalAccountBindingRequired": true' "$W/pebble/pebble.json" &&
	grep -q "\"$PEBBLE_EAB_KID\": \"$PEBBLE_EAB_KEY\"" "$W/pebble/pebble.json"; then
	pass "own Pebble requires EAB"
else
	fail "own Pebble requires EAB" "see $W/pebble/pebble.json"
fi
R=$W/r
mkdir -p "$R"

# bridge NAME JSON: a fresh bridge with config JSON (mode 0600, as the docs say)
bridge() {
	unset BRIDGE_PORT BRIDGE_STATE
	(umask 077 && echo "$2" >"$W/$1.json")
	bridge_start "$W/$1" --config "$W/$1.json" || finish
}

# ---- the key configured: the whole issuance goes through
bridge good "{\"eab_kid\": \"$PEBBLE_EAB_KID\", \"eab_hmac_key\": \"$PEBBLE_EAB_KEY\"}"
new_account "$R.good.reg" "$W/good.key" "with EAB: new-reg 201"
st=$(v1_new_authz "$R.good.authz" "$W/good.key" eab-good.example)
assert_eq "with EAB: new-authz 201" 201 "$st"
st=$(v1_new_cert "$R.good.cert" "$W/good.key" eab-good.example)
assert_eq "with EAB: new-cert 201" 201 "$st"
if [ "$st" = 201 ]; then
	openssl x509 -inform DER -in "$R.good.cert.body" -out "$R.good.pem" 2>/dev/null
	cert_verifies "with EAB: the certificate verifies against Pebble's root" "$R.good.pem"
fi
# dehydrated through the same bridge (a second v1 account: a second bound
# upstream account)
D=$W/dh
dh_config "$D"
dh register "$D" --register --accept-terms
dh issue "$D" --cron --domain eab-dh.example
dh_cert_check "$D" eab-dh.example "eab-dh.example" "dehydrated with EAB: chain verifies"
if grep -q -- "$PEBBLE_EAB_KEY" "$BRIDGE_LOG"; then
	fail "the MAC key is not in the bridge's log" "found in $BRIDGE_LOG"
else
	pass "the MAC key is not in the bridge's log"
fi
bridge_stop

# ---- a shared group's upstream account is bound too
bridge shared "{\"eab_kid\": \"$PEBBLE_EAB_KID\", \"eab_hmac_key\": \"$PEBBLE_EAB_KEY\",
 \"accounts\": {\"mode\": \"shared\", \"groups\": [
   {\"name\": \"fleet\", \"match\": {\"addresses\": [\"127.0.0.0/8\"]}}]}}"
new_account "$R.shared.reg" "$W/shared.key" "shared with EAB: new-reg 201"
st=$(v1_new_authz "$R.shared.authz" "$W/shared.key" eab-shared.example)
assert_eq "shared with EAB: new-authz 201" 201 "$st"
assert_eq "shared with EAB: the group holds the upstream account" 1 \
	"$(sqlite3 "$BRIDGE_STATE" "select count(*) from groups where name = 'fleet' and v2_account_url is not null;")"
bridge_stop

# ---- no key: the documented error, naming the keys to set
bridge none '{}'
new_account "$R.none.reg" "$W/none.key" "no EAB: new-reg 201"
st=$(v1_new_authz "$R.none.authz" "$W/none.key" eab-none.example)
check_problem "no EAB: new-authz is refused (unauthorized 403)" "$R.none.authz" 403 unauthorized "$st"
detail=$(json_get "$R.none.authz.body" detail 2>/dev/null || true)
assert_match "no EAB: the detail says which keys to set" \
	'the CA requires External Account Binding: set eab_kid and eab_hmac_key \(docs/config\.md\)' "$detail"
bridge_stop

# ---- a wrong MAC key (well-formed): the CA's refusal reaches the client
bridge wrong "{\"eab_kid\": \"$PEBBLE_EAB_KID\", \"eab_hmac_key\": \"d3Jvbmcta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMhISE\"}"
new_account "$R.wrong.reg" "$W/wrong.key" "wrong EAB key: new-reg 201"
st=$(v1_new_authz "$R.wrong.authz" "$W/wrong.key" eab-wrong.example)
check_problem "wrong EAB key: new-authz is refused" "$R.wrong.authz" "400 403" "malformed|unauthorized" "$st"
detail=$(json_get "$R.wrong.authz.body" detail 2>/dev/null || true)
assert_match "wrong EAB key: the detail is the CA's refusal of newAccount" 'the CA refused newAccount: .*external account binding' "$detail"
bridge_stop

finish
