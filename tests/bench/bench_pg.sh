#!/usr/bin/env bash
# make bench, part 2 (issue 11 item 6): the bridge (release build) on
# SQLite, on PostgreSQL, and two bridges on one PostgreSQL behind haproxy,
# each driven by BENCH_PG_CLIENTS (50) concurrent v1 clients, one account
# each, for BENCH_PG_RUNS (200) one-name issuances against one Pebble
# (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=100, real validation). Reported:
# issuances per second (runs / wall time), bridge CPU per issuance (every
# bridge's threads, schedstat), PostgreSQL's CPU per issuance (its
# processes), failures. No assertions on timings: exit status 1 only when a
# part could not run at all. The table is in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
BRIDGE_BIN=$E2E_ROOT/build/acme-bridge
CLIENTS=${BENCH_PG_CLIENTS:-50}
RUNS=${BENCH_PG_RUNS:-200}
need_tools pebble pebble-challtestsrv node haproxy psql
[ -x "$BRIDGE_BIN" ] || die "$BRIDGE_BIN not built (make build/acme-bridge)"
trap cleanup EXIT
W=$(new_workdir bench-pg)
echo "bench-pg: work dir $W"

export PEBBLE_AUTHZREUSE=100
pebble_start "$W/pebble" >/dev/null
unset PEBBLE_AUTHZREUSE
cat >"$W/limits.json" <<-EOF
	{
	  "max_connections": 2000, "max_connections_per_address": 2000,
	  "http01_max_connections": 2000, "http01_max_connections_per_address": 2000,
	  "rate_new_reg_per_minute": 0, "rate_post_per_minute": 0
	}
EOF

