#!/usr/bin/env bash
# Several upstreams by path (issue 9 item 1): one bridge, the root "" on this
# script's Pebble A and "/staging" (agree_tos) on its Pebble B, each Pebble
# with its own random root. Checks: every URL of the /staging directory and
# of /staging's answers carries the prefix, the root's none; dehydrated gets
# a certificate from each, each chain verifies against its own Pebble's root
# only; one v1 key registers at both (two reg ids) and agree_tos is not
# inherited; an authorization or certificate URL of one upstream is 404 under
# the other prefix; an unknown prefix is a v1 404; /readyz, the metrics, the
# report and the migration page name both upstreams; account import --prefix
# looks the account up at that prefix's CA; after a restart on the same state
# dehydrated renews at /staging with its account; with one CA down /readyz is
# 503 naming it while the others serve (base_url links carry the prefix); and
# bad `upstreams` configurations fail --check-config naming the key.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin upstreams

need_tools dehydrated

# ---- two Pebbles of this script's own (never pebble_ensure's shared one).
# The bridge has one http-01 responder: B's VA fetches from A's HTTP01_PORT.
pebble_start "$W/pebble-a"
A_DIR=$PEBBLE_DIR_URL A_CA=$PEBBLE_CA A_MGMT=$PEBBLE_MGMT A_HTTP01=$HTTP01_PORT A_PID=$PEBBLE_PID
PEBBLE_HTTP_PORT=$A_HTTP01 pebble_start "$W/pebble-b"
B_DIR=$PEBBLE_DIR_URL B_CA=$PEBBLE_CA B_MGMT=$PEBBLE_MGMT B_PID=$PEBBLE_PID
# the bridge's root (bridge_start's --upstream/--upstream-ca) is A
export PEBBLE_DIR_URL=$A_DIR PEBBLE_CA=$A_CA PEBBLE_MGMT=$A_MGMT HTTP01_PORT=$A_HTTP01 \
	PEBBLE_WORKDIR=$W/pebble-a
mkdir -p "$W/roots-a" "$W/roots-b"
PEBBLE_CA=$A_CA PEBBLE_MGMT=$A_MGMT pebble_roots "$W/roots-a"
PEBBLE_CA=$B_CA PEBBLE_MGMT=$B_MGMT pebble_roots "$W/roots-b"
if [ "$A_DIR" != "$B_DIR" ] && ! cmp -s "$W/roots-a/root.pem" "$W/roots-b/root.pem"; then
	pass "two Pebbles with two different roots"
else
	fail "two Pebbles with two different roots" "$A_DIR / $B_DIR"
fi
R=$W/r
mkdir -p "$R"

