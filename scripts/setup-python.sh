#!/usr/bin/env bash
# Creates or refreshes the project-local virtual environment of the validation tools (.venv/):
# pip installs uv from scripts/python-bootstrap.lock, uv installs requirements-dev.lock (every package
# pinned with its hashes) in seconds where pip took minutes. Does nothing while both locks, the Python
# version and the venv are unchanged. Prints a line per phase with the time elapsed.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
start=$SECONDS
say() { printf 'python venv: %s (%ds)\n' "$1" $((SECONDS - start)); }

want=$(cat scripts/python-bootstrap.lock requirements-dev.lock <("$python" --version 2>&1) | sha256sum | cut -d' ' -f1)
stamp=.venv/.locks.sha256
if [[ -x .venv/bin/python && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
rm -f "$stamp"
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $("$python" --version 2>&1)"
  "$python" -m venv .venv
fi
say "installing uv (scripts/python-bootstrap.lock)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r scripts/python-bootstrap.lock
packages=$(grep -c '^[A-Za-z0-9]' requirements-dev.lock)
say "installing $packages packages (requirements-dev.lock)"
# Byte-compiled at install (as pip does): with PYTHONDONTWRITEBYTECODE set, as on some machines, every
# cfn-lint, checkov or moto start would otherwise compile its sources again (checkov: 4 s -> 9 s).
VIRTUAL_ENV=$PWD/.venv .venv/bin/uv pip sync --quiet --require-hashes --compile-bytecode requirements-dev.lock
echo "$want" > "$stamp"
say "ready"
