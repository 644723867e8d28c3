#!/usr/bin/env bash
# The v1 flow byte by byte with curl + jws.js: new-reg, duplicate new-reg,
# reg fetch, new-authz (eagerly valid), challenge POST/GET on a valid authz,
# new-cert (DER body, Location, Link up), cert and issuer-cert GETs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin v1wire

pebble_ensure "$W"
pebble_roots "$W"
bridge_start "$W" || finish

R=$W/r
KEY=$W/account.pem
new_rsa_key "$KEY"
tos=$(v1_tos)

# ---- new-reg
st=$(v1_post "$R.reg" "$BRIDGE_URL/acme/new-reg" "$KEY" new-reg \
	"{\"contact\":[\"mailto:e2e@example.com\"],\"agreement\":\"$tos\"}")
assert_eq "new-reg status 201" 201 "$st"
reg_url=$(hdr "$R.reg.hdr" location || true)
assert_match "new-reg Location is <base>/acme/reg/<integer>" "^$BRIDGE_URL/acme/reg/[0-9]+\$" "$reg_url"
links=$(hdrs "$R.reg.hdr" link | tr '\n' ' ')
tos_link=$(link_rel "$R.reg.hdr" terms-of-service)
assert_eq "new-reg Link <ToS>;rel=\"terms-of-service\" (exact format)" "$tos" "$tos_link"
assert_eq "new-reg Link <new-authz>;rel=\"next\"" "$BRIDGE_URL/acme/new-authz" "$(link_rel "$R.reg.hdr" next)"
assert_match "new-reg carries Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$(hdr "$R.reg.hdr" replay-nonce || true)"
assert_match "new-reg Content-Type application/json" '^application/json' "$(hdr "$R.reg.hdr" content-type || true)"
id=$(E2E_JSON_RAW=1 json_get "$R.reg.body" id || true) # a JSON number, not a string
assert_eq "new-reg body id is the integer of the Location" "${reg_url##*/}" "$id"
assert_eq "new-reg body key.n is the account key" "$(node "$E2E_DIR/jws.js" --key "$KEY" --print-jwk |
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).n))')" \
	"$(json_get "$R.reg.body" key n || true)"
assert_eq "new-reg body contact" '["mailto:e2e@example.com"]' "$(json_get "$R.reg.body" contact || true)"
assert_eq "new-reg body agreement" "$tos" "$(json_get "$R.reg.body" agreement || true)"
assert_eq "new-reg body status" valid "$(json_get "$R.reg.body" status || true)"
echo "   (new-reg links: $links)"

# ---- the same key again: 409 + Location + "Registration key is already in use"
st=$(v1_post "$R.reg2" "$BRIDGE_URL/acme/new-reg" "$KEY" new-reg '{}')
check_problem "duplicate new-reg -> 409 malformed problem" "$R.reg2" 409 malformed "$st"
assert_eq "duplicate new-reg Location is the reg URL" "$reg_url" "$(hdr "$R.reg2.hdr" location || true)"
if grep -q 'Registration key is already in use' "$R.reg2.body"; then pass "duplicate new-reg detail text"; else
	fail "duplicate new-reg detail text" "$(head -c 300 "$R.reg2.body")"; fi

# ---- reg fetch (empty update): 202, no Location, ToS link. Signed with the
# nonce of the previous (error) response, as nonce-pool clients (certbot) do.
if [ -n "$reg_url" ]; then
	pooled=$(hdr "$R.reg2.hdr" replay-nonce || true)
	st=$(E2E_NONCE=$pooled v1_post "$R.fetch" "$reg_url" "$KEY" reg '{}')
	assert_eq "POST reg (fetch) with the nonce of the 409 response: 202" 202 "$st"
	assert_eq "POST reg has no Location" "" "$(hdr "$R.fetch.hdr" location || true)"
	assert_eq "POST reg body id" "$id" "$(E2E_JSON_RAW=1 json_get "$R.fetch.body" id || true)"
	assert_eq "POST reg keeps the agreement" "$tos" "$(json_get "$R.fetch.body" agreement || true)"
	assert_eq "POST reg Link terms-of-service" "$tos" "$(link_rel "$R.fetch.hdr" terms-of-service)"
	# alg/jwk only in the unprotected header: Boulder accepted that shape.
	st=$(v1_post "$R.fetch2" "$reg_url" "$KEY" reg '{}' --jwk-unprotected-only)
	assert_eq "POST reg with jwk only in the unprotected header: 202" 202 "$st"
