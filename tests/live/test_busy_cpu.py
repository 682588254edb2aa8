"""Live pose on a busy CPU: with three busy-loop processes per core, most frames still get a 3D pose.

Why this holds on any machine however loaded (not a timing bet): the lifter runs at the loop's priority
and warms up and sizes its window before the first frame, so a new track waits for its first lift
about the lift's CPU time over a frame's CPU time (a 27-frame PoseMamba-S lift ~0.1 s, a frame's 2D
and drawing ~0.05 s): more load slows the loop as much as the lifter. In the demo video MediaPipe
finds the walker from frame 6, the first lift is asked for at frame 8 (stride 4), and bench/contention.py
measured 3D from frame 10-14 at 3 busy loops per core on top of other jobs. The test asks for 3D in
more than half of 40 frames: a first 3D pose by frame 19.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from posemamba.threads import usable_cores
from tests.conftest import busy_loops

pytestmark = pytest.mark.slow
FRAMES = 40


def test_most_frames_get_3d_with_three_busy_loops_per_core(
    tmp_path, demo_video, mediapipe_installed, checkpoint
) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "posemamba.live", "--source", str(demo_video), "--checkpoint",
               str(checkpoint), "--headless", "--out", str(out), "--max-frames", str(FRAMES)]  # fmt: skip
    with busy_loops(3 * usable_cores()):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r"live-pose: 3D in (\d+) of (\d+) frames", done.stdout)
    assert found, done.stdout
    with_3d, frames = map(int, found.groups())
    assert frames == FRAMES
    assert with_3d > FRAMES // 2, done.stdout
