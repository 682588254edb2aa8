"""Lift a whole 2D keypoint sequence of any length with a PoseMamba model, clip by clip."""

from __future__ import annotations

import numpy as np
import torch

from posemamba import keypoints as kp
from posemamba.errors import InputShapeError
from posemamba.model import PoseMamba


def lift_sequence(
    model: PoseMamba,
    kpts: np.ndarray,
    flip_tta: bool = False,
    overlap: bool = True,
    clips_per_call: int = 4,
) -> np.ndarray:
    """(T, 17, 2|3) normalised H36M keypoints (T >= 1) -> (T, 17, 3) root-zeroed 3D poses.

    Clips as in posemamba.keypoints.split_clips; clips shorter than the model's window are resampled
    to it (the demo's convention); full clips are batched `clips_per_call` at a time.
    """
    kpts = np.asarray(kpts, dtype=np.float32)
    if kpts.ndim != 3 or kpts.shape[1:] not in ((17, 2), (17, 3)):
        raise InputShapeError(
            f"a keypoint sequence must have shape (frames, 17, 2 or 3), got {kpts.shape}",
            fix="pass one person's H36M-ordered keypoints per frame",
        )
    if not np.isfinite(kpts[..., :2]).all():
        raise InputShapeError(
            "the keypoints contain NaN or infinite coordinates",
            fix="fill missing detections (e.g. interpolate) before lifting",
        )
    frames = model.frames
    clips = kp.split_clips(len(kpts), frames, overlap=overlap)
    inputs, keeps = [], []
    for clip in clips:
        part = kpts[clip.start : clip.stop, :, :2]
        keep = np.arange(len(part))
        if len(part) < frames:
            part, keep = kp.resample_clip(part, frames)
        inputs.append(part)
        keeps.append(keep)

    outputs = []
    device = next(model.parameters()).device
    with torch.inference_mode():
        for first in range(0, len(inputs), clips_per_call):
            batch = torch.from_numpy(np.stack(inputs[first : first + clips_per_call])).to(device)
            result = kp.flip_tta(model, batch) if flip_tta else model(batch)
            outputs.extend(result.float().cpu().numpy())

    poses = np.empty((len(kpts), 17, 3), dtype=np.float32)
    for clip, keep, out in zip(clips, keeps, outputs, strict=True):
        per_frame = out[keep]  # one row per source frame of the clip
        poses[clip.keep_start : clip.keep_stop] = per_frame[
            clip.keep_start - clip.start : clip.keep_stop - clip.start
        ]
    return kp.root_zero(poses)
