#!/usr/bin/env bash
# Builds the Helm 4 plugin archive OUT/spaces-expose-<version>.tgz (default OUT: dist/) from
# prebuilt binaries, one per platform, so users need no Rust toolchain:
#
#   scripts/package.sh [--out DIR] [--key NAME --keyring SECRING [--passphrase-file FILE]] \
#                      [OS-ARCH=BINARY ...]
#
# OS-ARCH is Helm's (Go's) platform name: linux-amd64, linux-arm64, darwin-amd64, darwin-arm64,
# windows-amd64. Without any, the archive holds this machine's binary: $SPACES_EXPOSE_BINARY, else
# target/release/spaces-expose (built when missing). Inside, bin/<os>-<arch>/spaces-expose[.exe]
# and a plugin.yaml whose platformCommand picks the one for Helm's os and arch; there is no
# install hook, so installing runs nothing and the binary Helm runs is the one in the archive.
#
# With --key and --keyring (a legacy GnuPG secret keyring; scripts/release.sh exports one) the
# archive is signed by `helm plugin package --sign` and gets its .prov; without them it is
# unsigned and needs `helm plugin install --verify=false`. Releases use scripts/release.sh.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

die() {
  printf 'package: %s\n' "$*" >&2
  exit 1
}

out="$root/dist"
sign_args=(--sign=false)
key= keyring= passphrase_file=
binaries=()
while (($#)); do
  case $1 in
    --out) out=${2:?--out needs a directory} && shift ;;
    --key) key=${2:?--key needs a key name} && shift ;;
    --keyring) keyring=${2:?--keyring needs a file} && shift ;;
    --passphrase-file) passphrase_file=${2:?--passphrase-file needs a file} && shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" && exit 0 ;;
    *=*) binaries+=("$1") ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
if [[ -n $key || -n $keyring ]]; then
  [[ -n $key && -n $keyring ]] || die "signing needs both --key and --keyring"
  sign_args=(--sign --key "$key" --keyring "$keyring")
  [[ -z $passphrase_file ]] || sign_args+=(--passphrase-file "$passphrase_file")
fi

# plugin.yaml is where Helm reads the version (semver); Cargo.toml must say the same.
version=$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}[[:space:]]*$/\1/p' "$root/plugin.yaml")
[[ -n $version ]] || die "no top-level version: in $root/plugin.yaml"

if ((${#binaries[@]} == 0)); then
  # Helm's platform names are Go's GOOS/GOARCH, not uname's.
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "unsupported OS $(uname -s): name the binaries as OS-ARCH=BINARY" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported architecture $(uname -m): name the binaries as OS-ARCH=BINARY" ;;
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
  binaries=("$os-$arch=$binary")
fi

helm="$root/target/tools/helm4/helm"
[[ -x $helm ]] || "$root/scripts/fetch-helm.sh" >/dev/null

stage=$(mktemp -d)
trap 'rm -rf -- "$stage"' EXIT
pkg="$stage/spaces-expose"
mkdir -p -- "$pkg/bin"
{
  printf 'apiVersion: v1\ntype: postrenderer/v1\nname: spaces-expose\nversion: %s\n' "$version"
  printf 'runtime: subprocess\nruntimeConfig:\n  # Helm runs the entry for its own os and arch.\n  platformCommand:\n'
} >"$pkg/plugin.yaml"
for entry in "${binaries[@]}"; do
  platform=${entry%%=*} binary=${entry#*=}
  case $platform in
    linux-amd64 | linux-arm64 | darwin-amd64 | darwin-arm64) exe= ;;
    windows-amd64) exe=.exe ;;
    *) die "unknown platform $platform (expected linux-amd64, linux-arm64, darwin-amd64, darwin-arm64 or windows-amd64)" ;;
  esac
  [[ -f $binary ]] || die "binary $binary for $platform does not exist"
  [[ ! -e $pkg/bin/$platform ]] || die "$platform is named twice"
  mkdir -p -- "$pkg/bin/$platform"
  cp -- "$binary" "$pkg/bin/$platform/spaces-expose$exe"
  chmod 0755 "$pkg/bin/$platform/spaces-expose$exe"
  printf '    - os: %s\n      arch: %s\n      command: ${HELM_PLUGIN_DIR}/bin/%s/spaces-expose%s\n' \
    "${platform%-*}" "${platform#*-}" "$platform" "$exe" >>"$pkg/plugin.yaml"
done
cp -- "$root/LICENSE" "$root/README.md" "$root/CHANGELOG.md" "$pkg/"
chmod 0644 "$pkg"/*.md "$pkg/LICENSE" "$pkg/plugin.yaml"

mkdir -p -- "$out"
rm -f -- "$out/spaces-expose-$version.tgz" "$out/spaces-expose-$version.tgz.prov"
# Helm names the archive <name>-<version>.tgz, and the .prov signs that file name: keep it.
"$helm" plugin package "$pkg" --destination "$out" "${sign_args[@]}" >&2 ||
  die "helm plugin package failed"
echo "$out/spaces-expose-$version.tgz"
