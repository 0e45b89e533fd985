# lib.sh — sourced by bench/run.sh: load runs and memory figures.
# Needs $TOP, $OP_DATA_DIR and, for the load runs, wrk.

BENCH_SECONDS=${OP_BENCH_SECONDS:-8}
BENCH_REPEAT=${OP_BENCH_REPEAT:-3}

# wrk_once CONNS URL TOKEN SCRIPT [SECONDS] — one wrk run; prints its
# RESULT line's JSON (report.lua) with "rps" added. An answer counts
# however late it is, up to 10 s (wrk's own 2 s would count a sign-in
# that hashes its password behind 64 connections of reads as an error).
wrk_once() {
	local conns=$1 url=$2 token=$3 script=$4 secs=${5:-$BENCH_SECONDS} lua
	lua=$(mktemp --suffix=.lua)
	cat "$TOP/bench/wrk/$script" "$TOP/bench/wrk/report.lua" > "$lua"
	wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s -s "$lua" \
	    ${token:+-H "Authorization: Bearer $token"} "$url" 2>&1 |
	python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("RESULT "):
        r = json.loads(line[7:])
        r["rps"] = r["requests"] / r["seconds"] if r["seconds"] else 0
        print(json.dumps(r))
        break
else:
    print(json.dumps({"error": "wrk printed no result"}))'
	rm -f "$lua"
}

# wrk_median LABEL CONNS URL TOKEN SCRIPT — a warm-up, then BENCH_REPEAT
# runs; prints one JSON object: the label, connections, the median of
# each figure, and the sum of errors.
wrk_median() {
	local label=$1 conns=$2 i
	shift 2
	wrk_once "$conns" "$@" 2 >/dev/null
	for i in $(seq "$BENCH_REPEAT"); do
		wrk_once "$conns" "$@"
	done | python3 -c '
import json, statistics, sys
runs = [json.loads(l) for l in sys.stdin if l.strip()]
ok = [r for r in runs if "error" not in r]
m = lambda k: statistics.median(r[k] for r in ok) if ok else None
print(json.dumps({"label": sys.argv[1], "connections": int(sys.argv[2]),
    "runs": len(ok), "rps": m("rps"), "p50_ms": m("p50_ms"),
    "p99_ms": m("p99_ms"), "p999_ms": m("p999_ms"),
    "errors": sum(r["socket_errors"] + r["non_2xx"] for r in ok) +
    (len(runs) - len(ok))}))' "$label" "$conns"
}

# PSS in kB of a process and all its descendants.
pss_tree() {
	local pid=$1 total c
	total=$(awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
	total=${total:-0}
	for c in $(pgrep -P "$pid"); do
		total=$((total + $(pss_tree "$c")))
	done
	echo "$total"
}

# pss_pids PID... — the PSS sum of those processes' trees.
pss_pids() {
	local t=0 p
	for p in "$@"; do
		[ -n "$p" ] && t=$((t + $(pss_tree "$p")))
	done
	echo "$t"
}

# memory LABEL — one JSON object of the PSS (kB) of each part: the gateway,
# the panel's pools, workers and terminal bridge, PostgreSQL, Redis, and
# the Docker engine (dockerd and containerd themselves, not the containers
# or their shims).
memory() {
	local s pools=() f p
	for s in "${SERVICES[@]}" terminal; do
		for f in "$OP_DATA_DIR/run/$s.pid" "$OP_DATA_DIR/run/$s-worker.pid"; do
			# (a pool stopping idle takes its pid file with it)
			p=$(cat "$f" 2>/dev/null) && [ -n "$p" ] && pools+=("$p")
		done
	done
	printf '{"label":"%s","gateway_kb":%d,"panel_kb":%d,"postgres_kb":%d,"redis_kb":%d,"docker_kb":%d}\n' \
	    "$1" \
	    "$(pss_pids "$(cat "$OP_DATA_DIR/state/nginx.pid" 2>/dev/null)")" \
	    "$(pss_pids "${pools[@]}")" \
	    "$(pss_pids "$(head -1 "$OP_DATA_DIR/pg/postmaster.pid" 2>/dev/null)")" \
	    "$(pss_pids "$(cat "$OP_DATA_DIR/run/redis.pid" 2>/dev/null)")" \
	    "$(for p in $(pgrep -x 'dockerd|containerd'); do
		awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup"; done |
		awk '{s+=$1} END {print s+0}')"
}
