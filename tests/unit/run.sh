#!/usr/bin/env bash
# Run unit test binaries; print each one's line and a closing total.
set -u
shift  # the build dir, for the message only
pass=0 fail=0 rc=0
# test_store_pg runs the store suites on a real PostgreSQL server: one
# throwaway server (tests/pg_cluster.sh) for this run, removed at the end.
pg_dir=""
pg_stop() { [ -z "$pg_dir" ] || { PG_CLUSTER_REMOVE=1 bash tests/pg_cluster.sh stop "$pg_dir/pg"; rm -rf "$pg_dir"; }; }
trap pg_stop EXIT
case " $* " in
*/test_store_pg\ *)
	pg_dir=$(mktemp -d /tmp/acme-bridge-unit-pg.XXXXXX)
	if ACME_BRIDGE_TEST_PG=$(bash tests/pg_cluster.sh start "$pg_dir/pg"); then
		export ACME_BRIDGE_TEST_PG
	else
		echo "unit: could not start PostgreSQL (tests/pg_cluster.sh); test_store_pg will fail"
	fi
	;;
esac
for t in "$@"; do
	out=$("$t" 2>&1); r=$?
	printf '%s\n' "$out" | grep -E 'FAIL|passed|ERROR|runtime error|LeakSanitizer' || true
	line=$(printf '%s\n' "$out" | grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/'); f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	[ -n "$line" ] || { p=0; f=1; echo "$t: no result line (exit $r)"; }
	[ $r -ne 0 ] && [ "$f" = 0 ] && { f=1; echo "$t: exit $r"; }
	pass=$((pass + p)); fail=$((fail + f)); [ $r -ne 0 ] && rc=1
done
echo "unit: $pass passed, $fail failed"
exit $rc
