#!/usr/bin/env bash
# boot.sh — the production install, run by systemd as PID 1: a container
# that boots this machine's own Debian 12 (its /usr read-only, a copy of
# its /etc), where the steps of docs/install.md are followed as an
# operator would (make install, the database, openpanel.target), and the
# panel is then driven over HTTP through its gateway on port 80; last, it
# is rebuilt from its own backup as docs/backups.md says. The panel
# inside drives this machine's Docker engine through its socket.
# Prints "systemd boot: N passed, N failed". OP_TEST_BOOT_KEEP=NAME keeps
# the box (openpanel-test-systemd-NAME) afterwards, to look inside.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE=openpanel-test/systemd:1
NAME=openpanel-test-systemd-${OP_TEST_BOOT_KEEP:-$$}
SOCK=${OP_TEST_DOCKER_SOCKET:-/var/run/docker.sock}
export DOCKER_HOST=unix://$SOCK
pass=0 fail=0
T=$(mktemp -d /tmp/openpanel-boot.XXXXXX)

ok() {	# NAME COMMAND... — one check; its status is the check's
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); return 0; fi
	fail=$((fail + 1)); echo "not ok: $name"; return 1
}

in_box() {	# COMMAND... — run in the booted server, as root
	docker exec -i "$NAME" "$@"
}

cleanup() {
	if docker inspect "$NAME" >/dev/null 2>&1; then
		# SIGRTMIN+3 is systemd's halt: the units stop, then PID 1 exits.
		docker stop -t 60 "$NAME" >/dev/null 2>&1
		docker rm -f "$NAME" >/dev/null 2>&1
	fi
	docker rmi "$IMAGE" >/dev/null 2>&1	# made again each run
	rm -rf "$T"
}
[ -n "${OP_TEST_BOOT_KEEP:-}" ] || trap cleanup EXIT

