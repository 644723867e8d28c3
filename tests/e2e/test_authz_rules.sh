#!/usr/bin/env bash
# Who may get a certificate for what: new-cert needs a valid authorization of
# the very account for every name (403 unauthorized otherwise, store
# unchanged), and without --agree-tos an account must agree to the terms
# before new-authz (403 "Must agree to subscriber agreement", then POST reg).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin authzrules

need_tools sqlite3
pebble_ensure "$W"
pebble_roots "$W"
bridge_start "$W/b1" || finish

R=$W/r
store_counts() { # accounts authzs certs
	sqlite3 "$BRIDGE_STATE" 'select count(*) from accounts; select count(*) from authzs; select count(*) from certs;' 2>&1 |
		tr '\n' ' ' | sed 's/ $//'
}
# refused_cert NAME PREFIX STATUS BEFORE WANT-NAME [NOT-NAME]: 403 unauthorized
# naming WANT-NAME (and not NOT-NAME), store counts unchanged since BEFORE
refused_cert() {
	local name=$1 p=$2 st=$3 before=$4 want=$5 notname=${6:-} detail after
	check_problem "$name -> 403 unauthorized" "$p" 403 unauthorized "$st"
	detail=$(json_get "$p.body" detail 2>/dev/null || true)
	case "$detail" in
		*"$want"*) pass "$name: detail names $want" ;;
		*) fail "$name: detail names $want" "detail '$detail'" ;;
	esac
	if [ -n "$notname" ]; then
		case "$detail" in
			*"$notname"*) fail "$name: detail does not name the authorized $notname" "detail '$detail'" ;;
			*) pass "$name: detail does not name the authorized $notname" ;;
		esac
	fi
	after=$(store_counts)
	if [[ "$before" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]] && [ "$before" = "$after" ]; then
		pass "$name: store unchanged ($after)"
	else
		fail "$name: store unchanged" "accounts/authzs/certs before '$before', after '$after'"
	fi
}
csr_b64() { # csr_b64 DIR NAME... -> base64url DER CSR
	mkdir -p "$1"
	make_csr "$@"
	b64url_file "$1/csr.der"
}

tos=$(v1_tos)
KEY_A=$W/a.pem
KEY_B=$W/b.pem
new_rsa_key "$KEY_A"
new_rsa_key "$KEY_B"
st=$(v1_post "$R.rega" "$BRIDGE_URL/acme/new-reg" "$KEY_A" new-reg "{\"agreement\":\"$tos\"}")
assert_eq "setup: new-reg account A 201" 201 "$st"
st=$(v1_post "$R.regb" "$BRIDGE_URL/acme/new-reg" "$KEY_B" new-reg "{\"agreement\":\"$tos\"}")
assert_eq "setup: new-reg account B 201" 201 "$st"

# ---- new-cert for a name the account never authorized
before=$(store_counts)
assert_match "store counts readable (2 accounts, nothing else)" '^2 0 0$' "$before"
st=$(v1_post "$R.never" "$BRIDGE_URL/acme/new-cert" "$KEY_A" new-cert \
	"{\"csr\":\"$(csr_b64 "$W/csr-never" never.example)\"}")
refused_cert "new-cert for a never-authorized name" "$R.never" "$st" "$before" never.example

# ---- A authorizes x.example
st=$(v1_post "$R.azx" "$BRIDGE_URL/acme/new-authz" "$KEY_A" new-authz \
	'{"identifier":{"type":"dns","value":"x.example"}}')
assert_eq "A: new-authz x.example 201" 201 "$st"
assert_eq "A: authz for x.example is valid" valid "$(json_get "$R.azx.body" status || true)"
CSR_X=$(csr_b64 "$W/csr-x" x.example)

# ---- B cannot use A's valid authorization
before=$(store_counts)
st=$(v1_post "$R.bx" "$BRIDGE_URL/acme/new-cert" "$KEY_B" new-cert "{\"csr\":\"$CSR_X\"}")
refused_cert "B: new-cert for x.example (authorized by A only)" "$R.bx" "$st" "$before" x.example

