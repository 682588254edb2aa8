"""A RealSense recording made with pyrealsense2's software device, played back as the source.

Colour is a real frame sequence (the demo video's walker, cropped to 640x480); depth is a tilted
plane with 30% holes. The recorded metric root must sit on that plane at the pelvis pixel, placed
with the colour intrinsics (checked against librealsense's own rs2_deproject_pixel_to_point).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posemamba.live.sinks.recorder import load_recording
from tests.live.conftest import run_live
from tests.live.synthetic_realsense import HEIGHT, WIDTH, Geometry, record, rs_intrinsics

pytestmark = pytest.mark.slow
FRAMES = 20


@pytest.fixture(scope="module")
def rs():
    try:
        import pyrealsense2
    except ImportError as error:
        pytest.skip(f"pyrealsense2 does not import ({error}); pip install 'envkit[realsense]', libusb-1.0-0")
    return pyrealsense2


@pytest.fixture(scope="module")
def recording_file(tmp_path_factory, rs, demo_video) -> tuple[Path, Geometry]:
    capture = cv2.VideoCapture(str(demo_video))
    frames = []
    for _ in range(FRAMES):
        ok, image = capture.read()
        assert ok
        crop = image[:, 200 : 200 + round(image.shape[0] * 4 / 3)]  # 4:3 around the walker
        frames.append(cv2.resize(crop, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA))
    capture.release()
    geometry = Geometry()
    # librealsense 2.58+ records ROS2 .db3 only (a .bag path is refused); 2.59 plays both.
    path = tmp_path_factory.mktemp("realsense") / "walker.db3"
    record(path, frames, geometry)
    return path, geometry


def test_metric_root_matches_recorded_geometry(tmp_path, rs, recording_file, mediapipe_installed) -> None:
    path, geometry = recording_file
    done = run_live("--headless", "--source", str(path), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    data = load_recording(tmp_path)
    played = np.round(data["timestamp"] * 30).astype(int).tolist()  # the recording's frame numbers
    assert len(data["frame_index"]) == FRAMES, f"every recorded frameset is played back, got {played}"
    assert len(data["frame"]) >= FRAMES - 2, "the walker is found in the colour stream"
    intrinsics = rs_intrinsics(geometry)
    errors = []
    for keypoints, root in zip(data["keypoints2d"], data["root3d"], strict=True):
        u, v = (keypoints[11] + keypoints[12]) / 2
        expected = rs.rs2_deproject_pixel_to_point(
            intrinsics, [float(u), float(v)], float(geometry.depth_at(u))
        )
        errors.append(np.linalg.norm(np.asarray(expected) - root))
    assert max(errors) < 0.05, f"metric root off by up to {max(errors) * 100:.1f} cm"
    # the pelvis is on the walker, so the root depth is the plane's there, not the mean plane depth
    assert np.all(np.abs(data["root3d"][:, 2] - geometry.depth_at(data["keypoints2d"][:, 11, 0])) < 0.05)


def test_metric_skeleton_with_lifter(tmp_path, rs, recording_file, mediapipe_installed, checkpoint) -> None:
    path, _ = recording_file
    done = run_live("--headless", "--source", str(path), "--out", str(tmp_path), "--checkpoint",
                    str(checkpoint), "--stride", "1", "--window", "27", "--lift-sync")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    data = load_recording(tmp_path)
    placed = np.isfinite(data["metric3d"]).all(axis=(1, 2))
    assert placed.all(), "--lift-sync: every row has its own metric skeleton"
    assert np.array_equal(data["pose3d_frame"], data["frame"])
    skeletons = data["metric3d"][placed]
    np.testing.assert_allclose(skeletons[:, 0], data["root3d"][placed], atol=1e-4)  # pelvis at the root
    # a skeleton in metres at ~2 m: every joint within a couple of metres of the pelvis
    assert np.abs(skeletons - skeletons[:, :1]).max() < 3.0
