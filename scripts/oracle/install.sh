#!/usr/bin/env bash
# Installs the YAML 1.1 oracle of tests/oracle.rs: PyYAML, pinned in requirements.txt, in
# a virtual environment under target/oracle-venv/ (idempotent; needs python3 and PyPI).
# Where python3 has no venv module (a bare Debian python3), the pinned PyYAML goes into
# target/oracle-venv/site with pip --target, behind a bin/python wrapper.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
venv="$root/target/oracle-venv"
requirements="$root/scripts/oracle/requirements.txt"
stamp="$venv/.installed"

if [[ -f $stamp ]] && cmp -s "$stamp" "$requirements"; then
  exit 0
fi
command -v python3 >/dev/null || { echo "oracle: python3 is required" >&2; exit 1; }
pip_flags=(--quiet --disable-pip-version-check --no-input)
rm -rf "$venv"
if python3 -m venv "$venv" 2>/dev/null; then
  "$venv/bin/python" -m pip install "${pip_flags[@]}" -r "$requirements"
else
  rm -rf "$venv"
  mkdir -p "$venv/bin"
  python3 -m pip install "${pip_flags[@]}" --target "$venv/site" -r "$requirements"
  printf '#!/bin/sh\nPYTHONPATH="%s/site" exec python3 "$@"\n' "$venv" > "$venv/bin/python"
  chmod +x "$venv/bin/python"
fi
"$venv/bin/python" -c 'import yaml; print("oracle: PyYAML", yaml.__version__)'
cp "$requirements" "$stamp"
