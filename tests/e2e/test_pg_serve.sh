#!/usr/bin/env bash
# The bridge serving from PostgreSQL (issue 11; Debian's server, started
# here as an unprivileged user, tests/pg_cluster.sh): dehydrated (two names)
# and acme-client 1.0.0 (one) issue through a bridge whose state is a
# postgresql:// URI; its store calls wait on fibers, never blocking the
# loop (the bridge says so in its log when one does); the accounts,
# authorizations and certificates are rows in the database; a restart on
# the same database keeps the account (renewal, no new upstream account).
# Then `store copy` of a SQLite bridge's populated file into a second
# database, and issuance on the copy: the copied account renews without a
# new upstream account.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin pg_serve

need_tools dehydrated psql
npm_ensure acme-client 1.0.0 1.0.0
pebble_ensure "$W"
pebble_roots "$W"

pg_start "$W/pg"
psqlq() { psql "$PG_URI" -qAtX -c "$1"; }
newacct() { grep -c 'POST /sign-me-up -> calling handler()' "$PEBBLE_WORKDIR/pebble.log" || true; }

# ---- a bridge on PostgreSQL
BRIDGE_STATE=$PG_URI bridge_start "$W/b1" || finish
assert_match "the bridge says it runs on PostgreSQL, password hidden" \
	'INFO state: PostgreSQL postgresql://bridge@127\.0\.0\.1:[0-9]+/bridge' "$(cat "$BRIDGE_LOG")"
D=$W/dh
dh_config "$D"
dh register "$D" --register --accept-terms
dh issue "$D" -c -d a.pg.example -d b.pg.example
dh_cert_check "$D" a.pg.example "a.pg.example b.pg.example" a.pg.example

acme_client "acme-client on PostgreSQL" "$BRIDGE_DIR_URL" node.pg.example

[ "$(psqlq 'select count(*) from accounts')" -ge 2 ] && pass "the database holds the v1 accounts" ||
	fail "the database holds the v1 accounts" "$(psqlq 'select count(*) from accounts')"
assert_eq "... and their certificates (dehydrated 1, acme-client's script 2)" 3 "$(psqlq 'select count(*) from certs')"
[ "$(psqlq "select count(*) from authzs where status = 'valid'")" -ge 3 ] &&
	pass "... and the valid authorizations" || fail "... and the valid authorizations" "$(psqlq 'select name, status from authzs')"
grep -q 'blocked the event loop' "$BRIDGE_LOG" &&
	fail "no store call blocked the loop" "$(grep 'blocked the event loop' "$BRIDGE_LOG")" ||
	pass "no store call blocked the loop"

# ---- restart on the same database: dehydrated renews with its account
bridge_stop
n0=$(newacct)
BRIDGE_STATE=$PG_URI bridge_start "$W/b1" || finish
dh renew "$D" -c -x -d a.pg.example -d b.pg.example
assert_eq "renewal after a restart: 4 certificates" 4 "$(psqlq 'select count(*) from certs')"
assert_eq "... and no new upstream account" "$n0" "$(newacct)"
bridge_flush
[ "$(psqlq "select coalesce(sum(issued), 0) from clients")" -ge 1 ] &&
	pass "the inventory is written to the database" || fail "the inventory is written to the database" "no issued count"
bridge_stop

# ---- store copy of a populated SQLite state, then issuance on the copy
BRIDGE_STATE="$W/b2/state.db" bridge_start "$W/b2" || finish
D2=$W/dh2
dh_config "$D2"
dh register "$D2" --register --accept-terms
dh issue "$D2" -c -d c.pg.example
bridge_stop
pg_start "$W/pg2"
rc=0
"$BRIDGE_BIN" store copy --from "sqlite:$W/b2/state.db" --to "$PG_URI" >"$W/copy.out" 2>&1 || rc=$?
assert_eq "store copy of the SQLite bridge's file: exit 0" 0 "$rc"
n0=$(newacct)
BRIDGE_STATE=$PG_URI bridge_start "$W/b3" || finish
dh renew "$D2" -c -x -d c.pg.example
dh_cert_check "$D2" c.pg.example "c.pg.example" c.pg.example
assert_eq "issuance on the copy: 2 certificates there" 2 "$(psqlq 'select count(*) from certs')"
assert_eq "... with the copied account (no new upstream account)" "$n0" "$(newacct)"
bridge_stop
finish
