"""Trivial lifters on the mocap data, so a trained model's error on the held-out clips means something.

- `mean_pose`: the mean root-relative training target, scaled per frame so that its height in the
  image (y extent) equals the 2D input's, root at the input's root. It knows nothing of the 2D pose.
- `flat`: the 2D input made root-relative with every joint at the root's depth (z = 0). It copies the
  2D pose and guesses no depth.

Metrics, per frame, in millimetres through the per-frame 2.5d factor (as on Human3.6M): MPJPE (mean
joint distance, root included, its error 0) and P-MPJPE (after the similarity transform that best
aligns the prediction to the target), from posemamba.metrics (as MotionBERT computes them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posemamba.data.mocap_dataset import MocapSplit
from posemamba.metrics import mpjpe, p_mpjpe


def mean_pose(train: MocapSplit) -> np.ndarray:
    """(17, 3) the mean root-relative target of a training split."""
    return train.labels.mean(axis=0)


def predict_mean_pose(pose: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """(N, 17, 3): `pose` scaled to each input frame's 2D height (y extent)."""
    height_2d = np.ptp(inputs[..., 1], axis=-1)
    height_pose = max(float(np.ptp(pose[:, 1])), 1e-9)
    return pose[None] * (height_2d / height_pose)[:, None, None]


def predict_flat(inputs: np.ndarray) -> np.ndarray:
    """(N, 17, 3): the 2D input relative to its root, z = 0."""
    xy = inputs - inputs[:, :1]
    return np.concatenate([xy, np.zeros_like(xy[..., :1])], axis=-1)


@dataclass(frozen=True)
class Errors:
    """Mean per-frame MPJPE and P-MPJPE (mm) of one motion, over every frame of its videos."""

    motion: str
    frames: int
    mpjpe: float
    p_mpjpe: float


def evaluate(pred: np.ndarray, split: MocapSplit) -> list[Errors]:
    """Errors per motion of `pred` (N, 17, 3) in model units against `split`, in its motion order."""
    scale = (split.widths / 2 * split.factors)[:, None, None]
    pred_mm = (pred - pred[:, :1]) * scale
    gt_mm = split.gt_mm
    frame_mpjpe, frame_pmpjpe = mpjpe(pred_mm, gt_mm), p_mpjpe(pred_mm, gt_mm)
    motion_of_frame = np.asarray(split.motions)[split.videos]
    results = []
    for motion in dict.fromkeys(split.motions):
        chosen = motion_of_frame == motion
        results.append(
            Errors(motion, int(chosen.sum()), float(frame_mpjpe[chosen].mean()),
                   float(frame_pmpjpe[chosen].mean()))
        )  # fmt: skip
    return results
