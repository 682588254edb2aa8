#!/usr/bin/env bash
# Debian packages the tests use for real: the Docker engine, an X server and its tools, libusb for
# pyrealsense2, debootstrap for the registry-free base image, g++ for posemamba's compiled CPU scan
# (built on first use; without it the scan tests run the torch fallback). Skips apt when all are present.
set -euo pipefail
packages=(docker.io iptables xvfb xauth x11-utils xdotool imagemagick libusb-1.0-0 debootstrap g++)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "apt: all present"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then
  echo "apt: missing ${missing[*]} and not root: the tests that need them will skip with the reason" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
timeout 600 apt-get update -qq
timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "apt: installed ${missing[*]}"
