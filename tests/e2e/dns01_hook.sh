#!/bin/sh
# dns01_hook.sh: an acme-bridge dns-01 hook (docs/dns01.md) for the e2e
# tests. It publishes the TXT record in pebble-challtestsrv, the DNS server
# Pebble's VA asks:
#
#   dns01_hook.sh present DOMAIN FQDN VALUE   POST /set-txt   {"host":FQDN,"value":VALUE}
#   dns01_hook.sh cleanup DOMAIN FQDN VALUE   POST /clear-txt {"host":FQDN}
#
# Environment (inherited from the bridge, which inherits it from the test):
#   CHALLTESTSRV_MGMT  challtestsrv's management URL (tests/e2e/lib.sh exports it)
#   DNS01_HOOK_LOG     optional: one line per call is appended here:
#                      "VERB DOMAIN FQDN VALUE stdin=TARGET args=N sockets=N"
#                      (sockets: sockets other than stdio inherited from the bridge)
set -eu

if [ "$#" -ne 4 ]; then
	echo "usage: $0 present|cleanup DOMAIN FQDN VALUE (got $# arguments)" >&2
	exit 2
fi
verb=$1 domain=$2 fqdn=$3 value=$4
mgmt=${CHALLTESTSRV_MGMT:-}
if [ -z "$mgmt" ]; then
	echo "CHALLTESTSRV_MGMT is not set" >&2
	exit 2
fi

case "$verb" in
present)
	path=set-txt
	body=$(printf '{"host":"%s","value":"%s"}' "$fqdn" "$value")
	;;
cleanup)
	path=clear-txt
	body=$(printf '{"host":"%s"}' "$fqdn")
	;;
*)
	echo "unknown verb '$verb'" >&2
	exit 2
	;;
esac

curl -sS -f --max-time 10 -X POST -H 'Content-Type: application/json' \
	--data "$body" "$mgmt/$path"

if [ -n "${DNS01_HOOK_LOG:-}" ]; then
	stdin=$(readlink /proc/self/fd/0 2>/dev/null || echo unknown)
	# fds 1 and 2 are the bridge's pipes (socketpairs); count the others
	sockets=$(ls -l "/proc/$$/fd" 2>/dev/null | awk '$9 + 0 >= 3 && /socket:/' | wc -l)
	printf '%s %s %s %s stdin=%s args=%s sockets=%s\n' "$verb" "$domain" "$fqdn" \
		"$value" "$stdin" "$#" "$sockets" >>"$DNS01_HOOK_LOG"
fi
echo "challtestsrv: $path $fqdn done"
