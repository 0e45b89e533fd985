#!/usr/bin/env bash
# run.sh — `make bench`: the panel measured on this machine, with the load
# generator beside it, and the seed's original stack (bench/peers/hono)
# serving the same authenticated read over the same PostgreSQL data, side
# by side in one run. Figures go to bench/results/ as JSON and Markdown;
# nothing is asserted.
#
#   OP_BENCH_SECONDS       length of each measured run (default 8)
#   OP_BENCH_REPEAT        measured runs per figure, the median kept (3)
#   OP_BENCH_SOAK_SECONDS  the mixed load before the last memory figure (60)
#   OP_BENCH_RATE          the paced runs' offered rate, req/s (1000)
#   OP_BENCH_IDLE_EXIT_S   the pools' and terminal bridge's OP_IDLE_EXIT_S
#                          (20; 60 in production): the stack holds their
#                          sockets as systemd does, they stop when idle
#   OP_BENCH_PARTS         which parts run (default all of "panel peer soak
#                          idle deploy watch"; idle is the memory and first
#                          read once the pools stopped, in panel and soak)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
command -v wrk >/dev/null || {
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get install -y -qq wrk >/dev/null || $SUDO sh -c \
	    'apt-get update -qq && apt-get install -y -qq wrk' >/dev/null; }
scripts/npm-deps.sh "$TOP/bench/peers/hono" || exit 1

export OP_DATA_DIR=$(mktemp -d /tmp/openpanel-bench.XXXXXX)
export OP_HTTP_PORT=${OP_BENCH_HTTP_PORT:-18580}
export OP_HTTPS_PORT=${OP_BENCH_HTTPS_PORT:-18543}
export OP_PG_PORT=${OP_BENCH_PG_PORT:-15932}
export OP_REDIS_PORT=${OP_BENCH_REDIS_PORT:-16979}
# Measure, not throttle: the gateway's limits are lifted for the bench.
export OP_API_RATE=1000000 OP_API_BURST=1000000 OP_CONN_LIMIT=60000
export OP_LOGIN_RATE=1000000 OP_LOGIN_BURST=1000000
# Each pool and the terminal bridge on a socket held for it (as systemd's
# socket units hold them), stopping when idle: the idle panel as deployed.
export OP_IDLE_EXIT_S=${OP_BENCH_IDLE_EXIT_S:-20}
. scripts/stack.sh
. bench/lib.sh
trap '! declare -F peer_stop >/dev/null || peer_stop
    stack_down; rm -rf "$OP_DATA_DIR"' EXIT
stack_up || { echo "the stack did not start"; exit 1; }

B=http://127.0.0.1:$OP_HTTP_PORT
RES=$OP_DATA_DIR/results.jsonl
mkdir -p bench/results

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() {	# PATH BODY [TOKEN]
	curl -fsS -X POST "$B$1" -H 'Content-Type: application/json' \
	    ${3:+-H "Authorization: Bearer $3"} -d "$2"
}

# --- the data: an admin, and a member with 50 projects in their team ------
"$TOP/build/bin/op-auth" setup-token "$OP_DATA_DIR/setup-token" >/dev/null
post /api/auth/setup "{\"email\":\"bench@openpanel.test\",\"password\":\"bench password 1\",\"name\":\"Bench\",\"setup_token\":\"$(cat "$OP_DATA_DIR/setup-token")\"}" >/dev/null
TOKEN=$(post /api/auth/login '{"email":"bench@openpanel.test","password":"bench password 1"}' | json "['access_token']")
export BENCH_EMAIL=reader@openpanel.test BENCH_PASSWORD="reader password 1"
post /api/users "{\"email\":\"$BENCH_EMAIL\",\"name\":\"Reader\",\"password\":\"$BENCH_PASSWORD\"}" "$TOKEN" >/dev/null
READER=$(post /api/auth/login "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" | json "['access_token']")
export BENCH_TEAM=$(post /api/teams '{"name":"Bench"}' "$READER" | json "['id']")
for i in $(seq 50); do
	post /api/projects "{\"team_id\":\"$BENCH_TEAM\",\"name\":\"project-$i\"}" "$READER" >/dev/null
done
[ "$(curl -fsS -H "Authorization: Bearer $READER" "$B/api/projects?limit=50" |
    json "['items'].__len__()")" = 50 ] || { echo "the 50 projects are not there"; exit 1; }
READS="/api/projects?limit=50"
part() { [[ " ${OP_BENCH_PARTS:-panel peer soak idle deploy watch} " == *" $1 "* ]]; }

# The load runs: the panel, then the peer, then a soak.

if part panel || part peer || part soak; then
	. bench/http.sh
	bench_http
fi

# The cost of deploying: the panel beside the raw engine API.
if part deploy; then
	. bench/deploy.sh
	bench_deploy
fi
# The cost of watching containers (op-monitor).
if part watch; then
	. bench/watch.sh
fi
