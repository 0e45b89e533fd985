#!/usr/bin/env bash
# test.sh — `make test`: unit suites, lint, each fuzz target for a few
# seconds, docs, then a throwaway stack on its own ports and every
# integration suite against it over HTTP through nginx, the web UI in
# Chromium and the fault suites on fresh stacks, the sanitizer reports of
# every log, then the systemd units, the gateway's control door, make
# install's layout and that install booted under systemd. Prints one
# summary line; the exit status tells the truth.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BUILD=${OP_BUILD:-build}
export OP_BUILD=$BUILD
PASS=0 FAIL=0

count() {	# add "N passed, N failed" from the last such line of $1
	local line
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	if [ -z "$line" ]; then FAIL=$((FAIL + 1)); return; fi
	PASS=$((PASS + $(sed -E 's/^(.*[^0-9])?([0-9]+) passed.*/\2/' <<<"$line")))
	FAIL=$((FAIL + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
}

# A suite's failures with their details (at most $2 lines), its summary
# lines (matching $3), then its counts.
report() {
	awk '/^ *not ok /{p=1} p{print} /^ *\.\.\.$/{p=0}' "$1" |
	    grep -v duration_ms | head -"$2"
	grep -E "$3" "$1"
	count "$1"
}

LOGS=$(mktemp -d)
# A sanitized build (make san) reports to each process's stderr, which the
# stack writes to its logs: the sanitizers stage below reads them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:print_summary=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$TOP/tests/lsan.supp:print_suppressions=0}
SAN_REPORT='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer'

# Every log under the directories given free of sanitizer reports: one
# check; each report found is printed.
sanitizer_logs() {
	local f bad=0
	for f in $(find "$@" -name '*.log' 2>/dev/null); do
		grep -qE "$SAN_REPORT" "$f" || continue
		echo "sanitizer report in $f:"
		grep -m1 -B2 -A30 -E "$SAN_REPORT" "$f"
		bad=$((bad + 1))
	done
	printf 'sanitizers: %s passed, %s failed\n' $((bad == 0)) $((bad > 0))
}
# --- unit ---------------------------------------------------------------
echo "== unit (Check)"
scripts/unit.sh "$BUILD"/tests/test_* | tee "$LOGS/unit.out" | tail -40
count "$LOGS/unit.out"

# --- lint ----------------------------------------------------------------
echo "== lint (banned functions, cppcheck)"
scripts/lint.sh > "$LOGS/lint.out" 2>&1; tail -20 "$LOGS/lint.out"
count "$LOGS/lint.out"

# --- fuzz ----------------------------------------------------------------
# Every libFuzzer target for a few seconds from its seed corpus (make fuzz
# runs them longer).
echo "== fuzz (libFuzzer, ASan + UBSan, ${OP_TEST_FUZZ_SECONDS:-3}s a target)"
scripts/fuzz.sh "${OP_TEST_FUZZ_SECONDS:-3}" > "$LOGS/fuzz.out" 2>&1
grep -v '^ok ' "$LOGS/fuzz.out" | tail -40
count "$LOGS/fuzz.out"

# --- docs ----------------------------------------------------------------
echo "== docs (the OpenAPI document against the route tables)"
node --test --test-reporter=tap tests/docs/ > "$LOGS/docs.out" 2>&1
awk '/^ *not ok /{p=1} p{print} /^ *\.\.\.$/{p=0}' "$LOGS/docs.out" | head -60
printf 'docs: %s passed, %s failed\n' \
    "$(sed -n 's/^# pass //p' "$LOGS/docs.out")" \
    "$(sed -n 's/^# fail //p' "$LOGS/docs.out")" | tee -a "$LOGS/docs.out"
count "$LOGS/docs.out"

# --- integration ----------------------------------------------------------
export OP_DATA_DIR=${OP_TEST_DATA_DIR:-$(mktemp -d /tmp/openpanel-test.XXXXXX)}
export OP_HTTP_PORT=${OP_TEST_HTTP_PORT:-18480}
export OP_HTTPS_PORT=${OP_TEST_HTTPS_PORT:-18443}
export OP_PG_PORT=${OP_TEST_PG_PORT:-15832}
export OP_REDIS_PORT=${OP_TEST_REDIS_PORT:-16879}
export OP_TRUSTED_PROXIES=127.0.0.1	# tests play clients at many addresses
export OP_PG_FSYNC=off
export OP_DEPLOY_HEALTH_TIMEOUT_S=${OP_DEPLOY_HEALTH_TIMEOUT_S:-25}	# a version never ready fails sooner
export OP_TEMPLATES_DIR=$TOP/tests/templates	# images that build offline
. scripts/stack.sh
TEST_DATA=$OP_DATA_DIR
cleanup() {
	stack_down
	if [ -z "${OP_TEST_KEEP:-}" ]; then rm -rf "$TEST_DATA"; fi
	rm -rf "$LOGS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== integration (nginx, the pools, PostgreSQL, Redis, dockerd)"
if stack_up; then
	"$TOP/$BUILD/bin/op-auth" setup-token "$OP_DATA_DIR/setup-token" >/dev/null
	tests/images/build.sh >/dev/null || echo "could not build the test images"
	stack_test_env
	node tests/integration/run.mjs > "$LOGS/integration.out" 2>&1
	report "$LOGS/integration.out" 200 '^# (tests|pass|fail)|^integration:'
else
	echo "the stack did not start"; FAIL=$((FAIL + 1))
	tail -20 "$OP_DATA_DIR"/log/*.log
fi

# --- web --------------------------------------------------------------------
# The UI in headless Chromium. Its first flow is the first-run setup, which
# a panel allows once: the same stack (binaries, ports) starts again on a
# fresh data directory beside the integration suites' one.
echo "== web (the UI in Debian's headless Chromium)"
stack_down
export OP_DATA_DIR=$TEST_DATA/web
if scripts/npm-deps.sh "$TOP/tests/web" && stack_up; then
	"$TOP/$BUILD/bin/op-auth" setup-token "$OP_DATA_DIR/setup-token" >/dev/null
	OP_WEB_SHOTS=${OP_TEST_SHOTS:-$OP_DATA_DIR/web-screenshots}
	export OP_WEB_SHOTS
	node tests/web/run.mjs > "$LOGS/web.out" 2>&1
	awk '/^ *not ok /{p=1} p{print} /^ *\.\.\.$/{p=0}' "$LOGS/web.out" |
	    grep -v duration_ms | head -100
	grep -E '^web:' "$LOGS/web.out"
	echo "screenshots: $OP_WEB_SHOTS"
	count "$LOGS/web.out"
else
	echo "the web stage could not start"; FAIL=$((FAIL + 1))
fi

# --- reliability --------------------------------------------------------------
# Faults with nothing lost (tests/reliability/): pools and workers killed
# and stopped under load, Redis and PostgreSQL away, the Docker engine
# restarted (the one this stage started), jobs whose worker dies. They
# break the stack on purpose, so it starts again on a data directory of
# its own.
echo "== reliability (faults under load, nothing lost)"
stack_down
export OP_DATA_DIR=$TEST_DATA/reliability
if stack_up; then
	"$TOP/$BUILD/bin/op-auth" setup-token "$OP_DATA_DIR/setup-token" >/dev/null
	stack_test_env
	node tests/reliability/run.mjs > "$LOGS/reliability.out" 2>&1
	report "$LOGS/reliability.out" 100 '^reliability:'
else
	echo "the reliability stage could not start"; FAIL=$((FAIL + 1))
fi

# --- sanitizers --------------------------------------------------------------
# The stacks stopped (leaks are reported as processes end), their logs read.
echo "== sanitizers (reports in the pools' and workers' logs)"
stack_down
sanitizer_logs "$TEST_DATA" | tee "$LOGS/sanitizers.out" | tail -80
count "$LOGS/sanitizers.out"

# --- systemd units ----------------------------------------------------------
echo "== systemd units, the gateway's control door, make install's layout"
tests/systemd/verify.sh 2>&1 | tee "$LOGS/systemd.out" | tail -10
count "$LOGS/systemd.out"
tests/systemd/control.sh 2>&1 | tee "$LOGS/control.out" | tail -10
count "$LOGS/control.out"
tests/systemd/install.sh 2>&1 | tee "$LOGS/install.out" | tail -10
count "$LOGS/install.out"

# --- under systemd ------------------------------------------------------------
# The production install booted: systemd as PID 1 in a container of this
# machine's own Debian, docs/install.md followed in it, the panel driven
# through its gateway. It drives the Docker engine (the running one, or
# one started here for it) and builds on the plain build (make install's).
echo "== the production install under systemd (PID 1 in a container)"
export OP_DATA_DIR=$TEST_DATA/boot
if stack_dirs && stack_docker; then
	tests/images/build.sh >/dev/null || echo "could not build the test images"
	OP_TEST_DOCKER_SOCKET=$OP_DOCKER_SOCKET tests/systemd/boot.sh 2>&1 |
	    tee "$LOGS/boot.out" | tail -40
	count "$LOGS/boot.out"
else
	echo "no Docker engine for the systemd stage"; FAIL=$((FAIL + 1))
fi
stack_down

echo
echo "total: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
