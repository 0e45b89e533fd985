#!/usr/bin/env bash
# install.sh — `make install DESTDIR=…` lays out exactly the files that
# docs/install.md lists (between its install-manifest markers), and its
# copied trees match their sources; prints "install: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${OP_BUILD:-build}
pass=0 fail=0
T=$(mktemp -d /tmp/openpanel-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
ok() {	# NAME COMMAND...
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "not ok: $name"; fi
}

make -s -C "$TOP" install DESTDIR="$T/root" PREFIX=/usr/local BUILD="$BUILD" \
    >"$T/make.out" 2>&1
ok "make install DESTDIR succeeds" test $? -eq 0 || cat "$T/make.out"

# The documented list: files as they are, directories with a trailing /.
sed -n '/<!-- install-manifest -->/,/<!-- \/install-manifest -->/p' \
    "$TOP/docs/install.md" | grep '^/' | sort > "$T/documented"
# What was laid out: every file, and every directory that holds no file
# or is one of the copied trees (listed whole, not file by file).
copies='^/usr/local/share/openpanel/(sql|web|templates)/'
(cd "$T/root" && find . -mindepth 1 \( -type f -o -type l \) -printf '/%P\n';
    cd "$T/root" && find . -mindepth 1 -type d -empty -printf '/%P/\n') |
    grep -Ev "$copies" > "$T/files"
for d in sql web templates; do echo "/usr/local/share/openpanel/$d/"; done >> "$T/files"
sort -o "$T/files" "$T/files"
ok "the laid-out files are exactly the documented ones" \
    diff -u "$T/documented" "$T/files"
ok "share/openpanel/sql is sql/" diff -r "$TOP/sql" "$T/root/usr/local/share/openpanel/sql"
ok "share/openpanel/web is web/dist" diff -r "$TOP/web/dist" "$T/root/usr/local/share/openpanel/web"
ok "share/openpanel/templates is templates/" \
    diff -r "$TOP/templates" "$T/root/usr/local/share/openpanel/templates"
ok "the units run the installed binaries" \
    eval '! grep -l "$TOP" "$T"/root/etc/systemd/system/* >/dev/null'
ok "no secret is laid out with a DESTDIR" \
    eval '! ls "$T"/root/etc/openpanel/*.key >/dev/null 2>&1'
ok "the routing checks through op-gateway" \
    grep -q '^OP_PROXY_CHECK = /usr/local/bin/op-gateway check$' \
    "$T/root/etc/openpanel/openpanel.conf"
ok "the gateway's internal socket is in its private directory" \
    grep -q 'listen *unix:/run/openpanel-gateway/private/internal.sock;' \
    "$T/root/etc/openpanel/nginx/nginx.conf"

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
