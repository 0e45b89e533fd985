#!/usr/bin/env bash
# bench.sh — `make bench`: throughput and latency of the gateway with the
# auth subrequest, and the memory of the panel's processes. Figures are
# reported (bench/results/), never asserted.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
command -v wrk >/dev/null || {
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get install -y -qq wrk >/dev/null || $SUDO sh -c \
	    'apt-get update -qq && apt-get install -y -qq wrk' >/dev/null; }

export OP_DATA_DIR=$(mktemp -d /tmp/openpanel-bench.XXXXXX)
export OP_HTTP_PORT=${OP_BENCH_HTTP_PORT:-18580}
export OP_PG_PORT=${OP_BENCH_PG_PORT:-15932}
export OP_REDIS_PORT=${OP_BENCH_REDIS_PORT:-16979}
export OP_API_RATE=1000000 OP_API_BURST=1000000 OP_CONN_LIMIT=60000	# measure, not throttle
. scripts/stack.sh
trap 'stack_down; rm -rf "$OP_DATA_DIR"' EXIT
stack_up || { echo "the stack did not start"; exit 1; }
"$TOP/build/bin/op-auth" setup-token "$OP_DATA_DIR/setup-token" >/dev/null
B=http://127.0.0.1:$OP_HTTP_PORT
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
curl -fsS -X POST "$B/api/auth/setup" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench@openpanel.test\",\"password\":\"bench password 1\",\"name\":\"Bench\",\"setup_token\":\"$(cat "$OP_DATA_DIR/setup-token")\"}" >/dev/null
TOKEN=$(curl -fsS -X POST "$B/api/auth/login" -H 'Content-Type: application/json' \
    -d '{"email":"bench@openpanel.test","password":"bench password 1"}' | json "['access_token']")

# PSS in kB of a process and all its descendants.
pss_tree() {
	local pid=$1 total=0 kids c
	total=$(awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
	for c in $(pgrep -P "$pid"); do
		total=$((total + $(pss_tree "$c")))
	done
	echo "${total:-0}"
}
memory() {
	local gw pools=0 pid
	gw=$(pss_tree "$(cat "$OP_DATA_DIR/run/nginx.pid")")
	for s in "${SERVICES[@]}"; do
		for pid in $(cat "$OP_DATA_DIR/run/$s.pid" "$OP_DATA_DIR/run/$s-worker.pid"); do
			pools=$((pools + $(pss_tree "$pid")))
		done
	done
	echo "$gw $pools"
}

# One wrk run: prints "rps p50_ms p99_ms".
run_wrk() {
	local conns=$1 path=$2
	wrk -t2 -c"$conns" -d"${OP_BENCH_SECONDS:-8}"s --latency \
	    -H "Authorization: Bearer $TOKEN" "$B$path" 2>&1 |
	python3 -c '
import re, sys
t = sys.stdin.read()
def ms(v, u): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
lat = dict((p, ms(v, u)) for p, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", t))
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(rps, lat["50"], lat["99"], errs.group(1) if errs else 0)'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

read -r idle_gw idle_pools < <(memory)
mkdir -p bench/results
results=()
for path in /api/auth/me /api/health; do
	for conns in 16 64 256; do
		run_wrk "$conns" "$path" >/dev/null	# warm-up
		rows=()
		for i in 1 2 3; do rows+=("$(run_wrk "$conns" "$path")"); done
		rps=$(printf '%s\n' "${rows[@]}" | awk '{print $1}' | median)
		p50=$(printf '%s\n' "${rows[@]}" | awk '{print $2}' | median)
		p99=$(printf '%s\n' "${rows[@]}" | awk '{print $3}' | median)
		errs=$(printf '%s\n' "${rows[@]}" | awk '{s+=$4} END {print s}')
		results+=("$path $conns $rps $p50 $p99 $errs")
	done
done
read -r load_gw load_pools < <(memory)

{
	echo "| endpoint | connections | req/s | p50 ms | p99 ms | non-2xx |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for r in "${results[@]}"; do
		set -- $r; printf '| %s | %s | %.0f | %.2f | %.2f | %s |\n' "$@"
	done
	echo
	echo "| memory (PSS) | idle | after load |"
	echo "| --- | ---: | ---: |"
	printf '| gateway (nginx) | %d kB | %d kB |\n' "$idle_gw" "$load_gw"
	printf '| pools and workers | %d kB | %d kB |\n' "$idle_pools" "$load_pools"
	echo
	echo "Medians of 3 runs of ${OP_BENCH_SECONDS:-8} s after a warm-up; wrk on the same $(nproc)-core machine; $(date -u +%FT%TZ)."
} | tee bench/results/auth.md
printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
rows = [l.split() for l in sys.stdin if l.strip()]
print(json.dumps({"runs": [{"path": p, "connections": int(c), "rps": float(r),
  "p50_ms": float(a), "p99_ms": float(b), "non_2xx": int(e)} for p, c, r, a, b, e in rows],
  "memory_kb": {"gateway_idle": '"$idle_gw"', "pools_idle": '"$idle_pools"',
  "gateway_load": '"$load_gw"', "pools_load": '"$load_pools"'}}, indent=1))' > bench/results/auth.json

# The cost of deploying: the panel beside the raw engine API.
. scripts/bench-deploy.sh
bench_deploy
# The cost of watching containers (op-monitor).
. "$TOP/scripts/bench-watch.sh"
