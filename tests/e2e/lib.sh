# shellcheck shell=bash
# Shared helpers for the acme-bridge end-to-end tests (sourced, not run).
#
# Results (never abort the script; run.sh sums them):
#   pass NAME / fail NAME WHY, assert_eq NAME WANT GOT, assert_match NAME ERE GOT
#   check_problem NAME PREFIX STATUS(ES) TYPE   a v1 problem document + Replay-Nonce
#   e2e_begin NAME   traps + fresh work dir $W;   finish   summary line and exit status
# Processes (all stopped by PID in the EXIT trap, `cleanup`):
#   free_port                      a free loopback TCP+UDP port in 20000-31999
#   pebble_start WORKDIR           throwaway TLS CA + pebble-challtestsrv + pebble;
#                                  exports PEBBLE_DIR_URL PEBBLE_CA PEBBLE_MGMT HTTP01_PORT
#                                  CHALLTESTSRV_MGMT CHALLTESTSRV_DNS;
#                                  PEBBLE_VA_NOSLEEP=1 unless E2E_PEBBLE_SLEEP=1;
#                                  PEBBLE_HTTP_PORT=N: the VA fetches http-01 from port N
#                                  (a static server, say) instead of HTTP01_PORT;
#                                  PEBBLE_EAB=1: External Account Binding required, MAC key
#                                  PEBBLE_EAB_KEY (base64url) for key id PEBBLE_EAB_KID
#   pebble_ensure WORKDIR          reuse the Pebble exported by run.sh, else start one
#   pebble_roots WORKDIR           WORKDIR/root.pem, WORKDIR/intermediate.pem
#   bridge_start WORKDIR [flags]   build/asan/acme-bridge in the background ($BRIDGE_BIN;
#                                  plus $E2E_BRIDGE_FLAGS, e.g. "--log-level debug";
#                                  --agree-tos unless BRIDGE_NO_AGREE=1);
#                                  sets BRIDGE_URL BRIDGE_DIR_URL BRIDGE_STATE BRIDGE_LOG
#   bridge_stop                    SIGTERM, wait, require exit 0 and no sanitizer report
# HTTP and ACME v1:
#   http_req PREFIX CURLARGS...    PREFIX.hdr / PREFIX.body; prints the status
#   hdr / hdrs FILE NAME           header value(s) of the last response in FILE
#   link_rel FILE REL              URL of a Link in the exact form <URL>;rel="REL"
#   json_get FILE KEY...           value at a JSON path
#   fresh_nonce                    Replay-Nonce of HEAD /directory
#   v1_post PREFIX URL KEY RES PAYLOAD [jws.js flags]   signed v1 POST (jws.js);
#                                  E2E_NONCE, E2E_UA: that nonce, that User-Agent
#   new_rsa_key, make_csr, b64url_file, cert_sans
#   v1_tos                         terms-of-service URL of the bridge's directory
#   v1_new_reg PREFIX KEY [PAYLOAD]            new-reg (default '{}'); prints the status
#   v1_new_authz PREFIX KEY NAME               new-authz for a dns NAME; prints the status
#   v1_new_cert PREFIX KEY NAME...             new-cert, fresh CSR (PREFIX.csr/); prints the status
#   new_account PREFIX KEY NAME [AGREEMENT]    fresh KEY, new-reg agreeing to AGREEMENT
#                                  (default $(v1_tos)); assert_eq NAME 201
#   cert_verifies NAME PEM         pass NAME if PEM verifies against $W/root.pem +
#                                  $W/intermediate.pem (pebble_roots "$W")
# Tools and clients:
#   need_tools TOOL...             die unless every TOOL is on PATH
#   npm_ensure PKG VERSION [EXACT] PKG@VERSION in $NODE_DIR ($E2E_WORK_ROOT/node) unless
#                                  there (EXACT: its package.json must say that version)
#   node_results PREFIX EXIT-NAME RC OUT ERR   pass/fail "PREFIX: X" for each "RESULT ok X"
#                                  / "RESULT fail X: WHY" line of OUT; then EXIT-NAME on RC
#   dh_config DIR [LINE...]        dehydrated config DIR/config (API=1, http-01, rsa 2048,
#                                  BASEDIR DIR, WELLKNOWN DIR/wellknown, CONTACT_EMAIL
#                                  e2e@example.com); each LINE appended (the config is
#                                  sourced shell: a later line wins, CONTACT_EMAIL= drops it)
#   dh NAME DIR ARGS...            dehydrated --config DIR/config ARGS, log DIR/NAME.log;
#                                  pass/fail "dehydrated NAME: exit 0"
#   dh_rc NAME DIR ARGS...         the same, printing the exit status instead
#   dh_cert_check DIR CERT SANS VERIFY-NAME  DIR/certs/CERT/cert.pem exists, verifies
#                                  (cert_verifies VERIFY-NAME), "dehydrated CERT: SANs"
# Fault relay (relay.js in front of Pebble):
#   relay_start NAME [PORT [FAULT]] W/NAME.port, W/NAME.log; sets RELAY (its origin);
#                                  FAULT (JSON) is in force from the first request
#   relay_fault JSON / relay_clear add one fault / remove them all

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_ROOT=$(cd "$E2E_DIR/../.." && pwd)
E2E_WORK_ROOT=${E2E_WORK_ROOT:-$E2E_DIR/work}
BRIDGE_BIN=${BRIDGE_BIN:-$E2E_ROOT/build/asan/acme-bridge}
E2E_CURL_TIMEOUT=${E2E_CURL_TIMEOUT:-90}

