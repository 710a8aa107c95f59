#!/usr/bin/env bash
# Prints the path of a Python 3.12 or newer, or one line saying what to install (exit 1).
set -u
candidates=(python3.12 python3.13 python3)
for dir in /root/.pyenv/versions/3.12*/bin /root/.pyenv/versions/3.13*/bin "$HOME"/.pyenv/versions/3.1[2-9]*/bin; do
  [ -d "$dir" ] && candidates+=("$dir/python3")
done
for candidate in "${candidates[@]}"; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
# pyenv shims refuse a version that is not the global one unless asked for it by name
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -rV); do
    path=$(PYENV_VERSION=$version pyenv which python3 2>/dev/null) && { echo "$path"; exit 0; }
  done
fi
echo "no Python 3.12 or newer found: install python3.12 (Debian: apt-get install python3.12 python3.12-venv, or pyenv install 3.12)" >&2
exit 1
