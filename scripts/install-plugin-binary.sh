#!/usr/bin/env bash
# Helm 4 install/update hook: puts the spaces-expose binary where plugin.yaml runs it,
# $HELM_PLUGIN_DIR/bin/spaces-expose.
#
# Order: $SPACES_EXPOSE_BINARY (a prebuilt binary, e.g. from CI or `cargo install`), else a
# binary already in bin/ (the packaged .tgz ships one), else build from source with cargo.
# Helm runs hooks in the caller's directory with only HELM_PLUGIN_DIR and HELM_PLUGIN_NAME
# added, so every path here is absolute. Installed from a local directory, HELM_PLUGIN_DIR is a
# symlink to the checkout, so bin/ is written inside it (bin/ is git-ignored).
set -euo pipefail

plugin_dir=${HELM_PLUGIN_DIR:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)}
dest="$plugin_dir/bin/spaces-expose"

die() {
  printf 'spaces-expose install hook: %s\n' "$*" >&2
  exit 1
}

# Copy through a temporary name in the same directory so an interrupted copy never leaves a
# half-written binary that the next hook run would keep.
install_binary() { # source
  mkdir -p -- "$plugin_dir/bin"
  cp -- "$1" "$dest.tmp"
  chmod 0755 "$dest.tmp"
  mv -f -- "$dest.tmp" "$dest"
  printf 'spaces-expose: installed %s (from %s)\n' "$dest" "$1" >&2
}

if [[ -n ${SPACES_EXPOSE_BINARY:-} ]]; then
  [[ -f $SPACES_EXPOSE_BINARY ]] || die "SPACES_EXPOSE_BINARY=$SPACES_EXPOSE_BINARY does not exist"
  [[ -x $SPACES_EXPOSE_BINARY ]] || die "SPACES_EXPOSE_BINARY=$SPACES_EXPOSE_BINARY is not executable"
  install_binary "$SPACES_EXPOSE_BINARY"
  exit 0
fi

if [[ -f $dest && -x $dest ]]; then
  printf 'spaces-expose: keeping %s\n' "$dest" >&2
  exit 0
fi

command -v cargo >/dev/null ||
  die "no binary to install and cargo is not on PATH: set SPACES_EXPOSE_BINARY=/path/to/spaces-expose (e.g. after 'cargo install'), or install the packaged .tgz, or install Rust"
[[ -f $plugin_dir/Cargo.toml ]] ||
  die "$plugin_dir has no Cargo.toml to build from: set SPACES_EXPOSE_BINARY=/path/to/spaces-expose"

# Build from the physical path: through Helm's symlink cargo would see another package path and
# recompile what a build in the checkout already made. An explicit target dir so the binary's
# location does not depend on the caller's cargo config.
src_dir=$(cd -P -- "$plugin_dir" && pwd)
target_dir=${CARGO_TARGET_DIR:-$src_dir/target}
printf 'spaces-expose: building with cargo (release), this takes a minute...\n' >&2
cargo build --release --locked --manifest-path "$src_dir/Cargo.toml" --target-dir "$target_dir" >&2 ||
  die "cargo build failed; fix the build or set SPACES_EXPOSE_BINARY=/path/to/spaces-expose"
install_binary "$target_dir/release/spaces-expose"
