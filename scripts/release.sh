#!/usr/bin/env bash
# Builds every release artifact into dist/:
#   spaces-expose-<version>-<os>-<arch>[.exe]   static binaries: linux amd64/arm64 (musl),
#                                              darwin amd64/arm64, windows amd64
#   spaces-expose-<version>.tgz                 Helm 4 plugin with every binary inside
#   spaces-expose-<version>.tgz.prov            its signature (helm plugin package --sign)
#   spaces-expose-signing-key.gpg               the public key, for `helm plugin install --keyring`
#   SHA256SUMS, BUILD-INFO.txt                  checksums; the tool versions that built them
#
# Usage: scripts/release.sh [--unsigned] [--keyring SECRING] [--platforms LIST] [--out DIR]
#   SPACES_EXPOSE_SIGNING_KEY  the GnuPG key that signs (fingerprint or user id; with --keyring,
#                              its user id or part of it, as Helm matches); required unless
#                              --unsigned
#   --keyring SECRING          a legacy secret keyring file holding that key; without it the key
#                              is exported from $GNUPGHOME (default ~/.gnupg) with gpg
#   SPACES_EXPOSE_SIGNING_PASSPHRASE_FILE  passphrase of the key, if it has one
#   --platforms LIST           comma list of os-arch (default: all five); CI builds a subset
#   --out DIR                  instead of dist/
#
# Runs on linux/amd64 (the Helm binary that packages comes from scripts/fetch-helm.sh). Installs
# what it needs under target/tools/: the rustup targets, and zig (PyPI ziglang) with
# cargo-zigbuild (its PyPI wheel) at the versions pinned below.
set -euo pipefail

ZIGLANG_VERSION=0.15.2
CARGO_ZIGBUILD_VERSION=0.24.1

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/target/tools"
target_dir=${CARGO_TARGET_DIR:-$root/target}

die() {
  printf 'release: %s\n' "$*" >&2
  exit 1
}
say() { printf 'release: %s\n' "$*" >&2; }

# os-arch (Helm's names, Go's GOOS/GOARCH) -> Rust target
rust_target() {
  case $1 in
    linux-amd64) echo x86_64-unknown-linux-musl ;;
    linux-arm64) echo aarch64-unknown-linux-musl ;;
    darwin-amd64) echo x86_64-apple-darwin ;;
    darwin-arm64) echo aarch64-apple-darwin ;;
    windows-amd64) echo x86_64-pc-windows-gnu ;;
    *) die "unknown platform $1 (expected linux-amd64, linux-arm64, darwin-amd64, darwin-arm64 or windows-amd64)" ;;
  esac
}
exe_suffix() { [[ $1 == windows-* ]] && echo .exe || true; }

# Everything runs from main, so bash has read the whole file before the (long) builds start.
main() {
unsigned=false
keyring=
platforms=linux-amd64,linux-arm64,darwin-amd64,darwin-arm64,windows-amd64
out="$root/dist"
while (($#)); do
  case $1 in
    --unsigned) unsigned=true ;;
    --keyring) keyring=${2:?--keyring needs a file} && shift ;;
    --platforms) platforms=${2:?--platforms needs a list} && shift ;;
    --out) out=${2:?--out needs a directory} && shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" && exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
IFS=, read -r -a platforms <<<"$platforms"
for p in "${platforms[@]}"; do rust_target "$p" >/dev/null; done

# One version: Cargo.toml's package version is the plugin's and the tag's (v<version>).
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml")
plugin_version=$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}[[:space:]]*$/\1/p' "$root/plugin.yaml")
[[ -n $version ]] || die "no package version in Cargo.toml"
[[ $version == "$plugin_version" ]] ||
  die "Cargo.toml says $version but plugin.yaml says $plugin_version: make them agree"

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# Signing is checked first so a missing key fails in a second, not after the builds.
helm_sign_args=()
if ! $unsigned; then
  key=${SPACES_EXPOSE_SIGNING_KEY:-}
  [[ -n $key ]] ||
    die "no signing key: set SPACES_EXPOSE_SIGNING_KEY to the GnuPG key that signs the plugin (keyring from GNUPGHOME or --keyring), or pass --unsigned for a test build"
  if [[ -z $keyring ]]; then
    command -v gpg >/dev/null || die "gpg is needed to export $key from GNUPGHOME (or pass --keyring SECRING)"
    local listing fingerprint
    listing=$(gpg --batch --with-colons --list-secret-keys -- "$key" 2>/dev/null) ||
      die "no secret key $key in ${GNUPGHOME:-~/.gnupg}: import it, or pass --keyring SECRING"
    (($(grep -c '^sec:' <<<"$listing") == 1)) ||
      die "SPACES_EXPOSE_SIGNING_KEY=$key matches several secret keys: give the fingerprint"
    fingerprint=$(awk -F: '$1 == "fpr" {print $10; exit}' <<<"$listing")
    # Helm finds the signing key by user id, not by fingerprint.
    key=$(awk -F: '$1 == "uid" {print $10; exit}' <<<"$listing")
    [[ -n $fingerprint && -n $key ]] || die "cannot read the fingerprint and user id of $key from gpg"
    # Helm reads legacy (non-keybox) keyrings only: export just this key into one.
    (umask 077 && gpg --batch --pinentry-mode loopback ${SPACES_EXPOSE_SIGNING_PASSPHRASE_FILE:+--passphrase-file "$SPACES_EXPOSE_SIGNING_PASSPHRASE_FILE"} \
      --export-secret-keys -- "$fingerprint" >"$work/secring.gpg") || die "gpg could not export the secret key $fingerprint"
    gpg --batch --export -- "$fingerprint" >"$work/pubring.gpg"
    keyring="$work/secring.gpg"
  fi
  [[ -s $keyring ]] || die "keyring $keyring is missing or empty"
  helm_sign_args=(--key "$key" --keyring "$keyring")
  if [[ -n ${SPACES_EXPOSE_SIGNING_PASSPHRASE_FILE:-} ]]; then
    helm_sign_args+=(--passphrase-file "$SPACES_EXPOSE_SIGNING_PASSPHRASE_FILE")
  fi
