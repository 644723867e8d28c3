#!/usr/bin/env bash
# The migration page (GET / on the admin listener) in headless Chromium:
# dehydrated 0.7.0 registers and issues through the bridge against Pebble, a
# third account (jws.js) comes with a hostile User-Agent and one failing
# request; then Debian's chromium (driven by playwright-core) loads the page
# and checks the table, sorting, the charts, escaping, no console error, the
# page without JavaScript, and saves a screenshot as a test artefact.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin page

need_tools dehydrated
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || die "$CHROMIUM missing (apt-get install chromium; tests/deps.sh)"

npm_ensure playwright-core 1
ARTIFACTS=$E2E_WORK_ROOT/artifacts
mkdir -p "$ARTIFACTS"
SHOT=$ARTIFACTS/migration-page.png
rm -f "$SHOT"

pebble_ensure "$W"
bridge_start "$W" || finish
ADMIN=$BRIDGE_ADMIN_URL

# ---- the admin listener's HTTP surface (curl)
st=$(http_req "$W/root" "$ADMIN/")
assert_eq "GET / is 200" 200 "$st"
assert_match "GET / is HTML" '^text/html; charset=utf-8' "$(hdr "$W/root.hdr" content-type || true)"
assert_match "GET /: CSP default-src 'self'" "^default-src 'self'" "$(hdr "$W/root.hdr" content-security-policy || true)"
assert_eq "GET /: nosniff" nosniff "$(hdr "$W/root.hdr" x-content-type-options || true)"
for a in app.css app.js favicon.svg; do
	st=$(http_req "$W/$a" "$ADMIN/static/$a")
	assert_eq "GET /static/$a is 200" 200 "$st"
	assert_eq "/static/$a: nosniff" nosniff "$(hdr "$W/$a.hdr" x-content-type-options || true)"
	[ -s "$W/$a.body" ] && pass "/static/$a has a body" || fail "/static/$a has a body" "empty"
