#!/usr/bin/env bash
# Side-by-side benchmark of spaces-expose against the two usual post-renderers: the
# kustomize wrapper (scripts/bench/kustomize-postrender.sh) and the python-yq wrapper
# (scripts/bench/yq-postrender.sh), on synthetic Spaces-shaped streams of ~100 ("a typical
# Spaces render"), 1,000, 10,000 and 50,000 documents (scripts/gen-manifests.py); `check`
# with the same options runs on the same streams.
#
# Not part of CI. Prints a markdown table to paste into docs/performance.md.
#
# Usage: scripts/bench.sh [SIZE...]         (default sizes: 100 1000 10000 50000)
# Env:   BENCH_REPS_SCALE  multiply the repetition counts (default 1)
#        BENCH_BUDGET      seconds; a peer whose single run passes this at one size is
#                          skipped at that size's remaining repetitions and at larger sizes
#                          (default 30)
#        BENCH_PEERS       "kustomize yq" (default), or a subset, or "" for spaces-expose only
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

die() {
  printf 'bench: %s\n' "$*" >&2
  exit 1
}

command -v python3 >/dev/null || die "python3 is required (generator and driver)"

echo "bench: building the release binary" >&2
cargo build --release --locked --quiet
bin="$root/target/release/spaces-expose"

peers="${BENCH_PEERS-kustomize yq}"

# kubectl for the kustomize wrapper: the pinned one from scripts/fetch-helm.sh.
if [[ " $peers " == *" kustomize "* ]]; then
  if [[ ! -x "$root/target/tools/kubectl" ]]; then
    echo "bench: fetching kubectl (scripts/fetch-helm.sh)" >&2
    "$root/scripts/fetch-helm.sh" >&2
  fi
  export KUBECTL="$root/target/tools/kubectl"
fi

# python-yq 3.x (YAML -> jq -> YAML) for the yq wrapper; it needs jq.
if [[ " $peers " == *" yq "* ]]; then
  if ! command -v jq >/dev/null; then
    echo "bench: installing jq" >&2
    apt-get install -y jq >&2 || die "jq is missing and could not be installed"
  fi
  yq=""
  if [[ -x /usr/bin/yq ]] && [[ "$(/usr/bin/yq --help 2>&1 || true)" == *--yaml-output* ]]; then
    yq=/usr/bin/yq
  else
    venv="$root/target/bench-venv"
    if [[ ! -x "$venv/bin/yq" ]]; then
      echo "bench: installing python-yq into $venv" >&2
      python3 -m venv "$venv" >&2
      "$venv/bin/pip" install --quiet 'yq>=3,<4' >&2
    fi
    yq="$venv/bin/yq"
  fi
  export YQ="$yq"
fi

# Peak RSS is read with `/usr/bin/time -f %M`.
if [[ ! -x /usr/bin/time ]]; then
  echo "bench: installing time" >&2
  apt-get install -y time >&2 || die "/usr/bin/time is missing and could not be installed"
fi

# The edits the peers implement are `--cloud aws --controller traefik`. Use --controller when
# this build accepts it and it edits the router NetworkPolicy; otherwise say so.
args=(--cloud aws --controller traefik)
note=""
sample=$(mktemp)
trap 'rm -f "$sample"' EXIT
python3 "$root/scripts/gen-manifests.py" 100 >"$sample"
if ! "$bin" "${args[@]}" <"$sample" >"$sample.out" 2>/dev/null; then
  args=(--cloud aws)
  note="--controller is not accepted by this build: spaces-expose ran with --cloud aws only (the Service edit, not the NetworkPolicy edit)."
elif ! grep -q 'traefik' "$sample.out"; then
  note="--controller traefik was passed but this build does not edit the router NetworkPolicy yet: spaces-expose did the Service edit only."
fi
rm -f "$sample.out"

exec python3 "$root/scripts/bench/driver.py" \
  --bin "$bin" --note "$note" --peers "$peers" -- "${args[@]}" -- "$@"
