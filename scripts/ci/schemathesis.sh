#!/usr/bin/env bash
# Schema-driven testing of the hub (issue 18; docs/testing-harnesses.md, "Schema-driven
# testing"): schemathesis generates requests from /v1/openapi.json and checks every
# answer, on the SQLite backend and then on PostgreSQL. A real device is enrolled first
# and tests/schemathesis/hooks.py puts its token, the protocol header and its device id
# on the generated requests, so pushes reach the hub's apply path.
#
# Passes only with zero 5xx answers and zero answers that break the document.
#
# Settings (environment):
#   DOORSTEP_ST_VENV          the virtual environment, made once and reused
#                             [/var/tmp/doorstep-schemathesis-venv]
#   DOORSTEP_ST_MAX_EXAMPLES  test cases per operation and phase [40]
#   DOORSTEP_ST_MAX_TIME      seconds per backend at most [60]
#   DOORSTEP_ST_SEED          replay one run's cases
#   DOORSTEP_ST_BACKENDS      "sqlite postgres" or either one
#   DOORSTEP_HUB_TEST_POSTGRES  admin URL of the PostgreSQL server
#                             [postgres://postgres@127.0.0.1:5432/postgres]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD

ST_VERSION=4.32.5
VENV=${DOORSTEP_ST_VENV:-/var/tmp/doorstep-schemathesis-venv}
MAX_EXAMPLES=${DOORSTEP_ST_MAX_EXAMPLES:-40}
MAX_TIME=${DOORSTEP_ST_MAX_TIME:-60}
BACKENDS=${DOORSTEP_ST_BACKENDS:-sqlite postgres}
PG_ADMIN=${DOORSTEP_HUB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
TARGET=${CARGO_TARGET_DIR:-$REPO/target}

step() { printf '\n==> %s\n' "$*"; }

step "schemathesis $ST_VERSION in $VENV"
if ! "$VENV/bin/st" --version 2>/dev/null | grep -qF "$ST_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

step "Build doorstep-hub"
cargo build --quiet -p doorstep-hub
HUB="$TARGET/debug/doorstep-hub"

WORK=$(mktemp -d)
HUB_PID=""
PG_DB=""
cleanup() {
  if [ -n "$HUB_PID" ]; then
    kill "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_DB" ]; then
    dropdb --if-exists --force --maintenance-db="$PG_ADMIN" "$PG_DB" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Generated requests come fast from one address and one device: the run is about what
# the hub answers, not about being throttled, so the limits are raised for it.
cat > "$WORK/hub.toml" <<'TOML'
[rate_limit]
burst = 1000000
per_second = 1000000.0
[refusal_rate_limit]
burst = 1000000
per_second = 1000000.0
TOML

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run_backend NAME DATABASE_URL: one hub, one enrolled device, one schemathesis run.
run_backend() {
  local name=$1 database=$2
  step "schemathesis against the hub on $name"
  local admin=("$HUB" --database "$database" admin)
  "${admin[@]}" create-org "Testshire Council" > /dev/null
  "${admin[@]}" add-team "Testshire Council" North > /dev/null
  "${admin[@]}" add-user --team North --name "Sam Checkley" --role supervisor > /dev/null
  local code
  code=$("${admin[@]}" enrolment-code --user "Sam Checkley" 2> /dev/null)

  local port
  port=$(free_port)
  local base="http://127.0.0.1:$port"
  RUST_LOG=warn "$HUB" --database "$database" --config "$WORK/hub.toml" serve \
    --listen "127.0.0.1:$port" 2> "$WORK/hub-$name.log" &
  HUB_PID=$!
  local tries=0
  until curl -fsS "$base/v1/health" > /dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$HUB_PID" 2> /dev/null; then
      echo "the hub on $name did not start:" >&2
      cat "$WORK/hub-$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done

  local enrolled
  enrolled=$(curl -fsS -X POST "$base/v1/enrol" -H 'content-type: application/json' \
    -H 'doorstep-protocol: 1' \
    -d "{\"protocol\": 1, \"code\": \"$code\", \"device_name\": \"schemathesis\"}")
  local device token user
  device=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["device_id"])' <<< "$enrolled")
  token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' <<< "$enrolled")
  user=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["user"]["id"])' <<< "$enrolled")

  local seed=()
  if [ -n "${DOORSTEP_ST_SEED:-}" ]; then seed=(--seed "$DOORSTEP_ST_SEED"); fi
  local status=0
  # Checks: no 5xx, answers match the document (body, status, content type, headers),
  # and the operation-level ones that apply. Not positive_data_acceptance: a change can
  # fit the schema and still be refused by the rules (an unknown field, a clock ahead of
  # the hub's); not negative_data_rejection: the hooks mend bodies on purpose.
  # Run from the scratch folder: schemathesis keeps a .schemathesis/ cache where it runs.
  (cd "$WORK" && DOORSTEP_ST_ACCESS_TOKEN="$token" DOORSTEP_ST_DEVICE_ID="$device" DOORSTEP_ST_USER_ID="$user" \
    PYTHONPATH="$REPO/tests/schemathesis" SCHEMATHESIS_HOOKS=hooks \
    "$VENV/bin/st" run "$base/v1/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance,missing_required_header,unsupported_method \
    --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --workers 2 \
    --request-timeout 10 --no-color \
    --report junit --report-dir "$WORK/report-$name" \
    "${seed[@]}") || status=$?

  kill "$HUB_PID" 2> /dev/null || true
  wait "$HUB_PID" 2> /dev/null || true
  HUB_PID=""
  if [ "$status" -ne 0 ] && grep -q "database error" "$WORK/hub-$name.log"; then
    echo "the hub on $name reported database errors:" >&2
    grep "database error" "$WORK/hub-$name.log" | head -5 >&2
  fi
  if grep -q "panicked" "$WORK/hub-$name.log"; then
    echo "the hub on $name panicked:" >&2
    grep -A5 "panicked" "$WORK/hub-$name.log" >&2
    status=1
  fi
  # The hooks exist so pushes get past the envelope to the rules and the merge: the audit
  # log's writes show that they did.
  local writes
  writes=$("${admin[@]}" audit --limit 1000000 | awk -F'\t' '$4 == "write"' | wc -l)
  echo "pushes that reached the apply path on $name: $writes changes written or refused by the rules (audit log)"
  if [ "$writes" -eq 0 ]; then
    echo "no generated push reached the apply path on $name: check tests/schemathesis/hooks.py" >&2
    status=1
  fi
  if [ "$status" -ne 0 ]; then
    echo "schemathesis found problems on $name (exit $status)" >&2
    exit "$status"
  fi
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) run_backend sqlite "sqlite:$WORK/hub.db" ;;
    postgres)
      PG_DB="doorstep_st_$$_$(date +%s)"
      createdb --maintenance-db="$PG_ADMIN" "$PG_DB"
      run_backend postgres "${PG_ADMIN%/*}/$PG_DB"
      dropdb --if-exists --force --maintenance-db="$PG_ADMIN" "$PG_DB"
      PG_DB=""
      ;;
    *) echo "unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
  esac
done
step "schemathesis: no 5xx and no answer outside the document on: $BACKENDS"