# verifies NAME CERT ROOTS-DIR: CERT verifies against ROOTS-DIR's root and intermediate
verifies() {
	local out
	if out=$(openssl verify -CAfile "$3/root.pem" -untrusted "$3/intermediate.pem" "$2" 2>&1); then
		pass "$1"
	else
		fail "$1" "$(printf '%s' "$out" | tr '\n' ' ')"
	fi
}
# verifies_not NAME CERT CHAIN ROOTS-DIR: CERT with its own CHAIN does not
# verify against ROOTS-DIR's root (nor with ROOTS-DIR's intermediate)
verifies_not() {
	if openssl verify -CAfile "$4/root.pem" -untrusted "$3" "$2" >/dev/null 2>&1 ||
		openssl verify -CAfile "$4/root.pem" -untrusted "$4/intermediate.pem" "$2" >/dev/null 2>&1; then
		fail "$1" "$2 verifies against $4/root.pem"
	else
		pass "$1"
	fi
}
# urls_in FILE: every http(s) URL among the strings of the JSON in FILE
urls_in() {
	node -e '
		const fs = require("fs");
		let v;
		try { v = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { process.exit(0); }
		const walk = (x) => {
			if (typeof x === "string") { if (/^https?:\/\//i.test(x)) console.log(x); }
			else if (x && typeof x === "object") for (const k of Object.keys(x)) walk(x[k]);
		};
		walk(v);
	' "$1"
}
# resp_urls PREFIX: Location, every Link URL and the URLs of the JSON body of PREFIX.{hdr,body}
resp_urls() {
	hdr "$1.hdr" location 2>/dev/null || true
	hdrs "$1.hdr" link | tr ',' '\n' | sed -n 's/^ *<\([^>]*\)>.*/\1/p'
	urls_in "$1.body"
}
# all_under NAME BASE LIST: LIST (lines) is not empty and every line starts with BASE/
all_under() {
	local bad
	if [ -z "$3" ]; then fail "$1" "no URL at all"; return; fi
	bad=$(printf '%s\n' "$3" | awk -v b="$2/" 'index($0, b) != 1' | tr '\n' ' ')
	if [ -z "${bad// /}" ]; then pass "$1"; else fail "$1" "not under $2/: $bad"; fi
}
# none_staging NAME LIST: LIST is not empty, every line is the bridge's and none has /staging
none_staging() {
	local bad
	if [ -z "$2" ]; then fail "$1" "no URL at all"; return; fi
	bad=$(printf '%s\n' "$2" | awk -v b="$BRIDGE_URL/" -v s="$BRIDGE_URL/staging" \
		'index($0, b) != 1 || index($0, s) == 1' | tr '\n' ' ')
	if [ -z "${bad// /}" ]; then pass "$1"; else fail "$1" "$bad"; fi
}
# nonce_at BASE: a Replay-Nonce from HEAD BASE/directory
nonce_at() {
	curl -sI --max-time 30 "$1/directory" | tr -d '\r' |
		sed -n 's/^[Rr][Ee][Pp][Ll][Aa][Yy]-[Nn][Oo][Nn][Cc][Ee]: *//p' | head -n 1
}
# post BASE PREFIX URL KEY RESOURCE PAYLOAD: v1_post with a nonce of BASE's directory
post() {
	local base=$1; shift
	E2E_NONCE=$(nonce_at "$base") v1_post "$@"
}
reg_id() { { hdr "$1.hdr" location 2>/dev/null || true; } | sed -n 's|.*/acme/reg/\([^/]*\)$|\1|p'; }

# ---- the bridge: root A (flags), /staging B with agree_tos; root has no
# agree_tos (BRIDGE_NO_AGREE=1), and does not inherit /staging's
CONF=$W/bridge.json
(umask 077 && cat >"$CONF" <<-EOF
	{
	  "_comment": "test_upstreams.sh",
	  "upstreams": {
	    "": {"url": "$A_DIR"},
	    "/staging": {"url": "$B_DIR", "ca_file": "$B_CA", "agree_tos": true},
	    "_example": {"url": "https://ignored.example/directory"}
	  }
	}
EOF
)
assert_eq "config file mode 0600" 600 "$(stat -c %a "$CONF")"
export BRIDGE_NO_AGREE=1
bridge_start "$W/b" --config "$CONF" || finish
S=$BRIDGE_URL/staging

# ---- directories
st=$(http_req "$R.dir" "$BRIDGE_URL/directory")
assert_eq "GET /directory 200" 200 "$st"
none_staging "root directory: every URL is the bridge's, none under /staging" "$(urls_in "$R.dir.body")"
st=$(http_req "$R.sdir" "$S/directory")
assert_eq "GET /staging/directory 200" 200 "$st"
all_under "/staging directory: every URL starts with $S/" "$S" "$(urls_in "$R.sdir.body")"
assert_eq "/staging directory new-reg" "$S/acme/new-reg" "$(json_get "$R.sdir.body" new-reg 2>/dev/null || true)"
assert_match "/staging directory: terms under /staging" "^$S/" \
	"$(json_get "$R.sdir.body" meta terms-of-service 2>/dev/null || true)"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$S/terms" || true)
assert_match "GET /staging/terms answers 2xx/3xx" '^(2|3)[0-9][0-9]$' "$st"
assert_match "HEAD /staging/directory has a Replay-Nonce" '^[A-Za-z0-9_-]{16,}$' "$(nonce_at "$S")"

# ---- an unknown prefix
st=$(http_req "$R.nope" "$BRIDGE_URL/nope/directory")
check_problem "GET /nope/directory: 404 v1 problem" "$R.nope" 404 '[A-Za-z]+' "$st"
st=$(http_req "$R.nope2" "$BRIDGE_URL/nope/acme/authz/1")
check_problem "GET /nope/acme/authz/1: 404 v1 problem" "$R.nope2" 404 '[A-Za-z]+' "$st"

# ---- one v1 key at both prefixes: two registrations
K=$W/k.pem
new_rsa_key "$K"
st=$(post "$BRIDGE_URL" "$R.reg_root" "$BRIDGE_URL/acme/new-reg" "$K" new-reg '{}')
assert_eq "key K: new-reg at / 201" 201 "$st"
st=$(post "$S" "$R.reg_stg" "$S/acme/new-reg" "$K" new-reg '{}')
assert_eq "key K: new-reg at /staging 201 (not 409)" 201 "$st"
ID_ROOT=$(reg_id "$R.reg_root")
ID_STG=$(reg_id "$R.reg_stg")
if [ -n "$ID_ROOT" ] && [ -n "$ID_STG" ] && [ "$ID_ROOT" != "$ID_STG" ]; then
	pass "key K: two different reg ids ($ID_ROOT, $ID_STG)"
else
	fail "key K: two different reg ids" "root '$ID_ROOT', staging '$ID_STG'"
fi
all_under "key K: /staging new-reg Location and Links under /staging" "$S" "$(resp_urls "$R.reg_stg")"
none_staging "key K: / new-reg Location and Links not under /staging" "$(resp_urls "$R.reg_root")"
st=$(post "$S" "$R.reg_stg2" "$S/acme/new-reg" "$K" new-reg '{}')
assert_eq "key K: a second new-reg at /staging 409" 409 "$st"
assert_eq "key K: the 409 points at the /staging registration" "$S/acme/reg/$ID_STG" \
	"$(hdr "$R.reg_stg2.hdr" location 2>/dev/null || true)"

# /staging has agree_tos: K's new-authz there goes through without agreeing
st=$(post "$S" "$R.az_stg" "$S/acme/new-authz" "$K" new-authz \
	'{"identifier":{"type":"dns","value":"k1.example"}}')
assert_eq "key K: new-authz at /staging 201 (its agree_tos)" 201 "$st"
assert_eq "key K: /staging authz valid" valid "$(json_get "$R.az_stg.body" status 2>/dev/null || true)"
all_under "key K: /staging new-authz Location, Links, challenge URIs under /staging" "$S" "$(resp_urls "$R.az_stg")"
AZ_STG=$(hdr "$R.az_stg.hdr" location 2>/dev/null || true)
# the root has none and does not inherit /staging's
st=$(post "$BRIDGE_URL" "$R.az_root" "$BRIDGE_URL/acme/new-authz" "$K" new-authz \
	'{"identifier":{"type":"dns","value":"k2.example"}}')
check_problem "key K: new-authz at / refused (agree_tos not inherited)" "$R.az_root" 403 unauthorized "$st"
# K agrees at the root: then its root authorization
tos=$(json_get "$R.dir.body" meta terms-of-service 2>/dev/null || true)
st=$(post "$BRIDGE_URL" "$R.agree" "$BRIDGE_URL/acme/reg/$ID_ROOT" "$K" reg "{\"agreement\":\"$tos\"}")
assert_eq "key K: agrees at / (POST reg 202)" 202 "$st"
st=$(post "$BRIDGE_URL" "$R.az_root2" "$BRIDGE_URL/acme/new-authz" "$K" new-authz \
	'{"identifier":{"type":"dns","value":"k2.example"}}')
assert_eq "key K: new-authz at / 201 after agreeing" 201 "$st"
none_staging "key K: / new-authz URLs not under /staging" "$(resp_urls "$R.az_root2")"
AZ_ROOT=$(hdr "$R.az_root2.hdr" location 2>/dev/null || true)

# ---- an upstream's URLs are 404 under the other prefix
case "$AZ_STG" in
	"$S/acme/authz/"*)
		st=$(http_req "$R.g_az_stg" "$AZ_STG")
		assert_eq "GET the /staging authz URL 200" 200 "$st"
		st=$(http_req "$R.g_az_x" "$BRIDGE_URL${AZ_STG#"$S"}")
		check_problem "GET the /staging authz under / -> 404" "$R.g_az_x" 404 malformed "$st" ;;
	*) fail "/staging authz Location under /staging" "'$AZ_STG'" ;;
esac
case "$AZ_ROOT" in
	"$BRIDGE_URL/acme/authz/"*)
		st=$(http_req "$R.g_az_y" "$S${AZ_ROOT#"$BRIDGE_URL"}")
		check_problem "GET the / authz under /staging -> 404" "$R.g_az_y" 404 malformed "$st" ;;
	*) fail "/ authz Location" "'$AZ_ROOT'" ;;
