#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, then every test with the
# real Helm 3 and Helm 4 binaries (fetched into target/tools/ first).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> helm binaries"
scripts/fetch-helm.sh

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

echo "==> cargo test"
# Helm tests must run, not skip, when CI=true (tests/helm.rs enforces it).
cargo test --locked --all-targets -- --test-threads=2
