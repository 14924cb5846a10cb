#!/usr/bin/env bash
# Supply chain: the licences, banned or duplicated crates and sources of every dependency,
# checked against deny.toml by cargo-deny. Installs cargo-deny the first time.
# Advisories are not checked here: our machines cannot fetch the RustSec database
# (docs/supply-chain.md says where and how to run that check).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "==> Installing cargo-deny (once)"
  cargo install cargo-deny --locked
fi

# --locked: judge the dependency tree in Cargo.lock, never a freshly resolved one.
exec cargo deny --locked check licenses bans sources
