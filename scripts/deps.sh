#!/usr/bin/env bash
# deps.sh — install the Debian 12 packages the panel builds and runs with,
# only those missing. Root, or a user with sudo.
set -euo pipefail

PKGS=(
	gcc clang libclang-rt-14-dev make pkg-config
	libfcgi-dev libpq-dev libjansson-dev libjwt-dev libhiredis-dev
	libcurl4-openssl-dev libssl-dev libsodium-dev libidn2-dev zlib1g-dev
	check
	postgresql redis-server nginx
	curl nodejs systemd cppcheck python3-yaml wrk
	docker.io busybox-static docker-registry apache2-utils
	git openssh-client openssh-server
	libnginx-mod-nchan prometheus
	lego pebble chromium
	# certutil: the web test's browser trusts the test ACME CA as an operator's would
	libnss3-tools
	# tests/images/build.sh makes a MariaDB image of the host's binaries
	mariadb-server-core mariadb-client
)
# The web UI's toolchain comes from the npm registry; NodeSource's nodejs
# carries npm, Debian's does not.
command -v npm >/dev/null || PKGS+=(npm)

# The S3-compatible server the backup tests run on loopback: s3rver, at
# the version pinned in tests/s3/package-lock.json, into the git-ignored
# tests/s3/node_modules (npm comes with nodejs here; Debian's npm if not).
s3rver_deps() {
	local top
	top=$(cd "$(dirname "$0")/.." && pwd)
	[ -e "$top/tests/s3/node_modules/s3rver/package.json" ] && return 0
	command -v npm >/dev/null 2>&1 || PKGS+=(npm)
	S3RVER_TOP=$top
}
s3rver_deps

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
s3rver_install() {
	[ -n "${S3RVER_TOP:-}" ] || return 0
	echo "installing s3rver (tests/s3)"
	npm ci --prefix "$S3RVER_TOP/tests/s3" --no-audit --no-fund \
	    --ignore-scripts --loglevel=error >/dev/null
}
if [ ${#missing[@]} -eq 0 ]; then
	s3rver_install
	exit 0
fi

echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Packages must not start their own daemons: the panel starts its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
s3rver_install
