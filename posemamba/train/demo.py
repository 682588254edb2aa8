"""Train the demo lifter: a small PoseMamba on the DeepMimic mocap in pybullet's wheel (issue #16).

    python -m posemamba.train.demo --out runs/demo [--ship]
    python -m posemamba.train.demo --out runs/demo --finish [--ship]   # a run as its last epoch left it

One command, deterministic from the recipe's seed: render the training clips (all but the held-out
motions, posemamba.data.mocap_dataset) through random virtual cameras with MediaPipe-like 2D noise,
train with the training code's step, loss and optimiser (posemamba.train.step.train_epoch,
posemamba.losses, AdamW as posemamba.train.loop), save the released checkpoint layout after every epoch
(posemamba.train.checkpoints), measure the held-out error (posemamba.mocap_eval) and, with --ship,
write the weights with their recipe, data digest, loss log and error into the package
(posemamba.demo_model). It is a demonstration model sized for a 2-core CPU, not a research model.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from posemamba.data import mocap_dataset
from posemamba.data.mocap_dataset import MocapSplit
from posemamba.errors import TrainingStateError
from posemamba.files import atomic_write
from posemamba.losses import TERMS
from posemamba.model import PoseMamba
from posemamba.train import checkpoints
from posemamba.train.config import Config, validate
from posemamba.train.loop import build_model
from posemamba.train.mixed_windows import MixedBatches, MixedWindows
from posemamba.train.step import StepSetup, train_epoch

RUN_LOG = "run.json"  # the recipe, the loss of every step so far, the data digest: after every epoch


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the demo model's weights (the shipped file records it)."""

    seed: int = 0
    cameras: int = 32  # cameras per training motion (bench/mocap_baseline.py's default)
    windows: tuple[int, ...] = (27, 54, 81)  # the live lifter's sizes up to the model's frames
    stride: int = 9  # last frames of training windows every `stride` frames
    # 6 windows of 27, 3 of 54, 2 of 81: on a busy 2-core CPU more small steps learned faster than
    # fewer large ones (324 frames per batch: 260 mm held-out MPJPE after 100 steps, at the mean pose's)
    frames_per_batch: int = 162
    epochs: int = 40
    steps_per_epoch: int = 50
    dim: int = 16
    depth: int = 3
    learning_rate: float = 0.004  # 20x the released 0.0002: hundreds of steps instead of 100k+
    lr_decay: float = 0.93  # per epoch
    drop_path_rate: float = 0.0  # a model this small and this briefly trained does not need it
    threads: int = 2

    @property
    def frames(self) -> int:
        return max(self.windows)

    def config(self) -> Config:
        """The training config (loss weights, flip, weight decay: the released S values)."""
        values = {
            "name": "PoseMamba_demo_mocap",
            "seed": self.seed,
            "epochs": self.epochs,
            "batch_size": self.frames_per_batch // self.frames,
            "learning_rate": self.learning_rate,
            "lr_decay": self.lr_decay,
            "maxlen": self.frames,
            "clip_len": self.frames,
            "data_stride": self.stride,
            "dim_feat": self.dim,
            "depth": self.depth,
            "drop_path_rate": self.drop_path_rate,
        }
        return validate(values, "the demo recipe")

    def as_dict(self) -> dict:
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in dataclasses.asdict(self).items()}  # fmt: skip


def training_data(recipe: Recipe) -> MocapSplit:
    """The training videos (held-out motions excluded), noise scaled per video."""
    return mocap_dataset.render("train", recipe.cameras, seed=recipe.seed)


def data_digest(split: MocapSplit) -> str:
    """SHA-256 of the 2D inputs and 3D targets rounded to 1e-4 (so that last-bit differences of the
    float maths on another CPU do not change it), first 16 hex digits."""
    digest = hashlib.sha256()
    for array in (split.inputs, split.labels):
        digest.update(np.round(array.astype(np.float64), 4).tobytes())
    return digest.hexdigest()[:16]


@dataclass
class Trained:
    """A finished (or partial) run."""

    model: PoseMamba
    losses: list[float]  # total loss of every step, in order
    epochs_done: int
    seconds: float
    cpu_seconds: float
    digest: str


