#!/usr/bin/env bash
# check_layering.sh: the architecture rules that the compiler cannot see
# (docs/internals.md "Parts"). Exits non-zero and names the offence.
#  1. translate/ is pure: no I/O headers, no SQLite, and no file, clock,
#     process, socket or environment calls (time and lookups are passed in).
#  2. translate/ never includes a proxy/ header.
#  3. No folder holds more than 12 .c files.
#  4. No include circle between folders.
set -u
cd "$(dirname "$0")/.." || exit 2
bad=0
fail() { printf 'check-layering: %s\n' "$*"; bad=1; }

# 1. purity: headers, then calls (comments and strings stripped first).
hdrs='#include *[<"](uv|curl/curl|llhttp|sqlite3|libpq-fe)\.h[>"]|#include *<(sys/socket|sys/stat|fcntl|unistd|dirent|netdb|sys/time|sys/wait|spawn|pthread)\.h>'
if out=$(grep -nE "$hdrs" translate/*/*.[ch]); then
	fail "translate/ includes an I/O header:"; printf '%s\n' "$out"
fi
calls='\b(fopen|freopen|fdopen|open|openat|creat|close|read|write|unlink|rename|mkdir|rmdir|chmod|fchmod|chown|stat|lstat|fstat|time|clock|clock_gettime|gettimeofday|localtime|fork|vfork|execv|execvp|execve|execl|execlp|system|popen|kill|getpid|getenv|setenv|socket|connect|bind|listen|accept|send|recv|sendto|recvfrom|printf|fprintf|vfprintf|puts|fputs|perror|fflush|sleep|usleep|nanosleep|exit|abort|sqlite3_[a-z_]+)[[:space:]]*\('
for f in translate/*/*.c translate/*/*.h; do
	# strip /* */ comments and string literals, keep line numbers
	hits=$(perl -0pe 's{/\*.*?\*/}{ my $c=$&; $c=~s/[^\n]//g; $c }gse; s/"(\\.|[^"\\\n])*"/""/g' "$f" |
		grep -nE "$calls" | grep -vE '^[0-9]+:[[:space:]]*#' || true)
	[ -n "$hits" ] && { fail "$f calls I/O, clock or process functions:"; printf '%s\n' "$hits"; }
done

# 2. translate/ must not see proxy/ headers.
declare -A home
for h in translate/*/*.h proxy/*/*.h; do
	b=$(basename "$h")
	[ -n "${home[$b]:-}" ] && fail "header name $b is used twice (${home[$b]} and $h)"
	home[$b]=$(dirname "$h")
done
declare -A edge
for f in translate/*/*.[ch] proxy/*/*.[ch]; do
	from=$(dirname "$f")
	while IFS= read -r inc; do
		to=${home[$inc]:-}
		[ -z "$to" ] && continue
		[ "$to" = "$from" ] && continue
		case "$from:$to" in translate/*:proxy/*) fail "$f includes $inc from $to" ;; esac
		edge["$from $to"]=1
	done < <(sed -nE 's/^#include "([^"]+)".*/\1/p' "$f")
done

# 3. files per folder.
for d in translate/*/ proxy/*/; do
	n=$(find "$d" -maxdepth 1 -name '*.c' | wc -l)
	[ "$n" -gt 12 ] && fail "$d holds $n .c files (at most 12)"
done

# 4. folder include circles: depth-first search over the folder graph.
declare -A state
cycle=""
visit() {
	local n=$1 e to
	state[$n]=1
	for e in "${!edge[@]}"; do
		[ "${e%% *}" = "$n" ] || continue
		to=${e#* }
		if [ "${state[$to]:-0}" = 1 ]; then
			cycle="$n -> $to"; return 1
		elif [ "${state[$to]:-0}" = 0 ]; then
			visit "$to" || { cycle="$n -> $cycle"; return 1; }
		fi
	done
	state[$n]=2
}
for d in translate/* proxy/*; do
	[ -d "$d" ] || continue
	[ "${state[$d]:-0}" = 0 ] || continue
	visit "$d" || { fail "include circle between folders: $cycle"; break; }
done

[ $bad = 0 ] && echo "check-layering: translate/ is pure, folders are acyclic and at most 12 .c files each"
exit $bad
