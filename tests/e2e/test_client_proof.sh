#!/usr/bin/env bash
# authz_mode "client-proof": new-authz answers "pending" with the bridge's own
# token and nothing upstream; the challenge POST makes the bridge check the
# client's own provisioning as Boulder's VA did (http-01: GET
# http://NAME:proof_http_port/.well-known/acme-challenge/TOKEN from the
# address pebble-challtestsrv gives for NAME; dns-01: TXT at
# _acme-challenge.NAME from challtestsrv), and only then solve upstream.
#  (1) dehydrated 0.7.0 (API=1, http-01) writes its file into the directory a
#      small static server serves: "1 pending challenge(s)", the bridge's GET
#      in the access log, a certificate that verifies;
#  (2) wrong file content -> 202 invalid, detail names the URL and what was
#      found; authz invalid; new-cert 403;  (3) no file -> invalid, 404;
#  (4) dns-01 by hand: right TXT -> valid (+ a certificate), wrong TXT ->
#      invalid naming the TXT found, no TXT -> invalid;
#  (5) static server down -> connection problem;  (6) a resolver that never
#      answers: dns problem after proof_timeout_ms, and a SIGTERM while a
#      check waits on DNS answers 503 at once and exits cleanly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin clientproof

need_tools dehydrated sqlite3
pebble_ensure "$W"
# a Pebble from before CHALLTESTSRV_DNS was exported: start our own
if [ -z "${CHALLTESTSRV_DNS:-}" ] || [ -z "${CHALLTESTSRV_MGMT:-}" ]; then
	pebble_start "$W/pebble"
fi
pebble_roots "$W"

# ---- the static file server standing in for the names' port-80 web server
WWW=$W/www
WK=$WWW/.well-known/acme-challenge
ACCESS=$W/access.log
mkdir -p "$WK"
: >"$ACCESS"
SPORT=$(free_port)
start_static() {
	node "$E2E_DIR/static_server.js" --dir "$WWW" --port "$SPORT" --log "$ACCESS" >>"$W/static.out" 2>&1 &
	STATIC_PID=$!
	E2E_PIDS+=("$STATIC_PID")
	wait_for 15 curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SPORT/" ||
		die "static server did not start (see $W/static.out)"
}
start_static

# The names resolve to 127.0.0.1 (the static server): loopback is refused by
# default (issue 8 item 5), so this config allows it explicitly.
cat >"$W/proof.json" <<-EOF
	{"authz_mode": "client-proof", "proof_http_port": $SPORT,
	 "proof_resolver": "$CHALLTESTSRV_DNS", "proof_timeout_ms": 4000,
	 "proof_allow_networks": ["127.0.0.0/8"]}
EOF
bridge_start "$W/b" --config "$W/proof.json" || finish

R=$W/r
verify_leaf() { cert_verifies "$1: verifies against Pebble's root" "$2"; } # NAME PEM
sql() { sqlite3 "$BRIDGE_STATE" "$1" 2>&1; }
status_of() { json_get "$1" status 2>/dev/null || echo "?"; }
# chall FILE IDX KEY: a member of challenge IDX of an authz body
chall() { json_get "$1" challenges "$2" "$3" 2>/dev/null || true; }
contains() { # contains NAME HAYSTACK NEEDLE
	case "$2" in
		*"$3"*) pass "$1" ;;
		*) fail "$1" "'$3' not in '$2'" ;;
	esac
}
b64url_sha256() { printf '%s' "$1" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '='; }
set_txt() { # set_txt HOST VALUE
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
		-d "{\"host\":\"$1.\",\"value\":\"$2\"}" "$CHALLTESTSRV_MGMT/set-txt" || true
}
clear_txt() {
	curl -s -o /dev/null --max-time 10 -X POST -d "{\"host\":\"$1.\"}" "$CHALLTESTSRV_MGMT/clear-txt" || true
}

