#!/usr/bin/env bash
# make bench: what one issuance through acme-bridge costs against Pebble on
# loopback (PEBBLE_VA_NOSLEEP=1, real validation). Runs the release build;
# dehydrated 0.7.0 (API=1) is the v1 client. Prints, per run, the client's
# wall time, and at the end the bridge's CPU time (utime+stime from
# /proc/PID/stat) per issuance and its peak RSS (VmHWM).
# BENCH_RUNS (default 10) issuances of BENCH_NAMES (default 1) names each.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
BRIDGE_BIN=$E2E_ROOT/build/acme-bridge
RUNS=${BENCH_RUNS:-10}
NAMES=${BENCH_NAMES:-1}
trap cleanup EXIT
W=$(new_workdir bench)
pebble_start "$W/pebble" >/dev/null
bridge_start "$W/bridge" || { echo "bench: bridge did not start"; exit 1; }
pid=$BRIDGE_PID
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

mkdir -p "$W/dh/wk"
cat >"$W/dh/config" <<CFG
CA="$BRIDGE_DIR_URL"
API=1
CHALLENGETYPE="http-01"
WELLKNOWN="$W/dh/wk"
BASEDIR="$W/dh"
KEY_ALGO=rsa
CFG
dehydrated --register --accept-terms --config "$W/dh/config" >/dev/null

c0=$(cpu)
walls=()
for i in $(seq 1 "$RUNS"); do
	args=()
	for n in $(seq 1 "$NAMES"); do args+=(-d "n$n-run$i.bench.example"); done
	t0=$(date +%s.%N)
	dehydrated -c "${args[@]}" --config "$W/dh/config" >"$W/dh/run$i.log" 2>&1 ||
		{ echo "bench: issuance $i failed"; tail -5 "$W/dh/run$i.log"; exit 1; }
	t1=$(date +%s.%N)
	walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
done
c1=$(cpu)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
bridge_stop >/dev/null

sorted=$(printf '%s\n' "${walls[@]}" | sort -n)
median=$(printf '%s\n' "$sorted" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
min=$(printf '%s\n' "$sorted" | head -1); max=$(printf '%s\n' "$sorted" | tail -1)
cpu_ms=$(awk -v a="$c0" -v b="$c1" -v t="$tck" -v r="$RUNS" 'BEGIN {print (b - a) * 1000 / t / r}')
printf 'bench: %d issuances of %d name(s) through acme-bridge against Pebble\n' "$RUNS" "$NAMES"
printf 'bench: client wall time per issuance (dehydrated, incl. its own openssl work): median %.3f s, min %.3f s, max %.3f s\n' "$median" "$min" "$max"
printf 'bench: acme-bridge CPU time per issuance: %.1f ms; peak RSS: %d KiB\n' "$cpu_ms" "$hwm"
for res in new-authz new-cert; do
	grep -E "POST /acme/$res -> 201" "$BRIDGE_LOG" | sed -E 's/.* ([0-9]+)ms .*/\1/' |
		sort -n | awk -v r="$res" '{a[NR]=$1} END {if (NR) printf "bench: %s latency inside the bridge: median %d ms, max %d ms over %d\n", r, a[int((NR+1)/2)], a[NR], NR}'
done
