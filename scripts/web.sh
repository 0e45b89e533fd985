#!/usr/bin/env bash
# web.sh — `make web`: the web UI's single-page app, web/src/ bundled by
# esbuild with web/static/ into web/dist/, the gateway's document root.
# app.js is the shell and the screens; what only some screens need (the
# charts, the terminal) is split into chunks under chunks/, loaded on
# first use. vendor.css is those libraries' own stylesheets.
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
"$W/node_modules/.bin/esbuild" app="$W/src/main.jsx" --bundle --minify \
    --format=esm --splitting --target=es2020 --jsx=automatic \
    --jsx-import-source=preact --log-level=warning --legal-comments=none \
    --chunk-names='chunks/[name]-[hash]' --outdir="$W/dist.tmp"
"$W/node_modules/.bin/esbuild" "$W/src/vendor.css" --bundle --minify \
    --log-level=warning --legal-comments=none \
    --outfile="$W/dist.tmp/vendor.css"
rm -rf "$W/dist"
mv "$W/dist.tmp" "$W/dist"
