"""Keypoint conventions around PoseMamba: joint orders, screen normalisation, flips, clips.

Spec: shared/research/posemamba-spec.md, section 6. The model takes Human3.6M-ordered 17-joint 2D
keypoints normalised by the image width (6.2) and returns root-relative 3D poses in the same units.

COCO -> H36M: two mappings (6.3). `demo` (the default) is the heuristic of PoseMamba's own demo
(MotionAGFormer's/MHFormer's `coco_h36m`): it places the head top above the eyes, the thorax above
the shoulder line and the neck joint between nose and shoulders, which is closer to where Human3.6M's
joints lie and to what the released models saw in training, and it is what the authors feed the
released weights for in-the-wild video. `mmpose` is mmpose's `convert_keypoint_definition` (its
body3d pose-lifter demo): plain midpoints (thorax = shoulder midpoint, head = eye midpoint, spine =
pelvis/thorax midpoint), for parity with mmpose's lifting pipelines.

Clips: the model takes at most `frames` (243) frames. A shorter sequence is resampled to 243 frames
by repeating frames, as the demo does. A longer one is cut into 243-frame clips; unlike the demo
(non-overlapping clips, the last short one resampled, and a crash when the length is a multiple of
243) the last clip is aligned to the end of the sequence so that every clip holds 243 real frames at
the true frame rate, and each frame of the overlap is taken from the clip in which it sits further
from the clip's border (more context on both sides). `split_clips(..., overlap=False)` gives the
demo's tiling instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch

from posemamba.errors import InputShapeError

Array = TypeVar("Array", np.ndarray, torch.Tensor)

NUM_JOINTS = 17
H36M_JOINTS = (
    "pelvis", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "spine",
    "thorax", "neck_nose", "head_top", "left_shoulder", "left_elbow", "left_wrist", "right_shoulder",
    "right_elbow", "right_wrist",
)  # fmt: skip
COCO_JOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
FLIP_PAIRS = ((1, 4), (2, 5), (3, 6), (11, 14), (12, 15), (13, 16))
ROOT = 0
CLIP_FRAMES = 243
MAPPINGS = ("demo", "mmpose")
DEFAULT_MAPPING = "demo"

# Joints both mappings copy from COCO: H36M joint <- COCO joint.
_H36M_DIRECT = [1, 2, 3, 4, 5, 6, 9, 11, 12, 13, 14, 15, 16]
_COCO_DIRECT = [12, 14, 16, 11, 13, 15, 0, 5, 7, 9, 6, 8, 10]


def _flip_permutation() -> list[int]:
    order = list(range(NUM_JOINTS))
    for left, right in FLIP_PAIRS:
        order[left], order[right] = right, left
    return order


FLIP_PERMUTATION = _flip_permutation()


def _check_joints(kpts: np.ndarray | torch.Tensor, what: str, channels: tuple[int, ...] = (2, 3)) -> None:
    if kpts.ndim < 2 or kpts.shape[-2] != NUM_JOINTS or kpts.shape[-1] not in channels:
        raise InputShapeError(
            f"{what} needs keypoints of shape (..., 17, {' or '.join(map(str, channels))}), "
            f"got {tuple(kpts.shape)}",
            fix="pass 17 joints per frame with x, y (and optionally a confidence) per joint",
        )


def coco_to_h36m(kpts: np.ndarray, method: str = DEFAULT_MAPPING) -> np.ndarray:
    """COCO-17 keypoints (..., 17, 2|3) -> Human3.6M-17 order, with `method` 'demo' or 'mmpose'.

    Channels 0-1 are coordinates; a third channel (confidence) is mapped like mmpose maps it
    (averaged along) for 'mmpose' and with the demo's score rules for 'demo'.
    """
    kpts = kpts.numpy(force=True) if isinstance(kpts, torch.Tensor) else np.asarray(kpts)
    _check_joints(kpts, "coco_to_h36m")
    if method not in MAPPINGS:
        raise InputShapeError(
            f"unknown COCO->H36M mapping {method!r}", fix=f"use one of {', '.join(MAPPINGS)}"
        )
    coco = np.asarray(kpts, dtype=np.float32)
    out = np.zeros_like(coco)
    out[..., _H36M_DIRECT, :] = coco[..., _COCO_DIRECT, :]
    if method == "mmpose":
        out[..., 0, :] = (coco[..., 11, :] + coco[..., 12, :]) / 2
        out[..., 8, :] = (coco[..., 5, :] + coco[..., 6, :]) / 2
        out[..., 7, :] = (out[..., 0, :] + out[..., 8, :]) / 2
        out[..., 10, :] = (coco[..., 1, :] + coco[..., 2, :]) / 2
        return out
    return _demo_mapping(coco, out)


def _demo_mapping(coco: np.ndarray, out: np.ndarray) -> np.ndarray:
    xy, h = coco[..., :2], out[..., :2]  # h is a view: writes go to `out`
    shoulders = coco[..., 5:7, :2].mean(axis=-2)
    h[..., 10, 0] = coco[..., 1:5, 0].mean(axis=-1)
    h[..., 10, 1] = coco[..., 1, 1] + coco[..., 2, 1] - coco[..., 0, 1]
    h[..., 8, :] = shoulders + (xy[..., 0, :] - shoulders) / 3
    h[..., 0, :] = coco[..., 11:13, :2].mean(axis=-2)
    h[..., 7, :] = coco[..., [5, 6, 11, 12], :2].mean(axis=-2)
    # The demo's corrections, in its order.
    h[..., 9, :] -= (h[..., 9, :] - shoulders) / 4
    h[..., 7, 0] += 2 * (h[..., 7, 0] - (h[..., 0, 0] + h[..., 8, 0]) / 2)
    h[..., 8, 1] -= (coco[..., 1:3, 1].mean(axis=-1) - coco[..., 0, 1]) * 2 / 3
    if coco.shape[-1] == 3:
        score = out[..., 2]
        score[..., 0] = coco[..., 11:13, 2].mean(axis=-1)
        score[..., 8] = coco[..., 5:7, 2].mean(axis=-1)
        score[..., 7] = (score[..., 0] + score[..., 8]) / 2
        score[..., 10] = coco[..., 1:5, 2].mean(axis=-1)
    return out


def normalize_screen(kpts: np.ndarray, width: float, height: float) -> np.ndarray:
    """Pixels -> model units: x = u/w*2 - 1, y = v/w*2 - h/w (both divided by the width; spec 6.2).

    Works on (..., 2|3); a third channel (confidence) is passed through.
    """
    _check_size(width, height)
    out = np.array(kpts, dtype=np.float32, copy=True)
    out[..., 0] = out[..., 0] / width * 2 - 1
    out[..., 1] = out[..., 1] / width * 2 - height / width
    return out


def denormalize_screen(kpts: np.ndarray, width: float, height: float) -> np.ndarray:
    """Model units -> pixels for channels 0-1 (the inverse of normalize_screen); others passed through.

    For a 3D pose in model units, z * width / 2 is the depth in pixels (spec 6.5); this function leaves
    channel 2 unchanged.
    """
    _check_size(width, height)
    out = np.array(kpts, dtype=np.float32, copy=True)
    out[..., 0] = (out[..., 0] + 1) * width / 2
    out[..., 1] = (out[..., 1] + height / width) * width / 2
    return out


def _check_size(width: float, height: float) -> None:
    if not (np.isfinite(width) and np.isfinite(height) and width > 0 and height > 0):
        raise InputShapeError(
            f"image size must be positive, got width {width}, height {height}",
            fix="pass the width and height in pixels of the images the keypoints were detected in",
        )


def flip(pose: Array) -> Array:
    """Horizontal flip of H36M keypoints (..., 17, C): negate x, swap left and right joints (spec 6.4)."""
    _check_joints(pose, "flip", channels=(2, 3))
    out = pose[..., FLIP_PERMUTATION, :]  # advanced indexing: a copy for numpy and torch
    out[..., 0] = -out[..., 0]
    return out


def root_zero(pose: Array) -> Array:
    """A copy with the root (pelvis, joint 0) set to zero, as evaluation and the demo do (spec 6.4)."""
    out = pose.clone() if isinstance(pose, torch.Tensor) else np.array(pose, copy=True)
    out[..., ROOT, :] = 0
    return out


def flip_tta(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(model(x) + flip(model(flip(x)))) / 2 for x (B, T, 17, 2|3): the flip test-time augmentation.

    Both halves go through one forward call (batch 2B). Joint 0 is not zeroed: see root_zero.
    """
    both = model(torch.cat([x, flip(x)], dim=0))
    plain, flipped = both.chunk(2, dim=0)
    return (plain + flip(flipped)) / 2


