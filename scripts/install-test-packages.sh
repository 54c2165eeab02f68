#!/usr/bin/env bash
# Installs the Debian packages the release tests (tests/release.rs) use, when missing:
# qemu user emulation (the linux arm64 binary), docker-registry (a local OCI registry for
# `helm plugin install oci://`), GnuPG (a throw-away signing key) and python3-venv (the venv
# scripts/release.sh puts zig and cargo-zigbuild in). Idempotent; needs root (as CI is) only
# when something is missing.
set -euo pipefail

need=()
command -v qemu-aarch64-static >/dev/null || command -v qemu-aarch64 >/dev/null || need+=(qemu-user-static)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v gpg >/dev/null && command -v gpgconf >/dev/null || need+=(gnupg)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
((${#need[@]} > 0)) || exit 0

echo "install-test-packages: apt-get install ${need[*]}" >&2
if ((EUID != 0)); then
  echo "install-test-packages: run as root, or install these Debian packages: ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
