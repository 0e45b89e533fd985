#!/usr/bin/env bash
# npm-deps.sh DIR — install DIR's npm packages, pinned by its committed
# package-lock.json, into DIR/node_modules (git-ignored); only when the
# lockfile changed since the last install, so later runs need no network.
set -euo pipefail
dir=$1
stamp=$dir/node_modules/.openpanel-lock
if [ ! -e "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
	echo "NPM	${dir#"$(cd "$(dirname "$0")/.." && pwd)/"}/package-lock.json"
	(cd "$dir" && npm ci --no-audit --no-fund --prefer-offline \
	    --loglevel=error >/dev/null)
	cp "$dir/package-lock.json" "$stamp"
fi
