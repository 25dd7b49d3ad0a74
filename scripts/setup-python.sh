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

# A pin changed in requirements-dev.txt without a new lock would leave the old version installed.
while read -r pin; do
  name=${pin%%==*}
  name=${name%%[*}
  version=${pin#*==}
  normalized=$(tr '[:upper:]_.' '[:lower:]--' <<< "$name")
  if ! grep -qiE "^${normalized//-/[-_.]}==${version//./\\.}( |$)" requirements-dev.lock; then
    echo "python venv: requirements-dev.txt pins $pin, requirements-dev.lock does not: run npm run lock:python" >&2
    exit 1
  fi
done < <(grep -E '^[A-Za-z0-9]' requirements-dev.txt | sed 's/[[:space:]]*#.*//')

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
# uv reads no pip configuration: a package index set for pip (a mirror) and pip's certificate bundle
# are passed on, unless UV_* or SSL_CERT_FILE says otherwise. And uv trusts the system's certificate
# store, as pip does through its configuration here: behind a TLS-inspecting proxy (common at firms)
# uv's built-in roots reject PyPI's certificate ("invalid peer certificate: UnknownIssuer").
pip_config() { .venv/bin/python -m pip config get "$1" 2> /dev/null || true; }
index=${PIP_INDEX_URL:-$(pip_config global.index-url)}
if [[ -n $index && -z ${UV_INDEX_URL:-}${UV_DEFAULT_INDEX:-} ]]; then export UV_DEFAULT_INDEX=$index; fi
certificates=${PIP_CERT:-$(pip_config global.cert)}
if [[ -n $certificates && -z ${SSL_CERT_FILE:-} ]]; then export SSL_CERT_FILE=$certificates; fi
export UV_SYSTEM_CERTS=${UV_SYSTEM_CERTS:-1}
packages=$(grep -c '^[A-Za-z0-9]' requirements-dev.lock)
say "installing $packages packages (requirements-dev.lock)"
# Byte-compiled at install (as pip does): with PYTHONDONTWRITEBYTECODE set, as on some machines, every
# cfn-lint, checkov or moto start would otherwise compile its sources again (checkov: 4 s -> 9 s).
VIRTUAL_ENV=$PWD/.venv .venv/bin/uv pip sync --quiet --require-hashes --compile-bytecode requirements-dev.lock
echo "$want" > "$stamp"
say "ready"
