#!/usr/bin/env bash
# run.sh — `make run`: serve the panel on 127.0.0.1:${OP_HTTP_PORT:-8080}
# in the foreground until Ctrl-C or SIGTERM, then stop everything.
set -uo pipefail
export OP_DATA_DIR=${OP_DATA_DIR:-$PWD/.run}
export OP_HTTP_PORT=${OP_HTTP_PORT:-8080}
export OP_HTTPS_PORT=${OP_HTTPS_PORT:-8443}
export OP_PG_PORT=${OP_PG_PORT:-15432}
export OP_REDIS_PORT=${OP_REDIS_PORT:-16379}
mkdir -p "$OP_DATA_DIR"
OP_DATA_DIR=$(cd "$OP_DATA_DIR" && pwd)
. "$(dirname "$0")/stack.sh"

trap 'stack_down; exit 0' INT TERM
trap 'stack_down' EXIT
stack_up || { log "start-up failed; logs are in $OP_DATA_DIR/log"; exit 1; }
"$TOP/build/bin/op-auth" setup-token "$OP_DATA_DIR/setup-token"
log "serving http://127.0.0.1:$OP_HTTP_PORT and https://127.0.0.1:$OP_HTTPS_PORT (logs in $OP_DATA_DIR/log); Ctrl-C stops"
while :; do
	sleep 1 &
	wait $!
done
