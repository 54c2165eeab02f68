#!/usr/bin/env bash
# Builds dist/spaces-expose-<version>-<os>-<arch>.tgz, a Helm 4 plugin archive with the binary
# inside, so users without a Rust toolchain can run:
#   helm plugin install dist/spaces-expose-<version>-<os>-<arch>.tgz --verify=false
# (a local .tgz needs a .prov signature or --verify=false).
#
# The binary comes from $SPACES_EXPOSE_BINARY, else target/release/spaces-expose, which is built
# when missing. The archive is named after the machine running this script: when passing a
# binary built for another platform, run the script on that platform.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

die() {
  printf 'package: %s\n' "$*" >&2
  exit 1
}

# plugin.yaml is the single source of the plugin version (Helm requires semver there).
version=$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}[[:space:]]*$/\1/p' "$root/plugin.yaml")
[[ -n $version ]] || die "no top-level version: in $root/plugin.yaml"

# Helm's platform names are Go's GOOS/GOARCH, not uname's.
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "unsupported OS $(uname -s) (expected Linux or Darwin)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported architecture $(uname -m) (expected x86_64 or arm64)" ;;
esac

if [[ -n ${SPACES_EXPOSE_BINARY:-} ]]; then
  binary=$SPACES_EXPOSE_BINARY
else
  binary=${CARGO_TARGET_DIR:-$root/target}/release/spaces-expose
  if [[ ! -x $binary ]]; then
    command -v cargo >/dev/null || die "$binary is missing and cargo is not on PATH: set SPACES_EXPOSE_BINARY"
    cargo build --release --locked --manifest-path "$root/Cargo.toml" >&2
  fi
fi
[[ -f $binary && -x $binary ]] || die "binary $binary does not exist or is not executable"

stage=$(mktemp -d)
trap 'rm -rf -- "$stage"' EXIT

# The layout `helm plugin package` produces: one top-level directory named after the plugin.
pkg="$stage/spaces-expose"
mkdir -p -- "$pkg/bin" "$pkg/scripts"
cp -- "$root/plugin.yaml" "$pkg/plugin.yaml"
cp -- "$root/scripts/install-plugin-binary.sh" "$pkg/scripts/install-plugin-binary.sh"
cp -- "$binary" "$pkg/bin/spaces-expose"
chmod 0644 "$pkg/plugin.yaml"
chmod 0755 "$pkg/scripts/install-plugin-binary.sh" "$pkg/bin/spaces-expose"

mkdir -p -- "$root/dist"
out="$root/dist/spaces-expose-$version-$os-$arch.tgz"
tar -czf "$out.tmp" -C "$stage" spaces-expose
mv -f -- "$out.tmp" "$out"
echo "$out"
