#!/usr/bin/env bash
# Bounded upstream work (issue 10 item 5): at most upstream_inflight_max
# flows run at one CA; more wait in a queue that takes v1 accounts in turn,
# at most upstream_queue_max of them, each for at most
# upstream_queue_timeout_ms, then a 503 with Retry-After. Real Pebble
# behind the fault relay, every newOrder delayed 2 s, so each new-authz
# holds its slot for about 2 s.
# Bridge 1 (2 at once, 5 waiting at most, 30 s): host A sends six new-authz
# at once, host B one just after: two run, five wait (the metrics say so);
# all are issued; B takes its turn as soon as it queued, so A's later ones
# end after it (first come, first served would put B last).
# Bridge 2 (2 at once, 3 waiting, 3 s): seven at once: those beyond the
# queue are refused at once ("too many waiting"), the one still waiting
# after 3 s is refused then ("waited too long").
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin queue

need_tools node
pebble_ensure "$W"
relay_start relay
cat >"$W/q.json" <<-EOF
	{"upstream_inflight_max": 2, "upstream_queue_max": 5, "upstream_queue_timeout_ms": 30000,
	 "authz_wait_ms": 20000, "issue_timeout_ms": 30000, "upstream_timeout_ms": 20000,
	 "rate_post_per_minute": 0}
EOF
PEBBLE_DIR_URL="$RELAY/dir" bridge_start "$W/b" --config "$W/q.json" || finish
wait_for 15 grep -q 'upstream directory loaded' "$BRIDGE_LOG" ||
	fail "the bridge loads the directory through the relay" "see $BRIDGE_LOG"

A=$W/a.pem B=$W/b.pem
new_account "$W/rega" "$A" "new-reg A 201"
new_account "$W/regb" "$B" "new-reg B 201"
# their upstream accounts first, so that each request below is one flow
assert_eq "warm-up A" 201 "$(v1_new_authz "$W/wa" "$A" warm-a.queue.example)"
assert_eq "warm-up B" 201 "$(v1_new_authz "$W/wb" "$B" warm-b.queue.example)"

relay_fault '{"match":"new-order","action":"delay","ms":2000}'
authz_at() { # authz_at TAG KEY NAME: status and end time (ms since t0) in W/TAG.out
	local st
	st=$(v1_new_authz "$W/$1" "$2" "$3")
	echo "$st $((($(date +%s%N) - t0) / 1000000))" >"$W/$1.out"
}
burst() { # burst TAG: A's six, then B's one, at once; waits for them
	local i pids=()
	t0=$(date +%s%N)
	for i in 1 2 3 4 5 6; do
		authz_at "$1a$i" "$A" "$1a$i.queue.example" &
		pids+=("$!")
		sleep 0.05
	done
	sleep 0.3
	authz_at "$1b1" "$B" "$1b1.queue.example" &
	pids+=("$!")
	sleep 1.2
	curl -s --max-time 5 "$BRIDGE_ADMIN_URL/metrics" >"$W/$1.metrics" || true
	wait "${pids[@]}"
	for i in a1 a2 a3 a4 a5 a6 b1; do echo "   $1$i: $(cat "$W/$1$i.out" 2>/dev/null)"; done
}
st() { cut -d' ' -f1 <"$W/$1.out" 2>/dev/null; }
at() { cut -d' ' -f2 <"$W/$1.out" 2>/dev/null || echo 0; }
gauge() { # gauge FILE NAME VALUE: 1 when the root's NAME gauge is VALUE
	grep -c "^acme_bridge_upstream_$2{upstream=\"/\"} $3\$" "$1" || true
}

# ---- bridge 1: every request waits its turn, B's comes early
burst p
assert_eq "mid-run: two flows at the CA" 1 "$(gauge "$W/p.metrics" inflight 2)"
assert_eq "mid-run: five waiting" 1 "$(gauge "$W/p.metrics" queued 5)"
later=0
for t in a1 a2 a3 a4 a5 a6 b1; do
	assert_eq "p$t: new-authz 201" 201 "$(st "p$t")"
	case $t in a*) [ "$(at "p$t")" -gt "$(at pb1)" ] && later=$((later + 1)) ;; esac
done
if [ "$later" -ge 2 ]; then pass "fair turns: $later of A's requests end after B's"; else
	fail "fair turns: at least two of A's requests end after B's" "$later"; fi
curl -s --max-time 5 "$BRIDGE_ADMIN_URL/metrics" >"$W/p.end" || true
assert_eq "after: nothing at the CA" 1 "$(gauge "$W/p.end" inflight 0)"
assert_eq "after: nothing waiting" 1 "$(gauge "$W/p.end" queued 0)"
bridge_stop

# ---- bridge 2: a short queue, a short wait
printf '%s\n' '{"upstream_inflight_max": 2, "upstream_queue_max": 3, "upstream_queue_timeout_ms": 3000,' \
	' "authz_wait_ms": 20000, "issue_timeout_ms": 30000, "upstream_timeout_ms": 20000,' \
	' "rate_post_per_minute": 0}' >"$W/q2.json"
PEBBLE_DIR_URL="$RELAY/dir" bridge_start "$W/b2" --config "$W/q2.json" || finish
wait_for 15 grep -q 'upstream directory loaded' "$BRIDGE_LOG" ||
	fail "bridge 2 loads the directory through the relay" "see $BRIDGE_LOG"
burst r
full=0 late=0 ok=0
for t in a1 a2 a3 a4 a5 a6 b1; do
	case "$(st "r$t")" in
		201) ok=$((ok + 1)) ;;
		503)
			check_problem "r$t: refused" "$W/r$t" 503 serverInternal
			assert_eq "r$t: Retry-After" 30 "$(hdr "$W/r$t.hdr" Retry-After)"
			d=$(json_get "$W/r$t.body" detail 2>/dev/null)
			case "$d" in
				*"is busy: too many waiting"*) [ "$(at "r$t")" -lt 1800 ] && full=$((full + 1)) ;;
				*"is busy: waited too long for a turn"*) w=$(at "r$t")
					[ "$w" -ge 2700 ] && [ "$w" -le 8000 ] && late=$((late + 1)) ;;
				*) fail "r$t: the detail says the CA is busy" "$d" ;;
			esac ;;
		*) fail "r$t: 201 or 503" "$(cat "$W/r$t.out")" ;;
	esac
done
if [ "$full" -ge 1 ]; then pass "a full queue refuses at once ($full)"; else
	fail "a full queue refuses at once" "none refused within 1.8 s as too many waiting"; fi
if [ "$late" -ge 1 ]; then pass "a wait past 3 s is refused then ($late)"; else
	fail "a wait past 3 s is refused then" "none refused as waited too long after 2.7-8 s"; fi
if [ "$ok" -ge 3 ]; then pass "bridge 2: $ok issued"; else fail "bridge 2: at least 3 issued" "$ok"; fi
relay_clear
assert_eq "after the burst: the same request works" 201 "$(v1_new_authz "$W/again" "$A" again.queue.example)"

bridge_stop
finish
