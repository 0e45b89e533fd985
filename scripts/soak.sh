#!/usr/bin/env bash
# soak.sh — `make soak`: the fault suites of tests/reliability/ run long
# (OP_SOAK=1: hundreds of kills, many outages and restarts, 1,000 jobs)
# against a throwaway stack on the test ports. Prints
# "reliability: N passed, N failed"; the exit status tells the truth.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
export OP_BUILD=${OP_BUILD:-build}
export OP_DATA_DIR=${OP_TEST_DATA_DIR:-$(mktemp -d /tmp/openpanel-soak.XXXXXX)}
export OP_HTTP_PORT=${OP_TEST_HTTP_PORT:-18480}
export OP_HTTPS_PORT=${OP_TEST_HTTPS_PORT:-18443}
export OP_PG_PORT=${OP_TEST_PG_PORT:-15832}
export OP_REDIS_PORT=${OP_TEST_REDIS_PORT:-16879}
export OP_TRUSTED_PROXIES=127.0.0.1
export OP_PG_FSYNC=off
export OP_TEMPLATES_DIR=$TOP/tests/templates
. scripts/stack.sh
SOAK_DATA=$OP_DATA_DIR
trap 'stack_down; [ -n "${OP_TEST_KEEP:-}" ] || rm -rf "$SOAK_DATA"' EXIT
trap 'exit 130' INT TERM

stack_up || { log "the stack did not start"; exit 1; }
"$TOP/$OP_BUILD/bin/op-auth" setup-token "$OP_DATA_DIR/setup-token" >/dev/null
tests/images/build.sh >/dev/null || log "could not build the test images"
stack_test_env
OP_SOAK=1 node tests/reliability/run.mjs
