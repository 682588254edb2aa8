"""Virtual pinhole cameras placed like real webcams and RealSense colour streams, and projection.

A camera gets an image size and horizontal field of view from one of PROFILES, a random direction
around the person (yaw), a height, a look-at point near the person's mean root and a small roll; its
distance is the smallest at which every joint of the whole clip stays inside the image with a margin,
times a random factor (a person filling more or less of the frame). No lens distortion.

Camera coordinates: x right, y down, z forward (away), metres. Pixels: u right, v down, (0, 0) the
top-left pixel's centre.

The 3D target follows Human3.6M's `joint3d_image` as LCN builds it and MotionBERT/PoseMamba train on it
(CHUNYUWANG/lcn-pose tools/gendb.py `camera_to_image_frame`, `_infer_box`): x, y are each joint's
projection in pixels; z is (Z_joint - Z_root) in mm times `ratio`, the pixel size of 1 mm at the
root's depth, measured as a 2000 mm square around the root: ratio = (2000 fx / Z_root + 1) / 2000.
1 / ratio is the per-frame `2.5d_factor` (mm per pixel) that takes a root-relative prediction back
to millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posemamba.keypoints import normalize_screen

WORLD_UP = np.array([0.0, 1.0, 0.0])  # DeepMimic's clips are y-up
# (kind, image sizes, horizontal field of view range in degrees). Webcams: Logitech C270 60 deg
# diagonal, C920 78 deg diagonal (about 55-70 deg horizontal), laptop cameras up to ~80 deg. RealSense
# colour (Intel D400 datasheet): D415 69x42 deg, D435 69x42 deg, D455 90x65 deg; its colour modes
# include 640x480, 848x480, 1280x720 and 1920x1080.
PROFILES = (
    ("webcam", ((640, 480), (960, 540), (1280, 720), (1920, 1080)), (55.0, 80.0)),
    ("realsense", ((640, 480), (848, 480), (1280, 720), (1920, 1080)), (64.0, 90.0)),
)
HEIGHT_M = (0.4, 2.2)  # camera above the floor: a desk or a tripod up to a wall mount
FIT_MARGIN = 0.05  # fraction of the image kept free on each side when fitting the clip
SPREAD = (1.0, 1.8)  # distance factor over the tightest fit


@dataclass(frozen=True)
class Camera:
    """Intrinsics (pixels) and pose: world -> camera is (p - position) @ rotation.T."""

    kind: str
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    rotation: np.ndarray  # (3, 3) rows: camera x, y, z axes in world coordinates
    position: np.ndarray  # (3,) world, metres

    def to_camera(self, world: np.ndarray) -> np.ndarray:
        return (np.asarray(world) - self.position) @ self.rotation.T

    def project(self, camera_points: np.ndarray) -> np.ndarray:
        """Pixels (..., 2) of camera-frame points (..., 3) in front of the camera."""
        z = camera_points[..., 2]
        return np.stack(
            [self.fx * camera_points[..., 0] / z + self.cx, self.fy * camera_points[..., 1] / z + self.cy],
            axis=-1,
        )

    def inside(self, pixels: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether pixels (..., 2) lie in the image shrunk by `margin` (fraction of each side)."""
        u, v = pixels[..., 0], pixels[..., 1]
        mu, mv = margin * self.width, margin * self.height
        return (u >= mu) & (u <= self.width - 1 - mu) & (v >= mv) & (v <= self.height - 1 - mv)


def look_at(position: np.ndarray, target: np.ndarray, roll: float = 0.0) -> np.ndarray:
    """Rotation whose rows are the camera's right, down and forward axes (world), rolled by `roll` rad."""
    forward = (target - position) / np.linalg.norm(target - position)
    right = np.cross(forward, WORLD_UP)
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    c, s = np.cos(roll), np.sin(roll)
    return np.stack([c * right + s * down, -s * right + c * down, forward])


def random_camera(world: np.ndarray, rng: np.random.Generator, root: int = 0) -> Camera:
    """A camera that sees every point of `world` (T, J, 3) (metres, y up) in every frame."""
    kind, sizes, fov = PROFILES[rng.integers(len(PROFILES))]
    width, height = sizes[rng.integers(len(sizes))]
    fx = (width / 2) / np.tan(np.radians(rng.uniform(*fov)) / 2)
    cx = (width - 1) / 2 + rng.normal(0, 0.01 * width)
    cy = (height - 1) / 2 + rng.normal(0, 0.01 * height)
    yaw = rng.uniform(0, 2 * np.pi)
    camera_height = rng.uniform(*HEIGHT_M)
    mean_root = world[:, root].mean(axis=0)
    target = mean_root + np.array([0.0, rng.uniform(-0.15, 0.3), 0.0])
    roll = np.radians(rng.normal(0, 2.0))
    spread = rng.uniform(*SPREAD)
    direction = np.array([np.sin(yaw), 0.0, np.cos(yaw)])

    def place(distance: float) -> Camera:
        position = mean_root + distance * direction
        position[1] = camera_height
        rotation = look_at(position, target, roll)
        return Camera(kind, width, height, fx, fx, cx, cy, rotation, position)

    extent = np.abs(world - mean_root).max()
    distance = max(0.5, extent)
    for _ in range(200):  # 2% steps from the clip's own size: a fit within ~0.5..20 m
        camera = place(distance)
        local = camera.to_camera(world)
        if local[..., 2].min() > 0.2 and camera.inside(camera.project(local), FIT_MARGIN).all():
            break
        distance *= 1.02
    return place(distance * spread)


def image_frame(camera: Camera, world: np.ndarray, root: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(joint3d_image (T, J, 3) in pixels, 2.5d factor (T,) mm per pixel) of world points (T, J, 3)."""
    local = camera.to_camera(world)
    pixels = camera.project(local)
    root_mm = 1000 * local[:, root, 2]
    ratio = (2000 * camera.fx / root_mm + 1) / 2000  # pixels per mm at the root's depth (gendb.py)
    depth = ratio[:, None] * 1000 * (local[..., 2] - local[:, root : root + 1, 2])
    return np.concatenate([pixels, depth[..., None]], axis=-1), 1 / ratio


def normalise_3d(image_points: np.ndarray, width: float, height: float, root: int = 0) -> np.ndarray:
    """joint3d_image (..., J, 3) -> the model's root-relative target: x, y as the 2D input, z / w * 2
    (MotionBERT datareader_h36m.py:71-72, shared/research/posemamba-training.md 1.2), minus the root."""
    out = normalize_screen(image_points, width, height)
    out[..., 2] = image_points[..., 2] / width * 2
    return out - out[..., root : root + 1, :]
