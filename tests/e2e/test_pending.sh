#!/usr/bin/env bash
# Validation slower than authz_wait_ms: new-authz answers "pending" and the
# client follows the v1 challenge/poll path. Uses a Pebble of its own WITH the
# VA's random 0-4 s sleep before each validation (the shared one has
# PEBBLE_VA_NOSLEEP=1), and a bridge with authz_wait_ms 100.
#  (a) dehydrated 0.7.0 (API=1) goes through "1 pending challenge(s)" and
#      issues; (b) the same by hand with jws.js: pending authz, challenge
#      POST, polling to valid, new-cert; the dehydrated-only
#      validationRecord.uri on pending challenges.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin pending

need_tools dehydrated

# ---- a second Pebble, this script's own (never pebble_ensure's shared one)
main_dir_url=${PEBBLE_DIR_URL:-}
E2E_PEBBLE_SLEEP=1 pebble_start "$W/pebble"
echo "   (sleeping Pebble at $PEBBLE_DIR_URL, http-01 port $HTTP01_PORT)"
if [ "$PEBBLE_DIR_URL" != "$main_dir_url" ] &&
	! tr '\0' '\n' <"/proc/$PEBBLE_PID/environ" | grep -q '^PEBBLE_VA_NOSLEEP=' &&
	! grep -q 'Disabling random VA sleeps' "$W/pebble/pebble.log"; then
	pass "own Pebble, with random VA sleeps"
else
	fail "own Pebble, with random VA sleeps" "dir $PEBBLE_DIR_URL (main '$main_dir_url'); see $W/pebble/pebble.log"
fi
pebble_roots "$W"

cat >"$W/limits.json" <<-EOF
	{"authz_wait_ms": 100}
EOF
bridge_start "$W/b" --config "$W/limits.json" || finish

R=$W/r
DH_UA='dehydrated/0.7.0 curl/7.88.1'
verify_leaf() { cert_verifies "$1: verifies against this Pebble's root" "$2"; } # NAME PEM

# ================================================================ (a) dehydrated
D=$W/dh
dh_config "$D" RENEW_DAYS=30
dh register "$D" --register --accept-terms

pending_runs=0
for i in 1 2 3; do
	name=dhpend$i.example
	t0=$SECONDS
	dh "$name" "$D" -c -d "$name"
	echo "   (dehydrated $name: $((SECONDS - t0)) s)"
	dh_cert_check "$D" "$name" "$name" "dehydrated $name: verifies against this Pebble's root"
	if grep -q '+ 1 pending challenge(s)' "$D/$name.log" &&
		! grep -q 'Found valid authorization' "$D/$name.log"; then
		pending_runs=$((pending_runs + 1))
		grep -q '+ Challenge is valid!' "$D/$name.log" &&
			pass "dehydrated $name: pending challenge followed to 'Challenge is valid!'" ||
			fail "dehydrated $name: pending challenge followed to 'Challenge is valid!'" "not in $D/$name.log"
		break
	fi
	echo "   (dehydrated $name: authorization was valid at once; next name)"
done
if [ "$pending_runs" -ge 1 ]; then
	pass "dehydrated took the pending-challenge path (after $i name(s))"
else
	fail "dehydrated took the pending-challenge path" "3 names, every authorization valid at once (authz_wait_ms 100 not honoured?)"
fi

# ============================================================== (b) by hand
KEY=$W/account.pem
new_account "$R.reg" "$KEY" "new-reg 201"
thumb=$(node "$E2E_DIR/jws.js" --key "$KEY" --thumbprint)

# v1_post_ua PREFIX URL KEY RESOURCE PAYLOAD UA: v1_post with a User-Agent
v1_post_ua() { E2E_UA=$6 v1_post "$1" "$2" "$3" "$4" "$5"; }
# chall_check FILE MODE: "" if every challenge has status pending, a v1 uri
# and a token, and validationRecord is {"uri": <its uri>} (MODE quirk) or
# absent (MODE plain); otherwise what is wrong
chall_check() {
	node -e '
		const [file, base, mode] = process.argv.slice(1);
		const a = JSON.parse(require("fs").readFileSync(file, "utf8"));
		const c = a.challenges || [], bad = [];
		if (!c.some(x => x.type === "http-01")) bad.push("no http-01 challenge");
		for (const x of c) {
			if (x.status !== "pending") bad.push(`${x.type} status ${x.status}`);
			if (typeof x.uri !== "string" || !x.uri.startsWith(base + "/acme/challenge/")) bad.push(`${x.type} uri ${x.uri}`);
			if (typeof x.token !== "string" || !/^[A-Za-z0-9_-]{16,}$/.test(x.token)) bad.push(`${x.type} token ${x.token}`);
			const vr = JSON.stringify(x.validationRecord);
			if (mode === "quirk" && vr !== JSON.stringify({ uri: x.uri })) bad.push(`${x.type} validationRecord ${vr}`);
			if (mode === "plain" && "validationRecord" in x) bad.push(`${x.type} has validationRecord ${vr}`);
		}
		process.stdout.write(bad.join("; "));
	' "$1" "$BRIDGE_URL" "$2" 2>&1 || echo "unparsable: $(head -c 200 "$1")"
}
status_of() { json_get "$1" status 2>/dev/null || echo "?"; }

# ---- new-authz answered "pending" (a name whose validation sleep is ~0 may
# come back valid: up to 5 names)
name="" authz_url="" st="" s=""
for i in 1 2 3 4 5; do
	n=wire$i.example
	t0=$(date +%s%3N)
	st=$(v1_post "$R.az$i" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
		"{\"identifier\":{\"type\":\"dns\",\"value\":\"$n\"}}")
	s=$(status_of "$R.az$i.body")
	echo "   (new-authz $n: HTTP $st, $s, $(($(date +%s%3N) - t0)) ms)"
	[ "$st" = 201 ] || break
	if [ "$s" = pending ]; then
		name=$n
		authz_url=$(hdr "$R.az$i.hdr" location || true)
		AZ=$R.az$i
		break
	fi
