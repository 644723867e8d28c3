#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (issue 11): Debian's
# postgresql package, a cluster in a directory of the caller's, stopped by
# the caller.
#   tests/pg_cluster.sh start DIR  -> prints the store's URI on stdout
#   tests/pg_cluster.sh stop DIR   (PG_CLUSTER_REMOVE=1: its files go too)
# The server listens on 127.0.0.1 at a free port (DIR/port) and on a socket
# in DIR; the database is "bridge", its owner "bridge", whose password
# (scram-sha-256 over TCP) is in DIR/pgpass, which the URI names
# (passfile=): the bridge reads its password from a file, as an operator's
# would. PostgreSQL refuses to run as root, so as root the server runs as
# the postgres user (or nobody), in a directory of its own (srv_dir).
set -euo pipefail
cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "pg_cluster: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }

as_owner() { # as_owner CMD...: as the unprivileged owner when root
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid="$owner" --regid="$(id -g "$owner")" --clear-groups -- "$@"
	else
		"$@"
	fi
}
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	owner=nobody
	id postgres >/dev/null 2>&1 && owner=postgres
fi

# below the kernel's ephemeral range (32768..), used by no socket at all
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 12000))
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# The cluster's own directory (data, socket): DIR/srv, or, as root, a
# directory in /tmp owned by the server's user (DIR and its parents may be
# closed to that user), named in DIR/srv-dir.
srv_dir() {
	if [ -s "$dir/srv-dir" ]; then cat "$dir/srv-dir"; return 0; fi
	local s=$dir/srv
	if [ "$(id -u)" -eq 0 ]; then
		s=$(mktemp -d /tmp/acme-bridge-pg.XXXXXX)
		chown "$owner" "$s"
	else
		mkdir -p "$s"
	fi
	echo "$s" >"$dir/srv-dir"
	echo "$s"
}

# a fresh port in DIR/port, and the password file for it:
# host:port:db:user:password, 0600 (libpq checks)
new_port() {
	local port
	port=$(free_port) || { echo "pg_cluster: no free port" >&2; exit 1; }
	echo "$port" >"$dir/port"
	(umask 077 && printf '127.0.0.1:%s:*:bridge:%s\n' "$port" "$(cat "$dir/pw")" >"$dir/pgpass")
}

start() {
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	local srv data port pw
	srv=$(srv_dir)
	data=$srv/data
	if [ ! -s "$data/PG_VERSION" ]; then
		pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
		(umask 077 && printf '%s\n' "$pw" >"$srv/pw.init")
		[ "$(id -u)" -ne 0 ] || chown "$owner" "$srv/pw.init"
		as_owner "$bin/initdb" -D "$data" -U bridge --pwfile="$srv/pw.init" \
			--auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-instructions \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
		rm -f "$srv/pw.init"
		echo "$pw" >"$dir/pw"
		chmod 600 "$dir/pw"
		new_port
	fi
	# a port taken meanwhile by someone else: another one (3 tries)
	for try in 1 2 3; do
		port=$(cat "$dir/port")
		as_owner "$bin/pg_ctl" -D "$data" -l "$srv/server.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $srv" start >/dev/null && break
		if [ "$try" -lt 3 ] && tail -n 5 "$srv/server.log" | grep -q 'Address already in use'; then
			new_port
			continue
		fi
		tail -n 20 "$srv/server.log" >&2
		exit 1
	done
	as_owner "$bin/psql" -h "$srv" -p "$port" -U bridge -d postgres -qAt \
		-c "SELECT 1 FROM pg_database WHERE datname = 'bridge'" | grep -q 1 ||
		as_owner "$bin/createdb" -h "$srv" -p "$port" -U bridge bridge
	echo "postgresql://bridge@127.0.0.1:$port/bridge?passfile=$dir/pgpass"
}

# stop DIR: the server stopped; its files stay (start again: same data)
# unless PG_CLUSTER_REMOVE=1.
stop() {
	local srv
	[ -s "$dir/srv-dir" ] || exit 0
	srv=$(cat "$dir/srv-dir")
	if [ -s "$srv/data/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$srv/data" -m fast -w -t 30 stop >/dev/null
	fi
	if [ "${PG_CLUSTER_REMOVE:-0}" = 1 ]; then
		cp "$srv/server.log" "$dir/server.log" 2>/dev/null || true
		rm -rf "$srv" "$dir/srv-dir"
	fi
}

case $cmd in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
