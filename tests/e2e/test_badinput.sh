#!/usr/bin/env bash
# Hostile or broken v1 requests over the wire: each gets the right problem
# document (with a Replay-Nonce) and leaves the store unchanged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin badinput

need_tools sqlite3
pebble_ensure "$W"
bridge_start "$W" || finish

R=$W/r
JWS=$E2E_DIR/jws.js

# counts of accounts, authzs, certs (the db is WAL: readable while the bridge runs)
store_counts() {
	sqlite3 "$BRIDGE_STATE" 'select count(*) from accounts; select count(*) from authzs; select count(*) from certs;' 2>&1 |
		tr '\n' ' ' | sed 's/ $//'
}

# post_body PREFIX URL FILE: POST FILE as the body; prints the status
post_body() {
	http_req "$1" -H 'Content-Type: application/jose+json' --data-binary "@$3" "$2"
}

# bad_case NAME STATUS(ES) TYPE PREFIX STATUS-GOT BEFORE
bad_case() {
	local name=$1 want=$2 type=$3 p=$4 got=$5 before=$6 after
	check_problem "$name -> $want $type" "$p" "$want" "$type" "$got"
	after=$(store_counts)
	if [[ "$before" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]] && [ "$before" = "$after" ]; then
		pass "$name leaves the store unchanged"
	else
		fail "$name leaves the store unchanged" "accounts/authzs/certs before '$before', after '$after'"
	fi
}

# ---- a registered, agreed account A (for the cases that need one)
KEY_A=$W/a.pem
KEY_B=$W/b.pem # never registered
new_rsa_key "$KEY_A"
new_rsa_key "$KEY_B"
tos=$(v1_tos)
st=$(v1_post "$R.reg" "$BRIDGE_URL/acme/new-reg" "$KEY_A" new-reg "{\"agreement\":\"$tos\"}")
assert_eq "setup: new-reg account A" 201 "$st"
REG_A=$(hdr "$R.reg.hdr" location || true)
[ -n "$REG_A" ] || REG_A="$BRIDGE_URL/acme/reg/1"

before=$(store_counts)
assert_match "store counts readable with sqlite3 (accounts authzs certs)" '^1 0 0$' "$before"

AUTHZ_PAYLOAD='{"identifier":{"type":"dns","value":"bad.example"}}'

# 1. body is not JSON
printf '{"protected": "eyJhbGciOiJSUzI1NiJ9", this is not JSON' >"$R.c1.req"
st=$(post_body "$R.c1" "$BRIDGE_URL/acme/new-reg" "$R.c1.req")
bad_case "malformed JSON body" 400 malformed "$R.c1" "$st" "$before"

# 2. "protected" is not base64url (fresh key on new-reg: would create an account)
st=$(v1_post "$R.c2" "$BRIDGE_URL/acme/new-reg" "$KEY_B" new-reg "{\"agreement\":\"$tos\"}" --mangle protected)
bad_case "bad base64url in protected" 400 malformed "$R.c2" "$st" "$before"

# 3. body over 64 KiB (a well-formed JWS otherwise)
pad=$(head -c 70000 /dev/zero | tr '\0' 'x')
st=$(v1_post "$R.c3" "$BRIDGE_URL/acme/new-reg" "$KEY_B" new-reg "{\"agreement\":\"$tos\",\"pad\":\"$pad\"}")
bad_case "body over 64 KiB" "413 400" malformed "$R.c3" "$st" "$before"

# 4. payload resource new-authz posted to /acme/new-reg (fresh key)
st=$(v1_post "$R.c4" "$BRIDGE_URL/acme/new-reg" "$KEY_B" new-authz "{\"agreement\":\"$tos\"}")
bad_case "wrong resource (new-authz to new-reg)" 400 malformed "$R.c4" "$st" "$before"

