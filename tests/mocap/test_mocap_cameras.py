"""Virtual cameras: projection round trip, H36M's image-frame target, and the mapping's geometry as a
camera sees it (upright people have their legs below their hips; a person facing the camera shows
their right side on the image's left)."""

from __future__ import annotations

import numpy as np
import pytest

from posemamba.data import cameras, deepmimic, mocap
from posemamba.keypoints import H36M_JOINTS, normalize_screen

# Clips where the feet stay below the hips throughout (kick, jump, spinkick lift a knee above them).
UPRIGHT = ("walk", "walker/0walk_forward", "walker/turn_right1", "punch", "dance_a", "dance_b", "run")
J = {name: i for i, name in enumerate(H36M_JOINTS)}


def _sequence(name: str, fps: float = 30) -> mocap.MocapSequence:
    return mocap.sequence(deepmimic.load_motions([name])[name], fps)


def test_image_frame_round_trips_to_camera_coordinates():
    seq = _sequence("cartwheel")
    camera = cameras.random_camera(seq.h36m, np.random.default_rng(3))
    image, factor = cameras.image_frame(camera, seq.h36m)
    local = camera.to_camera(seq.h36m)
    # back: depth from the root's depth plus z / ratio (ratio = 1 / factor, mm), then un-project
    depth = local[:, :1, 2] + image[..., 2] * factor[:, None] / 1000
    x = (image[..., 0] - camera.cx) / camera.fx * depth
    y = (image[..., 1] - camera.cy) / camera.fy * depth
    np.testing.assert_allclose(np.stack([x, y, depth], -1), local, atol=1e-9)
    # the factor is H36M's: about Z_root / fx in mm per pixel (LCN adds one pixel to the box)
    np.testing.assert_allclose(factor, 1000 * local[:, 0, 2] / camera.fx, rtol=1e-2)


def test_normalised_target_is_root_relative_and_scales_back_to_millimetres():
    seq = _sequence("walk")
    camera = cameras.random_camera(seq.h36m, np.random.default_rng(5))
    image, factor = cameras.image_frame(camera, seq.h36m)
    target = cameras.normalise_3d(image, camera.width, camera.height)
    assert np.abs(target[:, 0]).max() == 0
    # x, y are the 2D input's normalisation of the projection, made root-relative
    w, h = camera.width, camera.height
    np.testing.assert_allclose(
        target[..., :2] + normalize_screen(image[:, :1, :2], w, h),
        normalize_screen(image[..., :2], w, h),
        atol=1e-5,
    )
    mm = target * (camera.width / 2 * factor)[:, None, None]
    # depth differences in mm are exactly the camera's
    local = camera.to_camera(seq.h36m)
    np.testing.assert_allclose(mm[..., 2], 1000 * (local[..., 2] - local[:, :1, 2]), atol=1e-6)
    # x, y differences equal the metric ones up to perspective (joints at other depths than the root)
    metric = 1000 * (local[..., :2] - local[:, :1, :2])
    assert np.abs(mm[..., :2] - metric).max() < 0.12 * np.abs(metric).max()


@pytest.mark.parametrize("name", UPRIGHT)
def test_upright_clips_keep_legs_below_hips_in_every_camera(name):
    seq = _sequence(name)
    rng = np.random.default_rng(11)
    for _ in range(6):
        camera = cameras.random_camera(seq.h36m, rng)
        pixels = camera.project(camera.to_camera(seq.h36m))
        assert camera.inside(pixels).all(), "the clip leaves the image"
        v = pixels[..., 1]  # image y grows downwards
        for side in ("left", "right"):
            assert (v[:, J[f"{side}_ankle"]] > v[:, J[f"{side}_hip"]]).all()
            assert (v[:, J[f"{side}_knee"]] > v[:, J[f"{side}_hip"]]).all()
        assert (v[:, J["head_top"]] < v[:, J["pelvis"]]).all()
        assert (v[:, J["thorax"]] < v[:, J["pelvis"]]).all()


def test_a_person_facing_the_camera_shows_their_right_on_the_image_left():
    seq = _sequence("walk")
    first = seq.h36m[:1]
    # walk starts facing world +x (the humanoid's forward axis, root quaternion ~ identity)
    forward = first[0, J["neck_nose"]] - first[0, J["thorax"]]
    assert forward[0] > 0
    position = first[0, J["pelvis"]] + np.array([3.0, 0.3, 0.0])
    rotation = cameras.look_at(position, first[0, J["pelvis"]])
    camera = cameras.Camera("test", 1280, 720, 900.0, 900.0, 639.5, 359.5, rotation, position)
    u = camera.project(camera.to_camera(first))[0, :, 0]
    assert u[J["right_hip"]] < u[J["left_hip"]]
    assert u[J["right_shoulder"]] < u[J["left_shoulder"]]
    assert u[J["right_wrist"]] < u[J["left_wrist"]]


def test_cameras_spread_like_webcams_and_realsense_colour():
    seq = _sequence("dance_b")
    rng = np.random.default_rng(0)
    drawn = [cameras.random_camera(seq.h36m, rng) for _ in range(60)]
    sizes = {(c.width, c.height) for c in drawn}
    assert {(640, 480), (1280, 720), (1920, 1080), (848, 480)} <= sizes
    fov = np.degrees(2 * np.arctan([c.width / 2 / c.fx for c in drawn]))
    assert fov.min() >= 55 and fov.max() <= 90 and np.ptp(fov) > 20
    heights = np.array([c.position[1] for c in drawn])
    assert cameras.HEIGHT_M[0] <= heights.min() and heights.max() <= cameras.HEIGHT_M[1]
    distances = np.array([np.linalg.norm((c.position - seq.h36m[:, 0].mean(0))[[0, 2]]) for c in drawn])
    assert 1.0 < np.median(distances) < 8.0
    # the person is neither a speck nor cut off: their image height is 25-95% of the frame's
    tall = [np.ptp(c.project(c.to_camera(seq.h36m))[..., 1], axis=1).max() / c.height for c in drawn]
    assert min(tall) > 0.25 and max(tall) < 0.95
