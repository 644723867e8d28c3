#!/usr/bin/env bash
# run.sh SECONDS DRIVER...: run each libFuzzer driver for SECONDS over its
# seeds (tests/fuzz/corpus/<driver>/, read only) and a scratch corpus
# (build/fuzz/corpus/<driver>/, where new inputs go; logs in
# build/fuzz/log/). Every seed is run first, so this is also the replay.
# A crash, leak, sanitizer report or timeout fails the run; the input is
# left as build/fuzz/crash/<driver>-*.
# FUZZ_FRESH=1 starts from the seeds alone (an empty scratch corpus).
# Prints each driver's executions and exec/s, and a closing total.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=$1
shift
mkdir -p build/fuzz/crash build/fuzz/log
fail=0
for bin in "$@"; do
	d=$(basename "$bin")
	seeds=tests/fuzz/corpus/$d
	work=build/fuzz/corpus/$d
	if [ "${FUZZ_FRESH:-}" = 1 ]; then
		# a replay: the seeds only, not what earlier runs found
		work=build/fuzz/replay/$d
		rm -rf "$work"
	fi
	mkdir -p "$work" "$seeds"
	log=build/fuzz/log/$d.log
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=1 \
		-print_final_stats=1 -artifact_prefix="build/fuzz/crash/$d-" \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
	speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
	nseeds=$(find "$seeds" -type f | wc -l)
	if [ $rc -ne 0 ]; then
		echo "fuzz: $d FAILED (exit $rc), see $log:"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -5
		fail=$((fail + 1))
	else
		printf 'fuzz: %-16s %3s seeds, %10s runs, %7s exec/s\n' \
			"$d" "$nseeds" "${runs:-?}" "${speed:-?}"
	fi
done
echo "fuzz: $# drivers, $fail failed"
[ $fail = 0 ]
