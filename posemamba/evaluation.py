"""Evaluate a PoseMamba model on the Human3.6M test clips (protocol of posemamba.metrics).

Clips are the original's test clips (the model's frame count, stride = frame count). With flip
test-time augmentation (on by default, as the paper's numbers) the prediction is the mean of the
model on the clip and, flipped back, on the mirrored clip. Several processes (torchrun) each take
every world-th clip; their per-frame sums are added up with an all-reduce, so every rank gets the
result of the whole test set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset

from posemamba import keypoints as kp
from posemamba.data.cache import Split
from posemamba.data.dataset import ClipDataset
from posemamba.data.h36m import CAMERA_RESOLUTION
from posemamba.metrics import SKIPPED_SEQUENCES, FrameErrors, Result, summarise, to_millimetres
from posemamba.model import PoseMamba


@dataclass(frozen=True)
class Evaluation:
    """A Result plus how it was obtained."""

    result: Result
    clips: int
    clips_skipped: int
    flip: bool
    seconds: float

    def as_dict(self) -> dict:
        return {
            **self.result.as_dict(),
            "clips": self.clips,
            "clips_skipped": self.clips_skipped,
            "flip": self.flip,
            "seconds": round(self.seconds, 3),
        }


def skipped(dataset: ClipDataset) -> np.ndarray:
    """(clips,) bool: the clip's first frame is in one of the SKIPPED_SEQUENCES."""
    videos = np.asarray(dataset.split.array("videos"))[dataset.clips[:, 0]]
    names = np.array([name[:-6] for name in dataset.split.video_names])
    return np.isin(names[videos], SKIPPED_SEQUENCES)


def predict(model: torch.nn.Module, inputs: torch.Tensor, flip: bool) -> torch.Tensor:
    """Root-zeroed prediction (flip-averaged when `flip`) for a batch of normalised 2D clips."""
    out = kp.flip_tta(model, inputs) if flip else model(inputs)
    return kp.root_zero(out.float())


def evaluate(
    model: PoseMamba | torch.nn.Module,
    split: Split,
    frames: int,
    batch_size: int = 4,
    flip: bool = True,
    device: torch.device | str = "cpu",
    workers: int = 0,
    rank: int = 0,
    world: int = 1,
    all_reduce: Callable[[np.ndarray], np.ndarray] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """P1/P2 of `model` on the test clips of `split` (clips of `frames`, stride `frames`).

    `rank`/`world`/`all_reduce` split the clips over processes and add up their sums; `progress(n)` is
    called after each batch with the number of clips done by this process.
    """
    start = time.perf_counter()
    dataset = ClipDataset(split, frames, frames)
    skip = skipped(dataset)
    mine = [i for i in range(rank, len(dataset), world) if not skip[i]]
    loader = DataLoader(Subset(dataset, mine), batch_size=batch_size, shuffle=False, num_workers=workers)
    errors = FrameErrors(split.frames)
    cameras = np.asarray(split.array("cameras"))
    factors, gt_mm = split.array("factors"), split.array("gt_mm")
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for inputs, _, numbers in loader:
            pred = predict(model, inputs.to(device), flip).cpu().numpy()
            for clip, out in zip(numbers.tolist(), pred, strict=True):
                rows = dataset.clips[clip]
                width, _ = CAMERA_RESOLUTION[split.camera_names[cameras[rows[0]]]]
                errors.add(rows, to_millimetres(out, width, factors[rows]), np.asarray(gt_mm[rows]))
            if progress is not None:
                progress(len(numbers))
    model.train(was_training)
    sums = all_reduce(errors.sums) if all_reduce is not None else errors.sums
    result = summarise(sums, np.asarray(split.array("actions")), split.action_names or [])
    return Evaluation(result, int((~skip).sum()), int(skip.sum()), flip, time.perf_counter() - start)
