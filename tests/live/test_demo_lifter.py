"""Without --checkpoint, live-pose lifts with the demo model shipped in the package (issue #16).

On the real demo video with MediaPipe, the run the README gives (`--headless --out rec --max-frames
120`, no checkpoint): the start line names the demo model with its measured error and where research
weights come from; every frame from the first lifted one on has a finite 3D pose, and in every lifted
frame the skeleton stands upright (image y grows downwards in the model's output, as in Human3.6M's
camera frame): knees below hips, ankles below knees, head above the pelvis.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from posemamba.live.sinks.recorder import load_recording
from tests.live.conftest import run_live

pytestmark = pytest.mark.slow

PELVIS, R_HIP, R_KNEE, R_ANKLE, L_HIP, L_KNEE, L_ANKLE, HEAD = 0, 1, 2, 3, 4, 5, 6, 10


def test_the_default_lifter_is_the_demo_model_and_the_walker_stands_upright(
    tmp_path, demo_video, mediapipe_installed
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "POSEMAMBA_CHECKPOINT"}
    out = tmp_path / "rec"
    done = run_live(
        "--headless", "--source", str(demo_video), "--out", str(out), "--max-frames", "120", env=env
    )
    assert done.returncode == 0, (done.stdout, done.stderr[-2000:])
    start = next(line for line in done.stderr.splitlines() if "the demo PoseMamba" in line)
    assert "held-out mocap MPJPE" in start and "github.com/nankingjing/PoseMamba" in start, start

    recording = load_recording(out)
    lifted = recording["pose3d_frame"] >= 0
    assert lifted.any(), done.stdout
    first = int(np.argmax(lifted))
    assert lifted[first:].all(), "once lifted, every frame shows a 3D pose"
    poses = recording["pose3d"][lifted]
    assert np.isfinite(poses).all()
    y = poses[..., 1]
    hips = y[:, [R_HIP, L_HIP]].max(axis=1)
    knees, ankles = y[:, [R_KNEE, L_KNEE]], y[:, [R_ANKLE, L_ANKLE]]
    assert (knees.min(axis=1) > hips).all(), "knees below the hips in every lifted frame"
    assert (ankles > knees).all(), "ankles below the knees in every lifted frame"
    assert (y[:, HEAD] < y[:, PELVIS]).all(), "head above the pelvis in every lifted frame"
