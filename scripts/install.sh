#!/usr/bin/env bash
# install.sh — `make install`: the production layout under DESTDIR/PREFIX.
#   binaries   PREFIX/bin/op-*, PREFIX/bin/opctl (the command-line client)
#   SQL, web   PREFIX/share/openpanel/{sql,web}
#   units      /etc/systemd/system/openpanel-*.{service,socket}, openpanel.target
#   config     /etc/openpanel/openpanel.conf, nginx/, keys (never overwritten)
# With an empty DESTDIR and as root it also creates the system users and
# the keys; with a DESTDIR it only lays out files (packaging, tests).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BUILD=${BUILD:-build}
SERVICES=(auth projects audit builds monitor infra backups)
ETC=$DESTDIR/etc/openpanel
UNITS=$DESTDIR/etc/systemd/system
SHARE=$DESTDIR$PREFIX/share/openpanel

install -d "$DESTDIR$PREFIX/bin" "$SHARE/sql" "$SHARE/web" "$ETC/nginx" "$UNITS" \
    "$DESTDIR/var/lib/openpanel/routes/upstreams" \
    "$DESTDIR/var/lib/openpanel/routes/sites" "$DESTDIR/var/lib/openpanel/acme"
install -d -m 700 "$DESTDIR/var/lib/openpanel/routes/certs" "$ETC/tls"
for s in "${SERVICES[@]}"; do
	install -m 755 "$TOP/$BUILD/bin/op-$s" "$DESTDIR$PREFIX/bin/"
done
install -m 755 "$TOP/$BUILD/bin/op-terminal" "$TOP/$BUILD/bin/op-gateway" \
    "$DESTDIR$PREFIX/bin/"	# not pools
install -m 755 "$TOP/$BUILD/bin/opctl" "$DESTDIR$PREFIX/bin/"	# the CLI
cp -R "$TOP/sql/." "$SHARE/sql/"
cp -R "$TOP/web/dist/." "$SHARE/web/"
install -d "$SHARE/templates"
cp -R "$TOP/templates/." "$SHARE/templates/"
install -m 644 "$TOP/nginx/fastcgi.conf" "$TOP/nginx/identity.conf" "$ETC/nginx/"
[ -e "$ETC/nginx/realip.conf" ] || : > "$ETC/nginx/realip.conf"
STATE=/var/lib/openpanel-gateway LOG=/var/log/openpanel RUN=/run/openpanel \
    PRIVATE=/run/openpanel-gateway/private \
    CONF=/etc/openpanel/nginx WEB=$PREFIX/share/openpanel/web LISTEN=0.0.0.0 \
    HTTP_PORT=80 HTTPS_PORT=443 TLS_CERT=/etc/openpanel/tls/default.crt \
    TLS_KEY=/etc/openpanel/tls/default.key \
    ACME_WEBROOT=/var/lib/openpanel/acme NGINX_WORKERS=auto NGINX_USER="user www-data;" \
    NGINX_CONNECTIONS=${OP_NGINX_CONNECTIONS:-1024} \
    NCHAN_MODULE="load_module /usr/lib/nginx/modules/ngx_nchan_module.so;" \
    API_RATE=100 API_BURST=200 LOGIN_RATE=30 LOGIN_BURST=10 \
    CONN_LIMIT=256 PID_FILE=/run/openpanel-gateway/nginx.pid \
    REALIP_CONF=/etc/openpanel/nginx/realip.conf \
    ROUTES=/var/lib/openpanel/routes \
    "$TOP/scripts/render-nginx.sh" "$TOP/nginx/openpanel.conf.in" \
    > "$ETC/nginx/nginx.conf"
