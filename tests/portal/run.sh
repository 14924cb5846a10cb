#!/bin/sh
# The contractor portal and the council console in real headless Chromium, with an
# axe-core scan of every page (see portal.test.mjs, console.test.mjs and inbox.test.mjs). Uses Debian's chromium, installed here if it is missing;
# playwright-core never downloads a browser. Called by scripts/test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

chromium_bin=${CHROMIUM_BIN:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
  echo "portal test: installing Debian's chromium"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

(cd "$root" && cargo build -p doorstep-hub --bin doorstep-hub)
target=${CARGO_TARGET_DIR:-$root/target}

cd "$here"
npm ci --no-audit --no-fund
DOORSTEP_HUB_BIN="$target/debug/doorstep-hub" CHROMIUM_BIN="$chromium_bin" node portal.test.mjs < /dev/null
DOORSTEP_HUB_BIN="$target/debug/doorstep-hub" CHROMIUM_BIN="$chromium_bin" node console.test.mjs < /dev/null
DOORSTEP_HUB_BIN="$target/debug/doorstep-hub" CHROMIUM_BIN="$chromium_bin" node inbox.test.mjs < /dev/null
