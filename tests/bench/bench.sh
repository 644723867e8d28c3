#!/usr/bin/env bash
# make bench: acme-bridge (release build) measured against Pebble on
# loopback (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=100, real validation), next to uacme (a plain
# RFC 8555 client, dns-01 through pebble-challtestsrv) on the same Pebble and
# next to nginx serving the same directory body. One run, one table at the
# end (docs/performance.md explains it):
#   a/b  issuance latency, 1 and 3 names: v1_driver.js (one keep-alive client
#        process, sequential) against the bridge vs one uacme process per
#        issuance, interleaved (bridge, uacme, bridge, ...); medians
#   c    upstream requests per issuance, counted in Pebble's log
#        ("METHOD /path -> calling handler()"); account set-up shown apart
#   d    bridge CPU (/proc/PID/task/*/schedstat, ns) per issuance
#   e    GET /directory (wrk) and HEAD (ab): bridge vs nginx (1 worker)
#   f    BENCH_FLOOD (300) concurrent one-name issuances by as many accounts,
#        at most BENCH_FLOOD_TIMEOUT (360) seconds; reported, never fatal
#   g    bridge RSS right after start, peak RSS (VmHWM) before and after f
# Knobs: BENCH_RUNS (10, one name), BENCH_RUNS3 (5, three names),
# BENCH_WRK_SECONDS (5), BENCH_WRK_CONNS (50), BENCH_FLOOD (300, 0 = skip),
# BENCH_FLOOD_TIMEOUT (360). No assertions on timings: exit status 1 only
# when a part could not run at all.
# The bridge runs with the connection and rate limits raised (every client
# here has one address, 127.0.0.1); everything else is the shipped default.
# uacme (curl built with GnuTLS) has no option for a CA file and reads the
# system bundle: it runs in its own mount namespace (unshare -m) where
# /etc/ssl/certs/ca-certificates.crt is that bundle plus Pebble's test CA.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
BRIDGE_BIN=$E2E_ROOT/build/acme-bridge
RUNS1=${BENCH_RUNS:-10}
RUNS3=${BENCH_RUNS3:-5}
WRK_S=${BENCH_WRK_SECONDS:-5}
WRK_C=${BENCH_WRK_CONNS:-50}
FLOOD=${BENCH_FLOOD:-300}
FLOOD_TIMEOUT=${BENCH_FLOOD_TIMEOUT:-360}
need_tools pebble pebble-challtestsrv node uacme nginx wrk ab unshare curl
[ -x "$BRIDGE_BIN" ] || die "$BRIDGE_BIN not built (make build/acme-bridge)"

DRV_PID="" FLOOD_PID=""
bench_exit() {
	[ -z "$DRV_PID" ] || kill -TERM "$DRV_PID" 2>/dev/null || true
	[ -z "$FLOOD_PID" ] || kill -TERM "$FLOOD_PID" 2>/dev/null || true
	cleanup
}
trap bench_exit EXIT
W=$(new_workdir bench)
echo "bench: work dir $W"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
notes=()
note() { notes+=("$*"); echo "bench: $*"; }

# Pebble reuses every valid authorization (its default is half of them), as
# Let's Encrypt does: issue 10 counts upstream requests that way.
export PEBBLE_AUTHZREUSE=100
pebble_start "$W/pebble" >/dev/null
unset PEBBLE_AUTHZREUSE
PLOG=$W/pebble/pebble.log
cat >"$W/bench.json" <<-EOF
	{
	  "max_connections": 2000, "max_connections_per_address": 2000,
	  "http01_max_connections": 2000, "http01_max_connections_per_address": 2000,
	  "rate_new_reg_per_minute": 0, "rate_post_per_minute": 0
	}
EOF
bridge_start "$W/bridge" --config "$W/bench.json" >/dev/null || die "bridge did not start (see $W/bridge/bridge.log)"
BPID=$BRIDGE_PID
sleep 0.5
rss_idle=$(awk '/^VmRSS/ {print $2}' "/proc/$BPID/status")

