"""Clips of a memory-mapped split as a torch Dataset: (2D input, 3D target, clip number) per item.

Items are not augmented here: the flip (and drop-path) randomness is drawn per sample from
(seed, epoch, clip number) in the training step (posemamba.train.randomness), so it is the same
however the batch is split across processes and whatever the DataLoader workers do.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from posemamba.data.cache import Split
from posemamba.data.clips import split_clips


class ClipDataset(Dataset):
    """The clips of `split` (split_clips with `frames` and `stride`), read from its memory maps."""

    def __init__(self, split: Split, frames: int, stride: int) -> None:
        self.split = split
        self.frames = frames
        self.stride = stride
        self.clips = split_clips(np.asarray(split.array("videos")), split.video_names, frames, stride)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        rows = self.clips[index]
        first, last = int(rows[0]), int(rows[-1])
        # A regular window is a slice of the map (one contiguous read); a stretched clip is gathered.
        take = slice(first, last + 1) if last - first + 1 == len(rows) else rows
        inputs = np.array(self.split.array("inputs")[take], dtype=np.float32)
        labels = np.array(self.split.array("labels")[take], dtype=np.float32)
        return torch.from_numpy(inputs), torch.from_numpy(labels), index
