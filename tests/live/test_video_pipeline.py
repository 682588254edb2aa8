"""The whole pipeline, headless, on a real video (Sports2D's demo.mp4) with MediaPipe's pose model."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posemamba.live.sinks.recorder import load_recording
from tests.live.conftest import WALKER_BOX, WALKER_FRAMES, run_live

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recording(tmp_path_factory, demo_video, mediapipe_installed, checkpoint) -> tuple[Path, str]:
    """One recorded run over the first 120 frames, lifting with PoseMamba-S (random weights)."""
    out = tmp_path_factory.mktemp("walker")
    args = ["--headless", "--source", str(demo_video), "--out", str(out), "--max-frames", str(WALKER_FRAMES)]
    # 27 frames of context: a lift takes a fraction of the run even on a loaded 2-core machine.
    args += ["--checkpoint", str(checkpoint), "--stride", "4", "--window", "27"]
    done = run_live(*args, timeout=900)  # 120 frames: ~10 s on an idle 2-core machine, minutes at load 16
    assert done.returncode == 0, done.stderr[-3000:]
    # warmed up before the first frame: 3D from the walker's first lift on
    assert done.stderr.index("warming up the 3D lifter") < done.stderr.index("3D lifter ready after")
    return out, done.stdout


def test_recording_is_complete(recording) -> None:
    out, stdout = recording
    assert f"{WALKER_FRAMES} frames" in stdout
    data = load_recording(out)
    assert (out / "poses.npz").is_file() and not (out / "chunks").exists()
    assert np.array_equal(data["frame_index"], np.arange(WALKER_FRAMES))
    assert np.all(np.diff(data["timestamp"]) > 0)
    np.testing.assert_allclose(data["timestamp"][1], 1 / 30, rtol=1e-3)  # the video's 30 fps clock
    rows = len(data["frame"])
    assert data["keypoints2d"].shape == (rows, 17, 2)
    assert data["scores2d"].shape == (rows, 17)
    assert data["pose3d"].shape == (rows, 17, 3)
    assert set(data["frame"]) <= set(data["frame_index"])


def test_video_has_every_frame(recording) -> None:
    out, _ = recording
    capture = cv2.VideoCapture(str(out / "overlay.mp4"))
    count, size = 0, None
    while True:
        ok, image = capture.read()
        if not ok:
            break
        count, size = count + 1, image.shape
    capture.release()
    assert count == WALKER_FRAMES
    # overlay (994 rows scaled to 480) beside the 480x480 3D view
    assert size == (480, round(1768 * 480 / 994) // 2 * 2 + 480, 3)


def test_keypoints_are_on_the_walker(recording) -> None:
    data = load_recording(recording[0])
    assert len(data["frame"]) >= 0.9 * WALKER_FRAMES, "the walker is found in at least 90% of frames"
    confident = data["scores2d"] > 0.5
    points = data["keypoints2d"][confident]
    x1, y1, x2, y2 = WALKER_BOX
    inside = (points[:, 0] >= x1) & (points[:, 0] <= x2) & (points[:, 1] >= y1) & (points[:, 1] <= y2)
    assert inside.mean() > 0.95, f"only {inside.mean():.0%} of confident keypoints on the walker"
    # anatomy, not just location: the head is above the hips, the hips above the ankles
    nose_y, hips_y, ankles_y = (data["keypoints2d"][:, j, 1] for j in (0, 11, 15))
    assert np.median(nose_y) < np.median(hips_y) < np.median(ankles_y)


def test_single_walker_keeps_one_track_id(recording) -> None:
    data = load_recording(recording[0])
    assert len(np.unique(data["frame"])) == len(data["frame"]), "one person per frame"
    assert set(data["track_id"].tolist()) == {0}


def test_lifted_3d_is_finite_and_root_relative(recording) -> None:
    out, stdout = recording
    data = load_recording(out)
    has3d = data["pose3d_frame"] >= 0
    # From the first finished lift on, every row shows a 3D pose (the newest the worker has).
    first = int(np.argmax(has3d))
    assert has3d.any() and has3d[first:].all()
    assert np.all(np.diff(data["pose3d_frame"][has3d]) >= 0), "never an older pose after a newer one"
    assert np.all(data["pose3d_frame"][has3d] % 4 == 0), "lifted every --stride 4 frames"
    poses = data["pose3d"][has3d]
    assert np.isfinite(poses).all()
    np.testing.assert_allclose(poses[:, 0], 0.0, atol=1e-6)  # pelvis at the origin
    assert np.abs(poses).max() > 1e-3  # not all zeros
    # the 3D pose shown belongs to a frame already seen, and its age was measured
    assert np.all(data["pose3d_frame"][has3d] <= data["frame"][has3d])
    assert np.all(data["pose3d_age"][has3d] >= 0)
    assert "lifter" in stdout and "3D age" in stdout
    with_3d = int(has3d.sum())
    assert f"live-pose: 3D in {with_3d} of {WALKER_FRAMES} frames" in stdout
    assert with_3d > WALKER_FRAMES / 2, "warmed up before the first frame: 3D in most frames"
    assert np.isnan(data["metric3d"]).all(), "a video has no depth: no metric 3D"
