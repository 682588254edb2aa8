"""Batches of mocap windows whose length changes from batch to batch (27, 54, 81 frames, ...).

The live lifter (posemamba.live.lifter) feeds the model the last 27, 54, 81, ... frames of a track and
uses the last frame's output; PoseMamba takes any length up to its `frames`, using the first T rows of
its temporal embedding. A model trained on one length only leaves the other rows untrained, so the
demo model is trained on every length it will be given: batch k has the length windows[k % len], and
about the same number of frames as every other batch (batch size frames_per_batch // length).

Item numbers are global over the lengths (the window number inside its length plus an offset), so the
training step's per-clip randomness (posemamba.train.randomness: flip, drop-path) never repeats a
number across lengths. The batches of an epoch are a pure function of (seed, epoch).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from posemamba.data.mocap_dataset import MocapSplit, MocapWindows


class MixedWindows(Dataset):
    """The windows of `split` of every length in `windows`, numbered one after another."""

    def __init__(self, split: MocapSplit, windows: tuple[int, ...], stride: int) -> None:
        self.parts = [MocapWindows(split, frames, stride) for frames in windows]
        self.offsets = np.cumsum([0] + [len(part) for part in self.parts])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        part = int(np.searchsorted(self.offsets, index, side="right")) - 1
        inputs, labels, _ = self.parts[part][index - int(self.offsets[part])]
        return inputs, labels, index


class MixedBatches(Sampler[list[int]]):
    """`steps` batches per epoch: batch k takes random windows of length number k % len(windows)."""

    def __init__(self, dataset: MixedWindows, frames_per_batch: int, steps: int, seed: int) -> None:
        self.dataset, self.steps, self.seed, self.epoch = dataset, steps, seed, 0
        self.sizes = [max(1, frames_per_batch // part.frames) for part in dataset.parts]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.steps

    def __iter__(self):
        rng = np.random.default_rng((self.seed, self.epoch))
        for step in range(self.steps):
            part = step % len(self.sizes)
            chosen = rng.choice(len(self.dataset.parts[part]), size=self.sizes[part], replace=False)
            yield (chosen + int(self.dataset.offsets[part])).tolist()