# --- the server's root: this machine's Debian, as packages left it ---------
# /etc is copied (the packages' users, groups and unit enablement), /usr is
# bound read-only at run time, /var holds only the packages' empty state
# directories. The host's own services that would clash or have no place
# in a container (its Docker engine, registry, Prometheus, ssh) are
# masked, and so is the first-boot wizard; /usr/local, where make install
# puts the panel, is the box's own. A tar keeps owners and modes, which a
# build's COPY would not. Docker leaves the container's mounts private,
# where a booted systemd finds them shared: the credentials it mounts for
# a unit (LoadCredential=) reach the unit only through that propagation.
image() {
	local R=$T/root d
	mkdir -p "$R" && cd "$R" || return 1
	ln -s usr/bin bin && ln -s usr/lib lib && ln -s usr/lib64 lib64 &&
	    ln -s usr/sbin sbin
	mkdir -p usr run tmp root home srv opt mnt proc sys dev var/tmp \
	    var/cache var/lib var/log var/spool
	ln -s ../run var/run && ln -s ../run/lock var/lock
	chmod 1777 tmp var/tmp
	cp -a /etc etc
	rm -rf etc/postgresql/*/main etc/machine-id etc/hostname
	: > etc/fstab
	for u in docker containerd docker-registry prometheus ssh \
	    e2scrub_reap systemd-firstboot systemd-networkd-wait-online; do
		ln -sf /dev/null "etc/systemd/system/$u.service"
	done
	ln -sf /dev/null etc/systemd/system/docker.socket
	for d in /var/lib/redis /var/log/redis /var/lib/postgresql \
	    /var/log/postgresql /var/lib/nginx /var/log/nginx; do
		[ -d "$d" ] || continue
		mkdir -p ".$d" && chown --reference="$d" ".$d" &&
		    chmod --reference="$d" ".$d"
	done
	cd "$TOP" || return 1
	tar -C "$R" -c . | docker import \
	    -c 'CMD ["/bin/sh", "-c", "mount --make-rshared / && exec /lib/systemd/systemd"]' \
	    -c 'ENV container=docker' - "$IMAGE" >/dev/null
}

# The cgroup2 hierarchy, which systemd in the box manages as its own
# (under the box's cgroup): /sys/fs/cgroup on a unified host, or the
# unified part of a hybrid one. Never the v1 controllers: systemd would
# mount any the host leaves unmounted, and while it ran the host's engine
# could no longer place its containers in them (their stats come back
# empty).
cgroup2() {
	local d
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] &&
		    { echo "$d"; return 0; }
	done
	return 1
}

boot() {
	local cg
	cg=$(cgroup2) || { echo "# no cgroup2 hierarchy on this host"; return 1; }
	docker run -d --name "$NAME" --hostname openpanel-boot --stop-signal SIGRTMIN+3 \
	    --cap-add ALL --cap-drop SYS_RESOURCE \
	    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
	    --security-opt systempaths=unconfined \
	    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --tmpfs /usr/local:rw,exec \
	    -v /usr:/usr:ro -v "$cg:/sys/fs/cgroup:rw" --cgroupns=host \
	    --publish 127.0.0.1::80 \
	    -v "$SOCK:/run/docker.sock" -v "$TOP:/src" \
	    "$IMAGE" >/dev/null || return 1
	local state
	for _ in $(seq 120); do
		state=$(in_box systemctl is-system-running 2>/dev/null)
		case $state in running|degraded) return 0 ;; esac
		sleep 0.5
	done
	echo "# booted to: $state"
	return 1
}

# docs/install.md, step 1: make install, as root with no DESTDIR (the
# users, keys and certificate too). pg_createcluster stands for what the
# postgresql package's own installation does on a fresh server.
install_panel() {
	in_box make -s -C /src install >"$T/install.out" 2>&1 &&
	    in_box pg_createcluster --start 15 main >>"$T/install.out" 2>&1 ||
	    { tail -20 "$T/install.out"; return 1; }
}

# Step 2: the database, its roles' mapping, and the reload.
database() {
	local u
	in_box runuser -u postgres -- createdb openpanel &&
	    in_box runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 \
	    -d openpanel -f /usr/local/share/openpanel/sql/bootstrap.sql \
	    >/dev/null || return 1
	for u in auth projects audit builds monitor infra backups; do
		echo "openpanel  openpanel-$u  op_$u"
	done > "$T/ident"
	echo "openpanel  root  op_auth" >> "$T/ident"
	in_box tee -a /etc/postgresql/15/main/pg_ident.conf \
	    <"$T/ident" >/dev/null &&
	    in_box sed -i '/^local *all *all *peer/i local  openpanel  op_auth,op_projects,op_audit,op_builds,op_monitor,op_infra,op_backups  peer map=openpanel' \
	    /etc/postgresql/15/main/pg_hba.conf &&
	    in_box systemctl reload postgresql
}

# Step 3: Debian's own nginx gives up port 80, then start and wait for
# the gateway's readiness check. (The box's engine is this machine's:
# docker.service is masked there, its socket bound in.)
start() {
	in_box systemctl disable --now nginx >/dev/null 2>&1 &&
	    in_box systemctl enable --now redis-server openpanel.target \
	    >/dev/null 2>&1 || return 1
	ready
}

# Ready: the gateway answers, and so does every pool, PostgreSQL, Redis,
# Docker and the live publisher (GET /api/health/ready). The liveness
# check (GET /api/health) must agree.
ready() {
	local code
	for _ in $(seq 120); do
		code=$(in_box curl -s -o "/tmp/ready" -w '%{http_code}' \
		    http://127.0.0.1/api/health/ready)
		[ "$code" = 200 ] && in_box curl -sf -o /dev/null \
		    http://127.0.0.1/api/health && return 0
		sleep 0.5
	done
	echo "# /api/health/ready: $code $(in_box cat /tmp/ready)"
	in_box systemctl --failed --no-legend
	return 1
}

ok "the server's image is made" image
ok "systemd boots as PID 1" boot || {
	echo "systemd boot: $pass passed, $fail failed"; exit 1; }
ok "make install, as root" install_panel
ok "the database is set up as docs/install.md says" database
ok "openpanel.target starts and the gateway is ready" start

# A client of the panel from outside, through the gateway's port 80
# (published on loopback): the node test file $1.
client() {	# FILE
	local port rc
	port=$(docker port "$NAME" 80/tcp | head -1) || return 1
	OP_TEST_URL="http://$port" OP_DATA_DIR=$T node --test \
	    --test-reporter=tap "$TOP/tests/systemd/$1" >"$T/client.out" 2>&1
	rc=$?
	grep -E '^# (pass|fail) ' "$T/client.out" | sed 's/^/  /'
	[ $rc -eq 0 ] || awk '/^not ok/,/^  \.\.\./' "$T/client.out" | head -40
	return $rc
}

# The first admin's one-time token, minted as docs/install.md says.
first_use() {
	in_box env OP_CONFIG=/etc/openpanel/openpanel.conf \
	    /usr/local/bin/op-auth setup-token /root/setup-token >/dev/null &&
	    in_box cat /root/setup-token > "$T/setup-token" &&
	    client boot.test.mjs
}
ok "a client sets up, runs a container, reads the trail, backs up the panel" \
    first_use

# Logs go to journald, one JSON line per request with the gateway's id.
journal() {
	local id
	id=$(in_box curl -s -D - -o /dev/null http://127.0.0.1/api/health |
	    tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
	[ -n "$id" ] || return 1
	for _ in $(seq 20); do
		in_box journalctl -u openpanel-auth.service -o cat |
		    grep -F "\"request_id\":\"$id\"" |
		    grep -q '"msg":"GET /api/health 200 ' && return 0
		sleep 0.5
	done
	return 1
}
ok "a request's log line is in the journal under its id" journal

# Every unit of the panel, by state (units that are not loaded included).
# `systemctl stop openpanel.target` returns once the target is down, with
# its units still stopping (a pool lets its requests in flight finish).
units() {	# STATE — each of the panel's units comes to it
	for _ in $(seq 120); do
		units_in "$1" >/dev/null && return 0
		sleep 0.5
	done
	units_in "$1"
}

units_in() {	# STATE
	in_box systemctl list-units --all --plain --no-legend 'openpanel*' |
	    awk -v want="$1" '$1 !~ /@/ && $3 != want { bad = 1
		print "  " $0 } END { exit bad }'
}

# A pool killed outright: systemd starts it again (Restart=on-failure),
# and its socket unit kept the listening socket all along.
main_pid() {
	in_box systemctl show -P MainPID openpanel-projects.service
}

kill_pool() {
	local old now
	old=$(main_pid)
	[ "${old:-0}" -gt 0 ] && in_box kill -KILL "$old" || return 1
	for _ in $(seq 60); do
		now=$(main_pid)
		[ "${now:-0}" -gt 0 ] && [ "$now" != "$old" ] && ready &&
		    return 0
		sleep 0.5
	done
	echo "# the projects pool: pid $old before, ${now:-none} after"
	return 1
}
ok "a pool killed with SIGKILL is started again" kill_pool

# A pool with no request for OP_IDLE_EXIT_S (2 s here, by a drop-in)
# stops, and its socket unit, listening on, starts it again on the next
# connection: the readiness check's ping. The default comes back after.
pool_starts() {
	in_box journalctl -u openpanel-projects.service -o cat |
	    grep -c 'workers on the systemd socket'
}

idle_pool() {
	local d=/etc/systemd/system/openpanel-projects.service.d state n
	in_box mkdir -p "$d" && printf '[Service]\nEnvironment=OP_IDLE_EXIT_S=2\n' |
	    in_box tee "$d/idle.conf" >/dev/null && in_box systemctl daemon-reload &&
	    in_box systemctl restart openpanel-projects.service || return 1
	for _ in $(seq 60); do
		state=$(in_box systemctl show -P ActiveState \
		    openpanel-projects.service)
		[ "$state" = inactive ] && break
		sleep 0.5
	done
	[ "$state" = inactive ] && [ "$(in_box systemctl show -P ActiveState \
	    openpanel-projects.socket)" = active ] ||
	    { echo "# the idle pool: $state"; return 1; }
	n=$(pool_starts)
	ready || return 1
	for _ in $(seq 20); do	# journald may write it a moment later
		[ "$(pool_starts)" -gt "$n" ] && break
		sleep 0.5
	done
	[ "$(pool_starts)" -gt "$n" ] || { echo "# the pool did not start"; return 1; }
	in_box rm -r "$d" && in_box systemctl daemon-reload &&
	    in_box systemctl restart openpanel-projects.service && ready
}
ok "an idle pool stops, and its socket starts it again" idle_pool

stop_all() {
	in_box systemctl stop openpanel.target && units inactive
}
ok "stopping openpanel.target stops every unit" stop_all
ok "starting it again brings the panel back" \
    eval 'in_box systemctl start openpanel.target && ready && units active'

# docs/backups.md, "Rebuilding a lost server", on this server: the panel
# stopped, its database made again from nothing (step 1), the backup the
# client took unpacked and loaded (step 4; the key is this server's own,
# step 2), the panel started on it (step 6). What the client finds after
# is in restored.test.mjs.
rebuild() {
	local archive
	archive=$(cat "$T/panel-backup") || return 1
	in_box systemctl stop openpanel.target && units inactive &&
	    in_box runuser -u postgres -- dropdb openpanel &&
	    in_box runuser -u postgres -- createdb openpanel &&
	    in_box runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 \
	    -d openpanel -f /usr/local/share/openpanel/sql/bootstrap.sql \
	    >/dev/null 2>&1 || return 1
	in_box env OP_CONFIG=/etc/openpanel/openpanel.conf \
	    /usr/local/bin/op-backups restore-panel "$archive" \
	    /root/panel-restore >"$T/restore.out" 2>&1 &&
	    in_box sh -c 'runuser -u postgres -- psql -X -q \
	    --single-transaction -v ON_ERROR_STOP=1 -d openpanel \
	    < /root/panel-restore/database.sql' >>"$T/restore.out" 2>&1 ||
	    { tail -20 "$T/restore.out"; return 1; }
	in_box systemctl start openpanel.target && ready && units active
}
ok "the panel is rebuilt from its backup as docs/backups.md says" rebuild
ok "the rebuilt panel has what it had, and works on" \
    client restored.test.mjs

# Scripted on the server with the installed opctl (docs/opctl.md): the
# token from the environment, JSON out, the project of before in it.
scripted() {
	in_box env OPENPANEL_URL=http://127.0.0.1 \
	    OPENPANEL_TOKEN="$(cat "$T/api-token")" \
	    /usr/local/bin/opctl --json projects list >"$T/opctl.out" 2>&1 &&
	    grep -qF "\"$(cat "$T/project-name")\"" "$T/opctl.out" ||
	    { head -5 "$T/opctl.out"; return 1; }
}
ok "the installed opctl lists the projects with an API token" scripted

echo "systemd boot: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
