#!/bin/sh
# The app's main screens in real headless Chromium against real Rust: the built UI served
# by doorstep-dev-bridge on a throw-away data folder, with an axe-core scan of every screen
# (see bridge.test.mjs). Uses Debian's chromium, installed here if it is missing;
# playwright-core never downloads a browser. Exits non-zero on any failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

chromium_bin=${CHROMIUM_BIN:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
  echo "bridge test: installing Debian's chromium"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

# A debug build: the bridge refuses to compile in release.
(cd "$root" && cargo build -p doorstep-dev-bridge --bin doorstep-dev-bridge)
target=${CARGO_TARGET_DIR:-$root/target}

# The UI exactly as the app bundles it.
(cd "$root/ui" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)

cd "$here"
npm ci --no-audit --no-fund
DOORSTEP_DEV_BRIDGE_BIN="$target/debug/doorstep-dev-bridge" DOORSTEP_UI_DIST="$root/ui/dist" \
  CHROMIUM_BIN="$chromium_bin" node bridge.test.mjs < /dev/null