E2E_PASSED=0
E2E_FAILED=0
E2E_PIDS=()        # every background process this script started
E2E_PORTS_TAKEN=" " # ports handed out by free_port in this process
E2E_PORTS_FILE=$(mktemp "${TMPDIR:-/tmp}/acme-bridge-e2e-ports.XXXXXX") # ... and in its subshells
BRIDGE_PID=""

# ---------------------------------------------------------------- results
pass() {
	E2E_PASSED=$((E2E_PASSED + 1))
	printf 'ok   - %s\n' "$1"
}

fail() {
	E2E_FAILED=$((E2E_FAILED + 1))
	printf 'FAIL - %s: %s\n' "$1" "${2:-}"
}

# check NAME CMD... : pass if CMD succeeds, fail otherwise.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# assert_eq NAME EXPECTED GOT
assert_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# assert_match NAME ERE STRING
assert_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then pass "$1"; else fail "$1" "'$3' does not match /$2/"; fi
}

E2E_SUMMARY_DONE=""
e2e_summary() {
	local script
	script=$(basename "$0")
	E2E_SUMMARY_DONE=1
	printf -- '-- %s: passed %d, failed %d\n' "$script" "$E2E_PASSED" "$E2E_FAILED"
	if [ -n "${E2E_RESULTS_FILE:-}" ]; then
		printf '%s %d %d\n' "$script" "$E2E_PASSED" "$E2E_FAILED" >>"$E2E_RESULTS_FILE"
	fi
}

# e2e_begin NAME: traps, and W = a fresh work directory for this script.
e2e_begin() {
	trap e2e_exit_trap EXIT
	trap 'echo "  (line $LINENO: command failed: $BASH_COMMAND)" >&2' ERR
	W=$(new_workdir "$1")
	echo "== $(basename "$0") (work dir $W)"
}

# finish: summary, exit status 0 only when nothing failed.
finish() {
	e2e_summary
	[ "$E2E_FAILED" -eq 0 ] && exit 0
	exit 1
}

e2e_exit_trap() {
	local rc=$?
	trap - ERR
	cleanup
	if [ -z "$E2E_SUMMARY_DONE" ]; then
		fail "$(basename "$0")" "aborted early (exit status $rc)"
		e2e_summary
		rc=1
	fi
	exit "$rc"
}

# --------------------------------------------------------------- processes
die() {
	printf 'FATAL: %s\n' "$*" >&2
	exit 2
}

# Each run.sh gets its own E2E_RUNS_DIR, so runs in the same tree can overlap.
E2E_RUNS_DIR=${E2E_RUNS_DIR:-$E2E_WORK_ROOT/runs/single}

new_workdir() { # new_workdir NAME -> prints a fresh directory
	mkdir -p "$E2E_RUNS_DIR"
	mktemp -d "$E2E_RUNS_DIR/$1.XXXXXX"
}

cleanup() {
	local pid d
	rm -f "$E2E_PORTS_FILE"
	for d in "${E2E_PG_DIRS[@]+"${E2E_PG_DIRS[@]}"}"; do
		PG_CLUSTER_REMOVE=1 bash "$E2E_ROOT/tests/pg_cluster.sh" stop "$d" || true
	done
	E2E_PG_DIRS=()
	if [ -n "$BRIDGE_PID" ] && kill -0 "$BRIDGE_PID" 2>/dev/null; then
		kill -TERM "$BRIDGE_PID" 2>/dev/null || true
	fi
	for pid in "${E2E_PIDS[@]+"${E2E_PIDS[@]}"}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${E2E_PIDS[@]+"${E2E_PIDS[@]}"}"; do
		local i
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	E2E_PIDS=()
}

# pg_start DIR: a throwaway PostgreSQL server (tests/pg_cluster.sh) in DIR,
# its URI in PG_URI (password from DIR/pgpass); stopped and removed by
# cleanup.
E2E_PG_DIRS=()
pg_start() {
	PG_URI=$(bash "$E2E_ROOT/tests/pg_cluster.sh" start "$1") || die "PostgreSQL did not start (see $1)"
	E2E_PG_DIRS+=("$1")
}