def train_demo(
    recipe: Recipe,
    out: Path | None = None,
    max_steps: int | None = None,
    data: MocapSplit | None = None,
    say=print,
) -> Trained:
    """Train from scratch; `max_steps` stops early (the reproducibility test's short run); `out` gets a
    released-layout checkpoint after every epoch and the loss log."""
    torch.set_num_threads(recipe.threads)
    config = recipe.config()
    data = data if data is not None else training_data(recipe)
    dataset = MixedWindows(data, recipe.windows, recipe.stride)
    sampler = MixedBatches(dataset, recipe.frames_per_batch, recipe.steps_per_epoch, recipe.seed)
    loader = DataLoader(dataset, batch_sampler=sampler, num_workers=0)
    model = build_model(config, backend=None)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    setup = StepSetup(
        model, optimizer, torch.amp.GradScaler("cpu", enabled=False), {key: config[key] for key in TERMS},
        torch.device("cpu"), "fp32", config.seed, config.depth, config.flip,
    )  # fmt: skip
    losses: list[float] = []
    digest = data_digest(data)
    started, cpu_started = time.perf_counter(), time.process_time()
    lr, epoch = config.learning_rate, 0

    class _Enough(Exception):
        pass

    def on_step(loss: float, speed: float, done: int, total: int) -> None:
        losses.append(loss)
        if out is not None and done % 10 == 0:
            say(f"epoch {epoch + 1} step {done}/{total} loss {loss:.5f} ({speed:.1f} windows/s)")
        if max_steps is not None and len(losses) >= max_steps:
            raise _Enough

    for epoch in range(config.epochs):
        sampler.set_epoch(epoch)
        try:
            train_epoch(setup, loader, epoch, world=1, on_step=on_step)
        except _Enough:
            break
        lr *= config.lr_decay
        for group in optimizer.param_groups:
            group["lr"] *= config.lr_decay
        if out is not None:
            state = checkpoints.State(epoch + 1, lr, checkpoints.NO_BEST)
            checkpoints.save(out / checkpoints.LATEST, model, optimizer, state)
            log = {
                "recipe": recipe.as_dict(), "epochs_done": epoch + 1, "losses": losses, "digest": digest,
                "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started,
            }  # fmt: skip
            atomic_write(out / RUN_LOG, lambda handle, log=log: handle.write(json.dumps(log).encode()))
            tail = losses[-recipe.steps_per_epoch :]
            say(f"epoch {epoch + 1}/{config.epochs}: mean loss {np.mean(tail):.5f}, "
                f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    done = len(losses) // recipe.steps_per_epoch
    return Trained(model.eval(), losses, done, time.perf_counter() - started,
                   time.process_time() - cpu_started, digest)  # fmt: skip


def finished_run(out: Path) -> tuple[Recipe, Trained]:
    """The run in `out` as its last complete epoch left it; its recipe says that many epochs (the same
    schedule: the learning rate decays per epoch and each epoch's batches depend on (seed, epoch) only,
    so a run of that many epochs makes exactly these weights)."""
    import posemamba
    from posemamba.checkpoint import read_checkpoint

    log = json.loads((out / RUN_LOG).read_text())
    if int(read_checkpoint(out / checkpoints.LATEST)["epoch"]) != log["epochs_done"]:
        raise TrainingStateError(f"{out}: {RUN_LOG} and {checkpoints.LATEST} are from different epochs",
                                 fix="run the training again")  # fmt: skip
    values = {**log["recipe"], "windows": tuple(log["recipe"]["windows"]), "epochs": log["epochs_done"]}
    recipe = Recipe(**values)
    losses = log["losses"][: recipe.epochs * recipe.steps_per_epoch]
    model = posemamba.load(out / checkpoints.LATEST)
    return recipe, Trained(model, losses, recipe.epochs, log["seconds"], log["cpu_seconds"], log["digest"])


def main(argv: list[str] | None = None) -> int:
    from posemamba import demo_model, mocap_eval

    parser = argparse.ArgumentParser(
        prog="python -m posemamba.train.demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="checkpoints, log, errors")
    parser.add_argument("--ship", action="store_true", help=f"write the result to {demo_model.WEIGHTS}")
    parser.add_argument("--seed", type=int, default=Recipe.seed)
    parser.add_argument("--epochs", type=int, default=Recipe.epochs)
    parser.add_argument("--steps-per-epoch", type=int, default=Recipe.steps_per_epoch)
    parser.add_argument(
        "--finish", action="store_true", help="no training: measure (and --ship) the run in --out as it is"
    )
    args = parser.parse_args(argv)
    if args.finish:
        recipe, trained = finished_run(args.out)
    else:
        recipe = Recipe(seed=args.seed, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch)
        args.out.mkdir(parents=True, exist_ok=True)
        print(f"demo lifter: {json.dumps(recipe.as_dict())}", flush=True)
        trained = train_demo(recipe, args.out, say=lambda line: print(line, flush=True))
    print(f"trained {len(trained.losses)} steps in {trained.seconds:.0f} s wall, "
          f"{trained.cpu_seconds:.0f} s CPU", flush=True)  # fmt: skip
    errors = mocap_eval.held_out_errors(trained.model, seed=recipe.seed)
    print(mocap_eval.table(errors), flush=True)
    metadata = demo_model.metadata(recipe.as_dict(), trained, errors)
    (args.out / "demo_model.json").write_text(json.dumps(metadata, indent=1))
    demo_model.save(trained.model, metadata, args.out / demo_model.WEIGHTS.name)
    if args.ship:
        demo_model.save(trained.model, metadata, demo_model.WEIGHTS)
        print(f"shipped {demo_model.WEIGHTS}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