fi

# Tools, pinned, under target/tools/ (kept between runs).
"$root/scripts/fetch-helm.sh" >/dev/null
helm="$tools/helm4/helm"
# zig and cargo-zigbuild both come as wheels from PyPI (cargo-zigbuild's wheel is the same
# program as the crate, without compiling it): one venv, named after both pins.
venv="$tools/zigbuild-$CARGO_ZIGBUILD_VERSION-zig-$ZIGLANG_VERSION"
if [[ ! -x $venv/bin/cargo-zigbuild ]] || ! "$venv/bin/python" -m ziglang version >/dev/null 2>&1; then
  say "installing cargo-zigbuild==$CARGO_ZIGBUILD_VERSION and ziglang==$ZIGLANG_VERSION from PyPI into $venv"
  rm -rf -- "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION" "ziglang==$ZIGLANG_VERSION" >&2 ||
    die "pip install cargo-zigbuild==$CARGO_ZIGBUILD_VERSION ziglang==$ZIGLANG_VERSION failed"
fi
export PATH="$venv/bin:$PATH"
export CARGO_ZIGBUILD_PYTHON_PATH="$venv/bin/python"
export CARGO_ZIGBUILD_CACHE_DIR="$tools/cargo-zigbuild-cache"

installed_targets=$(rustup target list --installed)
for p in "${platforms[@]}"; do
  t=$(rust_target "$p")
  grep -qx "$t" <<<"$installed_targets" || rustup target add "$t" >&2 || die "rustup target add $t failed"
done

# Build, then check that each file is the executable format the platform runs.
for p in "${platforms[@]}"; do
  t=$(rust_target "$p")
  say "building $p ($t)"
  # Linux and Windows binaries without the line tables the release profile keeps for local
  # backtraces (smaller downloads). Mach-O keeps no debug info in the binary, and stripping one
  # after the linker signed it would break the signature.
  strip=debuginfo
  [[ $p != darwin-* ]] || strip=none
  CARGO_PROFILE_RELEASE_STRIP=$strip \
    cargo zigbuild --quiet --release --locked --manifest-path "$root/Cargo.toml" \
      --target-dir "$target_dir" --target "$t" >&2 || die "cargo zigbuild --target $t failed"
done

mkdir -p -- "$out"
rm -f -- "$out"/spaces-expose-* "$out/SHA256SUMS" "$out/BUILD-INFO.txt"
package_args=()
for p in "${platforms[@]}"; do
  t=$(rust_target "$p")
  x=$(exe_suffix "$p")
  built="$target_dir/$t/release/spaces-expose$x"
  python3 "$root/scripts/binary-format.py" "$built" "$p" >&2 || die "$built is not a $p executable"
  install -m 0755 -- "$built" "$out/spaces-expose-$version-$p$x"
  package_args+=("$p=$built")
done

# One plugin archive with every binary; Helm picks by os and arch.
"$root/scripts/package.sh" --out "$out" "${helm_sign_args[@]}" "${package_args[@]}" >/dev/null
if ! $unsigned; then
  if [[ -s $work/pubring.gpg ]]; then
    cp -- "$work/pubring.gpg" "$out/spaces-expose-signing-key.gpg"
  else
    # With --keyring the public half is in the same file.
    cp -- "$keyring" "$work/pubring.gpg"
  fi
  "$helm" plugin verify "$out/spaces-expose-$version.tgz" --keyring "$work/pubring.gpg" >&2 ||
    die "the signed archive does not verify"
fi

{
  printf 'spaces-expose %s\n' "$version"
  printf 'commit: %s\n' "$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
  rustc --version
  printf 'cargo-zigbuild %s, zig %s (PyPI cargo-zigbuild, ziglang==%s)\n' "$CARGO_ZIGBUILD_VERSION" \
    "$("$venv/bin/python" -m ziglang version)" "$ZIGLANG_VERSION"
  printf 'packaged and signed by helm %s\n' "$("$helm" version --short)"
  printf 'platforms: %s\n' "${platforms[*]}"
} >"$out/BUILD-INFO.txt"
(cd -- "$out" && sha256sum -- spaces-expose-* BUILD-INFO.txt >SHA256SUMS)
say "artifacts in $out:"
ls -l -- "$out" >&2
}

main "$@"