esac
st=$(post "$S" "$R.cert_stg" "$S/acme/new-cert" "$K" new-cert \
	"{\"csr\":\"$(mkdir -p "$R.csr" && make_csr "$R.csr" k1.example && b64url_file "$R.csr/csr.der")\"}")
assert_eq "key K: new-cert at /staging 201" 201 "$st"
all_under "key K: /staging new-cert Location and Links under /staging" "$S" "$(resp_urls "$R.cert_stg")"
CERT_STG=$(hdr "$R.cert_stg.hdr" location 2>/dev/null || true)
if [ "$st" = 201 ]; then
	openssl x509 -inform DER -in "$R.cert_stg.body" -out "$R.cert_stg.pem" 2>/dev/null
	verifies "key K: /staging certificate verifies against B's root" "$R.cert_stg.pem" "$W/roots-b"
	verifies_not "key K: /staging certificate does not verify against A's root" "$R.cert_stg.pem" \
		"$W/roots-b/intermediate.pem" "$W/roots-a"
	# its issuer-cert (Link rel="up", under /staging) is B's intermediate
	up_url=$(link_rel "$R.cert_stg.hdr" up)
	assert_match "key K: /staging new-cert Link up under /staging" "^$S/" "$up_url"
	st=$(http_req "$R.issuer_stg" "$up_url")
	assert_eq "key K: GET the /staging issuer-cert 200" 200 "$st"
	openssl x509 -inform DER -in "$R.issuer_stg.body" -out "$R.issuer_stg.pem" 2>/dev/null ||
		openssl x509 -in "$R.issuer_stg.body" -out "$R.issuer_stg.pem" 2>/dev/null || true
	if out=$(openssl verify -CAfile "$W/roots-b/root.pem" -untrusted "$R.issuer_stg.pem" "$R.cert_stg.pem" 2>&1); then
		pass "key K: the /staging certificate with its issuer-cert verifies against B's root"
	else
		fail "key K: the /staging certificate with its issuer-cert verifies against B's root" "$(printf '%s' "$out" | tr '\n' ' ')"
	fi
