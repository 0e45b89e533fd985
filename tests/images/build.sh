#!/usr/bin/env bash
# build.sh — the images the tests run, built locally (nothing can be
# pulled here): openpanel-test/busybox:1, FROM scratch with Debian's
# static busybox. Prints the image names it built.
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# docker build, quiet unless it fails.
build() {
	local tag=$1 ctx=$2
	if ! docker build -q -t "$tag" "$ctx" >"$ctx.log" 2>&1; then
		cat "$ctx.log" >&2
		return 1
	fi
	echo "$tag"
}
# Copy into root (a directory) the libraries ldd lists for each file
# given, at their paths: what a host binary needs in a FROM scratch image.
copy_libs() {
	local root=$1 b lib
	shift
	for b in "$@"; do
		for lib in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}
cp /bin/busybox "$dir/busybox"
cat > "$dir/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/mkdir", "-p", "/tmp", "/data", "/www"]
CMD ["/bin/sh"]
DOCKERFILE
build openpanel-test/busybox:1 "$dir"

# openpanel-test/redis:7 — the host's redis-server and redis-cli with the
# libraries they link, and busybox for the shell the health check runs.
dir2=$(mktemp -d)
trap 'rm -rf "$dir" "$dir2" "$dir.log" "$dir2.log"' EXIT
mkdir -p "$dir2/root/bin" "$dir2/root/usr/bin" "$dir2/root/data" "$dir2/root/tmp"
cp /bin/busybox "$dir2/root/bin/busybox"
for b in /usr/bin/redis-server /usr/bin/redis-cli; do
	cp -L "$b" "$dir2/root/usr/bin/$(basename "$b")"
done
copy_libs "$dir2/root" /usr/bin/redis-server /usr/bin/redis-cli
cat > "$dir2/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/bin:/bin
CMD ["redis-server"]
DOCKERFILE
build openpanel-test/redis:7 "$dir2"

# openpanel-test/mariadb:10 — the host's MariaDB server and clients
# (Debian's mariadb-server-core and mariadb-client, scripts/deps.sh) with
# the libraries ldd lists and busybox, and an entrypoint that acts like
# the official image's: MARIADB_ROOT_PASSWORD, MARIADB_DATABASE,
# MARIADB_USER and MARIADB_PASSWORD initialise /var/lib/mysql on first
# start. Built once per recipe and MariaDB version, like PostgreSQL below.
mariadb_image() {
recipe=$( (sed -n '/^# openpanel-test\/mariadb/,/^mariadb_image$/p' "$0"; /usr/sbin/mariadbd --version) |
    sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "io.openpanel.test.recipe"}}' \
    openpanel-test/mariadb:10 2>/dev/null)" = "$recipe" ]; then
	echo openpanel-test/mariadb:10
	return 0
fi
dir4=$(mktemp -d)
trap 'rm -rf "$dir" "$dir2" "$dir4" "$dir.log" "$dir2.log" "$dir4.log"' EXIT
r=$dir4/root
mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/sbin" "$r/usr/share" "$r/tmp" \
    "$r/run/mysqld" "$r/var/lib/mysql" "$r/etc"
cp /bin/busybox "$r/bin/busybox"
cp -a /usr/share/mysql "$r/usr/share/"
for b in /usr/sbin/mariadbd /usr/bin/mariadb /usr/bin/mariadb-dump \
    /usr/bin/mariadb-admin; do
	cp -L "$b" "$r$b"
	copy_libs "$r" "$b"
