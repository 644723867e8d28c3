#!/usr/bin/env bash
# No wasted round trip (issue 10 items 1 and 2), counted in the bridge's
# access log (each v1 request lists the RFC 8555 calls it caused) against a
# real Pebble that reuses every valid authorization (PEBBLE_AUTHZREUSE=100,
# as Let's Encrypt reuses them):
# - a one-name new-cert right after its new-authz finalizes that
#   new-authz's order: no newOrder, no authorization fetched;
# - a three-name new-cert opens one order and fetches no authorization (the
#   CA reports them valid: the order is ready, or the URLs are known valid);
# - a renewal whose order is used (its finalize URL forgotten) opens a new
#   order; one whose stored finalize URL the CA refuses (the order is
#   already valid) falls back to a new order once and still issues.
# Counts are printed (MEASURE lines); polls depend on timing and are not
# asserted.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin roundtrips

need_tools dehydrated sqlite3 node
export PEBBLE_AUTHZREUSE=100
pebble_start "$W/pebble"
unset PEBBLE_AUTHZREUSE
pebble_roots "$W"
bridge_start "$W/b" || finish

DH=$W/dh
dh_config "$DH" "CA=\"$BRIDGE_DIR_URL\""
dh "register" "$DH" --register --accept-terms

# calls RESOURCE NAMES: the upstream calls of the newest successful v1
# RESOURCE request whose names are NAMES (sorted, comma-separated), as
# "what what ...".
calls() {
	node -e '
		const [res, names] = process.argv.slice(2);
		const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
		let last = null;
		for (const l of lines) {
			if (!l.startsWith("{")) continue;
			let j; try { j = JSON.parse(l); } catch (e) { continue; }
			if (j.resource === res && (j.names || []).slice().sort().join(",") === names && j.status < 400)
				last = j;
		}
		console.log(last ? last.upstream.map((u) => u.resource).join(" ") : "none");
	' "$BRIDGE_LOG" "$1" "$2"
}
count() { # count WORD LIST
	local n=0 w
	for w in $2; do [ "$w" = "$1" ] && n=$((n + 1)); done
	echo "$n"
}

# ---- one name: new-cert finalizes the new-authz's order
dh "one name" "$DH" -c -d one.rt.example
dh_cert_check "$DH" one.rt.example "one.rt.example" "one name: chain"
az=$(calls new-authz one.rt.example)
nc=$(calls new-cert one.rt.example)
echo "MEASURE one name: new-authz upstream: $az; new-cert upstream: $nc;" \
	"total $(($(wc -w <<<"$az") + $(wc -w <<<"$nc")))"
assert_eq "one name: new-authz opened one order" 1 "$(count newOrder "$az")"
assert_eq "one name: new-authz answered one challenge" 1 "$(count challenge "$az")"
assert_eq "one name: new-cert opened no order (finalized new-authz's)" 0 "$(count newOrder "$nc")"
assert_eq "one name: new-cert fetched no authorization" 0 "$(count authorization "$nc")"
assert_eq "one name: new-cert finalized once" 1 "$(count finalize "$nc")"
assert_eq "one name: new-cert downloaded once" 1 "$(count certificate "$nc")"
fin=$(sqlite3 "$BRIDGE_STATE" "SELECT count(*) FROM authzs WHERE name = 'one.rt.example' AND v2_finalize_url IS NOT NULL")
assert_eq "one name: the used order's finalize URL is forgotten" 0 "$fin"

# ---- three names: one order, no authorization fetched
dh "three names" "$DH" -c -d a.rt.example -d b.rt.example -d c.rt.example
dh_cert_check "$DH" a.rt.example "a.rt.example b.rt.example c.rt.example" "three names: chain"
nc=$(calls new-cert a.rt.example,b.rt.example,c.rt.example)
azs=0
for n in a b c; do
	a=$(calls new-authz "$n.rt.example")
	azs=$((azs + $(wc -w <<<"$a")))
done
echo "MEASURE three names: new-authz upstream calls $azs; new-cert upstream: $nc;" \
	"total $((azs + $(wc -w <<<"$nc")))"
assert_eq "three names: new-cert opened one order" 1 "$(count newOrder "$nc")"
assert_eq "three names: new-cert fetched no authorization" 0 "$(count authorization "$nc")"
assert_eq "three names: new-cert downloaded once" 1 "$(count certificate "$nc")"

# ---- renewal: the stored authorization is valid, its order used: a new order
dh "renewal" "$DH" -c --force -d one.rt.example
nc=$(calls new-cert one.rt.example)
echo "MEASURE renewal: new-cert upstream: $nc"
assert_eq "renewal: new-cert opened one order" 1 "$(count newOrder "$nc")"
assert_eq "renewal: new-cert fetched no authorization (known valid)" 0 "$(count authorization "$nc")"

# ---- a kept finalize URL the CA refuses (that order is valid already): one
# refused finalize, then a new order, and the certificate
order=$(sqlite3 "$BRIDGE_STATE" "SELECT v2_order_url FROM authzs WHERE name = 'one.rt.example' ORDER BY id DESC LIMIT 1")
assert_match "refused reuse: the authorization names its order" '^https://' "$order"
# Pebble's finalize URL for order /my-order/ID is /finalize-order/ID (its
# orders answer POST-as-GET only, so it is not read off the order)
finurl=$(printf '%s' "$order" | sed 's|/my-order/|/finalize-order/|')
assert_match "refused reuse: a Pebble finalize URL" '/finalize-order/' "$finurl"
sqlite3 "$BRIDGE_STATE" "UPDATE authzs SET v2_finalize_url = '$finurl' WHERE name = 'one.rt.example'"
dh "refused reuse" "$DH" -c --force -d one.rt.example
dh_cert_check "$DH" one.rt.example "one.rt.example" "refused reuse: chain"
nc=$(calls new-cert one.rt.example)
echo "MEASURE refused reuse: new-cert upstream: $nc"
assert_eq "refused reuse: finalize tried twice (the old order, then the new)" 2 "$(count finalize "$nc")"
assert_eq "refused reuse: then one new order" 1 "$(count newOrder "$nc")"

bridge_stop
finish
