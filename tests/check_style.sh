#!/usr/bin/env bash
# check_style.sh: the style rules a compiler does not check (issue 7 item 8).
#  1. No function longer than 60 lines (KNF: a definition's body runs from a
#     "{" alone at column 0 to the next "}" at column 0; the count starts at
#     the line holding the function's name).
#  2. The code follows .clang-format (when clang-format is installed).
# Exits non-zero and names each offence.
set -u
cd "$(dirname "$0")/.." || exit 2
MAX=${STYLE_MAX_FUNCTION_LINES:-60}
bad=0
long=$(awk -v max="$MAX" '
	FNR == 1 { name = ""; start = 0 }
	/^[A-Za-z_][A-Za-z0-9_]*\(/ { name = $0; sub(/\(.*/, "", name); start = FNR }
	/^\{$/ { open = FNR }
	/^\}/ && open && start {
		n = FNR - start + 1
		if (n > max) printf "%s:%d %s: %d lines\n", FILENAME, start, name, n
		open = 0; start = 0
	}' proxy/*/*.c translate/*/*.c)
if [ -n "$long" ]; then
	echo "check-style: functions over $MAX lines:"; printf '%s\n' "$long"; bad=1
fi
if [ -f .clang-format ] && command -v clang-format >/dev/null; then
	off=$(for f in proxy/*/*.[ch] translate/*/*.[ch]; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
	if [ -n "$off" ]; then
		echo "check-style: not formatted as .clang-format says (run clang-format -i):"
		printf '  %s\n' $off; bad=1
	fi
fi
[ $bad = 0 ] && echo "check-style: no function over $MAX lines; clang-format clean"
exit $bad
