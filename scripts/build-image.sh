#!/usr/bin/env bash
# Builds the production-master image from the Dockerfile and smoke-tests it: the image must run an investigation of
# the demo world as its non-root user and print a report, and carry no compiler.
#   scripts/build-image.sh [TAG]        # default production-master:0.1.0; PM_IMAGE_BASE=IMAGE to choose the base
# Builder: docker when a daemon answers, else buildah (Debian's package; installed when missing). Base: PM_IMAGE_BASE,
# else python:3.12-slim when a registry can be reached, else a Debian trixie rootfs made with debootstrap from
# Debian's mirror and imported (cached under ~/.cache/production-master/image): trixie's python3 is 3.13.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-production-master:0.1.0}
cache=${PM_IMAGE_CACHE:-$HOME/.cache/production-master/image}
local_base=localhost/production-master-base:trixie
alert="checkout p95 latency above 2s"

if docker info >/dev/null 2>&1; then builder=docker; else
  scripts/ensure-debian-packages.sh buildah
  builder=buildah
fi

pullable() {
  if [ $builder = docker ]; then timeout 60 docker pull -q "$1" >/dev/null 2>&1
  else timeout 60 buildah pull -q "$1" >/dev/null 2>&1; fi
}

base=${PM_IMAGE_BASE:-}
if [ -z "$base" ] && pullable docker.io/library/python:3.12-slim; then base=docker.io/library/python:3.12-slim; fi
if [ -z "$base" ]; then
  base=$local_base
  if [ -z "$($builder images -q "$base" 2>/dev/null)" ]; then
    echo "no registry reachable: building the base from Debian's mirror with debootstrap (about 3 min)" >&2
    scripts/ensure-debian-packages.sh debootstrap
    mkdir -p "$cache"
    if [ ! -s "$cache/rootfs.tar" ]; then
      rm -rf "$cache/rootfs"
      debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates trixie "$cache/rootfs" \
        http://deb.debian.org/debian >"$cache/debootstrap.log"
      rm -rf "$cache"/rootfs/var/cache/apt/archives/*.deb "$cache"/rootfs/var/lib/apt/lists/*
      tar -C "$cache/rootfs" -cf "$cache/rootfs.tar.tmp" . && mv "$cache/rootfs.tar.tmp" "$cache/rootfs.tar"
      rm -rf "$cache/rootfs"
    fi
    if [ $builder = docker ]; then docker import "$cache/rootfs.tar" "$base" >/dev/null; else
      ctr=$(buildah from scratch)
      buildah add "$ctr" "$cache/rootfs.tar" / >/dev/null
      buildah commit -q "$ctr" "$base" >/dev/null
      buildah rm "$ctr" >/dev/null
    fi
  fi
fi
echo "building $tag with $builder on $base" >&2

# the host's CA bundle reaches pip in the build (a proxy that re-signs TLS); it is a secret mount, not a layer
ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
if [ $builder = docker ]; then
  DOCKER_BUILDKIT=1 docker build --secret id=pip-ca,src="$ca" --build-arg BASE="$base" -t "$tag" .
else
  # chroot isolation: this machine's container runtime may not set rlimits; docker format keeps the HEALTHCHECK
  buildah bud --isolation chroot --format docker --layers --secret id=pip-ca,src="$ca" \
    --build-arg BASE="$base" -t "$tag" .
fi

# smoke test, in the image as built
in_image() {
  if [ $builder = docker ]; then docker run --rm "$tag" "$@"; else
    local ctr
    ctr=$(buildah from "$tag")
    buildah run --isolation chroot --user 10001:10001 "$ctr" -- "$@"
    local rc=$?
    buildah rm "$ctr" >/dev/null
    return $rc
  fi
}
report=$(in_image production-master investigate --world demo --alert "$alert" --out /tmp/out 2>&1) || {
  echo "$report" >&2; echo "smoke test failed: the investigation did not finish" >&2; exit 1; }
echo "$report" | grep -q "^root cause" || { echo "$report" >&2; echo "smoke test failed: no report" >&2; exit 1; }
checks=$(in_image sh -c 'id -u; aegra --help >/dev/null || echo "aegra does not start"; command -v gcc cc make pip || true')
[ "$(echo "$checks" | head -n 1)" != 0 ] || { echo "smoke test failed: the image runs as root" >&2; exit 1; }
[ "$(echo "$checks" | wc -l)" -eq 1 ] || { echo "smoke test failed: build tools in the image: $checks" >&2; exit 1; }
echo "$report" | grep -E "^(report|root cause|confidence|status)"
echo "image $tag: smoke test passed (user $(echo "$checks" | head -n 1), aegra starts, no compiler, no pip)"
