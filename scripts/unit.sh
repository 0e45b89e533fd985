#!/usr/bin/env bash
# unit.sh — run the Check unit test programs given as arguments; print
# "unit: N passed, N failed" (checks) and exit non-zero on any failure.
set -u
pass=0 fail=0 bad=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -1)
	if [ -n "$line" ]; then
		n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		pass=$((pass + n - f - e)); fail=$((fail + f + e))
	fi
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		bad=$((bad + 1))
		[ -n "$line" ] || fail=$((fail + 1))
		printf '%s\n' "$out" | grep -vE '^Running suite' | tail -30
		echo "FAILED: $t (exit $rc)"
	fi
done
echo "unit: $pass passed, $fail failed"
[ $bad -eq 0 ] && [ $fail -eq 0 ]