# 5. wrong resource from a known account (new-cert payload to new-authz)
st=$(v1_post "$R.c5" "$BRIDGE_URL/acme/new-authz" "$KEY_A" new-cert "$AUTHZ_PAYLOAD")
bad_case "wrong resource (new-cert to new-authz, known account)" 400 malformed "$R.c5" "$st" "$before"

# 6. no resource member at all
n=$(fresh_nonce)
node "$JWS" --key "$KEY_A" --nonce "$n" --payload "$AUTHZ_PAYLOAD" >"$R.c6.req"
st=$(post_body "$R.c6" "$BRIDGE_URL/acme/new-authz" "$R.c6.req")
bad_case "payload without resource" 400 malformed "$R.c6" "$st" "$before"

# 7. unknown account: a fresh key POSTing new-authz
st=$(v1_post "$R.c7" "$BRIDGE_URL/acme/new-authz" "$KEY_B" new-authz "$AUTHZ_PAYLOAD")
bad_case "unknown account on new-authz" 403 unauthorized "$R.c7" "$st" "$before"

# 8. reused nonce: first use accepted (reg fetch), second use refused
n=$(fresh_nonce)
node "$JWS" --key "$KEY_A" --nonce "$n" --url-resource reg --payload '{}' >"$R.c8a.req"
st=$(post_body "$R.c8a" "$REG_A" "$R.c8a.req")
assert_eq "reused nonce setup: first use (POST reg fetch) 202" 202 "$st"
before8=$(store_counts)
node "$JWS" --key "$KEY_A" --nonce "$n" --url-resource new-authz --payload "$AUTHZ_PAYLOAD" >"$R.c8.req"
st=$(post_body "$R.c8" "$BRIDGE_URL/acme/new-authz" "$R.c8.req")
bad_case "reused nonce" 400 badNonce "$R.c8" "$st" "$before8"

# 9. a nonce the bridge never issued (well-formed base64url)
st=$(E2E_NONCE=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
	v1_post "$R.c9" "$BRIDGE_URL/acme/new-authz" "$KEY_A" new-authz "$AUTHZ_PAYLOAD")
bad_case "invented nonce" 400 badNonce "$R.c9" "$st" "$before"

# 10. no nonce at all
node "$JWS" --key "$KEY_A" --url-resource new-authz --payload "$AUTHZ_PAYLOAD" >"$R.c10.req"
st=$(post_body "$R.c10" "$BRIDGE_URL/acme/new-authz" "$R.c10.req")
bad_case "missing nonce" 400 badNonce "$R.c10" "$st" "$before"

# 11. nonce only in the unprotected header (not covered by the signature)
st=$(v1_post "$R.c11" "$BRIDGE_URL/acme/new-authz" "$KEY_A" new-authz "$AUTHZ_PAYLOAD" --nonce-unprotected)
bad_case "nonce only in the unprotected header" 400 badNonce "$R.c11" "$st" "$before"

# 12. signature does not verify (known account, otherwise valid new-authz)
st=$(v1_post "$R.c12" "$BRIDGE_URL/acme/new-authz" "$KEY_A" new-authz "$AUTHZ_PAYLOAD" --mangle signature)
bad_case "bad signature" 400 malformed "$R.c12" "$st" "$before"

# 13. empty body
: >"$R.c13.req"
st=$(post_body "$R.c13" "$BRIDGE_URL/acme/new-authz" "$R.c13.req")
bad_case "empty body" 400 malformed "$R.c13" "$st" "$before"

# 14. new-cert with a CSR that is not DER (known account)
st=$(v1_post "$R.c14" "$BRIDGE_URL/acme/new-cert" "$KEY_A" new-cert '{"csr":"bm90IGEgQ1NS"}')
bad_case "new-cert with a garbage CSR" 400 "malformed|badCSR" "$R.c14" "$st" "$before"

# ---- still alive and serving after all that
st=$(http_req "$R.alive" -I "$BRIDGE_DIR_URL")
assert_eq "bridge still answers HEAD /directory" 200 "$st"

bridge_stop
finish
