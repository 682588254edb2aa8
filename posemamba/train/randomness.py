"""Per-sample randomness of training, a pure function of (seed, epoch, clip number).

The original draws the flip per clip in the DataLoader worker (dataset_motion_3d.py:56-58,
`random.random() > 0.5`) and drop-path masks per sample from the CUDA generator, so a run cannot be
repeated when the batch is split differently (DistributedDataParallel) or resumed mid-way. Here each
clip's uniforms come from numpy's default generator seeded with (seed, epoch, clip number): the same
clip in the same epoch is flipped, and drops the same residual branches, whichever process, batch or
worker handles it, and a resumed run draws exactly what the uninterrupted one drew. The shuffle order
is DistributedSampler's (a permutation seeded with seed + epoch), with one process or many.
"""

from __future__ import annotations

import numpy as np
import torch


def sample_uniforms(seed: int, epoch: int, clips: list[int], depth: int) -> np.ndarray:
    """(len(clips), 1 + depth * 4) uniforms in [0, 1): [flip, drop-path (depth, 2 blocks, 2 branches)]."""
    return np.stack([np.random.default_rng((seed, epoch, clip)).random(1 + depth * 4) for clip in clips])


def augmentation(
    seed: int, epoch: int, clips: list[int], depth: int, flip: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """(flip mask (B,) bool, drop-path noise (B, depth, 2, 2) float32) for a batch of clip numbers.

    A clip is flipped when its uniform is > 0.5 (the original's test) and `flip` is on.
    """
    uniforms = sample_uniforms(seed, epoch, clips, depth)
    flips = torch.from_numpy(uniforms[:, 0] > 0.5) & flip
    noise = torch.from_numpy(uniforms[:, 1:].astype(np.float32)).view(len(clips), depth, 2, 2)
    return flips, noise