# =========================================================== (1) dehydrated
D=$W/dh
dh_config "$D" "WELLKNOWN=\"$WK\"" RENEW_DAYS=30 # the static server's directory
dh register "$D" --register --accept-terms
name=proof-dh.example
t0=$SECONDS
dh "$name" "$D" -c -d "$name"
echo "   (dehydrated $name: $((SECONDS - t0)) s)"
grep -q '+ 1 pending challenge(s)' "$D/$name.log" &&
	pass "dehydrated: new-authz answered pending ('1 pending challenge(s)')" ||
	fail "dehydrated: new-authz answered pending" "not in $D/$name.log"
grep -q '+ Challenge is valid!' "$D/$name.log" &&
	pass "dehydrated: 'Challenge is valid!'" ||
	fail "dehydrated: 'Challenge is valid!'" "not in $D/$name.log"
dh_cert_check "$D" "$name" "$name" "dehydrated $name: verifies against Pebble's root"
dh_token=$(sql "select token from authzs where name='$name' order by id desc limit 1")
assert_match "dehydrated authz has a bridge token" '^[A-Za-z0-9_-]{40,}$' "$dh_token"
grep -Eq " GET /\.well-known/acme-challenge/$dh_token 200 [0-9]+ host=$name:$SPORT\$" "$ACCESS" &&
	pass "static server log: the bridge fetched GET /.well-known/acme-challenge/<token> (200, Host $name:$SPORT)" ||
	fail "static server log: GET /.well-known/acme-challenge/$dh_token" "$(tr '\n' '|' <"$ACCESS")"
grep -Eq "client-proof: authz [0-9]+ \($name, http-01\): proven after" "$BRIDGE_LOG" &&
	pass "bridge log: client proof for $name proven" ||
	fail "bridge log: client proof for $name proven" "not in $BRIDGE_LOG"

# dehydrated again, its own provisioning sabotaged by its deploy hook: the
# bridge's check must fail the challenge, and dehydrated must stop.
#   garbage: the token file holds the wrong text; remove: there is no file
for mode in garbage remove; do
	cat >"$D/hook-$mode.sh" <<-EOF
		#!/bin/sh
		# dehydrated hook: deploy_challenge DOMAIN TOKEN_FILENAME TOKEN_VALUE
		[ "\$1" = deploy_challenge ] || exit 0
		if [ "$mode" = garbage ]; then
			printf 'not-the-key-authorization' >"$WK/\$3"
		else
			rm -f "$WK/\$3"
		fi
	EOF
	chmod +x "$D/hook-$mode.sh"
	cp "$D/config" "$D/config-$mode"
	echo "HOOK=$D/hook-$mode.sh" >>"$D/config-$mode"
	bad=proof-dh-$mode.example
	rc=0
	timeout 120 dehydrated --config "$D/config-$mode" -c -d "$bad" >"$D/$bad.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && ! grep -q 'Challenge is valid' "$D/$bad.log"; then
		pass "dehydrated, $mode file: the challenge fails and dehydrated stops (exit $rc)"
	else
		fail "dehydrated, $mode file: the challenge fails" "exit $rc; $(tail -n 5 "$D/$bad.log" | tr '\n' '|')"
	fi
	[ ! -e "$D/certs/$bad/cert.pem" ] &&
		pass "dehydrated, $mode file: no certificate" ||
		fail "dehydrated, $mode file: no certificate" "$D/certs/$bad/cert.pem exists"
	assert_eq "dehydrated, $mode file: the v1 authorization is invalid" invalid \
		"$(sql "select status from authzs where name='$bad' order by id desc limit 1")"
	assert_eq "dehydrated, $mode file: nothing was asked upstream" "" \
		"$(sql "select coalesce(v2_authz_url, '') from authzs where name='$bad' order by id desc limit 1")"
	if [ "$mode" = garbage ]; then want='did not match'; else want=': 404'; fi
	grep -q "$want" "$D/$bad.log" &&
		pass "dehydrated, $mode file: it shows the bridge's error ('$want')" ||
		fail "dehydrated, $mode file: it shows the bridge's error" "no '$want' in $D/$bad.log"
