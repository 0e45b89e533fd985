#!/usr/bin/env bash
# control.sh — op-gateway's door, run as systemd runs it: a real nginx, and
# systemd-socket-activate accepting each connection for `op-gateway serve`
# (openpanel-gateway-control.socket's Accept=yes). The client side asks
# for checks and reloads; prints "gateway control: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/${OP_BUILD:-build}/bin/op-gateway
PORT=${OP_TEST_CONTROL_PORT:-18490}
pass=0 fail=0
T=$(mktemp -d /tmp/openpanel-control.XXXXXX)
NGINX_PID= DOOR_PID=
cleanup() {
	[ -n "$DOOR_PID" ] && kill "$DOOR_PID" 2>/dev/null
	[ -s "$T/nginx.pid" ] && kill -QUIT "$(cat "$T/nginx.pid")" 2>/dev/null
	[ -n "$NGINX_PID" ] && wait "$NGINX_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() {	# NAME COMMAND... — one check
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "not ok: $name"; fi
}

# A gateway whose answer names its configuration's version.
conf() {	# BODY
	cat > "$T/nginx.conf" <<CONF
pid $T/nginx.pid;
error_log $T/error.log;
events {}
http {
	client_body_temp_path $T/tmp;
	access_log off;
	server {
		listen 127.0.0.1:$PORT;
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
    -E OP_GATEWAY_NGINX="$(command -v nginx)" "$BIN" serve 2>>"$T/door.log" &
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
conf v2
ok "reload applies a changed configuration" ask reload
ok "the gateway serves the new configuration" serves v2
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

echo "gateway control: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