done
printf 'root:x:0:0:root:/root:/bin/sh\nmysql:x:999:999:mysql:/var/lib/mysql:/bin/sh\n' > "$r/etc/passwd"
printf 'root:x:0:\nmysql:x:999:\n' > "$r/etc/group"
cat > "$r/entrypoint.sh" <<'ENTRY'
#!/bin/sh
# Like the official image: initialise on first start, then run mariadbd.
set -e
DATA=/var/lib/mysql
mkdir -p "$DATA" /run/mysqld
chown -R mysql:mysql "$DATA" /run/mysqld /tmp
if [ ! -d "$DATA/mysql" ]; then
	{
		echo "CREATE DATABASE IF NOT EXISTS mysql;"
		echo "USE mysql;"
		echo "SET @auth_root_socket=NULL;"
		cat /usr/share/mysql/mysql_system_tables.sql \
		    /usr/share/mysql/mysql_performance_tables.sql \
		    /usr/share/mysql/mysql_system_tables_data.sql
	} | mariadbd --user=mysql --datadir="$DATA" --bootstrap \
	    --log-warnings=0 >/dev/null 2>&1
	mariadbd --user=mysql --datadir="$DATA" --skip-networking \
	    --socket=/run/mysqld/init.sock >/tmp/init.log 2>&1 &
	pid=$!
	i=0
	until mariadb-admin --socket=/run/mysqld/init.sock -uroot ping \
	    >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 60 ] || { cat /tmp/init.log; exit 1; }
		sleep 1
	done
	mariadb --socket=/run/mysqld/init.sock -uroot <<SQL