# port_busy PORT: true if something listens on tcp or udp PORT on loopback
port_busy() {
	local p=$1
	if command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -Htuln "sport = :$p" 2>/dev/null)" ]
		return
	fi
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
}

free_port() {
	local p i
	for i in $(seq 1 200); do
		# below the kernel's ephemeral range (32768-60999): no client socket
		# can take the port between the check and the bind
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		case "$E2E_PORTS_TAKEN" in *" $p "*) continue ;; esac
		# $(free_port) runs in a subshell, so E2E_PORTS_TAKEN alone would
		# forget the port: the file remembers it for this script.
		grep -qx "$p" "$E2E_PORTS_FILE" 2>/dev/null && continue
		if ! port_busy "$p"; then
			E2E_PORTS_TAKEN="$E2E_PORTS_TAKEN$p "
			echo "$p" >>"$E2E_PORTS_FILE"
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# wait_for SECONDS CMD... : poll CMD every 0.2 s until it succeeds
wait_for() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@" >/dev/null 2>&1
}

# ------------------------------------------------------------------ pebble
make_tls_ca() { # make_tls_ca DIR: DIR/tls-ca.pem, DIR/tls-cert.pem, DIR/tls-key.pem
	local d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/tls-ca.key" -out "$d/tls-ca.pem" -days 2 -subj "/CN=acme-bridge e2e TLS CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/tls-key.pem" -out "$d/tls.csr" -subj "/CN=localhost" 2>/dev/null
	cat >"$d/tls-ext.cnf" <<-EOF
		basicConstraints=critical,CA:FALSE
		keyUsage=critical,digitalSignature,keyEncipherment
		extendedKeyUsage=serverAuth
		subjectAltName=DNS:localhost,IP:127.0.0.1
		authorityKeyIdentifier=keyid
		subjectKeyIdentifier=hash
	EOF
	openssl x509 -req -in "$d/tls.csr" -CA "$d/tls-ca.pem" -CAkey "$d/tls-ca.key" \
		-CAcreateserial -days 2 -sha256 -extfile "$d/tls-ext.cnf" -out "$d/tls-cert.pem" 2>/dev/null
}

pebble_start() { # pebble_start WORKDIR
	local d=$1
	mkdir -p "$d"
	command -v pebble >/dev/null || die "pebble not installed (apt-get install pebble)"
	make_tls_ca "$d" || die "cannot create Pebble's TLS certificate"

	local pport mport dport cport hport
	pport=$(free_port); mport=$(free_port); dport=$(free_port)
	cport=$(free_port); hport=$(free_port)
	# PEBBLE_EAB=1: newAccount must carry External Account Binding for
	# key id PEBBLE_EAB_KID with MAC key PEBBLE_EAB_KEY (base64url).
	local eab_required=false eab_keys=""
	if [ "${PEBBLE_EAB:-0}" = 1 ]; then
		export PEBBLE_EAB_KID=${PEBBLE_EAB_KID:-kid-1}
		export PEBBLE_EAB_KEY=${PEBBLE_EAB_KEY:-zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W}
		eab_required=true
		eab_keys=",
		    \"externalAccountMACKeys\": {\"$PEBBLE_EAB_KID\": \"$PEBBLE_EAB_KEY\"}"
	fi
	cat >"$d/pebble.json" <<-EOF
		{
		  "pebble": {
		    "listenAddress": "127.0.0.1:$pport",
		    "managementListenAddress": "127.0.0.1:$mport",
		    "certificate": "$d/tls-cert.pem",
		    "privateKey": "$d/tls-key.pem",
		    "httpPort": ${PEBBLE_HTTP_PORT:-$hport},
		    "tlsPort": $(free_port),
		    "ocspResponderURL": "",
		    "externalAccountBindingRequired": ${eab_required}${eab_keys}
		  }
		}
	EOF

	pebble-challtestsrv -dns01 "127.0.0.1:$dport" -management "127.0.0.1:$cport" \
		-http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		>"$d/challtestsrv.log" 2>&1 &
	E2E_PIDS+=("$!")
	wait_for 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$cport" ||
		die "pebble-challtestsrv did not start (see $d/challtestsrv.log)"

	# Real validation (never the always-valid switch), default NONCEREJECT and AUTHZREUSE.
	# E2E_PEBBLE_SLEEP=1 keeps the VA's random 0-4 s sleep before each validation.
	local va_env=(env PEBBLE_VA_NOSLEEP=1)
	[ "${E2E_PEBBLE_SLEEP:-0}" = 1 ] && va_env=(env -u PEBBLE_VA_NOSLEEP)
	"${va_env[@]}" pebble -config "$d/pebble.json" -dnsserver "127.0.0.1:$dport" \
		>"$d/pebble.log" 2>&1 &
	E2E_PIDS+=("$!")
	PEBBLE_PID=$!
	wait_for 30 curl -sf --max-time 2 --cacert "$d/tls-ca.pem" "https://127.0.0.1:$pport/dir" ||
		die "pebble did not answer on https://127.0.0.1:$pport/dir (see $d/pebble.log)"

	export PEBBLE_DIR_URL="https://127.0.0.1:$pport/dir"
	export PEBBLE_CA="$d/tls-ca.pem"
	export PEBBLE_MGMT="https://127.0.0.1:$mport"
	export HTTP01_PORT=$hport
	export PEBBLE_WORKDIR=$d
	export CHALLTESTSRV_MGMT="http://127.0.0.1:$cport" # set-txt/clear-txt (dns-01)
	export CHALLTESTSRV_DNS="127.0.0.1:$dport" # its DNS server (UDP), e.g. for proof_resolver
	E2E_PORTS_TAKEN="$E2E_PORTS_TAKEN$pport $mport $dport $cport $hport "
}

