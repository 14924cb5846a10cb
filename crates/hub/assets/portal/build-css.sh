#!/bin/sh
# Rebuilds portal.css from portal.scss with the UI's Sass and govuk-frontend
# (run `npm ci` in ui/ first). The hub embeds the result, so commit portal.css.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ui="$here/../../../../ui"
"$ui/node_modules/.bin/sass" --no-source-map --style=compressed --quiet-deps \
  --silence-deprecation=import --silence-deprecation=global-builtin \
  --silence-deprecation=slash-div --silence-deprecation=if-function \
  --load-path="$ui/node_modules" "$here/portal.scss" "$here/portal.css"
echo "wrote $here/portal.css ($(wc -c < "$here/portal.css") bytes)"
