#!/usr/bin/env bash
# acme-client 1.0.0 (npm): register (ToS via Link), easy() issuance for one
# name without solving anything (the bridge answers new-authz valid), revoke,
# key change then issuance with the new key;
# the certificate and the intermediate it fetched verify against Pebble's root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin acmeclient

npm_ensure acme-client 1.0.0 1.0.0

pebble_ensure "$W"
pebble_roots "$W"
bridge_start "$W" || finish

DOMAIN=node.example
OUT=$W/out # what acme-client returned
mkdir -p "$OUT"
rc=0
NODE_PATH="$NODE_DIR/node_modules" NODE_NO_WARNINGS=1 \
	timeout 240 node "$E2E_DIR/test_acme_client.js" "$BRIDGE_DIR_URL" "$OUT" "$DOMAIN" \
	>"$W/node.out" 2>"$W/node.err" || rc=$?
node_results acme-client "acme-client script exit status 0" "$rc" "$W/node.out" "$W/node.err"

if [ -s "$OUT/cert.pem" ]; then
	cert_verifies "certificate verifies against Pebble's root" "$OUT/cert.pem"
	assert_eq "certificate SANs" "$DOMAIN" "$(cert_sans "$OUT/cert.pem")"
	# The key in the certificate is the CSR's.
	if [ "$(openssl x509 -in "$OUT/cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER 2>/dev/null | openssl dgst -sha256)" = \
		"$(openssl pkey -in "$OUT/key.pem" -pubout -outform DER 2>/dev/null | openssl dgst -sha256)" ]; then
		pass "certificate carries the CSR's key"
	else
		fail "certificate carries the CSR's key" "public keys differ"
	fi
else
	fail "certificate verifies against Pebble's root" "no certificate written"
fi
# acme-client got its intermediate from the Link rel="up" of new-cert.
if [ -s "$OUT/intermediate.pem" ] &&
	cmp -s <(openssl x509 -in "$OUT/intermediate.pem" -outform DER 2>/dev/null) \
		<(openssl x509 -in "$W/intermediate.pem" -outform DER 2>/dev/null); then
	pass "intermediate fetched via Link up is Pebble's intermediate"
else
	fail "intermediate fetched via Link up is Pebble's intermediate" "missing or different"
fi

# After changeAccountKey: the old key has no account any more, the new one has.
if [ -s "$OUT/account-uri" ] && [ -s "$OUT/old-account.pem" ]; then
	st=$(v1_post "$W/r.old" "$(cat "$OUT/account-uri")" "$OUT/old-account.pem" reg '{}')
	check_problem "after key-change: the old account key -> 403 unauthorized" "$W/r.old" 403 unauthorized "$st"
	st=$(v1_post "$W/r.new" "$(cat "$OUT/account-uri")" "$OUT/new-account.pem" reg '{}')
	assert_eq "after key-change: the new account key fetches the registration (202)" 202 "$st"
else
	fail "after key-change: keys and account URI written" "missing in $OUT"
fi
# The revoked certificate is revoked at Pebble.
if [ -s "$OUT/cert.pem" ]; then
	serial=$(openssl x509 -in "$OUT/cert.pem" -noout -serial | sed 's/^serial=0*//' | tr 'A-F' 'a-f')
	status=$(curl -s --max-time 20 --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/cert-status-by-serial/$serial" |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).Status)}catch(e){}})')
	assert_eq "revokeCertificate: Pebble reports the certificate revoked" Revoked "$status"
fi

bridge_stop
finish