def window_indices(end: np.ndarray, frames: int) -> np.ndarray:
    """(W, frames) frame numbers of the windows of `frames` frames ending at frames `end` (W,).

    Before frame 0 the first frame repeats: a track's first windows are padded on the left with its
    first pose (the live ring buffer; mmpose pads the same way).
    """
    return np.maximum(np.asarray(end)[:, None] - np.arange(frames - 1, -1, -1)[None, :], 0)


def resample_indices(length: int, frames: int = CLIP_FRAMES) -> np.ndarray:
    """The demo's frame indices that stretch `length` (<= frames) frames to `frames` (repeats)."""
    if not 1 <= length <= frames:
        raise InputShapeError(f"cannot resample {length} frames to {frames}", fix="pass 1 to 243 frames")
    return np.floor(np.linspace(0, length, frames, endpoint=False)).astype(np.int64)


def resample_clip(kpts: np.ndarray, frames: int = CLIP_FRAMES) -> tuple[np.ndarray, np.ndarray]:
    """(T <= frames, ...) -> (frames, ...) by repeating frames, plus the positions that undo it.

    `clip[keep]` gives back one row per original frame (the first occurrence of each, as the demo).
    """
    indices = resample_indices(len(kpts), frames)
    keep = np.unique(indices, return_index=True)[1]
    return kpts[indices], keep


@dataclass(frozen=True)
class Clip:
    """Frames [start, stop) go through the model; output frames [keep_start, keep_stop) are kept."""

    start: int
    stop: int
    keep_start: int
    keep_stop: int


def split_clips(length: int, frames: int = CLIP_FRAMES, overlap: bool = True) -> list[Clip]:
    """Clips that cover `length` frames, each at most `frames` long, kept ranges tiling [0, length).

    overlap=True: clips of exactly `frames` real frames, the last aligned to the end; the overlap is
    split at its middle. overlap=False: the demo's non-overlapping clips (the last may be shorter and
    is resampled by the caller), without its crash when `length` is a multiple of `frames`.
    """
    if length < 1:
        raise InputShapeError(
            "a sequence needs at least one frame", fix="pass keypoints for 1 or more frames"
        )
    if length <= frames:
        return [Clip(0, length, 0, length)]
    starts = list(range(0, length - frames + 1, frames))
    if not overlap:
        return [
            Clip(s, min(s + frames, length), s, min(s + frames, length)) for s in range(0, length, frames)
        ]
    clips = [Clip(s, s + frames, s, s + frames) for s in starts]
    if clips[-1].stop < length:
        last_start = length - frames
        middle = (last_start + clips[-1].stop + 1) // 2
        clips[-1] = Clip(clips[-1].start, clips[-1].stop, clips[-1].keep_start, middle)
        clips.append(Clip(last_start, length, middle, length))
    return clips