# Reuse the Pebble that run.sh started (exported variables), else start our own.
pebble_ensure() {
	if [ -n "${PEBBLE_DIR_URL:-}" ] && [ -n "${PEBBLE_CA:-}" ] &&
		curl -sf --max-time 5 --cacert "$PEBBLE_CA" "$PEBBLE_DIR_URL" >/dev/null 2>&1; then
		E2E_PORTS_TAKEN="$E2E_PORTS_TAKEN$HTTP01_PORT "
		return 0
	fi
	pebble_start "$1/pebble"
}

pebble_roots() { # pebble_roots WORKDIR -> WORKDIR/root.pem WORKDIR/intermediate.pem
	local d=$1
	if ! { curl -sf --max-time 10 --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/roots/0" -o "$d/root.pem" &&
		curl -sf --max-time 10 --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/intermediates/0" -o "$d/intermediate.pem" &&
		openssl x509 -in "$d/root.pem" -noout 2>/dev/null &&
		openssl x509 -in "$d/intermediate.pem" -noout 2>/dev/null; }; then
		die "cannot fetch Pebble's root/intermediate from $PEBBLE_MGMT"
	fi
}

# ------------------------------------------------------------------ bridge
bridge_start() { # bridge_start WORKDIR [extra flags]
	local d=$1; shift
	[ -x "$BRIDGE_BIN" ] || die "$BRIDGE_BIN not built (make build/asan/acme-bridge)"
	mkdir -p "$d"
	# The same port on a restart when the caller wants it (BRIDGE_PORT preset).
	# A new bridge (BRIDGE_PORT unset) gets a new admin port as well.
	if [ -z "${BRIDGE_PORT:-}" ]; then
		BRIDGE_PORT=$(free_port)
		BRIDGE_ADMIN_PORT=$(free_port)
	fi
	BRIDGE_STATE=${BRIDGE_STATE:-$d/state.db}
	BRIDGE_LOG=$d/bridge.log
	BRIDGE_ADMIN_PORT=${BRIDGE_ADMIN_PORT:-$(free_port)}
	BRIDGE_ADMIN_URL="http://127.0.0.1:$BRIDGE_ADMIN_PORT"
	BRIDGE_URL="http://127.0.0.1:$BRIDGE_PORT"
	BRIDGE_DIR_URL="$BRIDGE_URL/directory"
	# --agree-tos unless the caller sets BRIDGE_NO_AGREE=1 (v1 clients must agree themselves)
	local agree=--agree-tos
	[ "${BRIDGE_NO_AGREE:-0}" = 1 ] && agree=""
	echo "### bridge start $(date +%T) ${agree:+$agree }$*" >>"$BRIDGE_LOG"
	# shellcheck disable=SC2086 # E2E_BRIDGE_FLAGS is split into words on purpose
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$BRIDGE_BIN" --listen "127.0.0.1:$BRIDGE_PORT" --upstream "$PEBBLE_DIR_URL" \
		--upstream-ca "$PEBBLE_CA" --http01-listen "127.0.0.1:$HTTP01_PORT" \
		--state "$BRIDGE_STATE" --admin-listen "127.0.0.1:$BRIDGE_ADMIN_PORT" \
		${agree:+"$agree"} "$@" ${E2E_BRIDGE_FLAGS:-} 2>>"$BRIDGE_LOG" >>"$BRIDGE_LOG" &
	BRIDGE_PID=$!
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		if ! kill -0 "$BRIDGE_PID" 2>/dev/null; then
			local rc=0
			wait "$BRIDGE_PID" || rc=$?
			BRIDGE_PID=""
			fail "bridge starts" "exited with status $rc during start-up; log tail:"
			tail -n 30 "$BRIDGE_LOG" | sed 's/^/    | /'
			return 1
		fi
		if curl -s -o /dev/null --max-time 2 "$BRIDGE_DIR_URL"; then
			return 0
		fi
		sleep 0.2
	done
	fail "bridge starts" "no answer on $BRIDGE_DIR_URL within 30 s"
	return 1
}

