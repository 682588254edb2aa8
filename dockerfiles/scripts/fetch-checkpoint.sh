#!/bin/sh
# fetch-checkpoint NAME URL SHA256 DEST: download URL to DEST (with retries) and check its sha256.
#
# SHA256 is the full digest (64 hex digits) or a prefix of at least 8: OpenMMLab names its checkpoints
# `<name>-<first 8 hex of the sha256>[_<date>].pth`, the convention torch.hub's check_hash reads. On a
# mismatch or a failed download it exits 1 naming the model, the expected and the actual hash, and
# leaves nothing at DEST. Run by the rendered Dockerfiles (dockerfiles/templates/models_fetch.j2);
# POSIX sh, curl and sha256sum only.
set -eu

say() { printf 'fetch-checkpoint: %s\n' "$*" >&2; }

if [ "$#" -ne 4 ]; then
    say "usage: fetch-checkpoint NAME URL SHA256 DEST"
    exit 2
fi
name=$1 url=$2 expected=$3 dest=$4

case $expected in
    *[!0-9a-f]* | "") bad_hash=yes ;;
    *) bad_hash=no ;;
esac
if [ "$bad_hash" = yes ] || [ "${#expected}" -lt 8 ] || [ "${#expected}" -gt 64 ]; then
    say "$name: expected sha256 '$expected' is not 8 to 64 lowercase hex digits"
    exit 2
fi

mkdir -p "$(dirname "$dest")"
partial="$dest.partial"
# A failed or interrupted fetch must not leave a file the live pipeline would load.
trap 'rm -f "$partial"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rm -f "$dest" "$partial"

# --retry covers timeouts, 408/429/5xx and (with --retry-connrefused) a refused connection, waiting
# 1, 2, 4, 8, 16 s between tries.
if ! curl --fail --silent --show-error --location \
    --retry 5 --retry-connrefused --connect-timeout 30 \
    --output "$partial" "$url"; then
    say "$name: download of $url failed"
    exit 1
fi

actual=$(sha256sum "$partial" | cut -d ' ' -f 1)
case $actual in
    "$expected"*) ;;
    *)
        say "$name: sha256 mismatch for $url: expected $expected, got $actual"
        exit 1
        ;;
esac

mv "$partial" "$dest"
printf 'fetch-checkpoint: %s: %s (sha256 %s)\n' "$name" "$dest" "$actual"
