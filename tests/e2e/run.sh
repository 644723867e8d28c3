#!/usr/bin/env bash
# End-to-end tests: one Pebble (+ pebble-challtestsrv) for the whole run, then
# every test script in order, each with its own acme-bridge (build/asan).
# Closing line: "e2e: N passed, N failed"; exit status non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

SCRIPTS=(
	test_acme2_probe.sh
	test_directory.sh
	test_v1_wire.sh
	test_badinput.sh
	test_lifecycle.sh
	test_dehydrated.sh
	test_acme_client.sh
	test_report.sh
	test_observe.sh
	test_limits.sh
	test_authz_rules.sh
	test_pending.sh
	test_manage.sh
	test_dns01.sh
	test_client_proof.sh
	test_policy.sh
	test_accounts.sh
	test_faults.sh
	test_page.sh
	test_hostile_conn.sh
	test_hostile_keys.sh
	test_hostile_limits.sh
	test_hostile_ids.sh
	test_install.sh
	test_page_nonce.sh
	test_drain.sh
	test_quickstart.sh
	test_health.sh
	test_eab.sh
	test_tls.sh
	test_upstreams.sh
	test_roundtrips.sh
	test_queue.sh
	test_store_copy.sh
	test_pg_serve.sh
	test_ha.sh
)
# Scripts named on the command line run instead of the whole list
# (bash tests/e2e/run.sh test_upstreams.sh): for working on one.
[ $# -gt 0 ] && SCRIPTS=("$@")
SCRIPT_TIMEOUT=${E2E_SCRIPT_TIMEOUT:-300}

# ---- prerequisites (tests/deps.sh installs the Debian packages if missing)
missing=()
for tool in pebble pebble-challtestsrv dehydrated node npm sqlite3 openssl curl chromium; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "e2e: missing ${missing[*]}; running tests/deps.sh"
	ACME_BRIDGE_TEST_DEPS=1 bash tests/deps.sh </dev/null || true
fi
for tool in pebble pebble-challtestsrv dehydrated node npm sqlite3 openssl curl chromium; do
	command -v "$tool" >/dev/null 2>&1 || { echo "e2e: $tool is not installed"; echo "e2e: 0 passed, 1 failed"; exit 1; }
done
if [ ! -x "$BRIDGE_BIN" ]; then
	echo "e2e: $BRIDGE_BIN is missing (make build/asan/acme-bridge)"
	echo "e2e: 0 passed, 1 failed"
	exit 1
fi

# A directory of its own for this run (another run may be going on in the
# same tree); runs older than a day are removed.
mkdir -p "$E2E_WORK_ROOT/runs"
find "$E2E_WORK_ROOT/runs" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
E2E_RUNS_DIR=$(mktemp -d "$E2E_WORK_ROOT/runs/$(date +%Y%m%d-%H%M%S).XXXX")
export E2E_RUNS_DIR
export E2E_RESULTS_FILE="$E2E_RUNS_DIR/results"
: >"$E2E_RESULTS_FILE"

trap cleanup EXIT
start=$SECONDS
pebble_start "$E2E_RUNS_DIR/pebble"
echo "e2e: Pebble at $PEBBLE_DIR_URL (http-01 port $HTTP01_PORT), logs in $E2E_RUNS_DIR"

total_pass=0
total_fail=0
summary=()
for s in "${SCRIPTS[@]}"; do
	lines_before=$(wc -l <"$E2E_RESULTS_FILE")
	t0=$SECONDS
	rc=0
	timeout -k 10 "$SCRIPT_TIMEOUT" bash "tests/e2e/$s" </dev/null || rc=$?
	p=0 f=0
	if [ "$(wc -l <"$E2E_RESULTS_FILE")" -gt "$lines_before" ]; then
		read -r _ p f < <(tail -n 1 "$E2E_RESULTS_FILE")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# died without counting its failure (timeout, crash of the script itself)
		echo "FAIL - $s: exit status $rc"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	summary+=("$(printf '  %-22s %3d ok %3d failed  (%d s)' "$s" "$p" "$f" $((SECONDS - t0)))")
done

# Pebble itself must still be up: a crash there would explain odd failures.
if ! kill -0 "${PEBBLE_PID:-0}" 2>/dev/null; then
	echo "FAIL - pebble died during the run (see $PEBBLE_WORKDIR/pebble.log)"
	total_fail=$((total_fail + 1))
fi

echo
echo "e2e results ($((SECONDS - start)) s):"
printf '%s\n' "${summary[@]}"
echo "e2e: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
