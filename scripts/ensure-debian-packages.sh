#!/bin/sh
# Install the Debian packages the tests need when any is missing: apt-get as root, else name the command and exit 2.
# Usage: scripts/ensure-debian-packages.sh [PACKAGE ...]   (default: the packages the test suite needs)
set -eu
[ "$#" -gt 0 ] || set -- postgresql prometheus
missing=""
for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages:$missing; run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 2
fi
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