fi
case "$CERT_STG" in
	"$S/acme/cert/"*)
		st=$(http_req "$R.g_c_stg" "$CERT_STG")
		assert_eq "GET the /staging cert URL 200" 200 "$st"
		st=$(http_req "$R.g_c_x" "$BRIDGE_URL${CERT_STG#"$S"}")
		check_problem "GET the /staging cert under / -> 404" "$R.g_c_x" 404 malformed "$st" ;;
	*) fail "/staging cert Location under /staging" "'$CERT_STG'" ;;
esac

# ---- dehydrated at each prefix
DA=$W/dh-root DB=$W/dh-staging
dh_config "$DA" "CA=\"$BRIDGE_URL/directory\""
dh_config "$DB" "CA=\"$S/directory\""
dh register-root "$DA" --register --accept-terms
dh issue-root "$DA" --cron --domain root.upstreams.example
dh register-staging "$DB" --register --accept-terms
dh issue-staging "$DB" --cron --domain staging.upstreams.example
CA_=$DA/certs/root.upstreams.example CB_=$DB/certs/staging.upstreams.example
if [ -s "$CA_/cert.pem" ]; then
	verifies "dehydrated /: chain verifies against A's root" "$CA_/cert.pem" "$W/roots-a"
	verifies_not "dehydrated /: chain does not verify against B's root" "$CA_/cert.pem" "$CA_/chain.pem" "$W/roots-b"
	assert_eq "dehydrated /: SANs" root.upstreams.example "$(cert_sans "$CA_/cert.pem")"
else
	fail "dehydrated /: cert.pem exists" "missing $CA_/cert.pem"
fi
if [ -s "$CB_/cert.pem" ]; then
	verifies "dehydrated /staging: chain verifies against B's root" "$CB_/cert.pem" "$W/roots-b"
	verifies_not "dehydrated /staging: chain does not verify against A's root" "$CB_/cert.pem" "$CB_/chain.pem" "$W/roots-a"
	assert_eq "dehydrated /staging: SANs" staging.upstreams.example "$(cert_sans "$CB_/cert.pem")"
	STG_SERIAL=$(openssl x509 -in "$CB_/cert.pem" -noout -serial 2>/dev/null)
else
	fail "dehydrated /staging: cert.pem exists" "missing $CB_/cert.pem"
	STG_SERIAL=""
fi

