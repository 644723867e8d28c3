#!/usr/bin/env bash
# Hostile key spellings (issue 8 items 4 and 7): a zero-padded n/e of a
# registered RSA key is the same account (new-reg 409 with its Location, the
# padded key acts as it), key-change to a padded spelling of another
# account's key is refused, a padded EC coordinate is malformed; a CSR whose
# key is the account key is badCSR. Every refusal leaves the store unchanged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin hostile_keys

need_tools sqlite3
pebble_ensure "$W"
bridge_start "$W" || finish

R=$W/r
tos=$(v1_tos)
JWS=$E2E_DIR/jws.js

db() { sqlite3 "$BRIDGE_STATE" "$1" 2>&1 || true; }
# snap: what a refused request must not change
snap() {
	db 'select id, thumbprint, jwk, status from accounts order by id;
	    select id, status from authzs order by id;
	    select id, serial from certs order by id;' | md5sum
}
unchanged() { assert_eq "$1: state file unchanged" "$2" "$(snap)"; }
# register PREFIX KEY [jws.js flags]: prints the status, Location in PREFIX.hdr
register() {
	v1_post "$1" "$BRIDGE_URL/acme/new-reg" "$2" new-reg "{\"agreement\":\"$tos\"}" "${@:3}"
}
jwk_of() { node "$JWS" --key "$1" --print-jwk "${@:2}"; }

# ---- item 4: a zero-padded RSA key is the key it spells
KA=$W/a.pem KB=$W/b.pem KE=$W/e.pem
new_rsa_key "$KA"
new_rsa_key "$KB"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KE" 2>/dev/null
case "$(jwk_of "$KA" --pad-jwk)" in
*'"e":"AAEAAQ"'*'"n":"A'*) pass "jws.js --pad-jwk pads n and e" ;;
*) fail "jws.js --pad-jwk pads n and e" "$(jwk_of "$KA" --pad-jwk | head -c 80)" ;;
esac
st=$(register "$R.a" "$KA")
assert_eq "new-reg A: 201" 201 "$st"
reg_a=$(hdr "$R.a.hdr" location || true)
assert_eq "A's stored thumbprint is the canonical one" "$(node "$JWS" --key "$KA" --thumbprint)" \
	"$(db "select thumbprint from accounts where id = ${reg_a##*/};")"

before=$(snap)
st=$(register "$R.ap" "$KA" --pad-jwk)
check_problem "new-reg with A's key zero-padded -> 409" "$R.ap" 409 malformed "$st"
assert_eq "409 new-reg (padded): Location is A" "$reg_a" "$(hdr "$R.ap.hdr" location || true)"
assert_eq "one account after the padded new-reg" 1 "$(db 'select count(*) from accounts;')"
unchanged "padded new-reg" "$before"

st=$(v1_post "$R.apreg" "$reg_a" "$KA" reg '{}' --pad-jwk)
assert_eq "POST A's reg signed with the padded spelling: 202 (it is A)" 202 "$st"
assert_eq "... the Registration is A's" "$(jwk_of "$KA" | json_get /dev/stdin n)" \
	"$(json_get "$R.apreg.body" key n 2>/dev/null || true)"

st=$(register "$R.b" "$KB")
assert_eq "new-reg B: 201" 201 "$st"
reg_b=$(hdr "$R.b.hdr" location || true)

# key-change of B to A's key spelled with zero padding (inner JWS signed by
# A's key, newKey the padded JWK): A holds that key, so 409 naming A
inner() { node "$JWS" --key "$1" --payload "{\"account\":\"$2\",\"newKey\":$3}" "${@:4}"; }
before=$(snap)
st=$(v1_post "$R.kc" "$BRIDGE_URL/acme/key-change" "$KB" key-change \
	"$(inner "$KA" "$reg_b" "$(jwk_of "$KA" --pad-jwk)" --pad-jwk)")
check_problem "key-change of B to A's key zero-padded -> 409" "$R.kc" 409 malformed "$st"
assert_eq "409 key-change (padded): Location is A" "$reg_a" "$(hdr "$R.kc.hdr" location || true)"
unchanged "padded key-change" "$before"
st=$(v1_post "$R.breg" "$reg_b" "$KB" reg '{}')
assert_eq "B still signs with its own key (202)" 202 "$st"

# An EC coordinate must be the full field size (RFC 7518 6.2.1.2): a padded
# x is no key at all
before=$(snap)
st=$(register "$R.ep" "$KE" --pad-jwk)
check_problem "new-reg with a zero-padded P-256 x -> 400" "$R.ep" 400 "badPublicKey|malformed" "$st"
unchanged "padded EC new-reg" "$before"
st=$(register "$R.e" "$KE")
assert_eq "new-reg with the same P-256 key unpadded: 201" 201 "$st"

# ---- item 7: a CSR whose key is the account key is badCSR (Boulder's
# "Certificate public key must be different than account key"), even with a
# valid authorization for its name; nothing reaches the CA
st=$(v1_new_authz "$R.az" "$KA" a.keys.example)
assert_eq "A: new-authz a.keys.example 201" 201 "$st"
assert_eq "A: the authorization is valid" valid "$(json_get "$R.az.body" status 2>/dev/null || true)"
mkdir -p "$W/csr-a"
openssl req -new -key "$KA" -subj /CN=a.keys.example -addext subjectAltName=DNS:a.keys.example \
	-outform DER -out "$W/csr-a/csr.der" 2>/dev/null
# every upstream request the bridge made, from its metrics
upstream_total() {
	curl -s --max-time 20 "$BRIDGE_ADMIN_URL/metrics" |
		awk '/^acme_bridge_upstream_requests_total\{/ { n += $NF } END { print n + 0 }'
}
before=$(snap) up_before=$(upstream_total)
assert_match "the upstream metric counts the requests so far" '^[1-9][0-9]*$' "$up_before"
st=$(v1_post "$R.ck" "$BRIDGE_URL/acme/new-cert" "$KA" new-cert "{\"csr\":\"$(b64url_file "$W/csr-a/csr.der")\"}")
check_problem "new-cert whose CSR key is the account key -> 400 badCSR" "$R.ck" 400 badCSR "$st"
assert_eq "... with Boulder's detail" "Certificate public key must be different than account key" \
	"$(json_get "$R.ck.body" detail 2>/dev/null || true)"
unchanged "new-cert for the account key" "$before"
st=$(v1_post "$R.ckp" "$BRIDGE_URL/acme/new-cert" "$KA" new-cert "{\"csr\":\"$(b64url_file "$W/csr-a/csr.der")\"}" --pad-jwk)
check_problem "... signed with the padded spelling of that key -> 400 badCSR" "$R.ckp" 400 badCSR "$st"
unchanged "new-cert for the account key (padded signer)" "$before"
assert_eq "no upstream request for either refusal" "$up_before" "$(upstream_total)"
st=$(v1_new_cert "$R.c" "$KA" a.keys.example)
assert_eq "new-cert for the same name with another key: 201" 201 "$st"

bridge_stop
finish