# ---- A with one authorized and one unauthorized name: refused, names the missing one
before=$(store_counts)
st=$(v1_post "$R.mixed" "$BRIDGE_URL/acme/new-cert" "$KEY_A" new-cert \
	"{\"csr\":\"$(csr_b64 "$W/csr-mixed" x.example never.example)\"}")
refused_cert "A: new-cert for x.example + never.example" "$R.mixed" "$st" "$before" never.example x.example

# ---- positive control: A itself gets x.example
st=$(v1_post "$R.ax" "$BRIDGE_URL/acme/new-cert" "$KEY_A" new-cert "{\"csr\":\"$CSR_X\"}")
assert_eq "A: new-cert for x.example 201" 201 "$st"
assert_eq "A: certificate for x.example" x.example "$(cert_sans "$R.ax.body" der)"
assert_match "A's certificate is in the store" '^2 1 1$' "$(store_counts)"
# B is still refused after A's certificate exists
before=$(store_counts)
st=$(v1_post "$R.bx2" "$BRIDGE_URL/acme/new-cert" "$KEY_B" new-cert "{\"csr\":\"$CSR_X\"}")
refused_cert "B: new-cert for x.example after A's issuance" "$R.bx2" "$st" "$before" x.example
bridge_stop

# ---- a bridge WITHOUT --agree-tos: the client must agree itself
unset BRIDGE_PORT BRIDGE_STATE
BRIDGE_NO_AGREE=1 bridge_start "$W/b2" || finish
if grep -q -- '--agree-tos' <(tr '\0' ' ' <"/proc/$BRIDGE_PID/cmdline"); then
	fail "second bridge runs without --agree-tos" "$(tr '\0' ' ' <"/proc/$BRIDGE_PID/cmdline")"
else
	pass "second bridge runs without --agree-tos"
fi
tos=$(v1_tos)
assert_match "directory meta terms-of-service is a URL" '^https?://' "$tos"
KEY_C=$W/c.pem
new_rsa_key "$KEY_C"
st=$(v1_post "$R.regc" "$BRIDGE_URL/acme/new-reg" "$KEY_C" new-reg '{"agreement":""}')
assert_eq "C: new-reg with agreement \"\" 201" 201 "$st"
REG_C=$(hdr "$R.regc.hdr" location || true)
assert_eq "C: new-reg body has no agreement" "" "$(json_get "$R.regc.body" agreement 2>/dev/null || true)"
before=$(store_counts)
st=$(v1_post "$R.azc" "$BRIDGE_URL/acme/new-authz" "$KEY_C" new-authz \
	'{"identifier":{"type":"dns","value":"agree.example"}}')
check_problem "C (not agreed): new-authz -> 403 unauthorized" "$R.azc" 403 unauthorized "$st"
assert_match "C (not agreed): detail 'Must agree to subscriber agreement'" 'Must agree to subscriber agreement' \
	"$(json_get "$R.azc.body" detail 2>/dev/null || true)"
assert_eq "C (not agreed): store unchanged" "$before" "$(store_counts)"
assert_eq "C (not agreed): no upstream account created" 0 \
	"$(sqlite3 "$BRIDGE_STATE" 'select count(*) from accounts where v2_account_url is not null;' 2>&1 || true)"

st=$(v1_post "$R.agree" "${REG_C:-$BRIDGE_URL/acme/reg/1}" "$KEY_C" reg "{\"agreement\":\"$tos\"}")
assert_eq "C: POST reg {agreement: <terms URL>} 202" 202 "$st"
assert_eq "C: reg now shows the agreement" "$tos" "$(json_get "$R.agree.body" agreement 2>/dev/null || true)"
st=$(v1_post "$R.azc2" "$BRIDGE_URL/acme/new-authz" "$KEY_C" new-authz \
	'{"identifier":{"type":"dns","value":"agree.example"}}')
assert_eq "C (agreed): new-authz 201" 201 "$st"
assert_eq "C (agreed): authz valid" valid "$(json_get "$R.azc2.body" status 2>/dev/null || true)"
bridge_stop
finish
