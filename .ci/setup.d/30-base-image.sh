#!/usr/bin/env bash
# A Debian base image without a registry (none is reachable here): debootstrap a minbase rootfs once,
# cache it as a tarball under $ENVKIT_CACHE_DIR, and `docker import` it as local/debian:bookworm.
# The host's extra CA certificates go into the image, or pip in RUN steps fails behind a TLS proxy.
set -euo pipefail
tag="${ENVKIT_BASE_TAG:-local/debian:bookworm}"
timeout 10 docker info >/dev/null 2>&1 || { echo "base-image: no docker engine; skipping" >&2; exit 0; }
docker image inspect "$tag" >/dev/null 2>&1 && { echo "base-image: $tag present"; exit 0; }
cache="${ENVKIT_CACHE_DIR:-$HOME/.cache/envkit}"
tarball="$cache/rootfs-bookworm-$(dpkg --print-architecture)-minbase.tar"
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  work=$(mktemp -d /tmp/envkit-rootfs.XXXXXX)
  cleanup() {
    findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf --one-file-system "$work"
  }
  trap cleanup EXIT
  root="$work/rootfs"
  echo "base-image: debootstrap bookworm (about a minute)"
  timeout 1200 debootstrap --variant=minbase --include=ca-certificates bookworm "$root" \
    http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log"; exit 1; }
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1
  fi
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/tmp/* "$root/etc/resolv.conf"
  echo localhost >"$root/etc/hostname"
  tar --numeric-owner -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
fi
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' \
  --change 'LABEL org.envkit.base=debootstrap-minbase' \
  "$tarball" "$tag" >/dev/null
echo "base-image: imported $tag"
