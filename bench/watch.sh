# watch.sh — sourced by bench/run.sh, its stack up: the cost of watching.
# CPU the panel's processes (pools, workers, gateway) use over a window,
# first with no container, then while N containers (OP_BENCH_CONTAINERS,
# default 50) run and op-monitor samples each once a second and follows
# its logs; one subscriber watches one container's metrics meanwhile.
# Figures are reported in bench/results/monitor.{md,json}, never asserted.

WATCH_N=${OP_BENCH_CONTAINERS:-50}
WATCH_SECONDS=${OP_BENCH_WATCH_SECONDS:-30}

# ticks_tree PID [reaped] — CPU ticks (user + system) of a process and all
# its descendants, the ones it has reaped included (cutime + cstime): a
# pool retires idle workers, and a worker gone between two readings must
# not take its ticks with it (the difference went negative). With
# "reaped", the process's own ticks are left out: a supervisor's
# (supervise.pl, holding a pool's socket as systemd does) are not the
# panel's, the pools it started and reaped after their idle stop are.
ticks_tree() {
	local pid=$1 own='$14 + $15 + ' total c
	[ "${2:-}" != reaped ] || own=
	total=$(awk "{print $own\$16 + \$17}" "/proc/$pid/stat" 2>/dev/null || echo 0)
	for c in $(pgrep -P "$pid"); do
		total=$((total + $(ticks_tree "$c")))
	done
	echo "${total:-0}"
}
panel_ticks() {
	local t=0 s pid
	for s in "${SERVICES[@]}" terminal; do
		if [ -s "$OP_DATA_DIR/run/$s-socket.pid" ]; then
			t=$((t + $(ticks_tree "$(cat "$OP_DATA_DIR/run/$s-socket.pid")" reaped)))
		else
			for pid in $(cat "$OP_DATA_DIR/run/$s.pid" 2>/dev/null); do
				t=$((t + $(ticks_tree "$pid")))
			done
		fi
		for pid in $(cat "$OP_DATA_DIR/run/$s-worker.pid" 2>/dev/null); do
			t=$((t + $(ticks_tree "$pid")))
		done
	done
	echo $((t + $(ticks_tree "$(cat "$OP_DATA_DIR/run/nginx.pid")")))
}
# Percent of one CPU the panel used over WATCH_SECONDS.
panel_cpu() {
	local t0 t1
	t0=$(panel_ticks); sleep "$WATCH_SECONDS"; t1=$(panel_ticks)
	python3 -c "print(round(($t1 - $t0) / $(getconf CLK_TCK) / $WATCH_SECONDS * 100, 1))"
}
api() {	# METHOD PATH [JSON]
	curl -fsS -X "$1" "$B$2" -H "Authorization: Bearer $TOKEN" \
	    -H 'Content-Type: application/json' ${3:+-d "$3"}
}

"$TOP/tests/images/build.sh" >/dev/null
idle_cpu=$(panel_cpu)
team=$(api POST /api/teams '{"name":"bench"}' | json "['id']")
project=$(api POST /api/projects "{\"team_id\":\"$team\",\"name\":\"watch\"}" | json "['id']")
first=""
for i in $(seq "$WATCH_N"); do
	id=$(api POST /api/containers "{\"project_id\":\"$project\",\"name\":\"c$i\",\"image\":\"openpanel-test/busybox:1\",\"restart\":\"no\",\"command\":[\"sh\",\"-c\",\"trap 'exit 0' TERM; while :; do echo tick; sleep 1; done\"]}" | json "['id']")
	first=${first:-$id}
done
sleep 5	# the worker picks them all up
curl -sN -H "Authorization: Bearer $TOKEN" -H 'Accept: text/event-stream' \
    "$B/api/live/metrics/$first" > "$OP_DATA_DIR/watch.sse" &
sub=$!
since=$(date -u +%FT%T)
watch_cpu=$(panel_cpu)
kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
# Samples taken in the window (not those the channel kept from before).
samples=$(sed -n 's/^data: //p' "$OP_DATA_DIR/watch.sse" | python3 -c "
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l).get('time', '') >= '$since'))")
api DELETE "/api/projects/$project" >/dev/null || true

{
	echo "| panel CPU (% of one core) | over ${WATCH_SECONDS} s |"
	echo "| --- | ---: |"
	echo "| no container | $idle_cpu |"
	echo "| $WATCH_N containers sampled every second, logs followed | $watch_cpu |"
	echo
	echo "One subscriber on one container's metrics channel received $samples samples taken from the start of that window until it stopped listening, a few seconds after its end (one a second would be a little over $WATCH_SECONDS)."
	echo "Pools (those that stopped idle in the window too), workers, the terminal bridge and the gateway, user + system time; $(nproc)-core machine, shared; $(date -u +%FT%TZ)."
} | tee bench/results/monitor.md
printf '{"containers": %s, "seconds": %s, "cpu_pct_idle": %s, "cpu_pct_watching": %s, "samples_received": %s}\n' \
    "$WATCH_N" "$WATCH_SECONDS" "$idle_cpu" "$watch_cpu" "$samples" > bench/results/monitor.json
