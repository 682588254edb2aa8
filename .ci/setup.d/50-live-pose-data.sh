#!/usr/bin/env bash
# Real video for the live-pose tests and the no-camera demo: Sports2D's demo.mp4 (BSD-3; 1768x994,
# 230 frames at 30 fps, people walking), which ships inside the sports2d wheel on PyPI. The fetch is
# live-pose's own first-use fetch (posemamba/live/demo.py: the pinned wheel, both sha256 digests checked,
# only the video kept at $ENVKIT_CACHE_DIR/live-pose/sports2d/demo.mp4); a few seconds once, nothing when
# cached. A failed download does not fail CI: the tests that need the video try the same fetch and skip
# with its error as the reason.
set -uo pipefail
python - <<'PY' || echo "50-live-pose-data: fetch failed; the tests that need the demo video will say why"
from posemamba.live.demo import fetch_demo_video, find_demo_video

found = find_demo_video()
print(f"50-live-pose-data: cached: {found}" if found else f"50-live-pose-data: fetched: {fetch_demo_video()}")
PY
