#!/usr/bin/env bash
# Installs the Debian packages that pip cannot bring, when they are missing: the one place `make` asks for them.
#   scripts/ensure-debian-packages.sh [--dry-run] PKG...
# Present: nothing to do (exit 0). Missing, as root: apt-get update + install (services are not started).
# Missing, not root: one line naming the exact command, exit 2. --dry-run prints the apt-get commands instead.
set -euo pipefail

dry_run=false
packages=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    -*) echo "ensure-debian-packages: unknown option $arg (usage: $0 [--dry-run] PKG...)" >&2; exit 2 ;;
    *) packages+=("$arg") ;;
  esac
done

# What "present" means is what our code looks for, so PATH and PM_PG_BIN decide, as they do for the tests.
present() {
  case "$1" in
    postgresql)
      local initdb
      if [ -n "${PM_PG_BIN:-}" ]; then initdb="$PM_PG_BIN/initdb"; else
        initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | head -n 1)
      fi
      [ -n "$initdb" ] && [ -x "$initdb" ] || return 1
      # initdb refuses root: as root the throwaway clusters run as Debian's `postgres` user
      [ "$(id -u)" -ne 0 ] || id postgres >/dev/null 2>&1
      ;;
    prometheus) command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 ;;
    kubernetes-client) command -v kubectl >/dev/null 2>&1 ;;
    *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" ;;
  esac
}

missing=()
for package in ${packages[@]+"${packages[@]}"}; do
  present "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get install -y -qq --no-install-recommends ${missing[*]}"
if $dry_run; then
  echo "apt-get update -qq"
  echo "$install"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing Debian packages (${missing[*]}): run sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi

echo "installing Debian packages: ${missing[*]}" >&2
# Debian starts a package's service on install; here the tests start their own on free ports, so keep it from
# starting a system one (policy-rc.d is Debian's switch for that), and remove the switch afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
$install >/dev/null
for package in "${missing[@]}"; do
  present "$package" || { echo "ensure-debian-packages: $package installed but still not found" >&2; exit 1; }
done
