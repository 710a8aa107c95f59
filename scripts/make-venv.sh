#!/usr/bin/env bash
# Creates the virtualenv DIR (if absent) with a Python 3.12+ (scripts/find-python.sh). Debian splits the venv module
# out of its Python (python3.X-venv): when it is missing, scripts/ensure-debian-packages.sh brings it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/make-venv.sh DIR}
[ -x "$dir/bin/python" ] && exit 0
python=$(scripts/find-python.sh)
if ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
  scripts/ensure-debian-packages.sh "$("$python" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"
fi
"$python" -m venv "$dir"