done
assert_eq "new-authz status 201" 201 "$st"
assert_eq "new-authz answers status pending (validation slower than authz_wait_ms)" pending "$s"
if [ -z "$name" ]; then
	fail "pending path" "no pending authorization in 5 names; stopping here"
	bridge_stop
	finish
fi
# at once, while the CA is surely still sleeping: GET authz with and without dehydrated's UA
http_req "$R.getdh" -A "$DH_UA" "$authz_url" >/dev/null
http_req "$R.getplain" "$authz_url" >/dev/null
assert_match "new-authz Location is <base>/acme/authz/<id>" "^$BRIDGE_URL/acme/authz/[A-Za-z0-9_-]+\$" "$authz_url"
assert_eq "pending authz: challenges pending with uri + token, no validationRecord (curl UA)" "" "$(chall_check "$AZ.body" plain)"
if [ "$(status_of "$R.getdh.body")" = pending ]; then
	assert_eq "GET pending authz with UA dehydrated/: validationRecord {uri: <challenge uri>}" "" \
		"$(chall_check "$R.getdh.body" quirk)"
else
	echo "   (GET authz with dehydrated UA came back $(status_of "$R.getdh.body"): that check is skipped)"
fi
if [ "$(status_of "$R.getplain.body")" = pending ]; then
	assert_eq "GET pending authz without that UA: no validationRecord" "" "$(chall_check "$R.getplain.body" plain)"
else
	echo "   (GET authz with curl's UA came back $(status_of "$R.getplain.body"): that check is skipped)"
fi

# ---- the quirk on new-authz itself (deterministic once it is pending)
qs=""
for i in 1 2 3 4 5; do
	st=$(v1_post_ua "$R.q$i" "$BRIDGE_URL/acme/new-authz" "$KEY" new-authz \
		"{\"identifier\":{\"type\":\"dns\",\"value\":\"quirk$i.example\"}}" "$DH_UA")
	qs=$(status_of "$R.q$i.body")
	if [ "$st" = 201 ] && [ "$qs" = pending ]; then
		assert_eq "new-authz with UA dehydrated/ (pending): validationRecord {uri: <challenge uri>}" "" \
			"$(chall_check "$R.q$i.body" quirk)"
		break
	fi
done
assert_eq "a pending new-authz with UA dehydrated/ was seen" pending "$qs"

# ---- POST the http-01 challenge -> 202, Link up
chal_url=$(node -e '
	const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	process.stdout.write(((a.challenges || []).filter(c => c.type === "http-01").pop() || {}).uri || "");' "$AZ.body")
token=$(node -e '
	const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	process.stdout.write(((a.challenges || []).filter(c => c.type === "http-01").pop() || {}).token || "");' "$AZ.body")
st=$(v1_post "$R.chal" "$chal_url" "$KEY" challenge "{\"keyAuthorization\":\"$token.$thumb\"}")
assert_eq "POST http-01 challenge 202" 202 "$st"
assert_eq "POST challenge Link <authz>;rel=\"up\"" "$authz_url" "$(link_rel "$R.chal.hdr" up)"
assert_eq "POST challenge Location is the challenge URL" "$chal_url" "$(hdr "$R.chal.hdr" location || true)"
assert_match "POST challenge body status pending or valid" '^(pending|valid)$' "$(status_of "$R.chal.body")"
assert_eq "POST challenge body keyAuthorization" "$token.$thumb" "$(json_get "$R.chal.body" keyAuthorization 2>/dev/null || true)"

# ---- poll GET authz until valid (max 30 s)
t0=$SECONDS
polls=0
s=$(status_of "$R.chal.body")
while [ $((SECONDS - t0)) -lt 30 ]; do
	polls=$((polls + 1))
	http_req "$R.poll" "$authz_url" >/dev/null
	s=$(status_of "$R.poll.body")
	[ "$s" = pending ] || break
	sleep 0.5
done
echo "   (authz $s after $polls poll(s), $((SECONDS - t0)) s)"
assert_eq "polled authz becomes valid within 30 s" valid "$s"
if [ "$s" = valid ]; then
	assert_eq "valid authz: no validationRecord quirk even for dehydrated's UA" "" \
		"$(http_req "$R.validdh" -A "$DH_UA" "$authz_url" >/dev/null; node -e '
			const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
			process.stdout.write((a.challenges || []).filter(c => "validationRecord" in c || c.status !== "valid").map(c => c.type).join(" "));
		' "$R.validdh.body" 2>&1 || echo unparsable)"
fi

# ---- new-cert
t0=$SECONDS
st=$(v1_new_cert "$R.cert" "$KEY" "$name")
echo "   (new-cert took $((SECONDS - t0)) s)"
assert_eq "new-cert 201" 201 "$st"
assert_eq "new-cert leaf SANs" "$name" "$(cert_sans "$R.cert.body" der)"
openssl x509 -inform DER -in "$R.cert.body" -out "$W/leaf.pem" 2>/dev/null || true
verify_leaf "new-cert leaf" "$W/leaf.pem"
grep -Eq "authorization [0-9]+ for $name is pending" "$BRIDGE_LOG" &&
	pass "bridge logged $name as pending" ||
	fail "bridge logged $name as pending" "no 'authorization N for $name is pending' in $BRIDGE_LOG"

bridge_stop
finish
