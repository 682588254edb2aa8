"""Training checkpoints in the released layout, written atomically, and resuming from them.

A checkpoint is what the original's save_checkpoint writes (train.py:49-57): a torch.save dict with
exactly `epoch` (finished epochs), `lr` (the learning rate after that epoch's decay), `optimizer`
(AdamW state dict), `model_pos` (weights, every key prefixed `module.` as nn.DataParallel does) and
`min_loss` (best test MPJPE so far, a numpy.float64; the int 100000 before any evaluation). So
posemamba.load reads it, and so does the original's evaluation. Each file is written to a temporary
name, fsynced and renamed: Ctrl-C or a crash leaves the previous complete file.

Files in the output folder (the original's names): latest_epoch.bin after every epoch, best_epoch.bin
when the test MPJPE improves on min_loss, epoch_{e}.bin when (e + 1) % checkpoint_frequency == 0
(e 0-based). One difference: latest_epoch.bin carries the min_loss updated by its own epoch (the
original saves it before the update, fragile point 9), so a resumed run compares against the true best.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from posemamba.checkpoint import DATA_PARALLEL_PREFIX, WEIGHTS_KEY, read_checkpoint
from posemamba.errors import TrainingStateError
from posemamba.files import atomic_write

LATEST = "latest_epoch.bin"
BEST = "best_epoch.bin"
KEYS = ("epoch", "lr", "optimizer", WEIGHTS_KEY, "min_loss")
NO_BEST = 100000  # the original's initial min_loss (train.py:300)


def periodic_name(epoch: int) -> str:
    """epoch_{e}.bin for 0-based epoch e, as the original names them."""
    return f"epoch_{epoch}.bin"


@dataclass(frozen=True)
class State:
    """What a checkpoint restores besides the weights and the optimizer."""

    epochs_done: int
    lr: float
    min_loss: float


def released_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's state dict as the released files hold it: on the CPU, keys prefixed `module.`."""
    return {DATA_PARALLEL_PREFIX + key: value.detach().cpu() for key, value in model.state_dict().items()}


def save(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, state: State) -> Path:
    """Write a checkpoint of `model` (the bare PoseMamba, not a DDP or compiled wrapper) atomically."""
    best = state.min_loss if state.min_loss == NO_BEST else np.float64(state.min_loss)
    content = {
        "epoch": state.epochs_done,
        "lr": float(state.lr),
        "optimizer": optimizer.state_dict(),
        WEIGHTS_KEY: released_weights(model),
        "min_loss": best,
    }
    atomic_write(path, lambda handle: torch.save(content, handle))
    return path


def restore(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> State:
    """Load weights and optimizer state from a checkpoint written by `save` (or by the original)."""
    content = read_checkpoint(path)
    missing = [key for key in KEYS if not isinstance(content, dict) or key not in content]
    if missing:
        raise TrainingStateError(
            f"{path} cannot be resumed: it has no {', '.join(missing)} (not a training checkpoint)",
            fix="resume from the latest_epoch.bin a training run wrote, or start a new run in another --out",
        )
    weights = {key.removeprefix(DATA_PARALLEL_PREFIX): value for key, value in content[WEIGHTS_KEY].items()}
    try:
        model.load_state_dict(weights, strict=True)
        optimizer.load_state_dict(content["optimizer"])
    except (RuntimeError, ValueError, KeyError) as error:
        first = str(error).strip().splitlines()[0]
        raise TrainingStateError(
            f"{path} does not match this config's model or optimizer ({first})",
            fix="resume with the config the run was started with (its config.yaml), or use another --out",
        ) from None
    return State(int(content["epoch"]), float(content["lr"]), float(content["min_loss"]))
