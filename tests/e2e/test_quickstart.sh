#!/usr/bin/env bash
# The README quick start as a user runs it (issue 9 item 9): the sh block is
# taken from README.md as written, `make run` replaced by a bridge of the
# test's (a root and /staging as in the shipped config, both in front of
# Pebble) and its URL put in for
# http://127.0.0.1:4000, then run in an empty directory with bash -e: it must
# register, issue, and leave a certificate that verifies.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin quickstart

need_tools dehydrated
pebble_ensure "$W"
pebble_roots "$W"
# the shipped config's shape: a root and /staging, both this Pebble here
(umask 077 && printf '{"upstreams": {"/staging": {"url": "%s", "ca_file": "%s"}}}\n' \
	"$PEBBLE_DIR_URL" "$PEBBLE_CA" >"$W/quickstart.json")
bridge_start "$W/b" --config "$W/quickstart.json" || finish

block=$(awk '/^## Quick start/ { q = 1 } q && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' \
	"$E2E_ROOT/README.md")
assert_match "README quick start: the block runs dehydrated" 'dehydrated -f bridge.conf -c -d' "$block"
assert_match "README quick start: the block makes dehydrated's WELLKNOWN directory" 'mkdir -p' "$block"
script=$(printf '%s\n' "$block" | grep -v '^make run' | sed "s|http://127.0.0.1:4000|$BRIDGE_URL|g")
U=$W/user
mkdir -p "$U"
rc=0
(cd "$U" && timeout 300 bash -e -c "$script") >"$W/quickstart.log" 2>&1 || rc=$?
assert_eq "README quick start: runs as written (exit 0)" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 20 "$W/quickstart.log" | sed 's/^/    | /'
name=$(printf '%s\n' "$block" | sed -n 's/.* -c -d \([^ ]*\).*/\1/p' | head -n 1)
c=$(find "$U" -path "*/certs/$name/cert.pem" | head -n 1)
if [ -n "$c" ] && [ -s "$c" ]; then
	pass "README quick start: $name has a certificate"
	cert_verifies "README quick start: the certificate verifies against Pebble's root" "$c"
else
	fail "README quick start: $name has a certificate" "no certs/$name/cert.pem under $U"
fi
bridge_stop
finish
