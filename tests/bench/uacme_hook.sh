#!/bin/sh
# uacme_hook.sh: uacme's challenge hook for make bench (uacme -h). uacme runs
#   uacme_hook.sh METHOD TYPE IDENT TOKEN AUTH
# METHOD begin|done|failed. Only dns-01 is accepted (the bridge's responder
# holds Pebble's http-01 port): begin publishes AUTH (already the dns-01
# digest) as the TXT record _acme-challenge.IDENT. in pebble-challtestsrv,
# done and failed remove it. Any other TYPE: exit 1, uacme tries the next.
# Environment: CHALLTESTSRV_MGMT (tests/e2e/lib.sh exports it).
set -eu
[ "$#" -eq 5 ] || { echo "usage: $0 METHOD TYPE IDENT TOKEN AUTH" >&2; exit 2; }
method=$1 type=$2 ident=$3 auth=$5
[ "$type" = dns-01 ] || exit 1
case "$method" in
begin) path=set-txt body=$(printf '{"host":"_acme-challenge.%s.","value":"%s"}' "$ident" "$auth") ;;
done | failed) path=clear-txt body=$(printf '{"host":"_acme-challenge.%s."}' "$ident") ;;
*) exit 1 ;;
esac
exec curl -sf --max-time 10 -o /dev/null -X POST --data "$body" "$CHALLTESTSRV_MGMT/$path"
