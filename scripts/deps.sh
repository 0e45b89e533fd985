#!/usr/bin/env bash
# deps.sh — install the Debian 12 packages the panel builds and runs with,
# only those missing. Root, or a user with sudo.
set -euo pipefail

PKGS=(
	gcc clang make pkg-config
	libfcgi-dev libpq-dev libjansson-dev libjwt-dev libhiredis-dev
	libcurl4-openssl-dev libssl-dev libsodium-dev check
	postgresql redis-server nginx
	curl nodejs systemd cppcheck
	docker.io busybox-static docker-registry apache2-utils
	git openssh-client
	libnginx-mod-nchan prometheus
	chromium
)
# The web UI's toolchain comes from the npm registry; NodeSource's nodejs
# carries npm, Debian's does not.
command -v npm >/dev/null || PKGS+=(npm)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
