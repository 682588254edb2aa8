"""2D pose estimators: one frame in, the people in it out, as COCO-17 keypoints in pixels."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from posemamba.errors import PoseMambaError
from posemamba.live.types import Frame, Person2D

ESTIMATORS = ("mediapipe", "mmpose")
# --estimator auto: the first of these whose package is installed (mediapipe on a host with the
# [mediapipe] extra; the envkit images carry the MMPose stack and no mediapipe).
AUTO_ORDER = (("mediapipe", "mediapipe"), ("mmpose", "mmpose"))


class Estimator(Protocol):
    """Finds people in a frame. Implementations keep any model state (trackers) between calls."""

    name: str

    def estimate(self, frame: Frame) -> list[Person2D]: ...

    def close(self) -> None: ...


def bbox_of(keypoints: np.ndarray, scores: np.ndarray, min_score: float = 0.3) -> np.ndarray:
    """The box around the confident keypoints (all of them when none is confident), 10% margin."""
    chosen = keypoints[scores >= min_score] if (scores >= min_score).sum() >= 2 else keypoints
    low, high = chosen.min(axis=0), chosen.max(axis=0)
    margin = 0.1 * (high - low)
    return np.concatenate([low - margin, high + margin]).astype(np.float32)


def resolve(name: str) -> tuple[str, str]:
    """(estimator, why) for --estimator NAME; `auto` takes the first installed of AUTO_ORDER."""
    import importlib.util

    if name != "auto":
        return name, "--estimator"
    for estimator, package in AUTO_ORDER:
        if importlib.util.find_spec(package) is not None:
            return estimator, f"auto: {package} is installed"
    return AUTO_ORDER[0][0], "auto: neither mediapipe nor mmpose is installed"


def make_estimator(name: str, *, pose_config=None, pose_checkpoint=None, det_config=None,
                   det_checkpoint=None, det_threshold: float = 0.3,
                   device: str = "cpu") -> Estimator:  # fmt: skip
    """The estimator called `name` (see ESTIMATORS); PoseMambaError when its package is missing."""
    if name == "mediapipe":
        from posemamba.live.estimators.mediapipe_pose import MediaPipePose

        return MediaPipePose()
    if name == "mmpose":
        from posemamba.live.estimators.mmpose_topdown import MMPoseTopDown

        return MMPoseTopDown(
            pose_config=pose_config,
            pose_checkpoint=pose_checkpoint,
            det_config=det_config,
            det_checkpoint=det_checkpoint,
            device=device,
            bbox_threshold=det_threshold,
        )
    raise PoseMambaError(f"unknown estimator {name!r}", fix=f"use one of: {', '.join(ESTIMATORS)}")
