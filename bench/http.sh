# http.sh — sourced by bench/run.sh with the stack up and its data made
# ($B, $READER, $READS, $RES, BENCH_TEAM/EMAIL/PASSWORD): the load runs.
# The panel first: idle (memory with every pool running, then once its
# pools have stopped idle, and the first read after), then reads, paced
# reads, writes, logins under load, memory; then the peer serving the same
# read, then a soak and memory again, once more after the pools stopped;
# the figures go through bench/report.py to bench/results/http.{json,md}.

PEER_PORT=${OP_BENCH_PEER_PORT:-18600}
P=http://127.0.0.1:$PEER_PORT
PEER_PID=

# peer_start WORKERS — the seed's stack on this stack's data and keys.
peer_start() {
	PEER_WORKERS=$1 PEER_PORT=$PEER_PORT PEER_JWT_KEY_FILE=$OP_DATA_DIR/keys/jwt.key \
	    PEER_PG="host=$OP_DATA_DIR/pg-run port=$OP_PG_PORT user=postgres" \
	    node bench/peers/hono/server.mjs >>"$OP_DATA_DIR/log/peer.log" 2>&1 &
	PEER_PID=$!
	wait_for 100 curl -fsS -o /dev/null -H "Authorization: Bearer $READER" \
	    "$P$READS" || {
		echo "the peer did not start"; tail -5 "$OP_DATA_DIR/log/peer.log"; exit 1; }
}

peer_stop() {
	[ -z "$PEER_PID" ] && return
	kill -TERM "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null
	PEER_PID=
}

bench_panel() {
	sleep 5
	memory "idle, every pool running" >> "$RES"
	! part idle || bench_idle "idle, pools stopped" 3
	for conns in 16 64 256; do
		wrk_median "panel GET /api/health" "$conns" "$B/api/health" "" get.lua >> "$RES"
		wrk_median "panel GET $READS" "$conns" "$B$READS" "$READER" get.lua >> "$RES"
	done
	BENCH_DELAY_MS=$PACE_MS wrk_median "panel GET $READS, paced" 64 "$B$READS" "$READER" paced.lua >> "$RES"
	wrk_median "panel POST /api/projects" 16 "$B" "$READER" create.lua >> "$RES"

	# Memory under load, sampled in the middle of a read run.
	wrk_once 64 "$B$READS" "$READER" get.lua 10 >/dev/null &
	local load=$!	# (a bare wait would wait for the stack too)
	sleep 5; memory "under load" >> "$RES"; wait "$load"

	# Logins (a password hash each) while the reads go on.
	wrk_once 64 "$B$READS" "$READER" get.lua 10 |
	    sed 's/^{/{"label":"panel GET reads during logins","connections":64,/' >> "$RES" &
	load=$!
	wrk_once 4 "$B" "" login.lua 10 |
	    sed 's/^{/{"label":"panel POST \/api\/auth\/login during reads","connections":4,/' >> "$RES"
	wait "$load"
}

bench_peer() {
	peer_start 1
	sleep 2
	printf '{"label":"peer idle","peer_kb":%d}\n' "$(pss_tree "$PEER_PID")" >> "$RES"
	for conns in 16 64 256; do
		wrk_median "peer (1 process) GET $READS" "$conns" "$P$READS" "$READER" get.lua >> "$RES"
	done
	BENCH_DELAY_MS=$PACE_MS wrk_median "peer (1 process) GET $READS, paced" 64 "$P$READS" "$READER" paced.lua >> "$RES"
	peer_stop
	peer_start "$(nproc)"
	wrk_median "peer ($(nproc) processes) GET $READS" 64 "$P$READS" "$READER" get.lua >> "$RES"
	peer_stop
}

# A soak: reads and writes mixed, then memory again.
bench_soak() {
	SOAK=${OP_BENCH_SOAK_SECONDS:-60}
	wrk_once 2 "$B" "$READER" create.lua "$SOAK" >/dev/null &
	local writes=$!
	wrk_once 32 "$B$READS" "$READER" get.lua "$SOAK" >/dev/null
	wait "$writes"
	sleep 5
	memory "after a ${SOAK} s soak" >> "$RES"
	! part idle || bench_idle "after the soak, pools stopped" 0
}

# Whether every pool and the terminal bridge have stopped idle: their pid
# files are gone (supervise.pl removes each while its program is down).
pools_stopped() {
	local s
	for s in "${SERVICES[@]}" terminal; do
		[ ! -e "$OP_DATA_DIR/run/$s.pid" ] || return 1
	done
}

# bench_idle LABEL READS — the panel left alone until its pools stop
# (OP_IDLE_EXIT_S): memory as LABEL; then READS times the first
# authenticated read, which starts op-auth and op-projects again on
# demand, beside the read right after it, each after the pools stopped.
bench_idle() {
	local i cold warm
	for ((i = 0; i == 0 || i < $2; i++)); do
		wait_for $((OP_IDLE_EXIT_S * 10 + 300)) pools_stopped || {
			echo "the pools did not stop idle"; return 1; }
		sleep 2
		[ "$i" -gt 0 ] || memory "$1" >> "$RES"
		[ "$2" -gt 0 ] || return 0
		cold=$(curl -fsS -o /dev/null -w '%{time_total}' \
		    -H "Authorization: Bearer $READER" "$B$READS") || return 1
		warm=$(curl -fsS -o /dev/null -w '%{time_total}' \
		    -H "Authorization: Bearer $READER" "$B$READS") || return 1
		awk -v c="$cold" -v w="$warm" 'BEGIN { printf \
		    "{\"label\":\"first read after the idle stop\",\"cold_ms\":%.1f,\"warm_ms\":%.1f}\n",
		    c * 1000, w * 1000 }' >> "$RES"
	done
}

# The parts of OP_BENCH_PARTS among panel, peer, soak and idle, then the
# report.
bench_http() {
	PACE_MS=$((64 * 1000 / ${OP_BENCH_RATE:-1000}))
	! part panel || bench_panel
	! part peer || bench_peer
	! part soak || bench_soak
	python3 bench/report.py "$RES" bench/results/http \
	    "$(nproc)" "$BENCH_SECONDS" "$BENCH_REPEAT" "${OP_BENCH_RATE:-1000}"
}
