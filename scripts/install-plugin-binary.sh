#!/usr/bin/env bash
# Helm 4 install/update hook of the source plugin (plugin.yaml at the repository root, installed
# from a checkout or a git URL): puts a fresh spaces-expose binary where plugin.yaml runs it,
# $HELM_PLUGIN_DIR/bin/spaces-expose. The release archive (scripts/package.sh) has no hook: its
# binaries are inside it.
#
# Usage (plugin.yaml passes the event): install-plugin-binary.sh install|update
#
# Where the binary comes from, every time the hook runs (never "keep what bin/ already has":
# a reinstall would then run the old binary):
#   1. $SPACES_EXPOSE_BINARY, a prebuilt binary (e.g. from `cargo install` or a release);
#   2. else, in a source tree, `cargo build --release --locked` (seconds when nothing changed);
#   3. else a bin/spaces-expose already shipped in the plugin directory.
#
# When the install hook fails, Helm has already registered the plugin (a symlink to the checkout,
# or a copy of the clone), which would then fail on every use with
# `fork/exec …/bin/spaces-expose: no such file or directory`. So on failure the hook removes that
# registration itself and says so: nothing is left half-installed and `helm plugin install` can
# simply be run again. A failed update keeps the previous binary (it is replaced atomically).
#
# Helm runs hooks in the caller's directory with only HELM_PLUGIN_DIR and HELM_PLUGIN_NAME
# added, so every path here is absolute.
set -euo pipefail

event=${1:-install}
plugin_dir=${HELM_PLUGIN_DIR:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)}
dest="$plugin_dir/bin/spaces-expose"

say() { printf 'spaces-expose %s hook: %s\n' "$event" "$*" >&2; }

# Undo Helm's registration of a plugin whose install hook failed, only for what Helm itself
# made for this plugin: a symlink (directory install; only the link goes, never the checkout),
# or a copy of a clone named after the plugin (git install).
unregister() {
  local registered=${HELM_PLUGIN_DIR:-}
  [[ $event == install && -n $registered && -f $registered/plugin.yaml ]] || return 1
  grep -qx 'name: spaces-expose' "$registered/plugin.yaml" || return 1
  if [[ -L $registered ]]; then
    rm -f -- "$registered"
  elif [[ -d $registered && $(basename -- "$registered") == spaces-expose ]]; then
    rm -rf -- "$registered"
  else
    return 1
  fi
}

on_exit() {
  local status=$?
  ((status != 0)) || return 0
  if unregister; then
    say "failed; removed the half-installed plugin $HELM_PLUGIN_DIR, so nothing is registered. Fix the error above, then run the same 'helm plugin install' again."
  elif [[ -x $dest ]]; then
    say "failed; the plugin still runs the previous binary $dest."
  else
    say "failed and $dest is missing: run 'helm plugin uninstall ${HELM_PLUGIN_NAME:-spaces-expose}', fix the error above, then install again."
  fi
}
trap on_exit EXIT

die() {
  say "$*"
  exit 1
}

# Copy through a temporary name in the same directory, then check that the binary runs: an
# interrupted copy or a binary for another platform never becomes the plugin's binary.
install_binary() { # source
  mkdir -p -- "$plugin_dir/bin"
  cp -- "$1" "$dest.tmp"
  chmod 0755 "$dest.tmp"
  local version
  if ! version=$("$dest.tmp" --version 2>&1); then
    rm -f -- "$dest.tmp"
    die "$1 does not run here: $version"
  fi
  mv -f -- "$dest.tmp" "$dest"
  say "installed $version as $dest (from $1)"
}

if [[ -n ${SPACES_EXPOSE_BINARY:-} ]]; then
  [[ -f $SPACES_EXPOSE_BINARY ]] || die "SPACES_EXPOSE_BINARY=$SPACES_EXPOSE_BINARY does not exist"
  [[ -x $SPACES_EXPOSE_BINARY ]] || die "SPACES_EXPOSE_BINARY=$SPACES_EXPOSE_BINARY is not executable"
  install_binary "$SPACES_EXPOSE_BINARY"
  exit 0
fi

if [[ ! -f $plugin_dir/Cargo.toml ]]; then
  [[ -f $dest && -x $dest ]] ||
    die "no binary to install: set SPACES_EXPOSE_BINARY=/path/to/spaces-expose, or install the release archive (spaces-expose-<version>.tgz), or install from a source checkout with Rust installed"
  say "using the shipped $dest"
  exit 0
fi

command -v cargo >/dev/null ||
  die "cargo is not on PATH: install Rust (https://rustup.rs), or set SPACES_EXPOSE_BINARY=/path/to/spaces-expose, or install the release archive (spaces-expose-<version>.tgz) instead"

# Build from the physical path: through Helm's symlink cargo would see another package path and
# recompile what a build in the checkout already made. An explicit target dir so the binary's
# location does not depend on the caller's cargo config.
src_dir=$(cd -P -- "$plugin_dir" && pwd)
target_dir=${CARGO_TARGET_DIR:-$src_dir/target}
say "building with cargo build --release (a minute the first time)..."
cargo build --release --locked --manifest-path "$src_dir/Cargo.toml" --target-dir "$target_dir" >&2 ||
  die "cargo build failed"
install_binary "$target_dir/release/spaces-expose"