# bridge_flush: the running bridge writes the inventory it holds in memory
# (SIGHUP; it writes it every 5 s anyway), for a report or a query right now
bridge_flush() {
	local line='SIGHUP: access log reopened, inventory written' n
	n=$(grep -c "$line" "$BRIDGE_LOG" || true)
	kill -HUP "$BRIDGE_PID" || die "bridge_flush: no bridge running"
	wait_for 10 eval '[ "$(grep -c "$line" "$BRIDGE_LOG")" -gt "$n" ]' ||
		die "bridge_flush: no flush logged within 10 s"
}

# bridge_draining: the last bridge started logged "draining" and not "stopping"
bridge_draining() {
	awk '/^### bridge start/ { d = 0 } / INFO draining: / { d = 1 } / INFO stopping$/ { d = 0 }
		END { exit !d }' "$BRIDGE_LOG"
}

bridge_stop() {
	local name="bridge exits cleanly on SIGTERM"
	if [ -z "$BRIDGE_PID" ]; then
		fail "$name" "bridge was not running"
		return 0
	fi
	local pid=$BRIDGE_PID rc=0 i
	BRIDGE_PID=""
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" || rc=$?
		fail "$name" "bridge had already exited (status $rc) before SIGTERM"
		tail -n 40 "$BRIDGE_LOG" | sed 's/^/    | /'
		return 0
	fi
	kill -TERM "$pid"
	for i in $(seq 1 200); do # 20 s
		kill -0 "$pid" 2>/dev/null || break
		# The first SIGTERM drains (work in progress may run on for
		# drain_timeout_ms); a second one stops at once. Only while it
		# drains: once stopping, SIGTERM has its default action again.
		[ "$i" -ne 50 ] || ! bridge_draining || kill -TERM "$pid" 2>/dev/null || true
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		fail "$name" "still running 20 s after SIGTERM (killed)"
		return 0
	fi
	wait "$pid" || rc=$?
	if grep -Eq 'ERROR: AddressSanitizer|LeakSanitizer|runtime error' "$BRIDGE_LOG"; then
		fail "$name" "exit status $rc, sanitizer report in $BRIDGE_LOG:"
		grep -E -A 25 'ERROR: AddressSanitizer|LeakSanitizer|runtime error' "$BRIDGE_LOG" |
			head -n 60 | sed 's/^/    | /'
	elif [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc"
		tail -n 40 "$BRIDGE_LOG" | sed 's/^/    | /'
	else
		pass "$name"
	fi
	return 0
}

# -------------------------------------------------------------------- http
# http_req PREFIX CURLARGS... : PREFIX.hdr (all header blocks), PREFIX.body;
# prints the final status code (000 on a transport error).
http_req() {
	local p=$1; shift
	: >"$p.hdr"; : >"$p.body"
	curl -s --max-time "$E2E_CURL_TIMEOUT" -D "$p.hdr" -o "$p.body" -w '%{http_code}' "$@" || true
}

# hdr FILE NAME: value of the first NAME header of the last response in FILE
hdr() {
	awk -v want="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" '
		/^HTTP\// { n = 0; delete v }
		{ sub(/\r$/, "") }
		{ i = index($0, ":"); if (i == 0) next
		  k = tolower(substr($0, 1, i - 1)); val = substr($0, i + 1); sub(/^[ \t]+/, "", val)
		  if (k == want && !(k in v)) v[k] = val }
		END { if (want in v) print v[want]; else exit 1 }' "$1"
}

# hdrs FILE NAME: every NAME header line's value of the last response, one per line
hdrs() {
	awk -v want="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" '
		/^HTTP\// { n = 0 }
		{ sub(/\r$/, "") }
		{ i = index($0, ":"); if (i == 0) next
		  k = tolower(substr($0, 1, i - 1)); val = substr($0, i + 1); sub(/^[ \t]+/, "", val)
		  if (k == want) out[n++] = val }
		END { for (j = 0; j < n; j++) print out[j] }' "$1"
}

# link_rel FILE REL: URL of the Link header with rel="REL" in Boulder's exact
# format <URL>;rel="REL" (no space, quoted), as acme-client's parser needs it.
link_rel() {
	hdrs "$1" link | tr ',' '\n' | sed -n "s/^ *<\([^>]*\)>;rel=\"$2\"\$/\1/p" | head -n 1
}

# ---------------------------------------------------------------- ACME v1
# fresh_nonce: a new nonce from HEAD /directory (empty on failure)
fresh_nonce() {
	curl -sI --max-time 30 "$BRIDGE_DIR_URL" | tr -d '\r' |
		sed -n 's/^[Rr][Ee][Pp][Ll][Aa][Yy]-[Nn][Oo][Nn][Cc][Ee]: *//p' | head -n 1
}

# v1_post PREFIX URL KEY RESOURCE PAYLOAD [jws.js flags]: signed POST with a
# fresh nonce from HEAD /directory (or $E2E_NONCE when set), like dehydrated
# sends it, with the User-Agent $E2E_UA when set; prints the HTTP status.
v1_post() {
	local p=$1 url=$2 key=$3 res=$4 payload=$5; shift 5
	local n=${E2E_NONCE:-}
	[ -n "$n" ] || n=$(fresh_nonce)
	node "$E2E_DIR/jws.js" --key "$key" --nonce "$n" --url-resource "$res" --payload "$payload" "$@" >"$p.req"
	http_req "$p" ${E2E_UA:+-A "$E2E_UA"} -H 'Content-Type: application/jose+json' --data-binary "@$p.req" "$url"
}

new_rsa_key() { # new_rsa_key FILE
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
}

b64url_file() { # b64url_file FILE: unpadded base64url of the file's bytes
	openssl base64 -A <"$1" | tr '+/' '-_' | tr -d '='
}

# make_csr DIR NAME... : DIR/csr.der (CN = first name, SAN = all), DIR/csr.key
make_csr() {
	local d=$1; shift
	local san="" n
	for n in "$@"; do san="${san:+$san,}DNS:$n"; done
	openssl req -new -newkey rsa:2048 -nodes -keyout "$d/csr.key" -subj "/CN=$1" \
		-addext "subjectAltName=$san" -outform DER -out "$d/csr.der" 2>/dev/null
}

# cert_sans PEM-OR-DER-FILE [der]: the DNS SANs, sorted, space separated
cert_sans() {
	local form=PEM
	[ "${2:-}" = der ] && form=DER
	openssl x509 -inform "$form" -in "$1" -noout -ext subjectAltName 2>/dev/null |
		tr ',' '\n' | sed -n 's/^ *DNS://p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# json_get FILE KEY... : value at the path (numeric KEY indexes arrays);
# strings raw unless E2E_JSON_RAW=1, everything else as JSON. Exit 1 if absent.
json_get() {
	node -e '
		const fs = require("fs");
		let v;
		try { v = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { process.exit(2); }
		for (const k of process.argv.slice(2)) {
			if (v === null || typeof v !== "object" || !(k in v)) process.exit(1);
			v = v[k];
		}
		process.stdout.write(typeof v === "string" && !process.env.E2E_JSON_RAW ? v : JSON.stringify(v));
	' "$@"
}

# check_problem NAME PREFIX STATUS(ES) TYPE-SUFFIX(|ALT...) [GOT-STATUS]
# Asserts the response in PREFIX.{hdr,body} is a v1 problem document.
check_problem() {
	local name=$1 p=$2 want_status=$3 want_type=$4 got_status=${5:-}
	local ok=1 why="" ct type st detail
	[ -z "$got_status" ] && got_status=$(awk '/^HTTP\//{s=$2} END{print s}' "$p.hdr")
	case " $want_status " in
		*" $got_status "*) ;;
		*) ok=0; why="$why status $got_status (want $want_status);" ;;
	esac
	ct=$(hdr "$p.hdr" content-type || true)
	case "$ct" in
		application/problem+json*) ;;
		*) ok=0; why="$why Content-Type '$ct';" ;;
	esac
	type=$(json_get "$p.body" type 2>/dev/null || true)
	[[ "$type" =~ ^urn:acme:error:($want_type)$ ]] || { ok=0; why="$why type '$type' (want urn:acme:error:$want_type);"; }
	st=$(E2E_JSON_RAW=1 json_get "$p.body" status 2>/dev/null || true) # a JSON number
	[ "$st" = "$got_status" ] || { ok=0; why="$why body status '$st' != HTTP $got_status;"; }
	detail=$(json_get "$p.body" detail 2>/dev/null || true)
	[ -n "$detail" ] || { ok=0; why="$why no detail;"; }
	hdr "$p.hdr" replay-nonce >/dev/null || { ok=0; why="$why no Replay-Nonce;"; }
	if [ "$ok" = 1 ]; then
		pass "$name"
	else
		fail "$name" "$why body: $(head -c 300 "$p.body" | tr '\n' ' ')"
	fi
}

