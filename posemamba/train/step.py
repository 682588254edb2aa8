"""One training step and one training epoch (research posemamba-training.md 3.1).

Per batch: the clips' flip and drop-path uniforms from (seed, epoch, clip number); flip the 2D input
and the 3D target together; make the target root-relative per frame (rootrel); forward (optionally
under bf16/fp16 autocast; the loss is computed in float32); the loss of posemamba.losses; AdamW step.
No gradient clipping, no warm-up, no EMA, as the original.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from posemamba import keypoints as kp
from posemamba.losses import training_loss
from posemamba.train.randomness import augmentation

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class StepSetup:
    """What every step needs besides the batch."""

    model: torch.nn.Module  # what is called: the bare model, its DDP wrapper or a compiled one
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    weights: Mapping[str, float]  # lambda_* of the config
    device: torch.device
    precision: str
    seed: int
    depth: int
    flip: bool


def train_step(
    setup: StepSetup, inputs: torch.Tensor, labels: torch.Tensor, clips: list[int], epoch: int
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One optimiser step on a batch; (total loss, {term: value}), detached."""
    flips, noise = augmentation(setup.seed, epoch, clips, setup.depth, setup.flip)
    inputs = inputs.to(setup.device, non_blocking=True)
    labels = labels.to(setup.device, non_blocking=True)
    if bool(flips.any()):
        chosen = flips.to(setup.device)[:, None, None, None]
        inputs = torch.where(chosen, kp.flip(inputs), inputs)
        labels = torch.where(chosen, kp.flip(labels), labels)
    labels = labels - labels[:, :, :1]  # rootrel: every frame's pelvis at the origin
    dtype = PRECISIONS[setup.precision]
    with torch.autocast(setup.device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        pred = setup.model(inputs, path_noise=noise.to(setup.device))
    total, terms = training_loss(pred, labels, setup.weights)
    setup.optimizer.zero_grad(set_to_none=True)
    setup.scaler.scale(total).backward()
    setup.scaler.step(setup.optimizer)
    setup.scaler.update()
    return total.detach(), {name: value.detach() for name, value in terms.items()}


@dataclass(frozen=True)
class EpochStats:
    """Sample-weighted sums over this process's batches (add them up across processes, then divide)."""

    sums: dict[str, float]  # "total" and each loss term, times the batch size
    samples: int
    seconds: float

    def as_array(self, names: list[str]) -> np.ndarray:
        return np.array([self.sums[n] for n in names] + [self.samples], dtype=np.float64)


def train_epoch(
    setup: StepSetup,
    loader: torch.utils.data.DataLoader,
    epoch: int,
    world: int,
    on_step: Callable[[float, float, int, int], None] | None = None,
) -> EpochStats:
    """One pass over `loader`; `on_step(loss, samples_per_s, batches_done, batches)` after each batch."""
    setup.model.train()
    sums: dict[str, torch.Tensor] = {}
    samples = 0
    start = time.perf_counter()
    for done, (inputs, labels, clips) in enumerate(loader, start=1):
        total, terms = train_step(setup, inputs, labels, clips.tolist(), epoch)
        batch = len(inputs)
        for name, value in {"total": total, **terms}.items():
            sums[name] = sums.get(name, 0.0) + value * batch
        samples += batch
        if on_step is not None:
            speed = samples * world / (time.perf_counter() - start)
            on_step(float(total), speed, done, len(loader))
    seconds = time.perf_counter() - start
    return EpochStats({name: float(value) for name, value in sums.items()}, samples, seconds)
