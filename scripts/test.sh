#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, then every test with the
# real Helm 3 and Helm 4 binaries (fetched into target/tools/ first).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> helm binaries"
scripts/fetch-helm.sh

echo "==> YAML 1.1 oracle (PyYAML, pinned, in target/oracle-venv)"
scripts/oracle/install.sh

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

echo "==> cargo check of the fuzz targets (their own workspace; running them is fuzz/README.md's)"
# They share tests/guarantees with the test suite: a change there must keep them compiling.
cargo check --locked --manifest-path fuzz/Cargo.toml --bins --examples

echo "==> cargo test"
# Helm tests and the oracle test must run, not skip, when CI=true (tests/helm.rs and
# tests/oracle.rs enforce it).
cargo test --locked --all-targets -- --test-threads=2