DELETE FROM mysql.global_priv WHERE User = '' OR Host NOT IN ('localhost', '%');
ALTER USER 'root'@'localhost' IDENTIFIED BY '$MARIADB_ROOT_PASSWORD';
CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;
CREATE USER '$MARIADB_USER'@'%' IDENTIFIED BY '$MARIADB_PASSWORD';
GRANT ALL ON \`$MARIADB_DATABASE\`.* TO '$MARIADB_USER'@'%';
FLUSH PRIVILEGES;
SQL
	kill "$pid"
	wait "$pid" || true
fi
exec mariadbd --user=mysql --datadir="$DATA" --bind-address=0.0.0.0
ENTRY
chmod 755 "$r/entrypoint.sh"
cat > "$dir4/Dockerfile" <<DOCKERFILE
FROM scratch
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/sbin:/usr/bin:/bin LANG=C
LABEL io.openpanel.test.recipe=$recipe
ENTRYPOINT ["/entrypoint.sh"]
DOCKERFILE
build openpanel-test/mariadb:10 "$dir4"
	rm -rf "$dir4" "$dir4.log"
}
mariadb_image

# openpanel-test/swarm-node:1 — a second Docker engine for the Swarm tests
# (S1): the host's dockerd, containerd, its runc shim, runc, docker-init,
# docker-proxy and iptables (nft, with its extensions), the libraries ldd
# lists and busybox. Its entrypoint runs dockerd on
# /run/op-node/docker.sock (a host directory the test binds there) with
# the arguments the container is given. Built once per recipe and set of
# binaries: the image's label says which.
node_image() {
local bins="/usr/sbin/dockerd /usr/bin/containerd /usr/bin/containerd-shim-runc-v2
    /usr/sbin/runc /usr/bin/docker-init /usr/sbin/docker-proxy
    /usr/sbin/xtables-nft-multi"
recipe=$( (sed -n '/^# openpanel-test\/swarm-node/,/^node_image$/p' "$0";
    sha256sum $bins) | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "io.openpanel.test.recipe"}}' \
    openpanel-test/swarm-node:1 2>/dev/null)" = "$recipe" ]; then
	echo openpanel-test/swarm-node:1
	return 0
fi
dir5=$(mktemp -d)
trap 'rm -rf "$dir" "$dir2" "$dir5" "$dir.log" "$dir2.log" "$dir5.log"' EXIT
r=$dir5/root
mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" "$r/tmp" "$r/run" \
    "$r/var/lib/docker" "$r/var/run" "$r/usr/lib/x86_64-linux-gnu"
cp /bin/busybox "$r/bin/busybox"
cp -a /usr/lib/x86_64-linux-gnu/xtables "$r/usr/lib/x86_64-linux-gnu/"
for b in $bins; do
	cp -L "$b" "$r$b"
done
copy_libs "$r" $bins "$r"/usr/lib/x86_64-linux-gnu/xtables/*.so
for n in iptables iptables-save iptables-restore ip6tables ip6tables-save \
    ip6tables-restore; do
	ln -s xtables-nft-multi "$r/usr/sbin/$n"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
printf 'root:x:0:\n' > "$r/etc/group"
cat > "$r/entrypoint.sh" <<'ENTRY'
#!/bin/sh
# A second Docker engine, its socket in /run/op-node (a host directory).
set -e
mkdir -p /run/op-node /var/lib/docker /tmp
rm -f /run/op-node/docker.sock
exec dockerd --host=unix:///run/op-node/docker.sock \
    --data-root=/var/lib/docker --exec-root=/var/run/docker \
    --pidfile=/var/run/docker.pid "$@"
ENTRY
chmod 755 "$r/entrypoint.sh"
cat > "$dir5/Dockerfile" <<DOCKERFILE
FROM scratch
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin
LABEL io.openpanel.test.recipe=$recipe
ENTRYPOINT ["/entrypoint.sh"]
DOCKERFILE
build openpanel-test/swarm-node:1 "$dir5"
	rm -rf "$dir5" "$dir5.log"
}
node_image

# openpanel-test/postgres:15 — the host's PostgreSQL 15 (bin/, lib/, share/,
# the libraries ldd lists, the time zone data) with busybox and an
# entrypoint that acts like the official image's: POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB initialise /var/lib/postgresql/data,
# local connections are trusted, the network needs the password. Built
# once per recipe and PostgreSQL version: the image's label says which.
PG=/usr/lib/postgresql/15
recipe=$( (sed -n '/^# openpanel-test\/postgres/,$p' "$0"; "$PG/bin/postgres" --version) |
    sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "io.openpanel.test.recipe"}}' \
    openpanel-test/postgres:15 2>/dev/null)" = "$recipe" ]; then
	echo openpanel-test/postgres:15
	exit 0
fi
dir3=$(mktemp -d)
trap 'rm -rf "$dir" "$dir2" "$dir3" "$dir.log" "$dir2.log" "$dir3.log"' EXIT
r=$dir3/root
mkdir -p "$r/bin" "$r/usr/share" "$r/tmp" "$r/var/run/postgresql" \
    "$r/var/lib/postgresql/data" "$r/etc" "$r/usr/lib/postgresql"
cp /bin/busybox "$r/bin/busybox"
cp -a "$PG" "$r/usr/lib/postgresql/"
mkdir -p "$r/usr/share/postgresql"
cp -a /usr/share/postgresql/15 "$r/usr/share/postgresql/"
cp -aL /usr/share/zoneinfo "$r/usr/share/"
copy_libs "$r" "$PG"/bin/* "$PG"/lib/*.so
printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:postgres:/var/lib/postgresql:/bin/sh\n' > "$r/etc/passwd"
printf 'root:x:0:\npostgres:x:999:\n' > "$r/etc/group"
cat > "$r/entrypoint.sh" <<'ENTRY'
#!/bin/sh
# Like the official image: initialise on first start, then run postgres.
set -e
PGDATA=/var/lib/postgresql/data
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql /tmp
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	umask 077
	printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
	chown postgres /tmp/pwfile
	su postgres -c "initdb -D $PGDATA -U \"$POSTGRES_USER\" \
	    --pwfile=/tmp/pwfile --locale=C -E UTF8 --auth-local=trust \
	    --auth-host=scram-sha-256" >/dev/null
	rm -f /tmp/pwfile
	echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
	su postgres -c "pg_ctl -D $PGDATA -w -o '-c listen_addresses=' start" >/dev/null
	if [ "$POSTGRES_DB" != postgres ]; then
		su postgres -c "createdb -U \"$POSTGRES_USER\" -- \"$POSTGRES_DB\""
	fi
	su postgres -c "pg_ctl -D $PGDATA -w stop" >/dev/null
fi
exec su postgres -c "exec postgres -D $PGDATA -c listen_addresses='*'"
ENTRY
chmod 755 "$r/entrypoint.sh"
cat > "$dir3/Dockerfile" <<DOCKERFILE
FROM scratch
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=$PG/bin:/usr/bin:/bin LANG=C
LABEL io.openpanel.test.recipe=$recipe
STOPSIGNAL SIGINT
ENTRYPOINT ["/entrypoint.sh"]
DOCKERFILE
build openpanel-test/postgres:15 "$dir3"

