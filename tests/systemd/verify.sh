#!/usr/bin/env bash
# verify.sh — systemd-analyze verify on every unit in systemd/, with the
# binaries pointed at this build; prints "systemd: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${OP_BUILD:-build}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for u in "$TOP"/systemd/*; do
	sed "s|/usr/local/bin/|$TOP/$BUILD/bin/|g" "$u" > "$tmp/$(basename "$u")"
done
for u in "$tmp"/*; do
	name=$(basename "$u")
	out=$(cd "$tmp" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify \
	    --man=no "$u" 2>&1)
	if [ -z "$out" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "$name:"; echo "$out"
	fi
done
# The exposure score of each service, recorded (reported, not asserted).
for u in "$tmp"/*.service; do
	(cd "$tmp" && systemd-analyze security --offline=yes --man=no "$u" 2>/dev/null |
	    grep -o 'Overall exposure level.*' | sed 's/ for / /')
done
echo "systemd: $pass passed, $fail failed"
[ $fail -eq 0 ]
