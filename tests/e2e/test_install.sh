#!/usr/bin/env bash
# `make install` / `make uninstall` (issue 9 item 7), staged with DESTDIR:
#  - the files land where Debian puts them (PREFIX=/usr: sbin binary, unit in
#    /usr/lib/systemd/system, man pages, logrotate file, config in /etc) with
#    their modes; the default PREFIX is /usr/local and the unit names it;
#  - the installed config passes --check-config and points the state and the
#    access log into the unit's StateDirectory and LogsDirectory;
#  - `systemd-analyze verify` accepts the unit without a single message (its
#    Exec paths pointed into DESTDIR, MANPATH at the installed pages so the
#    Documentation= man: links must resolve); `systemd-analyze security`
#    rates its sandbox "OK" or better (exposure below 3);
#  - both man pages render with `man --warnings` and `groff -ww` silent;
#  - the logrotate file parses and really rotates a log (paths into DESTDIR);
#  - an existing config is never overwritten; `make uninstall` removes every
#    file, and the config only when it is still the shipped one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin install

need_tools systemd-analyze man groff logrotate
D=$W/root
# Not the caller's MAKEFLAGS: `make test PREFIX=...` must not move these installs.
MK=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$E2E_ROOT" --no-print-directory)
"${MK[@]}" install DESTDIR="$D" PREFIX=/usr >"$W/install.log" 2>&1 ||
	{ fail "make install DESTDIR PREFIX=/usr" "$(tail -n 5 "$W/install.log")"; finish; }
pass "make install DESTDIR PREFIX=/usr"

mode_of() { stat -c '%a' "$D$1" 2>/dev/null || echo missing; }
for f in /usr/sbin/acme-bridge:755 /etc/acme-bridge/acme-bridge.json:644 \
	/usr/lib/systemd/system/acme-bridge.service:644 /etc/logrotate.d/acme-bridge:644 \
	/usr/share/man/man8/acme-bridge.8:644 /usr/share/man/man5/acme-bridge.json.5:644 \
	/usr/share/doc/acme-bridge/acme-bridge.example.json:644; do
	assert_eq "installed ${f%:*} mode" "${f#*:}" "$(mode_of "${f%:*}")"
done
assert_eq "installed binary is build/acme-bridge" "$("$E2E_ROOT/build/acme-bridge" --version)" \
	"$("$D/usr/sbin/acme-bridge" --version 2>&1)"

UNIT=$D/usr/lib/systemd/system/acme-bridge.service
CONF=$D/etc/acme-bridge/acme-bridge.json
assert_match "unit: ExecStartPre checks the installed config" \
	'^ExecStartPre=/usr/sbin/acme-bridge --check-config --config /etc/acme-bridge/acme-bridge.json$' \
	"$(grep '^ExecStartPre=' "$UNIT")"
assert_match "unit: ExecStart" '^ExecStart=/usr/sbin/acme-bridge --config /etc/acme-bridge/acme-bridge.json$' \
	"$(grep '^ExecStart=' "$UNIT")"
for kv in 'ExecReload=/bin/kill -HUP $MAINPID' DynamicUser=yes StateDirectory=acme-bridge \
	LogsDirectory=acme-bridge ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes; do
	check "unit: $kv" grep -qxF "$kv" "$UNIT"
done
assert_eq "config: state in StateDirectory" /var/lib/acme-bridge/acme-bridge.db "$(json_get "$CONF" state)"
assert_eq "config: access log in LogsDirectory" /var/log/acme-bridge/access.log "$(json_get "$CONF" log_file)"
# The state and log directories exist only under systemd: point them here.
out=$("$D/usr/sbin/acme-bridge" --check-config --config "$CONF" --state "$W/s.db" \
	--log-file "$W/access.log" 2>&1) || true
assert_eq "installed config passes --check-config" "acme-bridge: configuration OK" "$out"

