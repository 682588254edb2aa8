"""Metric 3D from a depth frame: the root's depth around the pelvis, then back-projection.

The lifter's pose is root-relative in the model's screen units (pixels * 2 / width). At depth Z a
pixel spans Z / fx metres, so the relative pose scales to metres with (width / 2) * Z / fx and is
placed at the back-projected pelvis.
"""

from __future__ import annotations

import numpy as np

from posemamba.live.types import Intrinsics

# Depths outside this range are holes or noise for a D4xx camera (metres).
MIN_DEPTH, MAX_DEPTH = 0.2, 10.0


def root_depth(depth: np.ndarray, u: float, v: float, radius: int = 6) -> float | None:
    """Median of the valid depths in a (2r+1)^2 window around pixel (u, v); None when all are holes."""
    height, width = depth.shape
    x, y = round(u), round(v)
    if not (0 <= x < width and 0 <= y < height):
        return None
    patch = depth[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1]
    valid = patch[(patch > MIN_DEPTH) & (patch < MAX_DEPTH) & np.isfinite(patch)]
    return float(np.median(valid)) if valid.size else None


def pelvis_pixel(keypoints: np.ndarray) -> tuple[float, float]:
    """Mid-hips of COCO-17 keypoints (the H36M root)."""
    u, v = (keypoints[11] + keypoints[12]) / 2
    return float(u), float(v)


def place(relative: np.ndarray | None, keypoints: np.ndarray, depth: np.ndarray, intrinsics: Intrinsics,
          radius: int = 6) -> tuple[np.ndarray | None, np.ndarray | None]:  # fmt: skip
    """(root in camera coordinates (3,), skeleton (17, 3) in metres or None) for one person.

    `relative` is the lifter's root-relative pose; without it only the root is placed.
    """
    u, v = pelvis_pixel(keypoints)
    z = root_depth(depth, u, v, radius)
    if z is None:
        return None, None
    root = intrinsics.deproject(u, v, z)
    if relative is None:
        return root, None
    metres_per_unit = intrinsics.width / 2 * z / intrinsics.fx
    return root, root + np.asarray(relative, dtype=np.float64) * metres_per_unit
