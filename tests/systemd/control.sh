#!/usr/bin/env bash
# control.sh — op-gateway's door, run as systemd runs it: a real nginx, and
# systemd-socket-activate accepting each connection for `op-gateway serve`
# (openpanel-gateway-control.socket's Accept=yes). The client side asks
# for checks and reloads; prints "gateway control: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/${OP_BUILD:-build}/bin/op-gateway
PORT=${OP_TEST_CONTROL_PORT:-18490}
BUSY_PORT=$((PORT + 1))
pass=0 fail=0
T=$(mktemp -d /tmp/openpanel-control.XXXXXX)
NGINX_PID= DOOR_PID= BUSY_PID=
cleanup() {
	[ -n "$DOOR_PID" ] && kill "$DOOR_PID" 2>/dev/null
	[ -n "$BUSY_PID" ] && kill "$BUSY_PID" 2>/dev/null
	[ -s "$T/nginx.pid" ] && kill -QUIT "$(cat "$T/nginx.pid")" 2>/dev/null
	[ -n "$NGINX_PID" ] && wait "$NGINX_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() {	# NAME COMMAND... — one check
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "not ok: $name"; fi
}

# A gateway whose answer names its configuration's version (and, with a
# second argument, listens on that port too).
conf() {	# BODY [PORT]
	cat > "$T/nginx.conf" <<CONF
pid $T/nginx.pid;
error_log $T/error.log;
events {}
http {
	client_body_temp_path $T/tmp;
	access_log off;
	server {
		listen 127.0.0.1:$PORT;
		${2:+listen 127.0.0.1:$2;}
		location / { return 200 "$1\n"; }
	}
}
CONF
}
conf v1
mkdir -p "$T/tmp"
nginx -c "$T/nginx.conf" -g 'daemon off;' 2>>"$T/error.log" &
NGINX_PID=$!
printf 'OP_GATEWAY_CONTROL = %s/control.sock\n' "$T" > "$T/openpanel.conf"
systemd-socket-activate --accept --inetd -l "$T/control.sock" \
    -E OP_CONFIG="$T/openpanel.conf" -E OP_GATEWAY_CONF="$T/nginx.conf" \
    -E OP_GATEWAY_NGINX="$(command -v nginx)" -E OP_GATEWAY_PID="$T/nginx.pid" \
    -E OP_GATEWAY_RELOAD_S=2 "$BIN" serve 2>>"$T/door.log" &
DOOR_PID=$!
for _ in $(seq 100); do
	[ -S "$T/control.sock" ] && curl -fs "http://127.0.0.1:$PORT/" >/dev/null && break
	sleep 0.1
done
ask() { OP_CONFIG=$T/openpanel.conf "$BIN" "$@"; }
answer() { curl -fs "http://127.0.0.1:$PORT/"; }
serves() {	# WANT — the gateway answers WANT, within a few seconds
	for _ in $(seq 50); do [ "$(answer)" = "$1" ] && return 0; sleep 0.1; done
	return 1
}

ok "a sound configuration passes the check" ask check
ok "the door may be named after the verb, without a configuration" \
    env -u OP_CONFIG "$BIN" check "$T/control.sock"
conf v2
ok "reload applies a changed configuration" ask reload
ok "the gateway serves the new configuration" serves v2
# Once reload answered, no worker of the old configuration takes a
# connection: every request from then on has the new answer.
every() {	# WANT — twenty fresh connections in a row answer WANT
	for _ in $(seq 20); do [ "$(answer)" = "$1" ] || return 1; done
}
conf v3
ask reload && ok "reload answers once every worker serves it" every v3
# A configuration nginx -t passes but the master cannot take (its port
# is busy): the master keeps the old one, and the reload says so.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$BUSY_PORT" &
BUSY_PID=$!
sleep 0.3
conf v4 "$BUSY_PORT"
ok "the busy port passes the check" ask check
ok "reload fails when the master keeps its configuration" \
    eval '! ask reload 2>"$T/why"'
ok "the failure says so" grep -q 'kept its old configuration' "$T/why"
ok "the gateway still serves the one it kept" every v3
kill "$BUSY_PID"; wait "$BUSY_PID" 2>/dev/null; BUSY_PID=
conf v2
ask reload >/dev/null 2>&1 || true
echo 'this is not nginx;' >> "$T/nginx.conf"
ok "a broken configuration fails the check" eval '! ask check 2>"$T/why"'
ok "the refusal carries nginx's reason" grep -q 'unknown directive' "$T/why"
ok "reload refuses a broken configuration" eval '! ask reload 2>/dev/null'
ok "the gateway still serves the last good one" serves v2
ok "an unknown verb is refused" eval "printf 'stop\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
answer = b\"\".join(iter(lambda: s.recv(100), b\"\"))
sys.exit(0 if answer.startswith(b\"error: unknown verb\") else 1)' '$T/control.sock'"
ok "the client needs a verb" eval '! "$BIN" 2>/dev/null'
ok "no door, no success" eval '! OP_GATEWAY_CONTROL=$T/none.sock ask check 2>/dev/null'
ok "no door exits 75, which is no refusal" eval \
    'OP_GATEWAY_CONTROL=$T/none.sock ask check 2>/dev/null; [ $? -eq 75 ]'

echo "gateway control: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