# systemd-analyze verify wants the Exec binaries to exist: a copy of the unit
# with them pointed into DESTDIR (same file name: the unit name matters).
mkdir -p "$W/unit"
sed "s|/usr/sbin/acme-bridge|$D/usr/sbin/acme-bridge|g" "$UNIT" >"$W/unit/acme-bridge.service"
rc=0
out=$(MANPATH=$D/usr/share/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$W/unit/acme-bridge.service" 2>&1) || rc=$?
assert_eq "systemd-analyze verify: exit 0, no message" "0:" "$rc:$out"
exp=$(systemd-analyze security --offline=yes "$W/unit/acme-bridge.service" 2>&1 |
	sed -n 's/.*Overall exposure level for acme-bridge.service: \([0-9.]*\).*/\1/p')
assert_match "systemd-analyze security: exposure below 3 (got ${exp:-none})" '^[0-2]\.[0-9]$' "${exp:-none}"

for p in man8/acme-bridge.8 man5/acme-bridge.json.5; do
	out=$(MANWIDTH=80 man --warnings -l "$D/usr/share/man/$p" 2>&1 >/dev/null) || out="exit $?: $out"
	assert_eq "man --warnings -l $p: silent" "" "$out"
	out=$(groff -man -ww -z "$D/usr/share/man/$p" 2>&1) || out="exit $?: $out"
	assert_eq "groff -man -ww $p: silent" "" "$out"
	assert_match "man -l $p renders its NAME" '^ +acme-bridge' \
		"$(MANWIDTH=80 man -l "$D/usr/share/man/$p" 2>/dev/null | sed -n '/^NAME/{n;p}')"
done

# logrotate: the shipped file, its path moved into DESTDIR, rotates a log.
LR=$W/logrotate.conf
mkdir -p "$D/var/log/acme-bridge"
sed "s|/var/log/acme-bridge/|$D/var/log/acme-bridge/|" "$D/etc/logrotate.d/acme-bridge" >"$LR"
chmod 0644 "$LR"
echo '{"line":1}' >"$D/var/log/acme-bridge/access.log"
rc=0
out=$(logrotate -f -s "$W/logrotate.state" "$LR" 2>&1) || rc=$?
assert_eq "logrotate -f: exit 0, no message" "0:" "$rc:$out"
check "logrotate: access.log rotated to access.log.1" test -s "$D/var/log/acme-bridge/access.log.1"
check "logrotate: no new access.log (the bridge creates it on SIGHUP)" \
	test ! -e "$D/var/log/acme-bridge/access.log"
rm -rf "$D/var"

# A changed config survives a reinstall and an uninstall.
echo '{"listen": "127.0.0.1:4100"}' >"$CONF"
"${MK[@]}" install DESTDIR="$D" PREFIX=/usr >"$W/install2.log" 2>&1
assert_eq "reinstall keeps an existing config" '{"listen": "127.0.0.1:4100"}' "$(cat "$CONF")"
"${MK[@]}" uninstall DESTDIR="$D" PREFIX=/usr >"$W/uninstall.log" 2>&1 ||
	fail "make uninstall" "$(tail -n 5 "$W/uninstall.log")"
assert_eq "uninstall keeps a changed config" '{"listen": "127.0.0.1:4100"}' "$(cat "$CONF" 2>/dev/null)"
check "uninstall says it kept the config" grep -q 'kept .*acme-bridge.json' "$W/uninstall.log"
assert_eq "uninstall leaves only the changed config" "$CONF" "$(find "$D" -type f)"

# Default PREFIX /usr/local; an unchanged config goes with uninstall.
D=$W/root2
"${MK[@]}" install DESTDIR="$D" >"$W/install3.log" 2>&1
check "default PREFIX: /usr/local/sbin/acme-bridge" test -x "$D/usr/local/sbin/acme-bridge"
check "default PREFIX: unit runs /usr/local/sbin/acme-bridge" \
	grep -qxF 'ExecStart=/usr/local/sbin/acme-bridge --config /etc/acme-bridge/acme-bridge.json' \
	"$D/usr/local/lib/systemd/system/acme-bridge.service"
"${MK[@]}" uninstall DESTDIR="$D" >"$W/uninstall3.log" 2>&1
assert_eq "uninstall removes every file, the unchanged config too" "" "$(find "$D" -type f)"
check "uninstall removes /etc/acme-bridge" test ! -e "$D/etc/acme-bridge"
finish
