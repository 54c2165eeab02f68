#!/usr/bin/env bash
# Installs the YAML 1.1 oracle of tests/oracle.rs: PyYAML, pinned in requirements.txt, in
# a virtual environment under target/oracle-venv/ (idempotent; needs python3 and PyPI).
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
venv="$root/target/oracle-venv"
requirements="$root/scripts/oracle/requirements.txt"
stamp="$venv/.installed"

if [[ -f $stamp ]] && cmp -s "$stamp" "$requirements"; then
  exit 0
fi
command -v python3 >/dev/null || { echo "oracle: python3 is required" >&2; exit 1; }
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
"$venv/bin/python" -c 'import yaml; print("oracle: PyYAML", yaml.__version__)'
cp "$requirements" "$stamp"
