#!/usr/bin/env bash
# web.sh — `make web`: the web UI's single-page app, web/src/ bundled by
# esbuild with web/static/ into web/dist/, the gateway's document root.
# The toolchain is pinned by web/package-lock.json and installed into
# web/node_modules/ (git-ignored) only when the lockfile changed; once
# installed, builds need no network.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
W=$TOP/web
"$TOP/scripts/npm-deps.sh" "$W"

echo "WEB	web/dist"
rm -rf "$W/dist.tmp"
mkdir -p "$W/dist.tmp"
cp -R "$W/static/." "$W/dist.tmp/"
"$W/node_modules/.bin/esbuild" "$W/src/main.jsx" --bundle --minify \
    --format=esm --target=es2020 --jsx=automatic --jsx-import-source=preact \
    --log-level=warning --legal-comments=none \
    --outfile="$W/dist.tmp/app.js"
rm -rf "$W/dist"
mv "$W/dist.tmp" "$W/dist"
