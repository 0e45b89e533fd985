#!/usr/bin/env bash
# fuzz.sh SECONDS — run every libFuzzer target in build-fuzz/fuzz for
# SECONDS each, from its seed corpus in fuzz/corpus/<target>/ (read, never
# written: what a run finds goes to a scratch directory). A crash, a leak,
# a sanitizer report or a failed property fails the target; its input is
# kept under build-fuzz/crashes/ and printed as a reproducer command.
# Prints "fuzz: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
SECONDS_EACH=${1:-60}
BIN=build-fuzz/fuzz
CRASHES=build-fuzz/crashes
pass=0 fail=0
WORK=$(mktemp -d /tmp/openpanel-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$CRASHES"

for t in "$BIN"/fuzz_*; do
	name=$(basename "$t")
	seeds=fuzz/corpus/$name
	mkdir -p "$WORK/$name"
	[ -d "$seeds" ] || seeds=
	if "$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$CRASHES/$name-" "$WORK/$name" $seeds \
	    > "$WORK/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    "$WORK/$name.log")
		echo "ok $name: ${runs:-?} inputs in ${SECONDS_EACH}s"
		pass=$((pass + 1))
	else
		grep -E 'ERROR|SUMMARY|property failed|^ *#[0-9]+ 0x' \
		    "$WORK/$name.log" | head -30
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' \
		    "$WORK/$name.log" | tail -1)
		echo "FAILED $name${art:+: reproduce with $t $art}"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
