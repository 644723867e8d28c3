#!/usr/bin/env bash
# Install the Debian packages acme-bridge builds and tests with, if missing.
# Needs root or sudo only when something is missing.
set -euo pipefail

need=(build-essential pkg-config libuv1-dev node-llhttp libssl-dev libjansson-dev
      libcurl4-openssl-dev libsqlite3-dev libpq-dev openssl curl ca-certificates)
# clang and libclang-rt-dev (libFuzzer; clang only recommends it) build
# the fuzz drivers that `make test` replays. man-db, groff-base, systemd and
# logrotate check what `make install` ships (tests/e2e/test_install.sh).
if [ "${ACME_BRIDGE_TEST_DEPS:-}" = 1 ]; then
	need+=(pebble dehydrated nodejs npm sqlite3 valgrind chromium clang-format clang libclang-rt-dev)
	# a real PostgreSQL server for the store suite and the instances tests,
	# haproxy in front of two bridges, nginx to check the stream example
	# (issue 11)
	need+=(postgresql haproxy nginx libnginx-mod-stream)
	need+=(man-db groff-base systemd logrotate)
fi
# make bench (tests/bench/bench.sh): the clients and servers it compares with.
if [ "${ACME_BRIDGE_BENCH_DEPS:-}" = 1 ]; then
	need+=(pebble nodejs uacme nginx wrk apache2-utils util-linux postgresql haproxy)
fi

missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A machine with its own Node.js (not Debian's) is fine for the tests.
if [ ${#missing[@]} -gt 0 ] && command -v node >/dev/null && command -v npm >/dev/null; then
	keep=(); for p in "${missing[@]}"; do case "$p" in nodejs|npm) ;; *) keep+=("$p");; esac; done
	missing=("${keep[@]+"${keep[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