fi

# ---- new-authz: eager validation, answered valid. Nonce from a HEAD on the
# POST URL itself (405 + Replay-Nonce), as certbot gets its first one.
http_req "$R.h405" -I "$BRIDGE_URL/acme/new-authz" >/dev/null
t0=$SECONDS
st=$(E2E_NONCE=$(hdr "$R.h405.hdr" replay-nonce || echo none) v1_post "$R.authz" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
	'{"identifier":{"type":"dns","value":"one.example"}}')
echo "   (new-authz took $((SECONDS - t0)) s)"
assert_eq "new-authz (nonce from HEAD /acme/new-authz) status 201" 201 "$st"
authz_url=$(hdr "$R.authz.hdr" location || true)
assert_match "new-authz Location is <base>/acme/authz/<id>" "^$BRIDGE_URL/acme/authz/[A-Za-z0-9_-]+\$" "$authz_url"
assert_eq "new-authz Link <new-cert>;rel=\"next\"" "$BRIDGE_URL/acme/new-cert" "$(link_rel "$R.authz.hdr" next)"
assert_eq "new-authz status valid" valid "$(json_get "$R.authz.body" status || true)"
assert_eq "new-authz identifier echoes the request" '{"type":"dns","value":"one.example"}' \
	"$(json_get "$R.authz.body" identifier || true)"
