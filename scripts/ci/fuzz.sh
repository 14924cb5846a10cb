#!/usr/bin/env bash
# Issue 18: a short run of every fuzz target (fuzz/), so a parser that panics, hangs or
# allocates without bound on bad input fails CI. The long form and what it found are in
# docs/testing-harnesses.md, "Fuzzing".
#
#   scripts/ci/fuzz.sh                  # every target, FUZZ_SECONDS (15) each
#   FUZZ_SECONDS=300 scripts/ci/fuzz.sh door_csv policy
#
# Needs a nightly toolchain (libFuzzer's sanitizer flags); without one it says SKIPPED and
# succeeds, so a machine without nightly still runs the rest of scripts/test.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

seconds=${FUZZ_SECONDS:-15}
# Sanitizer builds outside the clone, so CI's fresh clones reuse them (.ci/run does the same
# for the main build).
export CARGO_TARGET_DIR="${DOORSTEP_FUZZ_TARGET_DIR:-/var/tmp/doorstep-fuzz-target}"
# Each target's seeds beyond fuzz/seeds/<target>: the real files from assets/.
declare -A ASSETS=(
  [survey_template]="assets/templates/home-security-survey.toml"
  [charlie_template]="assets/templates/charlie.toml"
  [policy]="assets/policy.toml"
  [catalogue]="assets/catalogue/measures.toml"
  [data_map]="assets/data-map.toml"
)

if ! command -v cargo >/dev/null || ! cargo +nightly --version >/dev/null 2>&1; then
  echo "SKIPPED: fuzzing needs a nightly toolchain (rustup toolchain install nightly)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  if ! cargo install cargo-fuzz --locked; then
    echo "SKIPPED: cargo-fuzz is not installed and could not be installed"
    exit 0
  fi
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
fi

# One build of every target; the target folder is kept between runs, so a warm build is quick.
echo "==> building ${#targets[@]} fuzz targets"
cargo +nightly fuzz build --fuzz-dir fuzz

failed=()
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  if [ -n "${ASSETS[$target]:-}" ]; then
    cp -n "${ASSETS[$target]}" "$corpus/" 2>/dev/null || true
  fi
  seeds=()
  [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
  echo "==> $target: ${seconds}s"
  # -rss_limit_mb catches a huge allocation; -timeout a hang on one input. New inputs go
  # to the first folder (the growing, ignored corpus), never into fuzz/seeds.
  if ! cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$corpus" "${seeds[@]}" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 2>"fuzz/$target.log"; then
    failed+=("$target")
    tail -n 60 "fuzz/$target.log" >&2
  fi
  grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "fuzz/$target.log" | tail -n 1 || true
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found a crash in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzzing: ${#targets[@]} targets, ${seconds}s each, no crash"
