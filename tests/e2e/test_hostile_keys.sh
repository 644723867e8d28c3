#!/usr/bin/env bash
# Hostile keys and client-proof targets (issue 8 items 4, 5 and 7):
#  - a zero-padded n/e of a registered RSA key is the same account (new-reg
#    409 with its Location, the padded key acts as it), key-change to a
#    padded spelling of another account's key is refused, a padded EC
#    coordinate is malformed;
#  - a CSR whose key is the account key is badCSR;
#  - client-proof does not fetch from loopback, link-local, unspecified or
#    multicast addresses (nor proof_deny_networks) unless
#    proof_allow_networks says so, and a wrong body that is no key
#    authorization is not reflected.
# Every refusal leaves the store unchanged and asks nothing upstream.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin hostile_keys

need_tools sqlite3
pebble_ensure "$W"
# a Pebble from before CHALLTESTSRV_DNS was exported: start our own
if [ -z "${CHALLTESTSRV_DNS:-}" ] || [ -z "${CHALLTESTSRV_MGMT:-}" ]; then
	pebble_start "$W/pebble"
fi
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

# ---- item 5: client-proof address rules. The static server on 127.0.0.1
# holds the right key authorization for every token: a fetch would pass.
WWW=$W/www WK=$W/www/.well-known/acme-challenge ACCESS=$W/access.log
mkdir -p "$WK"
: >"$ACCESS"
SPORT=$(free_port)
node "$E2E_DIR/static_server.js" --dir "$WWW" --port "$SPORT" --log "$ACCESS" >>"$W/static.out" 2>&1 &
E2E_PIDS+=("$!")
wait_for 15 curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SPORT/" ||
	die "static server did not start (see $W/static.out)"
: >"$ACCESS" # the readiness probe's line
add_a() { # add_a NAME ADDRESS: challtestsrv answers A queries for NAME with ADDRESS
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
		-d "{\"host\":\"$1.\",\"addresses\":[\"$2\"]}" "$CHALLTESTSRV_MGMT/add-a" || true
}
proof_config() { # proof_config FILE EXTRA-JSON-MEMBERS
	printf '{"authz_mode": "client-proof", "proof_http_port": %s, "proof_resolver": "%s", "proof_timeout_ms": 4000 %s}\n' \
		"$SPORT" "$CHALLTESTSRV_DNS" "$2" >"$1"
}
thumb_a=$(node "$JWS" --key "$KA" --thumbprint)
# proof TAG NAME [BODY]: new-authz (pending), the token's file holds BODY
# (default the right key authorization), challenge POST; R.chTAG.body
proof() {
	local tag=$1 n=$2 body=${3-} token
	st=$(v1_new_authz "$R.az$tag" "$KA" "$n")
	assert_eq "$n: new-authz 201 pending" "201 pending" "$st $(json_get "$R.az$tag.body" status 2>/dev/null || true)"
	token=$(json_get "$R.az$tag.body" challenges 0 token 2>/dev/null || true)
	printf '%s' "${body:-$token.$thumb_a}" >"$WK/$token"
	st=$(v1_post "$R.ch$tag" "$(json_get "$R.az$tag.body" challenges 0 uri)" "$KA" challenge \
		"{\"keyAuthorization\":\"$token.$thumb_a\"}")
	assert_eq "$n: challenge POST 202" 202 "$st"
}
proof_detail() { json_get "$R.ch$1.body" error detail 2>/dev/null || true; }
snap_nonauthz() { db 'select id, thumbprint, status from accounts order by id; select id, serial from certs order by id;' | md5sum; }