# ---- /readyz and the metrics: both upstreams
st=$(http_req "$R.rz" "$BRIDGE_ADMIN_URL/readyz")
assert_eq "/readyz 200 (both ready)" 200 "$st"
out=$(node -e '
	const fs = require("fs");
	const [file, a, b] = process.argv.slice(1);
	let j; try { j = JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { console.log("not JSON"); process.exit(0); }
	const bad = [];
	if (j.ready !== true) bad.push(`ready ${j.ready}`);
	const u = j.upstreams || [];
	if (u.length !== 2) bad.push(`${u.length} upstreams`);
	for (const [name, url] of [["/", a], ["/staging", b]]) {
		const e = u.find((x) => x.name === name);
		if (!e) { bad.push(`no upstream named ${name}`); continue; }
		if (e.url !== url) bad.push(`${name} url ${e.url}`);
		if (e.directory !== "loaded") bad.push(`${name} directory ${e.directory}`);
	}
	console.log(bad.length ? bad.join("; ") : "ok");
' "$R.rz.body" "$A_DIR" "$B_DIR" 2>&1)
assert_eq "/readyz lists / (A) and /staging (B), both loaded" ok "$out"
curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" >"$R.metrics" || true
up=$(grep '^acme_bridge_upstream_up{' "$R.metrics" || true)
assert_eq "metrics: two acme_bridge_upstream_up lines" 2 "$(printf '%s\n' "$up" | grep -c '^acme_bridge_upstream_up{' || true)"
assert_eq "metrics: upstream_up 1 for / (A)" 1 \
	"$(printf '%s\n' "$up" | grep -F 'upstream="/"' | grep -F "url=\"$A_DIR\"" | grep -c ' 1$' || true)"
assert_eq "metrics: upstream_up 1 for /staging (B)" 1 \
	"$(printf '%s\n' "$up" | grep -F 'upstream="/staging"' | grep -F "url=\"$B_DIR\"" | grep -c ' 1$' || true)"

# ---- the report and the migration page: the /staging client with its upstream
bridge_flush
"$BRIDGE_BIN" report --state "$BRIDGE_STATE" >"$R.report.txt" 2>"$R.report.err" &&
	pass "report: exit 0" || fail "report: exit 0" "$(cat "$R.report.err")"
sed 's/^/    | /' "$R.report.txt"
assert_match "report: an UPSTREAM column" '(^| )UPSTREAM( |$)' "$(head -n 1 "$R.report.txt")"
assert_match "report: dehydrated's /staging row shows /staging" '(^| )/staging( |$)' \
	"$(grep 'staging\.upstreams\.example' "$R.report.txt" || true)"
assert_match "report: dehydrated's / row shows /" '(^| )/( |$)' \
	"$(grep 'root\.upstreams\.example' "$R.report.txt" || true)"