# ------------------------------------------------------- v1 requests, accounts
# v1_tos: the terms-of-service URL in the bridge's directory meta (empty if none)
v1_tos() {
	curl -s --max-time 30 "$BRIDGE_DIR_URL" | node -e '
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			try { process.stdout.write(JSON.parse(s).meta["terms-of-service"] || ""); } catch (e) {} })'
}

v1_new_reg() { # v1_new_reg PREFIX KEY [PAYLOAD] -> status
	local payload='{}'
	[ $# -lt 3 ] || payload=$3
	v1_post "$1" "$BRIDGE_URL/acme/new-reg" "$2" new-reg "$payload"
}

v1_new_authz() { # v1_new_authz PREFIX KEY NAME -> status
	v1_post "$1" "$BRIDGE_URL/acme/new-authz" "$2" new-authz \
		"{\"identifier\":{\"type\":\"dns\",\"value\":\"$3\"}}"
}

v1_new_cert() { # v1_new_cert PREFIX KEY NAME... -> status
	local p=$1 k=$2; shift 2
	mkdir -p "$p.csr"
	make_csr "$p.csr" "$@"
	v1_post "$p" "$BRIDGE_URL/acme/new-cert" "$k" new-cert "{\"csr\":\"$(b64url_file "$p.csr/csr.der")\"}"
}

# new_account PREFIX KEY NAME [AGREEMENT]: a fresh RSA KEY registered with
# new-reg agreeing to AGREEMENT (the directory's terms by default)
new_account() {
	local p=$1 key=$2 name=$3 agreement=${4-} st
	new_rsa_key "$key"
	[ $# -ge 4 ] || agreement=$(v1_tos)
	st=$(v1_post "$p" "$BRIDGE_URL/acme/new-reg" "$key" new-reg "{\"agreement\":\"$agreement\"}")
	assert_eq "$name" 201 "$st"
}

# cert_verifies NAME PEM: the chain from pebble_roots "$W" verifies PEM
cert_verifies() {
	local out
	if out=$(openssl verify -CAfile "$W/root.pem" -untrusted "$W/intermediate.pem" "$2" 2>&1); then
		pass "$1"
	else
		fail "$1" "$(printf '%s' "$out" | tr '\n' ' ')"
	fi
}

# ------------------------------------------------------------ tools, clients
need_tools() { # need_tools TOOL...
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t not installed (tests/deps.sh installs the test packages)"
	done
}

NODE_DIR=$E2E_WORK_ROOT/node

# npm_ensure PKG VERSION [EXACT]: PKG@VERSION under $NODE_DIR/node_modules,
# installed (no browser download for playwright) when absent or, with EXACT,
# when its package.json names another version
npm_ensure() {
	local pkg=$1 ver=$2 exact=${3:-} pj="$NODE_DIR/node_modules/$1/package.json"
	if [ -f "$pj" ] && { [ -z "$exact" ] || grep -q "\"version\": \"$exact\"" "$pj"; }; then
		return 0
	fi
	echo "   installing $pkg@$ver into $NODE_DIR"
	mkdir -p "$NODE_DIR"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error \
		--prefix "$NODE_DIR" "$pkg@$ver" >"$W/npm.log" 2>&1 ||
		{ cat "$W/npm.log"; die "npm install $pkg@$ver failed"; }
}

# node_results PREFIX EXIT-NAME RC OUT ERR: the RESULT lines a node script
# printed to OUT as results, then its exit status RC (stderr ERR on failure)
node_results() {
	local prefix=$1 exit_name=$2 rc=$3 out=$4 err=$5 line rest
	while IFS= read -r line; do
		case "$line" in
			"RESULT ok "*) pass "$prefix: ${line#RESULT ok }" ;;
			"RESULT fail "*) rest=${line#RESULT fail }; fail "$prefix: ${rest%%: *}" "${rest#*: }" ;;
		esac
	done <"$out"
	if [ "$rc" -eq 0 ]; then pass "$exit_name"; else
		fail "$exit_name" "status $rc; stderr tail:"
		tail -n 15 "$err" | sed 's/^/    | /'
	fi
}

# dh_config DIR [LINE...]: a dehydrated 0.7.0 config with its own BASEDIR
# haproxy_two DIR PORT A B A_H01 B_H01 [A_ADMIN B_ADMIN]: haproxy in front of
# two bridges (issue 11): every v1 request on 127.0.0.1:PORT balanced round
# robin between A and B (ports), every http-01 validation on HTTP01_PORT
# between their responders; with admin ports, /readyz health checks and a
# request that cannot reach one redispatched to the other. HAPROXY_PID set.
haproxy_two() {
	local d=$1 port=$2 a=$3 b=$4 ha=$5 hb=$6 aa=${7:-} ab=${8:-} ca="" cb="" chk=""
	if [ -n "$aa" ]; then
		ca=" check port $aa" cb=" check port $ab"
		chk=$'\toption httpchk GET /readyz\n\tdefault-server inter 300ms fall 1 rise 2'
	fi
	cat >"$d/haproxy.cfg" <<-EOF
		global
			maxconn 4096
		defaults
			mode http
			timeout connect 2s
			timeout client 120s
			timeout server 120s
			retries 2
			option redispatch
		frontend v1
			bind 127.0.0.1:$port
			option http-server-close
			default_backend bridges
		backend bridges
			balance roundrobin
		$chk
			server a 127.0.0.1:$a$ca
			server b 127.0.0.1:$b$cb
		frontend http01
			bind 127.0.0.1:$HTTP01_PORT
			option http-server-close
			default_backend responders
		backend responders
			balance roundrobin
			server a 127.0.0.1:$ha
			server b 127.0.0.1:$hb
	EOF
	haproxy -f "$d/haproxy.cfg" -db >"$d/haproxy.log" 2>&1 &
	HAPROXY_PID=$!
	E2E_PIDS+=("$HAPROXY_PID")
	wait_for 15 curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$port/directory" ||
		die "haproxy did not start (see $d/haproxy.log)"
}

# acme_client NAME DIR_URL DOMAIN: tests/e2e/test_acme_client.js (acme-client
# 1.0.0, npm_ensure'd) against DIR_URL, its results as pass/fail under NAME
acme_client() {
	local name=$1 url=$2 domain=$3 rc=0 d
	d=$(mktemp -d "$W/node.XXXXXX")
	NODE_PATH="$NODE_DIR/node_modules" NODE_NO_WARNINGS=1 \
		timeout 240 node "$E2E_DIR/test_acme_client.js" "$url" "$d" "$domain" \
		>"$d/node.out" 2>"$d/node.err" || rc=$?
	node_results "$name" "$name: exit 0" "$rc" "$d/node.out" "$d/node.err"
}

dh_config() {
	local d=$1; shift
	mkdir -p "$d/wellknown"
	cat >"$d/config" <<-EOF
		CA="$BRIDGE_DIR_URL"
		API=1
		CHALLENGETYPE="http-01"
		BASEDIR="$d"
		WELLKNOWN="$d/wellknown"
		KEY_ALGO=rsa
		KEYSIZE=2048
		CONTACT_EMAIL="e2e@example.com"
	EOF
	[ $# -eq 0 ] || printf '%s\n' "$@" >>"$d/config"
}

dh_rc() { # dh_rc NAME DIR ARGS... -> exit status of dehydrated
	local name=$1 d=$2 rc=0; shift 2
	timeout 180 dehydrated --config "$d/config" "$@" >"$d/$name.log" 2>&1 || rc=$?
	echo "$rc"
}

dh() { # dh NAME DIR ARGS...
	local name=$1 d=$2 rc; shift 2
	rc=$(dh_rc "$name" "$d" "$@")
	if [ "$rc" -eq 0 ]; then
		pass "dehydrated $name: exit 0"
	else
		fail "dehydrated $name: exit 0" "status $rc; output tail:"
		tail -n 15 "$d/$name.log" | sed 's/^/    | /'
	fi
	return 0
}

dh_cert_check() { # dh_cert_check DIR CERT SANS VERIFY-NAME
	local c="$1/certs/$2/cert.pem"
	if [ -s "$c" ]; then
		cert_verifies "$4" "$c"
		assert_eq "dehydrated $2: SANs" "$3" "$(cert_sans "$c")"
	else
		fail "dehydrated $2: cert.pem exists" "missing $c"
	fi
}

# ------------------------------------------------------------ fault relay
relay_start() { # relay_start NAME [PORT [FAULT-JSON]]: a fault set before the first request
	local name=$1 port=${2:-0} fault=()
	[ -n "${3:-}" ] && fault=(--fault "$3")
	rm -f "$W/$name.port"
	node "$E2E_DIR/relay.js" --upstream "$PEBBLE_DIR_URL" --ca "$PEBBLE_CA" \
		--cert "$PEBBLE_WORKDIR/tls-cert.pem" --key "$PEBBLE_WORKDIR/tls-key.pem" \
		--port "$port" --port-file "$W/$name.port" "${fault[@]}" 2>>"$W/$name.log" &
	E2E_PIDS+=("$!")
	wait_for 15 test -s "$W/$name.port" || die "relay did not start (see $W/$name.log)"
	RELAY="https://127.0.0.1:$(cat "$W/$name.port")"
}

relay_fault() { # relay_fault JSON
	curl -sf --max-time 10 --cacert "$PEBBLE_CA" -X POST --data "$1" "$RELAY/__fault" >/dev/null ||
		fail "relay accepts fault $1" "control endpoint refused it"
}

relay_clear() { curl -sf --max-time 10 --cacert "$PEBBLE_CA" -X DELETE "$RELAY/__fault" >/dev/null; }
