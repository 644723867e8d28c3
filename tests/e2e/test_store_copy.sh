#!/usr/bin/env bash
# `acme-bridge store copy` (issue 11 item 4) onto a real PostgreSQL server
# (Debian's, started here as an unprivileged user, tests/pg_cluster.sh):
# dehydrated issues through a bridge on SQLite; while that bridge still
# runs, its state file is copied into an empty database; every table
# arrives with the same rows and ids, `report` on the database shows what
# `report` on the file shows, the v2 key travels intact, and new ids
# continue after the copied ones. A second copy into the now full
# database, a missing source file and a bad --to are refused and write
# nothing; the password never shows.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin store_copy

need_tools dehydrated psql
pebble_ensure "$W"
bridge_start "$W" || finish

D=$W/dh
dh_config "$D"
dh register "$D" --register --accept-terms
dh issue "$D" -c -d a.copy.example -d b.copy.example
bridge_flush # the inventory rows too

pg_start "$W/pg"
psqlq() { psql "$PG_URI" -qAtX -c "$1"; }
sqlq() { sqlite3 "$BRIDGE_STATE" "$1"; }

# ---- the copy, with the bridge still serving from the file
rc=0
"$BRIDGE_BIN" store copy --from "sqlite:$BRIDGE_STATE" --to "$PG_URI" >"$W/copy.out" 2>"$W/copy.err" || rc=$?
assert_eq "store copy: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/    | /' "$W/copy.err"
assert_match "store copy: one line per table, then the total" '^copied [0-9]+ rows from ' "$(tail -n 1 "$W/copy.out")"
assert_eq "store copy: 11 tables listed" 11 "$(grep -c ' rows$' "$W/copy.out")"
for t in accounts authzs certs issuers clients client_addrs client_names traffic failures http01 groups; do
	assert_eq "store copy: $t has the file's row count" "$(sqlq "select count(*) from $t")" "$(psqlq "select count(*) from $t")"
done
[ "$(sqlq 'select count(*) from certs')" -ge 1 ] && pass "the file had a certificate to copy" ||
	fail "the file had a certificate to copy" "no row in certs"
assert_eq "store copy: accounts keep their ids and thumbprints" \
	"$(sqlq "select group_concat(id || ' ' || thumbprint, ';') from (select * from accounts order by id)")" \
	"$(psqlq "select string_agg(id || ' ' || thumbprint, ';' order by id) from accounts")"
assert_eq "store copy: the v2 key arrives byte for byte" \
	"$(sqlq "select v2_key_pem from accounts order by id limit 1" | sha256sum)" \
	"$(psqlq "select v2_key_pem from accounts order by id limit 1" | sha256sum)"
assert_eq "store copy: the certificate's DER arrives byte for byte" \
	"$(sqlq "select hex(der) from certs order by id limit 1")" \
	"$(psqlq "select upper(encode(der, 'hex')) from certs order by id limit 1")"
assert_eq "store copy: authorizations keep their public ids" \
	"$(sqlq "select group_concat(public_id, ',') from (select public_id from authzs order by id)")" \
	"$(psqlq "select string_agg(public_id, ',' order by id) from authzs")"

# ---- the report reads the database as it read the file
"$BRIDGE_BIN" report --state "$BRIDGE_STATE" --json >"$W/r-file.json"
"$BRIDGE_BIN" report --state "$PG_URI" --json >"$W/r-pg.json" 2>"$W/r-pg.err" ||
	fail "report --state postgresql://: exit 0" "$(cat "$W/r-pg.err")"
# (but the second the report was made)
assert_eq "report on the copy = report on the file" "$(grep -v generated_at "$W/r-file.json")" \
	"$(grep -v generated_at "$W/r-pg.json")"
assert_match "report on the copy: dehydrated with its names" 'a\.copy\.example' "$(cat "$W/r-pg.json")"

# ---- new ids continue after the copied ones (identity sequences moved)
max=$(psqlq "select max(id) from accounts")
next=$(psqlq "insert into accounts(thumbprint, jwk, v2_key_pem) values('tp-next', '{}', 'x') returning id")
[ "$next" -gt "$max" ] && pass "a new account id ($next) follows the copied ones ($max)" ||
	fail "a new account id follows the copied ones" "$next <= $max"

# ---- refusals: nothing written
before=$(psqlq "select count(*) from accounts")
rc=0
"$BRIDGE_BIN" store copy --from "sqlite:$BRIDGE_STATE" --to "$PG_URI" >"$W/copy2.out" 2>"$W/copy2.err" || rc=$?
assert_eq "a copy into a database that holds rows: exit 1" 1 "$rc"
assert_match "... says the target is not empty" 'holds [0-9]+ rows in accounts; copy needs an empty database' "$(cat "$W/copy2.err")"
assert_eq "... and wrote nothing" "$before" "$(psqlq "select count(*) from accounts")"
rc=0
"$BRIDGE_BIN" store copy --from "sqlite:$W/no-such.db" --to "$PG_URI" >/dev/null 2>"$W/copy3.err" || rc=$?
assert_eq "a missing source file: exit 1" 1 "$rc"
[ ! -e "$W/no-such.db" ] && pass "a missing source is not created" || fail "a missing source is not created" "created"
rc=0
"$BRIDGE_BIN" store copy --from "sqlite:$BRIDGE_STATE" --to "/tmp/x.db" >/dev/null 2>"$W/copy4.err" || rc=$?
assert_eq "--to that is not a postgresql:// URI: usage error 2" 2 "$rc"
rc=0
bad=${PG_URI/bridge@/bridge:hunter2@}
"$BRIDGE_BIN" report --state "$bad" >/dev/null 2>"$W/badpw.err" || rc=$?
assert_eq "report with a wrong password: exit 1" 1 "$rc"
assert_match "... names the cause" 'password authentication failed' "$(cat "$W/badpw.err")"
grep -q hunter2 "$W/badpw.err" && fail "... and never shows the password" "$(cat "$W/badpw.err")" ||
	pass "... and never shows the password"

# ---- --check-config takes a postgresql:// state (no file to check); a
# server given a wrong password stops at start-up, saying why, never
# showing it
rc=0
"$BRIDGE_BIN" --check-config --state "$PG_URI" --listen "127.0.0.1:$(free_port)" >"$W/check.out" 2>"$W/check.err" || rc=$?
assert_eq "--check-config with a postgresql:// state: exit 0" 0 "$rc"
rc=0
timeout 20 "$BRIDGE_BIN" --state "$bad" --listen "127.0.0.1:$(free_port)" --admin-listen "" \
	--http01-listen "" --upstream "$PEBBLE_DIR_URL" --upstream-ca "$PEBBLE_CA" --agree-tos \
	>"$W/serve.out" 2>"$W/serve.err" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && pass "a server with a wrong database password exits (status $rc)" ||
	fail "a server with a wrong database password exits" "status $rc"
assert_match "... saying why" 'password authentication failed' "$(cat "$W/serve.err")"
grep -q hunter2 "$W/serve.err" && fail "... without the password" "$(cat "$W/serve.err")" ||
	pass "... without the password"

bridge_stop
finish
