#!/usr/bin/env bash
# The bridge's RFC 8555 client on its own (proxy/upstream/upstream.c + proxy/upstream/acme2.c):
# newAccount, newOrder and POST-as-GET against Pebble, which rejects 5% of
# good nonces, so badNonce retries are exercised; run under ASan/LSan.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin probe
pebble_ensure "$W"
PROBE=$E2E_ROOT/build/asan/acme2-probe
[ -x "$PROBE" ] || die "$PROBE not built (make build/asan/acme2-probe)"
out=$("$PROBE" "$PEBBLE_DIR_URL" "$PEBBLE_CA" 2>&1); rc=$?
printf '%s\n' "$out" | grep -E 'FAIL|passed|Sanitizer|runtime error' | sed 's/^/    | /'
assert_eq "acme2 probe exit status" 0 "$rc"
assert_match "acme2 probe: all its checks passed" ' [1-9][0-9]* passed, 0 failed' "$out"
if printf '%s' "$out" | grep -Eq 'Sanitizer|runtime error'; then
	fail "acme2 probe: no sanitizer report" "see above"
else
	pass "acme2 probe: no sanitizer report"
fi
finish
