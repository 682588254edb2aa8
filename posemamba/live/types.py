"""The values that flow between the live-pose stages: frames, 2D people, tracked people with 3D."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# COCO-17 bones (the order every 2D estimator returns).
COCO_EDGES = (
    (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12),
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
)  # fmt: skip
# Human3.6M-17 order (what the lifter returns).
H36M_EDGES = (
    (0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 6), (0, 7), (7, 8), (8, 9), (9, 10), (8, 11),
    (11, 12), (12, 13), (8, 14), (14, 15), (15, 16),
)  # fmt: skip


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics of the image the keypoints live in (Brown-Conrady distortion ignored)."""

    width: int
    height: int
    fx: float
    fy: float
    ppx: float
    ppy: float

    def deproject(self, u: np.ndarray, v: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Pixel (u, v) at depth z (metres) -> camera coordinates (x right, y down, z forward)."""
        u, v, z = np.broadcast_arrays(np.asarray(u, float), np.asarray(v, float), np.asarray(z, float))
        return np.stack([(u - self.ppx) / self.fx * z, (v - self.ppy) / self.fy * z, z], axis=-1)


@dataclass
class Frame:
    """One capture: colour image (BGR), optional depth (metres, aligned to colour) and intrinsics.

    `timestamp` is the source's clock in seconds (video position, device time); `received` is
    time.perf_counter() when the pipeline got the frame, which is what latencies are measured from.
    """

    index: int
    timestamp: float
    bgr: np.ndarray
    depth: np.ndarray | None = None
    intrinsics: Intrinsics | None = None
    received: float = 0.0

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the colour image."""
        return int(self.bgr.shape[1]), int(self.bgr.shape[0])


@dataclass
class Person2D:
    """One person from a 2D estimator: COCO-17 keypoints in pixels, their scores and a box."""

    keypoints: np.ndarray  # (17, 2) float, pixels
    scores: np.ndarray  # (17,) float in [0, 1]
    bbox: np.ndarray  # (4,) x1, y1, x2, y2 in pixels
    score: float = 1.0


@dataclass
class TrackedPerson:
    """A person with a track id, and the 3D pose the lifter last produced for that track."""

    track_id: int
    person: Person2D
    pose3d: np.ndarray | None = None  # (17, 3) H36M, root-relative, normalised image units
    pose3d_frame: int = -1  # frame index the shown 3D pose belongs to
    pose3d_age: float = float("nan")  # seconds between that frame's arrival and now
    metric3d: np.ndarray | None = None  # (17, 3) H36M in camera coordinates, metres (with depth)
    extra: dict = field(default_factory=dict)