for u in "$TOP"/systemd/*; do
	sed "s|/usr/local/bin/|$PREFIX/bin/|g" "$u" > "$UNITS/$(basename "$u")"
	chmod 644 "$UNITS/$(basename "$u")"
done
if [ ! -e "$ETC/openpanel.conf" ]; then
	cat > "$ETC/openpanel.conf" <<CONF
# OpenPanel configuration; OP_* environment variables override these.
OP_DB = host=/var/run/postgresql dbname=openpanel
OP_REDIS = 127.0.0.1:6379
OP_SQL_DIR = $PREFIX/share/openpanel/sql
OP_TEMPLATES_DIR = $PREFIX/share/openpanel/templates
OP_WORKERS = 4
OP_ROUTES_DIR = /var/lib/openpanel/routes
OP_INTERNAL_SOCKET = /run/openpanel-gateway/private/internal.sock
OP_BUILDS_DIR = /var/lib/openpanel/builds
OP_PROXY_LISTEN = 0.0.0.0:80
OP_LIVE_SOCKET = /run/openpanel-gateway/private/live.sock
OP_PROXY_CHECK = $PREFIX/bin/op-gateway check
OP_PROXY_RELOAD = $PREFIX/bin/op-gateway reload
OP_GATEWAY_CONTROL = /run/openpanel/gateway-control.sock
OP_STATS_DIR = /run/openpanel-stats
OP_PROXY_LISTEN_TLS = 0.0.0.0:443
OP_ACME_WEBROOT = /var/lib/openpanel/acme
OP_ACME_TMP_DIR = /var/lib/openpanel-infra
OP_BACKUP_LOCAL_DIRS = /var/lib/openpanel-backups
OP_POOLS = $(for s in "${SERVICES[@]}"; do printf '%s=/run/openpanel/%s.sock,' "$s" "$s"; done)
CONF
	chmod 644 "$ETC/openpanel.conf"
fi
if [ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ]; then
	# openpanel: every service, for the gateway's private sockets;
	# openpanel-routes: the services that change the routing. The units
	# name them in SupplementaryGroups=.
	for g in openpanel openpanel-routes; do
		getent group "$g" >/dev/null || groupadd --system "$g"
	done
	for s in "${SERVICES[@]}"; do
		id "openpanel-$s" >/dev/null 2>&1 ||
		    useradd --system --no-create-home --shell /usr/sbin/nologin \
		    --home-dir /nonexistent "openpanel-$s"
	done
	for k in secret jwt; do
		[ -s "$ETC/$k.key" ] || (umask 077; od -An -tx1 -N32 /dev/urandom |
		    tr -d ' \n' > "$ETC/$k.key")
	done
	# Where each pool counts its requests for op-monitor (OP_STATS_DIR).
	echo 'd /run/openpanel-stats 1777 root root -' \
	    > /etc/tmpfiles.d/openpanel.conf
	systemd-tmpfiles --create /etc/tmpfiles.d/openpanel.conf 2>/dev/null || true
	# The gateway's default certificate until domains have their own.
	[ -s "$ETC/tls/default.key" ] || openssl req -x509 -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
	    -subj "/CN=OpenPanel default" -keyout "$ETC/tls/default.key" \
	    -out "$ETC/tls/default.crt" 2>/dev/null
	# Every routing service writes here (through lib/proxy.c's lock);
	# certificates and keys are op-infra's alone.
	chown root:openpanel-routes "$DESTDIR/var/lib/openpanel/routes" \
	    "$DESTDIR/var/lib/openpanel/routes/upstreams" \
	    "$DESTDIR/var/lib/openpanel/routes/sites"
	chmod 2770 "$DESTDIR/var/lib/openpanel/routes" \
	    "$DESTDIR/var/lib/openpanel/routes/upstreams" \
	    "$DESTDIR/var/lib/openpanel/routes/sites"
	chown -R openpanel-infra "$DESTDIR/var/lib/openpanel/routes/certs" \
	    "$DESTDIR/var/lib/openpanel/acme"
	systemctl daemon-reload 2>/dev/null || true
	echo "installed; next: create the database (sql/bootstrap.sql as the"
	echo "postgres superuser), then systemctl enable --now openpanel.target"
fi
