"""The MMPose estimator with the real stack on CPU: RTMDet-m + RTMPose-m from mmpose's own configs.

Random weights (no checkpoint can be downloaded here), so this tests the plumbing, not the poses:
the configs resolve from mmpose's wheel, the detector runs mmcv's compiled NMS, RTMPose decodes each
box, and the keypoints come back in frame pixels inside their boxes. The stack lives in its own venv
(.ci/setup.d/60-mmpose-cpu.sh: mmcv's CPU ops compiled once, cached).
"""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

from posemamba.live.demo import cache_dir
from posemamba.live.estimators.mmpose_topdown import DEFAULT_DET_CONFIG, DEFAULT_POSE_CONFIG
from posemamba.live.sinks.recorder import load_recording
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
KEY = "mmcv2.1.0-mmdet3.2.0-mmpose1.3.2-torch2.13.0-cpu-py311"  # as in .ci/setup.d/60-mmpose-cpu.sh
FRAMES = 3


@pytest.fixture(scope="module")
def mmpose_python():
    venv = cache_dir() / f"mmpose-venv-{KEY}"
    if not (venv / "complete").is_file():
        failed = cache_dir() / "mmpose.failed"
        why = failed.read_text().strip() if failed.is_file() else "not built yet"
        pytest.skip(f"no MMPose CPU venv at {venv} ({why}); .ci/setup.d/60-mmpose-cpu.sh builds it")
    return venv / "bin" / "python"


def test_rtmdet_rtmpose_with_random_weights(tmp_path, mmpose_python, demo_video) -> None:
    # The configs as the GPU images give them: paths inside mmpose/.mim, through the environment.
    configs = {"ENVKIT_DET_CONFIG": DEFAULT_DET_CONFIG, "ENVKIT_POSE2D_CONFIG": DEFAULT_POSE_CONFIG}
    env = {**os.environ, "PYTHONPATH": str(ROOT), **configs}
    done = subprocess.run(
        [str(mmpose_python), "-m", "posemamba.live", "--headless", "--estimator", "mmpose",
         "--pose2d-checkpoint", "random", "--det-checkpoint", "random", "--det-threshold", "0",
         "--source", str(demo_video), "--max-frames", str(FRAMES), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    data = load_recording(tmp_path)
    assert data["frame_index"].tolist() == list(range(FRAMES))
    rows = len(data["frame"])
    assert rows >= FRAMES, "with --det-threshold 0 the random detector's boxes reach RTMPose"
    assert np.bincount(data["frame"]).max() <= 20, "at most MAX_PEOPLE boxes per frame"
    keypoints, boxes = data["keypoints2d"], data["bbox"]
    assert keypoints.shape == (rows, 17, 2) and np.isfinite(keypoints).all()
    assert ((data["scores2d"] >= 0) & (data["scores2d"] <= 1)).all()
    # Top-down decoding maps each keypoint back into its box's crop: TopdownAffine pads the box
    # 1.25x, then widens the short side to RTMPose-m's 192x256 aspect; SimCC's bins cover that crop.
    centre, size = (boxes[:, :2] + boxes[:, 2:]) / 2, (boxes[:, 2:] - boxes[:, :2]) * 1.25
    aspect = 192 / 256
    width = np.maximum(size[:, 0], size[:, 1] * aspect)
    height = np.maximum(size[:, 1], size[:, 0] / aspect)
    half_crop = np.stack([width, height], axis=1) / 2
    outside = np.abs(keypoints - centre[:, None]) - half_crop[:, None]
    assert outside.max() <= 1.0, f"keypoints up to {outside.max():.1f} px outside their box's crop"


def test_missing_mmpose_checkpoint_is_a_usage_error(tmp_path, mmpose_python, demo_video) -> None:
    # Inside a GPU image these name the pinned checkpoints; here the options must stay unset.
    pins = ("ENVKIT_POSE2D_CHECKPOINT", "ENVKIT_DET_CHECKPOINT", "ENVKIT_POSE2D_CONFIG", "ENVKIT_DET_CONFIG")
    env = {**{k: v for k, v in os.environ.items() if k not in pins}, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(mmpose_python), "-m", "posemamba.live", "--headless", "--estimator", "mmpose",
         "--source", str(demo_video), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "--pose2d-checkpoint" in done.stderr and "Traceback" not in done.stderr