done

# ============================================================ by hand (jws.js)
KEY=$W/account.pem
new_account "$R.reg" "$KEY" "new-reg 201"
thumb=$(node "$E2E_DIR/jws.js" --key "$KEY" --thumbprint)

# new_authz TAG NAME: new-authz; sets AZ_URL TOKEN (and checks pending, no upstream)
new_authz() {
	local tag=$1 n=$2 id
	st=$(v1_post "$R.az$tag" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
		"{\"identifier\":{\"type\":\"dns\",\"value\":\"$n\"}}")
	assert_eq "$n: new-authz 201" 201 "$st"
	assert_eq "$n: new-authz status pending" pending "$(status_of "$R.az$tag.body")"
	AZ_URL=$(hdr "$R.az$tag.hdr" location || true)
	TOKEN=$(chall "$R.az$tag.body" 0 token)
	id=${AZ_URL##*/}
	assert_eq "$n: nothing upstream yet (no v2 authorization stored)" "1|$TOKEN" \
		"$(sql "select v2_authz_url is null, token from authzs where public_id='$id'")"
}
# post_chall TAG IDX: POST challenge IDX of the authz of new_authz TAG
post_chall() {
	local tag=$1 idx=$2 url
	url=$(chall "$R.az$tag.body" "$idx" uri)
	st=$(v1_post "$R.ch$tag" "$url" "$KEY" challenge "{\"keyAuthorization\":\"$TOKEN.$thumb\"}")
}
# invalid_checks TAG NAME TYPE: the challenge answer and the authz are invalid with TYPE
invalid_checks() {
	local tag=$1 n=$2 type=$3
	assert_eq "$n: challenge POST 202" 202 "$st"
	assert_eq "$n: challenge status invalid" invalid "$(status_of "$R.ch$tag.body")"
	assert_eq "$n: error type" "urn:acme:error:$type" "$(json_get "$R.ch$tag.body" error type 2>/dev/null || true)"
	DETAIL=$(json_get "$R.ch$tag.body" error detail 2>/dev/null || true)
	http_req "$R.get$tag" "$AZ_URL" >/dev/null
	assert_eq "$n: GET authz status invalid" invalid "$(status_of "$R.get$tag.body")"
}

# ================================================ (2) wrong file content
n=proof-bad.example
new_authz bad "$n"
printf '%s.%s\n' "$TOKEN" "not-the-thumbprint" >"$WK/$TOKEN"
post_chall bad 0
invalid_checks bad "$n" unauthorized
contains "$n: detail names the URL fetched" "$DETAIL" "http://$n:$SPORT/.well-known/acme-challenge/$TOKEN"
contains "$n: detail says the file did not match" "$DETAIL" "did not match this challenge"
contains "$n: detail shows what was found" "$DETAIL" "got \"$TOKEN.not-the-thumbprint\""
contains "$n: detail shows what was expected" "$DETAIL" "expected \"$TOKEN.$thumb\""
mkdir -p "$W/csr-bad"
make_csr "$W/csr-bad" "$n"
st=$(v1_post "$R.certbad" "$BRIDGE_URL/acme/new-cert" "$KEY" new-cert "{\"csr\":\"$(b64url_file "$W/csr-bad/csr.der")\"}")
check_problem "$n: new-cert -> 403 unauthorized" "$R.certbad" 403 unauthorized "$st"
fetches=$(grep -c "/acme-challenge/$TOKEN " "$ACCESS" || true)
st=$(v1_post "$R.chbad2" "$(chall "$R.azbad.body" 0 uri)" "$KEY" challenge "{\"keyAuthorization\":\"$TOKEN.$thumb\"}")
assert_eq "$n: a second challenge POST stays invalid" invalid "$(status_of "$R.chbad2.body")"
assert_eq "$n: ... without fetching again" "$fetches" "$(grep -c "/acme-challenge/$TOKEN " "$ACCESS" || true)"
rm -f "$WK/$TOKEN"

# ======================================================== (3) no file at all
n=proof-none.example
new_authz none "$n"
post_chall none 0
invalid_checks none "$n" unauthorized
assert_eq "$n: detail" "Invalid response from http://$n:$SPORT/.well-known/acme-challenge/$TOKEN: 404" "$DETAIL"
grep -Eq " GET /\.well-known/acme-challenge/$TOKEN 404 " "$ACCESS" &&
	pass "$n: static server log shows the 404 GET" ||
	fail "$n: static server log shows the 404 GET" "$(tail -n 3 "$ACCESS" | tr '\n' '|')"

# ====== trailing whitespace is trimmed (as Boulder did); a large file is refused
n=proof-crlf.example
new_authz crlf "$n"
printf '%s.%s\r\n\t \n' "$TOKEN" "$thumb" >"$WK/$TOKEN"
post_chall crlf 0
assert_eq "$n: challenge POST 202" 202 "$st"
assert_match "$n: key authorization + CRLF, tab, space -> accepted" '^(valid|pending)$' "$(status_of "$R.chcrlf.body")"
rm -f "$WK/$TOKEN"

n=proof-big.example
new_authz big "$n"
{ printf '%s.%s' "$TOKEN" "$thumb"; head -c 10000 /dev/zero | tr '\0' ' '; printf 'x'; } >"$WK/$TOKEN"
post_chall big 0
invalid_checks big "$n" unauthorized
assert_eq "$n: detail" "Invalid response from http://$n:$SPORT/.well-known/acme-challenge/$TOKEN: larger than 4096 bytes" "$DETAIL"
rm -f "$WK/$TOKEN"

# ================================================================= (4) dns-01
n=proof-dns.example
new_authz dns "$n"
assert_eq "$n: challenge 1 is dns-01" dns-01 "$(chall "$R.azdns.body" 1 type)"
assert_eq "$n: set-txt" 200 "$(set_txt "_acme-challenge.$n" "$(b64url_sha256 "$TOKEN.$thumb")")"
post_chall dns 1
assert_eq "$n: challenge POST 202" 202 "$st"
s=$(status_of "$R.chdns.body")
t0=$SECONDS
while [ "$s" = pending ] && [ $((SECONDS - t0)) -lt 30 ]; do
	sleep 0.5
	http_req "$R.polldns" "$AZ_URL" >/dev/null
	s=$(status_of "$R.polldns.body")
done
assert_eq "$n: dns-01 proof -> valid" valid "$s"
mkdir -p "$W/csr-dns"
make_csr "$W/csr-dns" "$n"
st=$(v1_post "$R.certdns" "$BRIDGE_URL/acme/new-cert" "$KEY" new-cert "{\"csr\":\"$(b64url_file "$W/csr-dns/csr.der")\"}")
assert_eq "$n: new-cert 201" 201 "$st"
openssl x509 -inform DER -in "$R.certdns.body" -out "$W/leaf-dns.pem" 2>/dev/null || true
verify_leaf "$n: leaf" "$W/leaf-dns.pem"
clear_txt "_acme-challenge.$n"

n=proof-dnsbad.example
new_authz dnsbad "$n"
wrong="not-the-digest-$RANDOM"
assert_eq "$n: set-txt" 200 "$(set_txt "_acme-challenge.$n" "$wrong")"
post_chall dnsbad 1
invalid_checks dnsbad "$n" unauthorized
assert_eq "$n: detail" "Incorrect TXT record \"$wrong\" found at _acme-challenge.$n" "$DETAIL"
clear_txt "_acme-challenge.$n"

n=proof-dnsnone.example
new_authz dnsnone "$n"
post_chall dnsnone 1
invalid_checks dnsnone "$n" 'dns'
assert_match "$n: detail" "^(No TXT record found at _acme-challenge\.$n|DNS problem: NXDOMAIN looking up TXT for _acme-challenge\.$n)\$" "$DETAIL"

# ================================================= (5) the web server is down
n=proof-conn.example
new_authz conn "$n"
kill -TERM "$STATIC_PID" 2>/dev/null || true
wait "$STATIC_PID" 2>/dev/null || true
wait_for 5 bash -c "! curl -s -o /dev/null --max-time 1 http://127.0.0.1:$SPORT/"
post_chall conn 0
invalid_checks conn "$n" connection
contains "$n: detail names the URL" "$DETAIL" "http://$n:$SPORT/.well-known/acme-challenge/$TOKEN"
bridge_stop

# ========================== (6) a resolver that never answers, and shutdown
DEAD=$(free_port)
node -e 'const s = require("dgram").createSocket("udp4"); s.bind(Number(process.argv[1]), "127.0.0.1");
	process.on("SIGTERM", () => process.exit(0));' "$DEAD" &
E2E_PIDS+=("$!")
cat >"$W/dead.json" <<-EOF
	{"authz_mode": "client-proof", "proof_http_port": $SPORT,
	 "proof_resolver": "127.0.0.1:$DEAD", "proof_timeout_ms": 1000}
EOF
sleep 0.3
bridge_start "$W/b" --config "$W/dead.json" || finish
n=proof-slowdns.example
new_authz slow "$n"
t0=$(date +%s%3N)
post_chall slow 0
ms=$(($(date +%s%3N) - t0))
invalid_checks slow "$n" dns
assert_eq "$n: detail" "DNS problem: query timed out looking up A for $n" "$DETAIL"
echo "   (DNS timeout answered after $ms ms; proof_timeout_ms 1000, 2 tries)"
if [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; then
	pass "$n: answered after about proof_timeout_ms ($ms ms)"
else
	fail "$n: answered after about proof_timeout_ms" "$ms ms"
fi

# a SIGTERM while the check waits on DNS: 503 at once, clean exit
# (drain_timeout_ms 0: SIGTERM stops at once, as a second one does; test_drain.sh)
cat >"$W/dead.json" <<-EOF
	{"authz_mode": "client-proof", "proof_http_port": $SPORT,
	 "proof_resolver": "127.0.0.1:$DEAD", "proof_timeout_ms": 60000,
	 "drain_timeout_ms": 0}
EOF
bridge_stop
bridge_start "$W/b" --config "$W/dead.json" || finish
n=proof-stop.example
new_authz stop "$n"
url=$(chall "$R.azstop.body" 0 uri)
node "$E2E_DIR/jws.js" --key "$KEY" --nonce "$(fresh_nonce)" --url-resource challenge \
	--payload "{\"keyAuthorization\":\"$TOKEN.$thumb\"}" >"$R.chstop.req"
( http_req "$R.chstop" -H 'Content-Type: application/jose+json' --data-binary "@$R.chstop.req" "$url" >"$R.chstop.status" ) &
post_pid=$!
wait_for 10 grep -q "client-proof: authz [0-9]* ($n): checking" "$BRIDGE_LOG"
sleep 0.3
t0=$(date +%s%3N)
bridge_stop
wait "$post_pid" || true
ms=$(($(date +%s%3N) - t0))
echo "   (shutdown with a check waiting on DNS: $ms ms)"
check_problem "$n: SIGTERM during the DNS wait -> 503" "$R.chstop" 503 serverInternal "$(cat "$R.chstop.status")"
if [ "$ms" -lt 5000 ]; then pass "$n: shutdown did not wait for the DNS timeout ($ms ms)"; else fail "$n: shutdown did not wait for the DNS timeout" "$ms ms"; fi
assert_eq "$n: authz still pending after the aborted check" pending \
	"$(sql "select status from authzs where name='$n' order by id desc limit 1")"

finish