# ---- item 4, upgrade: a row stored as an older bridge did for a padded
# spelling (its JWK as sent, the thumbprint of that spelling) gets the
# canonical thumbprint when the store opens, so the key still finds it.
id_a=${reg_a##*/}
pjwk=$(jwk_of "$KA" --pad-jwk)
db "update accounts set jwk = '$pjwk', thumbprint = 'legacy-thumbprint-of-a-padded-spelling' where id = $id_a;" >/dev/null
proof_config "$W/deny.json" ', "proof_deny_networks": ["192.0.2.0/24"]'
bridge_start "$W/p1" --config "$W/deny.json" || finish
assert_eq "after the upgrade A's row has the canonical thumbprint" "$(node "$JWS" --key "$KA" --thumbprint)" \
	"$(db "select thumbprint from accounts where id = $id_a;")"
st=$(v1_post "$R.upreg" "$reg_a" "$KA" reg '{}')
assert_eq "... and A's key (unpadded) still finds A (202)" 202 "$st"
before=$(snap_nonauthz) up_before=$(upstream_total)
assert_eq "add-a meta.keys.example 169.254.169.254" 200 "$(add_a meta.keys.example 169.254.169.254)"
assert_eq "add-a zero.keys.example 0.0.0.0" 200 "$(add_a zero.keys.example 0.0.0.0)"
assert_eq "add-a group.keys.example 224.0.0.1" 200 "$(add_a group.keys.example 224.0.0.1)"
assert_eq "add-a denied.keys.example 192.0.2.10" 200 "$(add_a denied.keys.example 192.0.2.10)"
while read -r tag n addr what; do
	proof "$tag" "$n"
	assert_eq "$n ($addr): challenge invalid, dns" "invalid urn:acme:error:dns" \
		"$(json_get "$R.ch$tag.body" status 2>/dev/null || true) $(json_get "$R.ch$tag.body" error type 2>/dev/null || true)"
	assert_eq "$n ($addr): detail" \
		"No valid IP addresses found for $n: $addr is $what, refused by client-proof's address rules" "$(proof_detail "$tag")"
	assert_eq "$n: nothing asked upstream (no v2 authorization)" "invalid|" \
		"$(db "select status || '|' || coalesce(v2_authz_url, '') from authzs where name = '$n' order by id desc limit 1;")"
done <<-TARGETS
	lo loop.keys.example 127.0.0.1 a loopback address
	ll meta.keys.example 169.254.169.254 a link-local address
	zero zero.keys.example 0.0.0.0 an unspecified address
	mc group.keys.example 224.0.0.1 a multicast address
	deny denied.keys.example 192.0.2.10 in proof_deny_networks
TARGETS
# Challenge fetches only: the readiness probe's "GET /" line may land in
# the log after the truncation above (the server writes it asynchronously).
assert_eq "refused client-proof targets: nothing fetched (no challenge GET in the static server's log)" 0 \
	"$(grep -c ' GET /.well-known/acme-challenge/' "$ACCESS" || true)"
assert_eq "refused client-proof targets: accounts and certificates unchanged" "$before" "$(snap_nonauthz)"
assert_eq "refused client-proof targets: no upstream request" "$up_before" "$(upstream_total)"
bridge_stop

# The allow list wins: loopback allowed, the fetch happens; a body that is no
# key authorization (a metadata document, say) is shown by its size only.
proof_config "$W/allow.json" ', "proof_allow_networks": ["127.0.0.0/8"]'
bridge_start "$W/p2" --config "$W/allow.json" || finish
secret='{"AccessKeyId":"ASIA-SECRET-0123","SecretAccessKey":"wJalr/SECRET+KEY"}'
proof body body.keys.example "$secret"
assert_eq "allowed loopback: the bridge fetched (1 GET in the static server's log)" 1 \
	"$(grep -c ' GET /.well-known/acme-challenge/' "$ACCESS" || true)"
d=$(proof_detail body)
assert_eq "a body that is no key authorization: unauthorized" "urn:acme:error:unauthorized" \
	"$(json_get "$R.chbody.body" error type 2>/dev/null || true)"
case "$d" in
*SECRET*) fail "... its content is not reflected" "$d" ;;
*"got ${#secret} bytes that are not a key authorization"*"HTTP 200"*) pass "... shown by size and HTTP status only" ;;
*) fail "... shown by size and HTTP status only" "$d" ;;
esac
bridge_stop
finish