chk=$(node -e '
	const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	const c = a.challenges || [];
	const bad = [];
	if (!c.length) bad.push("no challenges");
	if (!c.some(x => x.type === "http-01")) bad.push("no http-01 challenge");
	for (const x of c) {
		if (x.status !== "valid") bad.push(`${x.type} status ${x.status}`);
		if (typeof x.uri !== "string" || !x.uri.startsWith(process.argv[2] + "/acme/challenge/")) bad.push(`${x.type} uri ${x.uri}`);
		if ("url" in x) bad.push(`${x.type} has a "url" member`);
		if (typeof x.token !== "string" || !/^[A-Za-z0-9_-]{16,}$/.test(x.token)) bad.push(`${x.type} token ${x.token}`);
	}
	const comb = JSON.stringify(a.combinations || null);
	const want = JSON.stringify(c.map((_, i) => [i]));
	if (comb !== want) bad.push(`combinations ${comb} (want ${want})`);
	if (typeof a.expires !== "string" || isNaN(Date.parse(a.expires))) bad.push(`expires ${a.expires}`);
	process.stdout.write(bad.join("; "));
' "$R.authz.body" "$BRIDGE_URL" 2>&1 || echo "unparsable authz")
assert_eq "new-authz challenges: all valid, v1 'uri', tokens, combinations, expires" "" "$chk"
chal_url=$(node -e '
	const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	process.stdout.write(((a.challenges || []).filter(c => c.type === "http-01").pop() || {}).uri || "");
' "$R.authz.body" 2>/dev/null || true)

if [ -n "$authz_url" ]; then
	st=$(http_req "$R.getauthz" "$authz_url")
	assert_eq "GET authz status 200" 200 "$st"
	assert_eq "GET authz status valid" valid "$(json_get "$R.getauthz.body" status || true)"
	assert_eq "GET authz has no Location" "" "$(hdr "$R.getauthz.hdr" location || true)"
fi

# A second new-authz for the same name (acme-client repeats the CN) works too.
st=$(v1_post "$R.authz2" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
	'{"identifier":{"type":"dns","value":"one.example"}}')
assert_eq "repeated new-authz for the same name: 201" 201 "$st"
assert_eq "repeated new-authz for the same name: valid" valid "$(json_get "$R.authz2.body" status || true)"

# ---- challenge POST on an already valid authz: 202, Location, Link up, valid
if [ -n "$chal_url" ]; then
	thumb=$(node "$E2E_DIR/jws.js" --key "$KEY" --thumbprint)
	token=$(node -e '
		const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		process.stdout.write(a.challenges.filter(c => c.type === "http-01").pop().token);' "$R.authz.body")
	st=$(v1_post "$R.chal" "$chal_url" "$KEY" challenge "{\"keyAuthorization\":\"$token.$thumb\"}")
	assert_eq "POST challenge status 202" 202 "$st"
	assert_eq "POST challenge Location is the challenge URL" "$chal_url" "$(hdr "$R.chal.hdr" location || true)"
	assert_eq "POST challenge Link <authz>;rel=\"up\"" "$authz_url" "$(link_rel "$R.chal.hdr" up)"
	assert_eq "POST challenge body uri echoes the URL" "$chal_url" "$(json_get "$R.chal.body" uri || true)"
	assert_eq "POST challenge body status valid" valid "$(json_get "$R.chal.body" status || true)"
	st=$(http_req "$R.getchal" "$chal_url")
	assert_eq "GET challenge status 202 (acme-client requires it)" 202 "$st"
	assert_eq "GET challenge body status valid" valid "$(json_get "$R.getchal.body" status || true)"
else
	fail "http-01 challenge URL in new-authz" "none"
fi

# ---- new-cert
mkdir -p "$W/csr1"
make_csr "$W/csr1" one.example
t0=$SECONDS
st=$(v1_post "$R.cert" "$BRIDGE_URL/acme/new-cert" "$KEY" new-cert "{\"csr\":\"$(b64url_file "$W/csr1/csr.der")\"}")
echo "   (new-cert took $((SECONDS - t0)) s)"
assert_eq "new-cert status 201" 201 "$st"
assert_match "new-cert Content-Type application/pkix-cert" '^application/pkix-cert' "$(hdr "$R.cert.hdr" content-type || true)"
if openssl x509 -inform DER -in "$R.cert.body" -noout 2>/dev/null; then pass "new-cert body is a DER certificate"; else
	fail "new-cert body is a DER certificate" "$(head -c 200 "$R.cert.body" | tr -c '[:print:]' '.')"; fi
assert_eq "new-cert leaf SANs" "one.example" "$(cert_sans "$R.cert.body" der)"
cert_url=$(hdr "$R.cert.hdr" location || true)
assert_match "new-cert Location is <base>/acme/cert/<hex>" "^$BRIDGE_URL/acme/cert/[0-9a-f]+\$" "$cert_url"
serial=$(openssl x509 -inform DER -in "$R.cert.body" -noout -serial 2>/dev/null | sed 's/^serial=//' | tr 'A-F' 'a-f' || true)
loc_serial=${cert_url##*/}
assert_eq "new-cert Location names the leaf's serial" "$(echo "$serial" | sed 's/^0*//')" "$(echo "$loc_serial" | sed 's/^0*//')"
up_url=$(link_rel "$R.cert.hdr" up)
assert_match "new-cert Link <.../acme/issuer-cert/<id>>;rel=\"up\"" "^$BRIDGE_URL/acme/issuer-cert/[A-Za-z0-9_-]+\$" "$up_url"
openssl x509 -inform DER -in "$R.cert.body" -out "$W/leaf.pem" 2>/dev/null || true
cert_verifies "new-cert leaf verifies against Pebble's root" "$W/leaf.pem"

if [ -n "$cert_url" ]; then
	st=$(http_req "$R.getcert" "$cert_url")
	assert_eq "GET cert status 200" 200 "$st"
	assert_match "GET cert Content-Type application/pkix-cert" '^application/pkix-cert' "$(hdr "$R.getcert.hdr" content-type || true)"
	if cmp -s "$R.cert.body" "$R.getcert.body"; then pass "GET cert is byte-identical to the new-cert body"; else
		fail "GET cert is byte-identical to the new-cert body" "$(wc -c <"$R.getcert.body") vs $(wc -c <"$R.cert.body") bytes"; fi
	assert_eq "GET cert Link up" "$up_url" "$(link_rel "$R.getcert.hdr" up)"
fi
if [ -n "$up_url" ]; then
	st=$(http_req "$R.issuer" "$up_url")
	assert_eq "GET issuer-cert status 200" 200 "$st"
	assert_match "GET issuer-cert Content-Type application/pkix-cert" '^application/pkix-cert' "$(hdr "$R.issuer.hdr" content-type || true)"
	openssl x509 -in "$W/intermediate.pem" -outform DER -out "$W/intermediate.der"
	if cmp -s "$W/intermediate.der" "$R.issuer.body"; then pass "GET issuer-cert is Pebble's intermediate as DER"; else
		fail "GET issuer-cert is Pebble's intermediate as DER" "$(wc -c <"$R.issuer.body") bytes, differs"; fi
	assert_eq "GET issuer-cert has no further Link up (root never served)" "" "$(link_rel "$R.issuer.hdr" up)"
fi

# ---- JSON member order as Boulder's Go structs (section 9.7 of acme-v1.md)
# key_order FILE WHAT: "" when the members of WHAT appear in Boulder's order
key_order() {
	node -e '
		const [file, what] = process.argv.slice(1);
		const order = {
			reg: ["id", "key", "contact", "agreement", "initialIp", "createdAt", "status"],
			authz: ["identifier", "status", "expires", "challenges", "combinations"],
			chal: ["type", "status", "error", "uri", "token", "keyAuthorization", "validationRecord"],
		};
		const j = JSON.parse(require("fs").readFileSync(file, "utf8"));
		const objs = what === "chal" ? j.challenges : [j];
		const bad = [];
		for (const o of objs) {
			const keys = Object.keys(o);
			const known = keys.filter(k => order[what].includes(k));
			const want = order[what].filter(k => keys.includes(k));
			if (known.join() !== want.join()) bad.push(keys.join(","));
		}
		process.stdout.write(bad.join(" | "));
	' "$1" "$2" 2>&1 || echo unparsable
}
assert_eq "Registration members in Boulder order" "" "$(key_order "$R.reg.body" reg)"
assert_eq "Authorization members in Boulder order" "" "$(key_order "$R.authz.body" authz)"
assert_eq "Challenge members in Boulder order" "" "$(key_order "$R.authz.body" chal)"

# ---- HEAD on a GET resource: 200 + nonce
if [ -n "$authz_url" ]; then
	st=$(http_req "$R.headauthz" -I "$authz_url")
	assert_eq "HEAD authz status 200" 200 "$st"
	assert_match "HEAD authz carries Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$(hdr "$R.headauthz.hdr" replay-nonce || true)"
fi

# ---- an ES256 account works as well (RS256 and ES256 are required)
ECKEY=$W/account-ec.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ECKEY" 2>/dev/null
st=$(v1_post "$R.ecreg" "$BRIDGE_URL/acme/new-reg" "$ECKEY" new-reg "{\"agreement\":\"$tos\"}")
assert_eq "new-reg with an ES256 key: 201" 201 "$st"

# ---- refusals Boulder made and clients rely on
KEY3=$W/account3.pem
new_rsa_key "$KEY3"
st=$(v1_post "$R.agr" "$BRIDGE_URL/acme/new-reg" "$KEY3" new-reg '{"agreement":"https://example.com/other-terms"}')
check_problem "new-reg with another agreement URL -> 400 malformed" "$R.agr" 400 malformed "$st"
st=$(v1_post "$R.tel" "$BRIDGE_URL/acme/new-reg" "$KEY3" new-reg '{"contact":["tel:+15555550100"]}')
check_problem "new-reg with a non-mailto contact -> 400 invalidEmail" "$R.tel" 400 invalidEmail "$st"
if [ -n "$reg_url" ]; then
	st=$(v1_post "$R.otherreg" "$reg_url" "$ECKEY" reg '{}')
	check_problem "POST another account's reg -> 403 unauthorized" "$R.otherreg" 403 unauthorized "$st"
fi
if [ -n "$chal_url" ]; then
	st=$(v1_post "$R.otherchal" "$chal_url" "$ECKEY" challenge '{}')
	check_problem "POST another account's challenge -> 403 unauthorized" "$R.otherchal" 403 unauthorized "$st"
fi
st=$(v1_post "$R.wild" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz '{"identifier":{"type":"dns","value":"*.one.example"}}')
check_problem "new-authz for a wildcard -> 400" "$R.wild" 400 'malformed|rejectedIdentifier' "$st"

# ---- deactivation and revocation (docs/v1-endpoints.md; test_manage.sh goes further)
if [ -n "$authz_url" ]; then
	st=$(v1_post "$R.deauthz" "$authz_url" "$KEY" authz '{"status":"deactivated"}')
	assert_eq "POST authz {status: deactivated}: 200" 200 "$st"
	assert_eq "deactivated authz shows status deactivated" deactivated "$(json_get "$R.deauthz.body" status || true)"
	assert_eq "deactivated authz answer has Link next" "$BRIDGE_URL/acme/new-cert" "$(link_rel "$R.deauthz.hdr" next)"
	st=$(http_req "$R.getdeauthz" "$authz_url")
	assert_eq "GET deactivated authz: 200 deactivated" "200 deactivated" "$st $(json_get "$R.getdeauthz.body" status || true)"
fi
ec_reg=$(hdr "$R.ecreg.hdr" location || true)
st=$(v1_post "$R.dereg" "${ec_reg:-$BRIDGE_URL/acme/reg/0}" "$ECKEY" reg '{"status":"deactivated"}')
assert_eq "POST reg {status: deactivated}: 200" 200 "$st"
assert_eq "deactivated reg shows status deactivated" deactivated "$(json_get "$R.dereg.body" status || true)"
assert_eq "deactivated reg answer has no Link header" "" "$(hdrs "$R.dereg.hdr" link)"
st=$(v1_post "$R.afterdereg" "$BRIDGE_URL/acme/new-authz" "$ECKEY" new-authz '{"identifier":{"type":"dns","value":"one.example"}}')
check_problem "deactivated account's new-authz -> 403 unauthorized" "$R.afterdereg" 403 unauthorized "$st"
grep -q "Registration is not valid, has status 'deactivated'" "$R.afterdereg.body" &&
	pass "deactivated account: detail names the status" ||
	fail "deactivated account: detail names the status" "$(head -c 200 "$R.afterdereg.body")"
st=$(v1_post "$R.revoke" "$BRIDGE_URL/acme/revoke-cert" "$KEY" revoke-cert "{\"certificate\":\"$(b64url_file "$R.cert.body")\"}")
assert_eq "revoke-cert by the issuing account: 200" 200 "$st"
assert_eq "revoke-cert answer has an empty body" 0 "$(wc -c <"$R.revoke.body")"
st=$(v1_post "$R.revoke2" "$BRIDGE_URL/acme/revoke-cert" "$KEY" revoke-cert "{\"certificate\":\"$(b64url_file "$R.cert.body")\"}")
check_problem "revoke-cert again -> 409 malformed" "$R.revoke2" 409 malformed "$st"
grep -q 'Certificate already revoked' "$R.revoke2.body" && pass "revoke again: 'Certificate already revoked'" ||
	fail "revoke again: 'Certificate already revoked'" "$(head -c 200 "$R.revoke2.body")"

bridge_stop
finish