"$BRIDGE_BIN" report --state "$BRIDGE_STATE" --json >"$R.report.json" 2>/dev/null || true
out=$(node -e '
	const fs = require("fs");
	let j; try { j = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { console.log("not JSON"); process.exit(0); }
	const c = j.clients || [];
	const has = (n) => c.filter((x) => (x.names || []).includes(n)).map((x) => x.upstream);
	const s = has("staging.upstreams.example"), r = has("root.upstreams.example");
	console.log(JSON.stringify(s) === "[\"/staging\"]" && JSON.stringify(r) === "[\"/\"]" ? "ok" :
		`staging client upstream ${JSON.stringify(s)}, root client ${JSON.stringify(r)}`);
' "$R.report.json" 2>&1)
assert_eq "report --json: upstream of the /staging and / dehydrated clients" ok "$out"
st=$(http_req "$R.page" "$BRIDGE_ADMIN_URL/")
assert_eq "migration page 200" 200 "$st"
if grep -q '<td[^>]*>/staging</td>' "$R.page.body"; then pass "migration page: a cell /staging"; else
	fail "migration page: a cell /staging" "no <td>/staging</td> in $R.page.body"; fi
if grep -q '<th[^>]*>Upstream</th>' "$R.page.body"; then pass "migration page: an Upstream column"; else
	fail "migration page: an Upstream column" "no <th>Upstream</th> in $R.page.body"; fi

# ---- the access log names each request's upstream by its prefix
assert_eq "access log: /staging new-cert lines say upstream_name /staging" ok \
	"$(grep -F '"path":"/staging/acme/new-cert"' "$BRIDGE_LOG" | grep -qF '"upstream_name":"/staging"' && echo ok || echo none)"
assert_eq "access log: root new-cert lines say upstream_name /" ok \
	"$(grep -F '"path":"/acme/new-cert"' "$BRIDGE_LOG" | grep -qF '"upstream_name":"/"' && echo ok || echo none)"
assert_eq "access log: no /staging line names the root" 0 \
	"$(grep -F '"path":"/staging/' "$BRIDGE_LOG" | grep -cF '"upstream_name":"/"' || true)"

# ---- account import --prefix: the prefix picks the CA the account is looked up at
KI=$W/ki.pem
new_rsa_key "$KI"
chmod 600 "$KI"
acct=$(node "$E2E_DIR/v2_register.js" "$B_DIR" "$B_CA" "$KI" 2>"$R.v2reg.err" || true)
assert_match "import: an account for key KI made directly at B" "^https://127\.0\.0\.1:" "$acct"
imp() { # imp OUT [flags]: account import of KI into the running bridge's state; status in OUT.rc
	local out=$1 rc=0; shift
	"$BRIDGE_BIN" account import --key "$KI" --config "$CONF" --state "$BRIDGE_STATE" \
		--upstream "$A_DIR" --upstream-ca "$A_CA" "$@" >"$out.out" 2>"$out.err" || rc=$?
	echo "$rc" >"$out.rc"
}
imp "$R.imp_root"
if [ "$(cat "$R.imp_root.rc")" = 1 ] && grep -q "no account for this key at the CA $A_DIR" "$R.imp_root.err"; then
	pass "import without --prefix: looked up at A (the root), none there (exit 1)"
else
	fail "import without --prefix: looked up at A (the root), none there (exit 1)" \
		"status $(cat "$R.imp_root.rc"): $(head -c 300 "$R.imp_root.err" "$R.imp_root.out" | tr '\n' ' ')"
fi
imp "$R.imp_nope" --prefix /nope
if [ "$(cat "$R.imp_nope.rc")" != 0 ] && grep -q '/staging' "$R.imp_nope.err"; then
	pass "import --prefix /nope: refused, naming the prefixes there are"
else
	fail "import --prefix /nope: refused, naming the prefixes there are" \
		"status $(cat "$R.imp_nope.rc"): $(head -c 300 "$R.imp_nope.err" | tr '\n' ' ')"
fi
imp "$R.imp_stg" --prefix /staging
assert_eq "import --prefix /staging: exit 0" 0 "$(cat "$R.imp_stg.rc")"
assert_match "import --prefix /staging: found at B" "upstream account: $acct" "$(cat "$R.imp_stg.out")"
st=$(post "$S" "$R.ki_reg" "$S/acme/new-reg" "$KI" new-reg '{}')
assert_eq "imported key: new-reg at /staging 409 (the imported account)" 409 "$st"
st=$(post "$S" "$R.ki_az" "$S/acme/new-authz" "$KI" new-authz '{"identifier":{"type":"dns","value":"ki.upstreams.example"}}')
assert_eq "imported key: new-authz at /staging 201" 201 "$st"
st=$(post "$BRIDGE_URL" "$R.ki_reg_root" "$BRIDGE_URL/acme/new-reg" "$KI" new-reg '{}')
assert_eq "imported key: new-reg at / 201 (not imported there)" 201 "$st"

# ---- restart on the same state: dehydrated renews at /staging with its account
bridge_stop
bridge_start "$W/b" --config "$CONF" || finish
dh renew-staging "$DB" --cron --force --domain staging.upstreams.example
if grep -Eqi 'Registering account|Generating account key' "$DB/renew-staging.log"; then
	fail "dehydrated /staging renew: no new registration" "$(grep -Ei 'Registering account|Generating account key' "$DB/renew-staging.log" | head -n 3 | tr '\n' ' ')"
else
	pass "dehydrated /staging renew: no new registration"
fi
if [ -s "$CB_/cert.pem" ]; then
	new_serial=$(openssl x509 -in "$CB_/cert.pem" -noout -serial 2>/dev/null)
	if [ -n "$STG_SERIAL" ] && [ "$new_serial" != "$STG_SERIAL" ]; then
		pass "after restart: a new /staging certificate"
	else
		fail "after restart: a new /staging certificate" "serial '$new_serial' (was '$STG_SERIAL')"
	fi
	verifies "after restart: the new /staging chain verifies against B's root" "$CB_/cert.pem" "$W/roots-b"
	verifies_not "after restart: the new /staging chain does not verify against A's root" "$CB_/cert.pem" \
		"$CB_/chain.pem" "$W/roots-a"
fi
st=$(post "$S" "$R.reg_stg3" "$S/acme/new-reg" "$K" new-reg '{}')
assert_eq "after restart: key K's /staging registration is still there (409)" 409 "$st"
assert_eq "after restart: ... with the same id" "$S/acme/reg/$ID_STG" "$(hdr "$R.reg_stg3.hdr" location 2>/dev/null || true)"
st=$(post "$BRIDGE_URL" "$R.reg_root3" "$BRIDGE_URL/acme/new-reg" "$K" new-reg '{}')
assert_eq "after restart: key K's / registration is still there (409, same id)" "409 $BRIDGE_URL/acme/reg/$ID_ROOT" \
	"$st $(hdr "$R.reg_root3.hdr" location 2>/dev/null || true)"
if [ -n "$CERT_STG" ]; then
	st=$(http_req "$R.g_c_stg2" "$CERT_STG")
	assert_eq "after restart: the /staging cert URL 200" 200 "$st"
	st=$(http_req "$R.g_c_x2" "$BRIDGE_URL${CERT_STG#"$S"}")
	check_problem "after restart: the /staging cert under / -> 404" "$R.g_c_x2" 404 malformed "$st"
fi
bridge_stop

# ---- one CA down: /readyz 503 naming it, the others still serve (and
# base_url: the links are base_url plus the prefix)
unset BRIDGE_PORT BRIDGE_STATE
DEAD=https://127.0.0.1:$(free_port)/dir
(umask 077 && printf '{"base_url": "https://bridge.example.org/v1", "upstreams": {"/staging": {"url": "%s", "ca_file": "%s", "agree_tos": true}, "/dead": {"url": "%s", "agree_tos": true}}}\n' \
	"$B_DIR" "$B_CA" "$DEAD" >"$W/iso.json")
bridge_start "$W/iso" --config "$W/iso.json" || finish
S=$BRIDGE_URL/staging
wait_for 10 bash -c "curl -s '$BRIDGE_ADMIN_URL/metrics' | grep -q '^acme_bridge_upstream_up{.*upstream=\"/staging\".*} 1'"
st=$(http_req "$R.rz_iso" "$BRIDGE_ADMIN_URL/readyz")
assert_eq "one CA down: /readyz 503" 503 "$st"
out=$(node -e '
	const fs = require("fs");
	let j; try { j = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { console.log("not JSON"); process.exit(0); }
	const u = j.upstreams || [], by = (n) => u.find((x) => x.name === n) || {};
	const got = ["/", "/staging", "/dead"].map((n) => `${n}=${by(n).directory}`).join(" ");
	console.log(j.ready === false && got === "/=loaded /staging=loaded /dead=not loaded" ? "ok" : `ready ${j.ready}: ${got}`);
' "$R.rz_iso.body" 2>&1)
assert_eq "one CA down: /readyz says which (/dead not loaded, / and /staging loaded)" ok "$out"
up=$(curl -s --max-time 10 "$BRIDGE_ADMIN_URL/metrics" | grep '^acme_bridge_upstream_up{' || true)
assert_eq "one CA down: upstream_up 0 for /dead" 1 \
	"$(printf '%s\n' "$up" | grep -F 'upstream="/dead"' | grep -F "url=\"$DEAD\"" | grep -c ' 0$' || true)"
assert_eq "one CA down: upstream_up 1 for / and /staging" 2 "$(printf '%s\n' "$up" | grep -c ' 1$' || true)"
K3=$W/k3.pem
new_rsa_key "$K3"
st=$(post "$S" "$R.iso_reg" "$S/acme/new-reg" "$K3" new-reg '{}')
assert_eq "one CA down: new-reg at /staging 201" 201 "$st"
st=$(post "$S" "$R.iso_az" "$S/acme/new-authz" "$K3" new-authz '{"identifier":{"type":"dns","value":"iso.upstreams.example"}}')
assert_eq "one CA down: new-authz at /staging 201" 201 "$st"
assert_match "base_url: the /staging authz Location is base_url/staging/..." '^https://bridge\.example\.org/v1/staging/acme/authz/' \
	"$(hdr "$R.iso_az.hdr" location 2>/dev/null || true)"
all_under "base_url: every URL of the /staging directory under base_url/staging" "https://bridge.example.org/v1/staging" \
	"$(curl -s --max-time 10 "$S/directory" | urls_in /dev/stdin)"
D3=$BRIDGE_URL/dead
st=$(post "$D3" "$R.iso_reg_d" "$D3/acme/new-reg" "$K3" new-reg '{}')
assert_eq "one CA down: new-reg at /dead 201 (the bridge's own record)" 201 "$st"
st=$(post "$D3" "$R.iso_az_d" "$D3/acme/new-authz" "$K3" new-authz '{"identifier":{"type":"dns","value":"dead.upstreams.example"}}')
check_problem "one CA down: new-authz at /dead 503 serverInternal" "$R.iso_az_d" 503 serverInternal "$st"
assert_match "one CA down: ... with a Retry-After" '^[0-9]+$' "$(hdr "$R.iso_az_d.hdr" retry-after 2>/dev/null || true)"
bridge_stop

# ---- configuration errors: --check-config exits non-zero naming `upstreams`
P1=$(free_port)
# cfg NAME UPSTREAMS-OR-EXTRA: a file with free listen address, no admin/http-01 listener
cfg() {
	(umask 077 && cat >"$W/cfg-$1.json" <<-EOF
		{
		  "listen": "127.0.0.1:$P1", "admin_listen": "", "http01_listen": "",
		  "state": "$W/cfg-$1.db",
		  $2
		}
	EOF
	)
	echo "$W/cfg-$1.json"
}
good=$(cfg good "\"upstreams\": {\"\": {\"url\": \"$A_DIR\", \"ca_file\": \"$A_CA\"},
	\"/staging\": {\"url\": \"$B_DIR\", \"ca_file\": \"$B_CA\", \"agree_tos\": true,
	  \"eab_kid\": \"kid-1\", \"eab_hmac_key\": \"zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W\",
	  \"accounts\": {\"mode\": \"shared\", \"groups\": [{\"name\": \"all\", \"match\": {\"addresses\": [\"127.0.0.0/8\"]}}]}},
	\"/le-prod.2\": {\"url\": \"$A_DIR\", \"ca_file\": \"$A_CA\"},
	\"_note\": \"ignored\"}")
rc=0
out=$("$BRIDGE_BIN" --check-config --config "$good" 2>&1) || rc=$?
if [ "$rc" -eq 0 ]; then pass "--check-config: a good upstreams file is OK"; else
	fail "--check-config: a good upstreams file is OK" "status $rc: $(printf '%s' "$out" | tr '\n' ' ')"; fi
NBAD=0
bad_case() { # bad_case NAME BODY: the message names upstreams (the file's own path aside)
	local f rc=0 out
	NBAD=$((NBAD + 1))
	f=$(cfg "bad$NBAD" "$2")
	out=$("$BRIDGE_BIN" --check-config --config "$f" 2>&1) || rc=$?
	out=${out//"$f"/FILE}
	if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "upstreams"; then
		pass "--check-config refuses $1 (status $rc, names upstreams)"
	else
		fail "--check-config refuses $1 (status $rc, names upstreams)" "status $rc: $(printf '%s' "$out" | tr '\n' ' ')"
	fi
}
bad_case "prefix /a/b" "\"upstreams\": {\"\": {\"url\": \"$A_DIR\"}, \"/a/b\": {\"url\": \"$B_DIR\"}}"
bad_case "prefix staging (no slash)" "\"upstreams\": {\"\": {\"url\": \"$A_DIR\"}, \"staging\": {\"url\": \"$B_DIR\"}}"
bad_case "prefix /acme" "\"upstreams\": {\"\": {\"url\": \"$A_DIR\"}, \"/acme\": {\"url\": \"$B_DIR\"}}"
bad_case "prefix /Staging (upper case)" "\"upstreams\": {\"/Staging\": {\"url\": \"$B_DIR\"}}"
bad_case "an entry without url" "\"upstreams\": {\"/staging\": {\"agree_tos\": true}}"
bad_case "upstreams[\"\"] with top-level upstream" \
	"\"upstream\": \"$A_DIR\", \"upstreams\": {\"\": {\"url\": \"$A_DIR\"}}"
many=""
for i in $(seq 1 17); do many="$many\"/u$i\": {\"url\": \"$B_DIR\"},"; done
bad_case "upstreams[\"\"] with top-level agree_tos" \
	"\"agree_tos\": true, \"upstreams\": {\"\": {\"url\": \"$A_DIR\"}}"
bad_case "an unknown member in an entry" "\"upstreams\": {\"/staging\": {\"url\": \"$B_DIR\", \"urll\": 1}}"
bad_case "17 upstreams" "\"upstreams\": {${many%,}}"

alive() { if kill -0 "$2" 2>/dev/null; then pass "$1"; else fail "$1" "pid $2 gone"; fi; }
alive "Pebble A still running" "$A_PID"
alive "Pebble B still running" "$B_PID"

finish
