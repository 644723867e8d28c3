#!/usr/bin/env bash
# The v1 resources that change what exists, against Pebble with real
# validation: revoke-cert (by the issuing account, by the certificate's key,
# with dehydrated --revoke), key-change, account and authorization
# deactivation; OPTIONS and HEAD on every resource; the issuer-cert chain of
# "up" links with two intermediates. What the CA itself says is checked
# through Pebble's management interface and v2_get.js; every refused request
# must leave the state file as it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin manage

# A Pebble of our own: two intermediates between leaf and root.
PEBBLE_CHAIN_LENGTH=2 pebble_start "$W/pebble"
pebble_roots "$W"
bridge_start "$W" || finish

R=$W/r
tos=$(v1_tos)

db() { sqlite3 "$BRIDGE_STATE" "$1" 2>&1 || true; }
# snap: what a refused request must not change
snap() {
	db 'select id, thumbprint, status, coalesce(v2_account_url, "") from accounts order by id;
	    select id, status from authzs order by id;
	    select id, serial, revoked from certs order by id;' | md5sum
}
# unchanged NAME BEFORE: the state is as BEFORE
unchanged() {
	assert_eq "$1: state file unchanged" "$2" "$(snap)"
}
# register PREFIX KEY: new account, prints its reg URL
register() {
	local st
	st=$(v1_post "$1" "$BRIDGE_URL/acme/new-reg" "$2" new-reg "{\"agreement\":\"$tos\"}")
	[ "$st" = 201 ] || { fail "new-reg for $(basename "$2")" "status $st: $(head -c 200 "$1.body")"; return 0; }
	hdr "$1.hdr" location
}
jwk_of() { node "$E2E_DIR/jws.js" --key "$1" --print-jwk; }
thumb_of() { node "$E2E_DIR/jws.js" --key "$1" --thumbprint; }
# pebble_status SERIAL-HEX: "Valid" / "Revoked REASON" as Pebble's management interface says
pebble_status() {
	local s
	s=$(echo "$1" | sed 's/^0*//')
	curl -s --max-time 20 --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/cert-status-by-serial/$s" |
		node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			try { const j = JSON.parse(s); process.stdout.write(j.Status + (j.Reason !== undefined ? " " + j.Reason : "")); }
			catch (e) { process.stdout.write("unparsable: " + s.slice(0, 80)); } })'
}
der_serial() { openssl x509 -inform DER -in "$1" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f'; }
# v2_as ACCOUNT-ID URL: POST-as-GET URL at Pebble as that v1 account's upstream account
v2_as() {
	db "select v2_key_pem from accounts where id = $1;" >"$W/v2key-$1.pem"
	node "$E2E_DIR/v2_get.js" "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$W/v2key-$1.pem" \
		"$(db "select v2_account_url from accounts where id = $1;")" "$2" 2>&1 || true
	rm -f "$W/v2key-$1.pem"
}
# issue PREFIX KEY DIR NAME: new-cert for NAME with a fresh CSR key in DIR; the DER in PREFIX.body
issue() {
	mkdir -p "$3"
	make_csr "$3" "$4"
	v1_post "$1" "$BRIDGE_URL/acme/new-cert" "$2" new-cert "{\"csr\":\"$(b64url_file "$3/csr.der")\"}"
}
revoke_body() { # revoke_body DER-FILE [REASON-JSON]
	if [ -n "${2:-}" ]; then
		printf '{"certificate":"%s","reason":%s}' "$(b64url_file "$1")" "$2"
	else
		printf '{"certificate":"%s"}' "$(b64url_file "$1")"
	fi
}

# ---- OPTIONS on every resource (Boulder: CORS preflight): 200, Allow, nonce
while read -r path allow; do
	st=$(http_req "$R.opt" -X OPTIONS "$BRIDGE_URL$path")
	got="$st|$(hdr "$R.opt.hdr" allow || true)|$(wc -c <"$R.opt.body")"
	assert_eq "OPTIONS $path: 200, Allow: $allow, empty body" "200|$allow|0" "$got"
	assert_match "OPTIONS $path carries Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$(hdr "$R.opt.hdr" replay-nonce || true)"
done <<-EOF
	/directory GET, HEAD
	/terms GET, HEAD
	/acme/new-reg POST
	/acme/new-authz POST
	/acme/new-cert POST
	/acme/revoke-cert POST
	/acme/key-change POST
	/acme/reg/1 POST
	/acme/authz/1 GET, HEAD, POST
	/acme/challenge/1/0 GET, HEAD, POST
	/acme/cert/0a GET, HEAD
	/acme/issuer-cert/0a GET, HEAD
EOF
# ---- HEAD on every POST-only resource: 405 with Allow and a fresh nonce
for path in /acme/new-reg /acme/new-authz /acme/new-cert /acme/revoke-cert /acme/key-change /acme/reg/1; do
	st=$(http_req "$R.head" -I "$BRIDGE_URL$path")
	assert_eq "HEAD $path: 405, Allow: POST" "405|POST" "$st|$(hdr "$R.head.hdr" allow || true)"
	assert_match "HEAD $path carries Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$(hdr "$R.head.hdr" replay-nonce || true)"
done

# ---- accounts A and B; A gets two certificates for a.manage.example
KA=$W/a.pem KB=$W/b.pem
new_rsa_key "$KA"
new_rsa_key "$KB"
reg_a=$(register "$R.rega" "$KA")
reg_b=$(register "$R.regb" "$KB")
id_a=${reg_a##*/} id_b=${reg_b##*/}
st=$(v1_post "$R.az1" "$BRIDGE_URL/acme/new-authz" "$KA" new-authz '{"identifier":{"type":"dns","value":"a.manage.example"}}')
assert_eq "A: new-authz a.manage.example 201 valid" "201 valid" "$st $(json_get "$R.az1.body" status || true)"
st=$(issue "$R.c1" "$KA" "$W/c1" a.manage.example)
assert_eq "A: first certificate issued" 201 "$st"
st=$(issue "$R.c2" "$KA" "$W/c2" a.manage.example)
assert_eq "A: second certificate issued" 201 "$st"
cp "$R.c1.body" "$W/c1.der"
cp "$R.c2.body" "$W/c2.der"
serial1=$(der_serial "$W/c1.der")
serial2=$(der_serial "$W/c2.der")

# ---- the issuer chain: up -> intermediate 1 -> up -> intermediate 2 -> (no up: root never served)
up1=$(link_rel "$R.c1.hdr" up)
st=$(http_req "$R.i1" "$up1")
up2=$(link_rel "$R.i1.hdr" up)
assert_match "issuer-cert 1: 200 with its own Link up" "^200 $BRIDGE_URL/acme/issuer-cert/[0-9a-f]+\$" "$st $up2"
st=$(http_req "$R.i2" "${up2:-$BRIDGE_URL/acme/issuer-cert/00}")
assert_eq "issuer-cert 2: 200, no Link up" "200 " "$st $(link_rel "$R.i2.hdr" up)"
openssl x509 -inform DER -in "$R.i1.body" -out "$W/i1.pem" 2>/dev/null || true
openssl x509 -inform DER -in "$R.i2.body" -out "$W/i2.pem" 2>/dev/null || true
openssl x509 -inform DER -in "$W/c1.der" -out "$W/c1.pem" 2>/dev/null || true
cat "$W/i1.pem" "$W/i2.pem" >"$W/chain.pem"
if openssl verify -CAfile "$W/root.pem" -untrusted "$W/chain.pem" "$W/c1.pem" >"$R.verify" 2>&1 &&
	! openssl verify -CAfile "$W/root.pem" -untrusted "$W/i1.pem" "$W/c1.pem" >/dev/null 2>&1; then
	pass "leaf + both issuer-cert intermediates verify against Pebble's root (one alone does not)"
else
	fail "leaf + both issuer-cert intermediates verify against Pebble's root (one alone does not)" "$(tr '\n' ' ' <"$R.verify")"
fi
assert_eq "issuer-cert 2 is issued by the root" "$(openssl x509 -in "$W/root.pem" -noout -subject)" \
	"$(openssl x509 -in "$W/i2.pem" -noout -issuer | sed 's/^issuer=/subject=/')"

# ---- revoke-cert refusals: nothing changes here nor at the CA
before=$(snap)
for r in 2 6 -1 '"1"'; do
	st=$(v1_post "$R.rvr" "$BRIDGE_URL/acme/revoke-cert" "$KA" revoke-cert "$(revoke_body "$W/c1.der" "$r")")
	check_problem "revoke with reason $r -> 400 malformed" "$R.rvr" 400 malformed "$st"
done
grep -q 'keyCompromise (1)' "$R.rvr.body" && grep -q 'cessationOfOperation (5)' "$R.rvr.body" &&
	pass "bad reason: the detail lists the allowed reasons" ||
	fail "bad reason: the detail lists the allowed reasons" "$(head -c 300 "$R.rvr.body")"
st=$(v1_post "$R.rvg" "$BRIDGE_URL/acme/revoke-cert" "$KA" revoke-cert '{"certificate":"AAAA"}')
check_problem "revoke a certificate that is not DER -> 400 malformed" "$R.rvg" 400 malformed "$st"
st=$(v1_post "$R.rvn" "$BRIDGE_URL/acme/revoke-cert" "$KA" revoke-cert '{}')
check_problem "revoke without a certificate -> 400 malformed" "$R.rvn" 400 malformed "$st"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/self.key" -subj /CN=a.manage.example \
	-days 2 -outform DER -out "$W/self.der" 2>/dev/null
st=$(v1_post "$R.rvu" "$BRIDGE_URL/acme/revoke-cert" "$KA" revoke-cert "$(revoke_body "$W/self.der")")
check_problem "revoke a certificate the bridge never issued -> 404 malformed" "$R.rvu" 404 malformed "$st"
grep -q 'unknown certificate' "$R.rvu.body" && pass "unknown certificate: detail says so" ||
	fail "unknown certificate: detail says so" "$(head -c 200 "$R.rvu.body")"
st=$(v1_post "$R.rvb" "$BRIDGE_URL/acme/revoke-cert" "$KB" revoke-cert "$(revoke_body "$W/c1.der")")
check_problem "another account revokes A's certificate -> 403 unauthorized" "$R.rvb" 403 unauthorized "$st"
KX=$W/x.pem
new_rsa_key "$KX"
st=$(v1_post "$R.rvx" "$BRIDGE_URL/acme/revoke-cert" "$KX" revoke-cert "$(revoke_body "$W/c1.der")")
check_problem "an unregistered key that is not the certificate's -> 403 unauthorized" "$R.rvx" 403 unauthorized "$st"
st=$(v1_post "$R.rvk" "$BRIDGE_URL/acme/revoke-cert" "$W/c2/csr.key" revoke-cert "$(revoke_body "$W/c1.der")")
check_problem "another certificate's key -> 403 unauthorized" "$R.rvk" 403 unauthorized "$st"
unchanged "revoke-cert refusals" "$before"
assert_eq "revoke-cert refusals: Pebble still has certificate 1 valid" Valid "$(pebble_status "$serial1")"

# ---- revoke by the issuing account, reason 4 (superseded)
st=$(v1_post "$R.rv1" "$BRIDGE_URL/acme/revoke-cert" "$KA" revoke-cert "$(revoke_body "$W/c1.der" 4)")
assert_eq "A revokes certificate 1 (reason 4): 200, empty body" "200 0" "$st $(wc -c <"$R.rv1.body")"
assert_match "revoke answer carries Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$(hdr "$R.rv1.hdr" replay-nonce || true)"
assert_eq "certificate 1 revoked in the store" 1 "$(db "select revoked from certs where serial = '$serial1';")"
assert_eq "Pebble reports certificate 1 revoked, reason 4" "Revoked 4" "$(pebble_status "$serial1")"
before=$(snap)
st=$(v1_post "$R.rv1b" "$BRIDGE_URL/acme/revoke-cert" "$KA" revoke-cert "$(revoke_body "$W/c1.der")")
check_problem "revoke certificate 1 again -> 409 malformed" "$R.rv1b" 409 malformed "$st"
grep -q 'Certificate already revoked' "$R.rv1b.body" && pass "again: 'Certificate already revoked'" ||
	fail "again: 'Certificate already revoked'" "$(head -c 200 "$R.rv1b.body")"
assert_eq "again: answered locally (one upstream revocation in the log)" 1 \
	"$(grep -c "revoking certificate $serial1 of account $id_a, signed by the account, reason 4" "$BRIDGE_LOG" || true)"
unchanged "revoke again" "$before"

# ---- revoke by the certificate's own key (no account), reason 1 (keyCompromise)
st=$(v1_post "$R.rv2" "$BRIDGE_URL/acme/revoke-cert" "$W/c2/csr.key" revoke-cert "$(revoke_body "$W/c2.der" 1)")
assert_eq "certificate 2 revoked with its own key: 200" 200 "$st"
assert_eq "Pebble reports certificate 2 revoked, reason 1" "Revoked 1" "$(pebble_status "$serial2")"
assert_eq "certificate 2: revoked upstream through A, signed by its key" 1 \
	"$(grep -c "revoking certificate $serial2 of account $id_a, signed by the certificate's key" "$BRIDGE_LOG" || true)"
assert_eq "certificate 2 revoked in the store" 1 "$(db "select revoked from certs where serial = '$serial2';")"
st=$(v1_post "$R.rv2b" "$BRIDGE_URL/acme/revoke-cert" "$W/c2/csr.key" revoke-cert "$(revoke_body "$W/c2.der")")
check_problem "certificate 2 again with its key -> 409" "$R.rv2b" 409 malformed "$st"

# ---- dehydrated --revoke (account key, no reason); a second one gets 409 and counts it as done
DH=$W/dh
dh_config "$DH" CONTACT_EMAIL= RENEW_DAYS=30
assert_eq "dehydrated --register" 0 "$(dh_rc register "$DH" --register --accept-terms)"
assert_eq "dehydrated -c -d dh.manage.example" 0 "$(dh_rc issue "$DH" -c -d dh.manage.example)"
dcert=$DH/certs/dh.manage.example/cert.pem
dserial=$(openssl x509 -in "$dcert" -noout -serial 2>/dev/null | sed 's/^serial=//' | tr 'A-F' 'a-f' || true)
cp -L "$dcert" "$DH/copy.pem" # --revoke renames the file it revoked
assert_eq "dehydrated --revoke: exit 0" 0 "$(dh_rc revoke "$DH" --revoke "$dcert")"
assert_eq "dehydrated --revoke: Pebble reports it revoked" Revoked "$(pebble_status "$dserial" | cut -d' ' -f1)"
assert_eq "dehydrated --revoke: revoked in the store" 1 \
	"$(db "select revoked from certs where ltrim(serial, '0') = ltrim('$dserial', '0');")"
assert_eq "dehydrated --revoke again: exit 0 (409 'Certificate already revoked' is success)" 0 \
	"$(dh_rc revoke2 "$DH" --revoke "$DH/copy.pem")"
assert_eq "dehydrated --revoke again was answered 409" 1 \
	"$(grep -c 'POST /acme/revoke-cert -> 409 malformed .*ua="dehydrated/' "$BRIDGE_LOG" || true)"

# ---- authorization deactivation
st=$(v1_post "$R.az2" "$BRIDGE_URL/acme/new-authz" "$KA" new-authz '{"identifier":{"type":"dns","value":"d.manage.example"}}')
authz2=$(hdr "$R.az2.hdr" location || true)
assert_eq "A: new-authz d.manage.example 201 valid" "201 valid" "$st $(json_get "$R.az2.body" status || true)"
az_id=${authz2##*/}
v2_authz=$(db "select v2_authz_url from authzs where public_id = '$az_id';")
before=$(snap)
st=$(v1_post "$R.daz_b" "$authz2" "$KB" authz '{"status":"deactivated"}')
check_problem "B deactivates A's authorization -> 403 unauthorized" "$R.daz_b" 403 unauthorized "$st"
st=$(v1_post "$R.daz_v" "$authz2" "$KA" authz '{"status":"valid"}')
check_problem "authz POST with status valid -> 400 malformed" "$R.daz_v" 400 malformed "$st"
st=$(v1_post "$R.daz_e" "$authz2" "$KA" authz '{}')
check_problem "authz POST without status -> 400 malformed" "$R.daz_e" 400 malformed "$st"
st=$(v1_post "$R.daz_r" "$authz2" "$KA" challenge '{"status":"deactivated"}')
check_problem "authz POST with resource challenge -> 400 malformed" "$R.daz_r" 400 malformed "$st"
st=$(v1_post "$R.daz_n" "$BRIDGE_URL/acme/authz/999999" "$KA" authz '{"status":"deactivated"}')
check_problem "deactivate an unknown authorization -> 404" "$R.daz_n" 404 malformed "$st"
unchanged "authz deactivation refusals" "$before"
assert_eq "authz refusals: Pebble's authorization still valid" valid \
	"$(v2_as "$id_a" "$v2_authz" | sed -n 2,\$p | json_get /dev/stdin status 2>/dev/null || echo '?')"
st=$(v1_post "$R.daz" "$authz2" "$KA" authz '{"status":"deactivated"}')
assert_eq "A deactivates its authorization: 200 deactivated" "200 deactivated" "$st $(json_get "$R.daz.body" status || true)"
assert_eq "deactivated in the store" deactivated "$(db "select status from authzs where public_id = '$az_id';")"
assert_eq "Pebble's authorization is deactivated" deactivated \
	"$(v2_as "$id_a" "$v2_authz" | sed -n 2,\$p | json_get /dev/stdin status 2>/dev/null || echo '?')"
st=$(http_req "$R.gaz" "$authz2")
assert_eq "GET the authorization: 200 deactivated" "200 deactivated" "$st $(json_get "$R.gaz.body" status || true)"
before=$(snap)
st=$(v1_post "$R.daz2" "$authz2" "$KA" authz '{"status":"deactivated"}')
check_problem "deactivate it again -> 400 malformed" "$R.daz2" 400 malformed "$st"
st=$(issue "$R.c3" "$KA" "$W/c3" d.manage.example)
check_problem "new-cert relying on the deactivated authorization -> 403 unauthorized" "$R.c3" 403 unauthorized "$st"
unchanged "after deactivation: second deactivation and new-cert" "$before"

# ---- key-change (Boulder's v1 wrapping, reference 2.11)
KC=$W/c-old.pem KN=$W/c-new.pem KO=$W/other.pem
new_rsa_key "$KC"
new_rsa_key "$KN"
new_rsa_key "$KO"
reg_c=$(register "$R.regc" "$KC")
id_c=${reg_c##*/}
st=$(v1_post "$R.azc" "$BRIDGE_URL/acme/new-authz" "$KC" new-authz '{"identifier":{"type":"dns","value":"c.manage.example"}}')
assert_eq "C: new-authz c.manage.example 201" 201 "$st"
# inner JWS (signed by SIGNER, no nonce) for account URL and newKey JWK
inner() { node "$E2E_DIR/jws.js" --key "$1" --payload "{\"account\":\"$2\",\"newKey\":$3}" "${@:4}"; }
keychange() { # keychange PREFIX OUTER-KEY INNER-JSON
	v1_post "$1" "$BRIDGE_URL/acme/key-change" "$2" key-change "$3"
}
before=$(snap)
st=$(keychange "$R.kc_url" "$KC" "$(inner "$KN" "$BRIDGE_URL/acme/reg/999" "$(jwk_of "$KN")")")
check_problem "key-change naming another account URL -> 400" "$R.kc_url" 400 malformed "$st"
st=$(keychange "$R.kc_nk" "$KC" "$(inner "$KN" "$reg_c" "$(jwk_of "$KO")")")
check_problem "key-change whose newKey is not the inner signer -> 400" "$R.kc_nk" 400 malformed "$st"
st=$(keychange "$R.kc_sig" "$KC" "$(inner "$KN" "$reg_c" "$(jwk_of "$KN")" --mangle signature)")
check_problem "key-change with a bad inner signature -> 400" "$R.kc_sig" 400 malformed "$st"
st=$(keychange "$R.kc_plain" "$KC" '{"account":"x"}')
check_problem "key-change whose payload is no JWS -> 400" "$R.kc_plain" 400 malformed "$st"
st=$(keychange "$R.kc_used" "$KC" "$(inner "$KB" "$reg_c" "$(jwk_of "$KB")")")
check_problem "key-change to a key another account holds -> 409" "$R.kc_used" 409 malformed "$st"
assert_eq "409 key-change: Location is that account" "$reg_b" "$(hdr "$R.kc_used.hdr" location || true)"
st=$(keychange "$R.kc_nokey" "$KO" "$(inner "$KN" "$reg_c" "$(jwk_of "$KN")")")
check_problem "key-change signed by a key without account -> 403" "$R.kc_nokey" 403 unauthorized "$st"
unchanged "key-change refusals" "$before"
st=$(keychange "$R.kc" "$KC" "$(inner "$KN" "$reg_c" "$(jwk_of "$KN")")")
assert_eq "key-change: 200" 200 "$st"
assert_eq "key-change: the Registration shows the new key" \
	"$(jwk_of "$KN" | json_get /dev/stdin n)" "$(json_get "$R.kc.body" key n || true)"
assert_eq "key-change: same account id" "$id_c" "$(E2E_JSON_RAW=1 json_get "$R.kc.body" id || true)"
assert_eq "key-change: the store maps the new key's thumbprint" "$(thumb_of "$KN")" \
	"$(db "select thumbprint from accounts where id = $id_c;")"
st=$(v1_post "$R.kc_old" "$reg_c" "$KC" reg '{}')
check_problem "the old key -> 403 unauthorized" "$R.kc_old" 403 unauthorized "$st"
st=$(v1_post "$R.kc_new" "$reg_c" "$KN" reg '{}')
assert_eq "the new key fetches the registration: 202" 202 "$st"
st=$(v1_post "$R.azc2" "$BRIDGE_URL/acme/new-authz" "$KN" new-authz '{"identifier":{"type":"dns","value":"c.manage.example"}}')
assert_eq "the new key: new-authz 201 valid" "201 valid" "$st $(json_get "$R.azc2.body" status || true)"
st=$(issue "$R.c4" "$KN" "$W/c4" c.manage.example)
assert_eq "the new key: new-cert 201" 201 "$st"
assert_eq "the new key: certificate for c.manage.example" c.manage.example "$(cert_sans "$R.c4.body" der)"
regc2=$(register "$R.regc2" "$KC")
assert_match "the old key is free again: new-reg 201, another account" "^$BRIDGE_URL/acme/reg/[0-9]+\$" "$regc2"
[ "$regc2" != "$reg_c" ] || fail "the old key's new account differs" "$regc2"

# ---- account deactivation
KD=$W/d.pem KE=$W/e.pem
new_rsa_key "$KD"
new_rsa_key "$KE"
reg_d=$(register "$R.regd" "$KD")
reg_e=$(register "$R.rege" "$KE")
id_d=${reg_d##*/}
before=$(snap)
st=$(v1_post "$R.de_bad" "$reg_e" "$KE" reg '{"status":"revoked"}')
check_problem "reg status revoked -> 400 malformed" "$R.de_bad" 400 malformed "$st"
grep -q 'Invalid value provided for status field' "$R.de_bad.body" && pass "reg bad status: Boulder's detail" ||
	fail "reg bad status: Boulder's detail" "$(head -c 200 "$R.de_bad.body")"
st=$(v1_post "$R.de_other" "$reg_e" "$KD" reg '{"status":"deactivated"}')
check_problem "D deactivates E -> 403 unauthorized" "$R.de_other" 403 unauthorized "$st"
unchanged "reg deactivation refusals" "$before"
st=$(v1_post "$R.de_valid" "$reg_e" "$KE" reg '{"status":"valid"}')
assert_eq "reg status valid (the current one) is ignored: 202" "202 valid" "$st $(json_get "$R.de_valid.body" status || true)"
# D has an upstream account (created by new-authz), deactivated there too
st=$(v1_post "$R.azd" "$BRIDGE_URL/acme/new-authz" "$KD" new-authz '{"identifier":{"type":"dns","value":"e.manage.example"}}')
assert_eq "D: new-authz 201" 201 "$st"
v2_acct_d=$(db "select v2_account_url from accounts where id = $id_d;")
st=$(v1_post "$R.de" "$reg_d" "$KD" reg '{"status":"deactivated","contact":["mailto:x@example.com"]}')
assert_eq "D deactivates its account: 200 deactivated" "200 deactivated" "$st $(json_get "$R.de.body" status || true)"
assert_eq "deactivation answer: no Link headers" "" "$(hdrs "$R.de.hdr" link)"
assert_eq "deactivated in the store" deactivated "$(db "select status from accounts where id = $id_d;")"
# Pebble either shows the account deactivated or refuses it as deactivated.
up=$(v2_as "$id_d" "$v2_acct_d")
case "$(echo "$up" | head -n 1)" in
	200) up_state=$(echo "$up" | sed -n '2,$p' | json_get /dev/stdin status 2>/dev/null || echo '?') ;;
	401 | 403) up_state=$(echo "$up" | grep -qi 'deactivated' && echo deactivated || echo "refused: $up") ;;
	*) up_state="unexpected: $up" ;;
esac
assert_eq "Pebble: the upstream account is deactivated" deactivated "$up_state"
st=$(v1_post "$R.de_after" "$reg_d" "$KD" reg '{}')
check_problem "D's next request -> 403 unauthorized" "$R.de_after" 403 unauthorized "$st"
grep -q "Registration is not valid, has status 'deactivated'" "$R.de_after.body" &&
	pass "D's next request: detail names the status" ||
	fail "D's next request: detail names the status" "$(head -c 200 "$R.de_after.body")"
st=$(v1_post "$R.de_newreg" "$BRIDGE_URL/acme/new-reg" "$KD" new-reg '{}')
check_problem "new-reg with D's key -> 409 (the key stays taken)" "$R.de_newreg" 409 malformed "$st"
assert_eq "new-reg with D's key: Location is D" "$reg_d" "$(hdr "$R.de_newreg.hdr" location || true)"
# E never had an upstream account: deactivated locally only
st=$(v1_post "$R.de_e" "$reg_e" "$KE" reg '{"status":"deactivated"}')
assert_eq "E (no upstream account) deactivates: 200" 200 "$st"
assert_eq "E has still no upstream account" "" "$(db "select coalesce(v2_account_url, '') from accounts where id = ${reg_e##*/};")"

bridge_stop
finish