cpu_of() { # cpu_of PID... -> ns of CPU of their threads
	local p s=0
	for p in "$@"; do
		s=$((s + $(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d", s}')))
	done
	echo "$s"
}
# the cluster's postmaster and its backends (one per bridge connection)
pg_pids() {
	local pm
	pm=$(head -n 1 "$(cat "$W/pg/srv-dir")/data/postmaster.pid")
	echo "$pm" $(pgrep -P "$pm" || true)
}

BR_PIDS=() BR_ADMIN=() BR_PORT=""
bridge() { # bridge NAME STATE HTTP01-PORT [CONFIG]: start one (BR_PORT), add it to BR_PIDS
	local n=$1 state=$2 h01=$3 conf=${4:-$W/limits.json} port admin
	port=$(free_port) admin=$(free_port)
	"$BRIDGE_BIN" --config "$conf" --listen "127.0.0.1:$port" \
		--upstream "$PEBBLE_DIR_URL" --upstream-ca "$PEBBLE_CA" --http01-listen "127.0.0.1:$h01" \
		--admin-listen "127.0.0.1:$admin" --state "$state" --agree-tos --log-level warn \
		>"$W/$n.log" 2>&1 &
	BR_PIDS+=("$!")
	E2E_PIDS+=("$!")
	BR_ADMIN+=("$admin")
	wait_for 30 curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$admin/readyz" ||
		die "bridge $n not ready (see $W/$n.log)"
	BR_PORT=$port
}
stop_bridges() {
	local p
	for p in "${BR_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${BR_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	BR_PIDS=() BR_ADMIN=()
}

declare -A RATE CPU PGCPU FAILED
run_load() { # run_load KEY URL: the timed load; fills the maps
	local key=$1 url=$2 c0 c1 p0 p1 out summary pgp
	pgp=$([ -s "$W/pg/srv-dir" ] && pg_pids || true)
	# untimed set-up (accounts, one warm-up each) inside the driver
	c0=$(cpu_of "${BR_PIDS[@]}")
	# shellcheck disable=SC2086 # pgp is a list of pids
	p0=$(cpu_of $pgp)
	out=$W/load-$key.out
	node tests/bench/v1_driver.js --url "$url" --accounts "$CLIENTS" --concurrency "$CLIENTS" \
		--runs "$RUNS" --warmup 1 --tag "$key" --deadline-s 300 >"$out" 2>"$W/load-$key.err" || true
	c1=$(cpu_of "${BR_PIDS[@]}")
	# shellcheck disable=SC2086
	p1=$(cpu_of $pgp)
	summary=$(grep '"summary":true' "$out" | tail -n 1 || true)
	[ -n "$summary" ] || { RATE[$key]=- CPU[$key]=- PGCPU[$key]=- FAILED[$key]="no summary"; return; }
	RATE[$key]=$(node -e 'const s=JSON.parse(process.argv[1]); console.log((s.ok / (s.wall_ms / 1000)).toFixed(1))' "$summary")
	FAILED[$key]=$(node -e 'console.log(JSON.parse(process.argv[1]).failed)' "$summary")
	# the set-up's CPU is in the window too: per timed issuance, an upper bound
	CPU[$key]=$(awk -v a="$c0" -v b="$c1" -v n="$RUNS" 'BEGIN {printf "%.2f", (b - a) / n / 1e6}')
	if [ -n "$pgp" ]; then
		PGCPU[$key]=$(awk -v a="$p0" -v b="$p1" -v n="$RUNS" 'BEGIN {printf "%.2f", (b - a) / n / 1e6}')
	else
		PGCPU[$key]=-
	fi
}

echo "bench-pg: a) one bridge on SQLite, $CLIENTS clients, $RUNS issuances"
bridge sqlite "$W/state.db" "$HTTP01_PORT"
run_load sqlite "http://127.0.0.1:$BR_PORT"
stop_bridges

pg_start "$W/pg"
echo "bench-pg: b) one bridge on PostgreSQL"
bridge pg1 "$PG_URI" "$HTTP01_PORT"
run_load pg1 "http://127.0.0.1:$BR_PORT"
stop_bridges

echo "bench-pg: c) two bridges on PostgreSQL behind haproxy"
psql "$PG_URI" -qAtX -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' >/dev/null 2>&1
ha1=$(free_port) ha2=$(free_port)
# Half the in-flight upstream requests each: the CA sees the same 16 at
# most as from one bridge (Pebble stalls, its store locked, with many more)
sed 's/"rate_post_per_minute": 0/"rate_post_per_minute": 0, "upstream_inflight_max": 8/' \
	"$W/limits.json" >"$W/limits-half.json"
bridge pg2a "$PG_URI" "$ha1" "$W/limits-half.json"
pa=$BR_PORT
bridge pg2b "$PG_URI" "$ha2" "$W/limits-half.json"
pb=$BR_PORT
HP=$(free_port)
haproxy_two "$W" "$HP" "$pa" "$pb" "$ha1" "$ha2"
HA_PID=$HAPROXY_PID
run_load pg2 "http://127.0.0.1:$HP"
ha_cpu=$(cpu_of "$HA_PID")
stop_bridges

{
	echo "acme-bridge make bench (PostgreSQL), $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git rev-parse --short HEAD 2>/dev/null || echo -)"
	echo "machine: $(nproc) x $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo | awk '{print $1, $2}'); $CLIENTS clients, $RUNS one-name issuances"
	echo "PostgreSQL $(psql --version | awk '{print $3}'), haproxy $(haproxy -v | awk 'NR == 1 {print $3}')"
	echo
	printf '%-34s %12s %12s %12s\n' measure "SQLite x1" "PG x1" "PG x2"
	printf '%-34s %12s %12s %12s\n' "issuances per second" "${RATE[sqlite]}" "${RATE[pg1]}" "${RATE[pg2]}"
	printf '%-34s %12s %12s %12s\n' "bridge CPU ms per issuance (all)" "${CPU[sqlite]}" "${CPU[pg1]}" "${CPU[pg2]}"
	printf '%-34s %12s %12s %12s\n' "PostgreSQL CPU ms per issuance" "-" "${PGCPU[pg1]}" "${PGCPU[pg2]}"
	printf '%-34s %12s %12s %12s\n' "failed issuances" "${FAILED[sqlite]}" "${FAILED[pg1]}" "${FAILED[pg2]}"
	echo "(haproxy: $(awk -v c="$ha_cpu" -v n="$RUNS" 'BEGIN {printf "%.2f", c / n / 1e6}') ms CPU per issuance in PG x2)"
} | tee "$W/table.txt"
echo "bench-pg: table in $W/table.txt"