done
assert_match "app.css is text/css" '^text/css' "$(hdr "$W/app.css.hdr" content-type || true)"
assert_match "app.js is text/javascript" '^text/javascript' "$(hdr "$W/app.js.hdr" content-type || true)"
st=$(curl -s -I --max-time 30 -o /dev/null -w '%{http_code} %{size_download}' "$ADMIN/" || true)
assert_eq "HEAD / is 200 with no body" "200 0" "$st"
assert_eq "GET /nope is 404" 404 "$(http_req "$W/nope" "$ADMIN/nope")"
assert_eq "GET /static/other.js is 404" 404 "$(http_req "$W/nope2" "$ADMIN/static/other.js")"
st=$(http_req "$W/post" -X POST --data x "$ADMIN/")
assert_eq "POST / is 405" 405 "$st"
assert_eq "POST /: Allow GET, HEAD" "GET, HEAD" "$(hdr "$W/post.hdr" allow || true)"
assert_eq "GET /metrics still answered" 200 "$(http_req "$W/metrics" "$ADMIN/metrics")"
if grep -Eiq '(src|href)="(https?:)?//' "$W/root.body"; then
	fail "page loads nothing from elsewhere" "$(grep -Eio '(src|href)="[^"]*"' "$W/root.body" | head -3 | tr '\n' ' ')"
else
	pass "page loads nothing from elsewhere"
fi

# ---- v1 traffic: dehydrated 0.7.0, two accounts
dh_id() { # dh_id DIR: the v1 account id dehydrated stored
	local f
	f=$(find "$1/accounts" -name registration_info.json 2>/dev/null | head -n 1)
	[ -n "$f" ] && sed -n 's/.*"id": *\([0-9][0-9]*\).*/\1/p' "$f" | head -n 1
}
D1=$W/dh1 D2=$W/dh2
dh_config "$D1"
dh_config "$D2"
dh register1 "$D1" --register --accept-terms
dh register2 "$D2" --register --accept-terms
dh issue2 "$D2" -c -d page-two.example
sleep 1 # account 1 is then seen last: the initial order is not by account id
dh issue1 "$D1" -c -d page.example -d www.page.example
ID1=$(dh_id "$D1")
ID2=$(dh_id "$D2")
assert_match "dehydrated account ids" '^[0-9]+ [0-9]+$' "$ID1 $ID2"
[ -s "$D1/certs/page.example/cert.pem" ] && pass "dehydrated issued page.example" ||
	fail "dehydrated issued page.example" "no cert.pem"

# ---- a third account whose User-Agent is markup, and one failing request
HOSTILE='<script>alert(1)</script>/9.9'
K3=$W/hostile.key
new_rsa_key "$K3"
hostile_post() { E2E_UA=$HOSTILE v1_post "$1" "$2" "$K3" "$3" "$4"; } # PREFIX URL RESOURCE PAYLOAD
st=$(hostile_post "$W/h-reg" "$BRIDGE_URL/acme/new-reg" new-reg '{"contact":["mailto:h@example.com"]}')
assert_eq "hostile new-reg is 201" 201 "$st"
loc=$(hdr "$W/h-reg.hdr" location || true)
ID3=${loc##*/}
assert_match "hostile account id" '^[0-9]+$' "$ID3"
st=$(hostile_post "$W/h-get" "$BRIDGE_URL/acme/reg/$ID3" reg '{}')
assert_eq "hostile reg POST is 202" 202 "$st"
BAD_NAME='x<img src=y onerror=alert(2)>.example'
st=$(hostile_post "$W/h-bad" "$BRIDGE_URL/acme/new-authz" new-authz \
	"{\"identifier\":{\"type\":\"dns\",\"value\":\"$BAD_NAME\"}}")
check_problem "hostile new-authz with a bad name fails" "$W/h-bad" 400 'malformed|rejectedIdentifier' "$st"
BAD_TYPE=$(json_get "$W/h-bad.body" type 2>/dev/null | sed 's/^urn:acme:error://' || true)
# a rejected nonce: its value is quoted in the v1 detail, never on the page
FAKE_NONCE=pageNonceNotIssued0123456789
st=$(E2E_NONCE=$FAKE_NONCE hostile_post "$W/h-nonce" "$BRIDGE_URL/acme/reg/$ID3" reg '{}')
check_problem "POST with a nonce the bridge never issued is badNonce" "$W/h-nonce" 400 badNonce "$st"

# ---- the page in Chromium
cat >"$W/expect.json" <<-EOF
	{ "accounts": [
	    { "id": $ID1, "family": "dehydrated", "version": "0.7.0",
	      "names": ["page.example", "www.page.example"], "certs": 1 },
	    { "id": $ID2, "family": "dehydrated", "version": "0.7.0",
	      "names": ["page-two.example"], "certs": 1 } ],
	  "hostile": $(node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$HOSTILE"),
	  "hostile_account": $ID3,
	  "failure": { "account": $ID3, "type": "${BAD_TYPE:-malformed}" },
	  "min_requests": 10 }
EOF
rc=0
NODE_PATH="$NODE_DIR/node_modules" NODE_NO_WARNINGS=1 CHROMIUM=$CHROMIUM \
	timeout 120 node "$E2E_DIR/page_check.js" "$ADMIN/" "$W/expect.json" "$SHOT" \
	>"$W/chromium.out" 2>"$W/chromium.err" || rc=$?
node_results chromium "page_check.js exit status 0" "$rc" "$W/chromium.out" "$W/chromium.err"
if [ -s "$SHOT" ]; then
	echo "   screenshot: $SHOT"
	cp "$SHOT" "$W/migration-page.png"
fi

# The page as served: the hostile strings escaped, never raw.
http_req "$W/final" "$ADMIN/" >/dev/null
if grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;/9.9' "$W/final.body" && ! grep -qF '<script>alert' "$W/final.body" &&
	! grep -qF '<img' "$W/final.body"; then
	pass "served page: hostile User-Agent and name escaped"
else
	fail "served page: hostile User-Agent and name escaped" "raw markup or no escaped UA in $W/final.body"
fi
if grep -qF "$FAKE_NONCE" "$W/final.body"; then
	fail "served page: no nonce value" "$FAKE_NONCE in $W/final.body"
else
	pass "served page: no nonce value"
fi

bridge_stop
finish
