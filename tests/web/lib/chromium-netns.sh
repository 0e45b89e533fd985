#!/bin/sh
# chromium-netns.sh — start Chromium in a network namespace of its own,
# reaching the panel only through relay.mjs (which says why). Playwright
# runs this as the browser; the environment names what to relay:
#   OP_RELAY_DIR    where the outside half's unix sockets are
#   OP_RELAY_PORTS  the loopback ports to carry, comma-separated
#   OP_RELAY_NODE   the node binary; OP_CHROMIUM_BIN the real browser
set -eu
here=$(dirname "$0")
exec unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh \
	"$OP_RELAY_NODE" "$here/relay.mjs" "$OP_RELAY_DIR" "$OP_RELAY_PORTS" \
	"$OP_CHROMIUM_BIN" "$@"