preq() { grep -c -- ' -> calling handler()' "$PLOG" || true; }
preq_of() { grep -c -- "$1 -> calling handler()" "$PLOG" || true; }
# CPU time in ns of all the bridge's threads (schedstat: not rounded to
# clock ticks as utime + stime are)
cpu_ns() { cat /proc/"$BPID"/task/*/schedstat | awk '{s += $1} END {printf "%d", s}'; }
now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR] = $1} END {if (!NR) print "-"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
p90() { sort -n | awk '{a[NR] = $1} END {if (!NR) print "-"; else {i = int(NR * 0.9 + 0.999); if (i > NR) i = NR; print a[i]}}'; }
maxof() { sort -n | tail -n 1; }
sum() { awk '{s += $1} END {print s + 0}'; }
jnum() { sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p" <<<"$2"; }

# ---------------------------------------------------------------- clients
# The v1 driver, one process for all sequential runs: a line "K" on its
# stdin runs one issuance of K fresh names, it answers with one JSON line.
r0=$(preq); s0=$(preq_of 'POST /sign-me-up')
coproc DRV { exec node tests/bench/v1_driver.js --url "$BRIDGE_URL" --stdin 1 --warmup 1 --tag seq 2>>"$W/driver.err"; }
DRV_PID=$DRV_PID
DRV_OUT=${DRV[0]} DRV_IN=${DRV[1]}
read -r -t 120 line <&"$DRV_OUT" || die "v1_driver did not get ready (see $W/driver.err)"
[ "$line" = '{"ready":true}' ] || die "v1_driver: $line"
bridge_setup_new_account=$(($(preq_of 'POST /sign-me-up') - s0))
bridge_setup_all=$(($(preq) - r0))

# uacme: account once (untimed), then one process per issuance.
U=$W/uacme
mkdir -p "$U"
cat /etc/ssl/certs/ca-certificates.crt "$PEBBLE_CA" >"$W/trust.pem"
ua() {
	# shellcheck disable=SC2016 # $0 and $@ belong to the inner sh
	unshare -m sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' "$W/trust.pem" \
		uacme -a "$PEBBLE_DIR_URL" -c "$U" -t EC -h "$E2E_ROOT/tests/bench/uacme_hook.sh" "$@"
}
r0=$(preq)
ua -y -v new </dev/null >"$U/new.log" 2>&1 || die "uacme new failed (see $U/new.log)"
uacme_setup=$(($(preq) - r0))

declare -A MS CPU REQ FAILS
for k in b1 u1 b3 u3; do MS[$k]=""; CPU[$k]=""; REQ[$k]=""; FAILS[$k]=0; done

bridge_run() { # bridge_run K
	local k=$1 c0 c1 r0 line ms
	c0=$(cpu_ns); r0=$(preq)
	echo "$k" >&"$DRV_IN"
	read -r -t 300 line <&"$DRV_OUT" || die "v1_driver stopped answering (see $W/driver.err)"
	c1=$(cpu_ns)
	echo "$line" >>"$W/driver.out"
	if [[ $line == *'"ok":true'* ]]; then
		ms=$(jnum ms "$line")
		MS[b$k]+="$ms "; CPU[b$k]+="$((c1 - c0)) "; REQ[b$k]+="$(($(preq) - r0)) "
	else
		FAILS[b$k]=$((FAILS[b$k] + 1)); echo "bench: bridge issuance failed: $line"
	fi
}
UA_N=0
uacme_run() { # uacme_run K
	local k=$1 t0 t1 r0 names=() n rc=0
	UA_N=$((UA_N + 1))
	for n in $(seq 1 "$k"); do names+=("u$UA_N-n$n.ua.bench.example"); done
	r0=$(preq); t0=$(now_ns)
	ua -v issue "${names[@]}" </dev/null >"$U/run$UA_N.log" 2>&1 || rc=$?
	t1=$(now_ns)
	if [ "$rc" -eq 0 ] && [ -s "$U/${names[0]}/cert.pem" ]; then
		MS[u$k]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e6}') "
		REQ[u$k]+="$(($(preq) - r0)) "
	else
		FAILS[u$k]=$((FAILS[u$k] + 1)); echo "bench: uacme issuance failed (exit $rc, $U/run$UA_N.log):"
		tail -n 3 "$U/run$UA_N.log" | sed 's/^/    | /'
	fi
}

echo "bench: a) $RUNS1 one-name issuances each, bridge and uacme interleaved"
for i in $(seq 1 "$RUNS1"); do bridge_run 1; uacme_run 1; done
echo "bench: b) $RUNS3 three-name issuances each"
for i in $(seq 1 "$RUNS3"); do bridge_run 3; uacme_run 3; done
exec {DRV_IN}>&-
read -r -t 30 line <&"$DRV_OUT" || true
wait "$DRV_PID" 2>/dev/null || true
DRV_PID=""
for k in b1 u1 b3 u3; do
	[ -n "${MS[$k]}" ] || die "no successful issuance for $k (see $W)"
done
hwm_seq=$(awk '/^VmHWM/ {print $2}' "/proc/$BPID/status")

# ---------------------------------------------------------- e) hot path
echo "bench: e) GET /directory (wrk -t1 -c$WRK_C -d${WRK_S}s) and HEAD (ab -k -i -c$WRK_C -t$WRK_S)"
N=$W/nginx
mkdir -p "$N/tmp"
curl -sf --max-time 10 -o "$N/directory" "$BRIDGE_DIR_URL" || die "GET /directory failed"
NPORT=$(free_port)
cat >"$N/nginx.conf" <<-EOF
	daemon off;
	master_process off;
	worker_processes 1;
	pid $N/nginx.pid;
	error_log $N/error.log;
	events { worker_connections 1024; }
	http {
	  access_log off;
	  client_body_temp_path $N/tmp; proxy_temp_path $N/tmp; fastcgi_temp_path $N/tmp;
	  uwsgi_temp_path $N/tmp; scgi_temp_path $N/tmp;
	  keepalive_requests 1000000;
	  server {
	    listen 127.0.0.1:$NPORT;
	    location = /directory { default_type application/json; alias $N/directory; }
	  }
	}
EOF
nginx -p "$N" -c "$N/nginx.conf" -e "$N/error.log" >"$N/stdout.log" 2>&1 &
E2E_PIDS+=("$!")
wait_for 15 curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$NPORT/directory" ||
	die "nginx did not start (see $N/error.log)"

declare -A RPS P99
to_ms() { # 1.23ms / 850.00us / 1.02s -> ms
	awk -v v="$1" 'BEGIN {u = v; sub(/^[0-9.]+/, "", u); n = v + 0
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n}'
}
wrk_run() { # wrk_run KEY URL [-s SCRIPT]
	local key=$1 url=$2; shift 2
	local out=$W/wrk-$key.txt
	wrk -t1 -c"$WRK_C" -d"${WRK_S}s" --latency "$@" "$url" </dev/null >"$out" 2>&1 || note "wrk $key: exit status $?"
	RPS[$key]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
	P99[$key]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
	[ -n "${RPS[$key]}" ] || { RPS[$key]=-; P99[$key]=-; note "wrk $key: no result (see $out)"; }
}
# wrk 4.1 cannot time HEAD (its parser waits for the body that Content-Length
# announces: 0 requests/s): HEAD is measured with ab -i, one thread too.
ab_run() { # ab_run KEY URL
	local key=$1 url=$2 out=$W/ab-$1.txt
	ab -k -i -c "$WRK_C" -t "$WRK_S" -n 100000000 "$url" </dev/null >"$out" 2>&1 || note "ab $key: exit status $?"
	RPS[$key]=$(awk '/^Requests per second:/ {printf "%.0f", $4}' "$out")
	P99[$key]=$(awk '$1 == "99%" {printf "%.2f", $2}' "$out")
	[ -n "${RPS[$key]}" ] || { RPS[$key]=-; P99[$key]=-; note "ab $key: no result (see $out)"; }
	local bad
	bad=$(awk '/^(Failed|Non-2xx)/ && $NF + 0 > 0' "$out" | tr -s ' ' | tr '\n' ';')
	[ -z "$bad" ] || note "ab $key: $bad"
}
wrk_run bget "$BRIDGE_DIR_URL"
wrk_run nget "http://127.0.0.1:$NPORT/directory"
ab_run bhead "$BRIDGE_DIR_URL"
ab_run nhead "http://127.0.0.1:$NPORT/directory"
for k in bget nget; do
	if grep -qE 'Non-2xx|Socket errors' "$W/wrk-$k.txt"; then
		note "wrk $k: $(grep -E 'Non-2xx|Socket errors' "$W/wrk-$k.txt" | tr -s ' ' | tr '\n' ';')"
	fi
done

# ------------------------------------------------------- f) the flood
flood_wall=- flood_ok=- flood_failed=- flood_req=- flood_median=- flood_max=- flood_what=""
probe_pebble=- probe_bridge=- probe_conns=- flood_last=-
hwm_flood=-
if [ "$FLOOD" -gt 0 ]; then
	echo "bench: f) $FLOOD concurrent one-name issuances by $FLOOD accounts (at most ${FLOOD_TIMEOUT}s)"
	r0=$(preq); s0=$(preq_of 'POST /sign-me-up'); l0=$(wc -l <"$PLOG"); t0=$(now_ns); rc=0
	# Every 5 s while it runs: does Pebble answer GET /dir, does the bridge
	# answer GET /directory (5 s each), how many connections has the bridge
	# open to Pebble.
	PPORT=$(sed -E 's#^https://[^:]+:([0-9]+)/.*#\1#' <<<"$PEBBLE_DIR_URL")
	(
		while sleep 5; do
			p=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$PEBBLE_CA" "$PEBBLE_DIR_URL" || true)
			b=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BRIDGE_DIR_URL" || true)
			c=$(ss -Htn state established "dport = :$PPORT" 2>/dev/null | wc -l)
			echo "$p $b $c"
		done
	) >"$W/flood-probes.txt" 2>/dev/null &
	probe_pid=$!
	E2E_PIDS+=("$probe_pid")
	# In the background and waited for, so that a signal to the bench stops
	# it too (bench_exit): bash runs no trap while a foreground child runs.
	timeout -k 5 "$FLOOD_TIMEOUT" node tests/bench/v1_driver.js --url "$BRIDGE_URL" --accounts "$FLOOD" \
		--concurrency "$FLOOD" --runs "$FLOOD" --tag flood --deadline-s $((FLOOD_TIMEOUT - 30)) \
		</dev/null >"$W/flood.out" 2>"$W/flood.err" &
	FLOOD_PID=$!
	wait "$FLOOD_PID" || rc=$?
	FLOOD_PID=""
	t1=$(now_ns)
	kill -TERM "$probe_pid" 2>/dev/null || true
	wait "$probe_pid" 2>/dev/null || true
	probes=$(wc -l <"$W/flood-probes.txt")
	probe_pebble="$(awk '$1 == 200' "$W/flood-probes.txt" | wc -l)/$probes"
	probe_bridge="$(awk '$2 == 200' "$W/flood-probes.txt" | wc -l)/$probes"
	probe_conns=$(awk 'BEGIN {m = 0} $3 > m {m = $3} END {print m}' "$W/flood-probes.txt")
	# when Pebble's handlers were last called, seconds after the flood began
	flood_last=$(tail -n +"$((l0 + 1))" "$PLOG" | awk -v t0="$(date -d "@$((t0 / 1000000000))" +%T)" '
		/ -> calling handler\(\)/ { last = $3 }
		END { if (last == "") { print "-"; exit }
			split(t0, a, ":"); split(last, b, ":")
			print (b[1] * 3600 + b[2] * 60 + b[3]) - (a[1] * 3600 + a[2] * 60 + a[3]) }')
	summary=$(grep '"summary":true' "$W/flood.out" | tail -n 1 || true)
	flood_ok=$(grep -c '"ok":true' "$W/flood.out" || true)
	if [ -n "$summary" ]; then
		flood_wall=$(awk -v m="$(jnum wall_ms "$summary")" 'BEGIN {printf "%.1f", m / 1000}')
		flood_failed=$(jnum failed "$summary")
		flood_median=$(awk -v m="$(jnum all_median_ms "$summary")" 'BEGIN {if (m == "") print "-"; else printf "%.1f", m / 1000}')
		flood_max=$(awk -v m="$(jnum all_max_ms "$summary")" 'BEGIN {if (m == "") print "-"; else printf "%.1f", m / 1000}')
		# the three most frequent errors
		flood_what=$(node -e '
			const s = JSON.parse(process.argv[1]);
			const e = Object.entries(s.errors || {}).slice(0, 3).map(([k, n]) => `${n} x ${k}`);
			process.stdout.write(e.join("; "));' "$summary" 2>/dev/null || true)
	else
		flood_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
		flood_failed=$((FLOOD - flood_ok))
		flood_what="driver exit $rc without a summary (killed at the time limit?); see $W/flood.err"
	fi
	[ "$rc" -eq 0 ] || note "flood: driver exit status $rc, $flood_ok ok; ${flood_what}"
	flood_req=$(awk -v n="$(($(preq) - r0 - ($(preq_of 'POST /sign-me-up') - s0)))" -v k="$FLOOD" \
		'BEGIN {printf "%.1f", n / k}')
	if kill -0 "$BPID" 2>/dev/null; then
		hwm_flood=$(awk '/^VmHWM/ {print $2}' "/proc/$BPID/status")
	else
		note "flood: the bridge is gone (see $W/bridge/bridge.log)"
	fi
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
bridge_stop >"$W/bridge-stop.txt"
grep -q '^ok' "$W/bridge-stop.txt" || note "bridge stop: $(head -n 3 "$W/bridge-stop.txt" | tr '\n' ' ')"

# ---------------------------------------------------------------- table
words() { tr ' ' '\n' <<<"$1" | sed '/^$/d'; }
med() { words "$1" | median; }
per_run() { awk -v s="$(words "$1" | sum)" -v n="$(words "$1" | wc -l)" 'BEGIN {printf "%.1f", n ? s / n : 0}'; }
cpu_ms() { awk -v s="$(words "$1" | sum)" -v n="$(words "$1" | wc -l)" 'BEGIN {printf "%.2f", n ? s / 1e6 / n : 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 == 0 || b + 0 == 0) print "-"; else printf "%.2f", a / b}'; }
f1() { awk -v v="$1" 'BEGIN {if (v == "-" || v == "") print "-"; else printf "%.1f", v}'; }
n1=$(words "${MS[b1]}" | wc -l); nu1=$(words "${MS[u1]}" | wc -l)
n3=$(words "${MS[b3]}" | wc -l); nu3=$(words "${MS[u3]}" | wc -l)
b1m=$(med "${MS[b1]}"); u1m=$(med "${MS[u1]}"); b3m=$(med "${MS[b3]}"); u3m=$(med "${MS[u3]}")
b1r=$(per_run "${REQ[b1]}"); u1r=$(per_run "${REQ[u1]}"); b3r=$(per_run "${REQ[b3]}"); u3r=$(per_run "${REQ[u3]}")

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
T=$W/table.txt
{
	echo "acme-bridge make bench, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "machine: $(nproc) x $cpu_model; kernel $(uname -r)"
	echo "load average: $load_start at start, $load_end at end"
	echo "Pebble $(dpkg-query -W -f='${Version}' pebble 2>/dev/null || echo '?') on loopback, PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=100, real validation"
	echo "uacme $(dpkg-query -W -f='${Version}' uacme 2>/dev/null || echo '?'), nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')"
	echo
	fmt='%-44s %12s %12s %8s\n'
	# shellcheck disable=SC2059
	{
		printf "$fmt" "measure" "acme-bridge" "other" "ratio"
		printf "$fmt" "--- issuance (other: uacme)" "" "" ""
		printf "$fmt" "1 name, median ms (n=$n1/$nu1)" "$(f1 "$b1m")" "$(f1 "$u1m")" "$(ratio "$b1m" "$u1m")"
		printf "$fmt" "1 name, p90 ms" "$(f1 "$(words "${MS[b1]}" | p90)")" "$(f1 "$(words "${MS[u1]}" | p90)")" ""
		printf "$fmt" "1 name, max ms" "$(f1 "$(words "${MS[b1]}" | maxof)")" "$(f1 "$(words "${MS[u1]}" | maxof)")" ""
		printf "$fmt" "3 names, median ms (n=$n3/$nu3)" "$(f1 "$b3m")" "$(f1 "$u3m")" "$(ratio "$b3m" "$u3m")"
		printf "$fmt" "3 names, max ms" "$(f1 "$(words "${MS[b3]}" | maxof)")" "$(f1 "$(words "${MS[u3]}" | maxof)")" ""
		printf "$fmt" "failed issuances (1 name + 3 names)" "$((FAILS[b1] + FAILS[b3]))" "$((FAILS[u1] + FAILS[u3]))" ""
		printf "$fmt" "--- upstream requests (Pebble log)" "" "" ""
		printf "$fmt" "per issuance, 1 name" "$b1r" "$u1r" "$(ratio "$b1r" "$u1r")"
		printf "$fmt" "per issuance, 3 names" "$b3r" "$u3r" "$(ratio "$b3r" "$u3r")"
		printf "$fmt" "account set-up, once (newAccount / all)" "$bridge_setup_new_account" "$uacme_setup" ""
		printf "$fmt" "--- bridge CPU (schedstat)" "" "" ""
		printf "$fmt" "ms per issuance, 1 name" "$(cpu_ms "${CPU[b1]}")" "" ""
		printf "$fmt" "ms per issuance, 3 names" "$(cpu_ms "${CPU[b3]}")" "" ""
		printf "$fmt" "--- /directory, $WRK_C conns, ${WRK_S}s (other: nginx)" "" "" ""
		printf "$fmt" "GET requests/s (wrk)" "${RPS[bget]}" "${RPS[nget]}" "$(ratio "${RPS[bget]}" "${RPS[nget]}")"
		printf "$fmt" "GET p99 ms" "${P99[bget]}" "${P99[nget]}" "$(ratio "${P99[bget]}" "${P99[nget]}")"
		printf "$fmt" "HEAD requests/s (ab)" "${RPS[bhead]}" "${RPS[nhead]}" "$(ratio "${RPS[bhead]}" "${RPS[nhead]}")"
		printf "$fmt" "HEAD p99 ms (ab: whole ms)" "${P99[bhead]}" "${P99[nhead]}" "$(ratio "${P99[bhead]}" "${P99[nhead]}")"
		printf "$fmt" "--- $FLOOD concurrent issuances, $FLOOD accounts" "" "" ""
		printf "$fmt" "wall time s (limit ${FLOOD_TIMEOUT}s)" "$flood_wall" "" ""
		printf "$fmt" "ok / failed" "$flood_ok / $flood_failed" "" ""
		printf "$fmt" "issuance median / max s (ok or not)" "$flood_median / $flood_max" "" ""
		printf "$fmt" "upstream requests per issuance" "$flood_req" "" ""
		printf "$fmt" "last upstream request, s after start" "$flood_last" "" ""
		printf "$fmt" "5 s probes answered: Pebble / bridge" "$probe_pebble / $probe_bridge" "" ""
		printf "$fmt" "most bridge-Pebble connections seen" "$probe_conns" "" ""
		printf "$fmt" "--- bridge memory (KiB)" "" "" ""
		printf "$fmt" "RSS idle, right after start" "$rss_idle" "" ""
		printf "$fmt" "peak RSS after a-e" "$hwm_seq" "" ""
		printf "$fmt" "peak RSS after the $FLOOD" "$hwm_flood" "" ""
	}
	if [ ${#notes[@]} -gt 0 ]; then
		echo
		printf 'note: %s\n' "${notes[@]}"
	fi
} >"$T"
echo
cat "$T"
echo "bench: table in $T"
