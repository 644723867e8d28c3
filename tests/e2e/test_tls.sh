#!/usr/bin/env bash
# TLS listener (issue 9 item 3): with tls_listen, dehydrated issues over
# https (its curl trusting a test CA); the certificate files replaced and
# SIGHUP sent, new connections get the new certificate while a keep-alive
# connection opened before goes on with the old one; a reload that fails
# keeps the certificate in use; --check-config refuses a key that does not
# match the certificate, and one that is no key; the per-address cap holds
# over TLS.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin tls

need_tools dehydrated python3
pebble_ensure "$W"
pebble_roots "$W"
T=$W/tls
mkdir -p "$T"
make_tls_ca "$T"
TLS_PORT=$(free_port)
TLS_URL="https://localhost:$TLS_PORT"

# served_serial -> the serial (hex, as openssl prints it) a new connection gets
served_serial() {
	openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername localhost \
		-CAfile "$T/tls-ca.pem" </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//'
}
file_serial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# ---- --check-config: a key that does not match, and a file that is no key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other-key.pem" 2>/dev/null
echo "not a key" >"$T/junk-key.pem"
cc_run() { # cc_run KEY -> output of --check-config in $T/cc.out, status in CC_RC
	CC_RC=0
	"$BRIDGE_BIN" --check-config --listen "127.0.0.1:$(free_port)" --http01-listen= \
		--admin-listen= --state "$T/cc.db" --upstream "$PEBBLE_DIR_URL" \
		--tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$T/tls-cert.pem" \
		--tls-key "$1" >"$T/cc.out" 2>&1 || CC_RC=$?
}
cc_run "$T/other-key.pem"
assert_eq "--check-config: a key not matching tls_cert exits 2" 2 "$CC_RC"
assert_match "--check-config: says the key does not match the certificate" \
	"tls_key .*other-key.pem does not match the certificate in tls_cert" "$(cat "$T/cc.out")"
cc_run "$T/junk-key.pem"
assert_eq "--check-config: a file that is no key exits 2" 2 "$CC_RC"
assert_match "--check-config: says it holds no PEM private key" \
	"tls_key .*junk-key.pem: cannot load a PEM private key" "$(cat "$T/cc.out")"
cc_run "$T/tls-key.pem"
assert_eq "--check-config: the matching pair is OK" 0 "$CC_RC"

# ---- the bridge with both listeners; dehydrated over https
# a per-address cap small enough to reach (checked over TLS at the end)
echo '{"max_connections_per_address": 4}' >"$T/caps.json"
bridge_start "$W" --config "$T/caps.json" --tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$T/tls-cert.pem" \
	--tls-key "$T/tls-key.pem" || finish
st=$(curl -s -o "$T/dir.json" -w '%{http_code}' --max-time 10 --cacert "$T/tls-ca.pem" \
	"$TLS_URL/directory" || true)
assert_eq "GET $TLS_URL/directory: 200" 200 "$st"
assert_match "the TLS directory's links are https ones on its port" \
	"\"new-reg\": \"$TLS_URL/acme/new-reg\"" "$(cat "$T/dir.json")"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BRIDGE_DIR_URL" || true)
assert_eq "the plain listener still answers beside it" 200 "$st"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --tls-max 1.1 --cacert "$T/tls-ca.pem" \
	"$TLS_URL/directory" || true)
assert_eq "TLS 1.1 is refused" 000 "$st"

D=$W/dh
dh_config "$D" RENEW_DAYS=30 "CA=\"$TLS_URL/directory\""
export CURL_CA_BUNDLE=$T/tls-ca.pem
dh register "$D" --register --accept-terms
dh issue "$D" -c -d tls.example
unset CURL_CA_BUNDLE
dh_cert_check "$D" tls.example "tls.example" "dehydrated over https: the certificate verifies"
# dehydrated names its account directory after the CA URL it used (with
# the newline its urlbase64 of an echo keeps)
acct=$(printf '%s\n' "$TLS_URL/directory" | base64 -w0 | tr '+/' '-_' | tr -d '=')
check "dehydrated worked against the https directory" test -d "$D/accounts/$acct"
assert_match "the new-cert link dehydrated followed is the TLS listener's" \
	"\"new-cert\": \"$TLS_URL/acme/new-cert\"" "$(cat "$T/dir.json")"

# ---- reload: a kept-alive connection opened first, then new files + SIGHUP
old=$(file_serial "$T/tls-cert.pem")
assert_eq "a new connection gets the first certificate" "$old" "$(served_serial)"
rm -f "$T/go"
python3 "$(dirname "$0")/tls_keepalive.py" "$T/tls-ca.pem" "$TLS_PORT" "$T/go" >"$T/ka.out" 2>&1 &
KA=$!
wait_for 20 grep -q '^first ' "$T/ka.out"
assert_match "the kept-alive connection's first request: 200" "^first 200 " "$(cat "$T/ka.out")"
# a new key and certificate (the CA's serial file gives another serial),
# renamed over the old files as an operator would
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/new-key.pem" -out "$T/new.csr" -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in "$T/new.csr" -CA "$T/tls-ca.pem" -CAkey "$T/tls-ca.key" \
	-CAserial "$T/tls-ca.srl" -days 2 -sha256 -extfile "$T/tls-ext.cnf" \
	-out "$T/new-cert.pem" 2>/dev/null
new=$(file_serial "$T/new-cert.pem")
check "the new certificate has another serial" test -n "$new" -a "$new" != "$old"
mv "$T/new-key.pem" "$T/tls-key.pem"
mv "$T/new-cert.pem" "$T/tls-cert.pem"
kill -HUP "$BRIDGE_PID"
wait_for 20 grep -q 'SIGHUP: TLS certificate reloaded' "$BRIDGE_LOG"
check "SIGHUP: the log says the certificate was reloaded" \
	grep -q 'SIGHUP: TLS certificate reloaded' "$BRIDGE_LOG"
assert_eq "after SIGHUP a new connection gets the new certificate" "$new" "$(served_serial)"
touch "$T/go"
wait "$KA" 2>/dev/null || true
old_py=$(printf '%s' "$old" | sed 's/^0*//')
assert_match "the connection opened before the reload still works (on the old certificate)" \
	"^second 200 0*$old_py\$" "$(grep '^second' "$T/ka.out")"

# ---- a reload that fails keeps the certificate in use
cp "$T/other-key.pem" "$T/tls-key.pem"
kill -HUP "$BRIDGE_PID"
wait_for 20 grep -q 'SIGHUP: keeping the TLS certificate in use' "$BRIDGE_LOG"
assert_match "a failed reload logs why" \
	"keeping the TLS certificate in use: tls_key .* does not match" "$(cat "$BRIDGE_LOG")"
assert_eq "a failed reload keeps serving the certificate in use" "$new" "$(served_serial)"

# ---- the server's limits hold over TLS: a fifth connection from one
# address, with four open (handshake done, no request yet), is refused
caps=$(python3 - "$T/tls-ca.pem" "$TLS_PORT" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
held, out = [], []
for i in range(5):
    try:
        raw = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10)
        held.append(ctx.wrap_socket(raw, server_hostname="localhost"))
        out.append("ok")
    except (OSError, ssl.SSLError):
        out.append("refused")
print(" ".join(out))
PY
)
assert_eq "max_connections_per_address (4) applies to the TLS listener" \
	"ok ok ok ok refused" "$caps"

bridge_stop
finish
