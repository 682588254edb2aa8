"""A training run from a config: data, model, optimiser, epochs, evaluation, checkpoints, tracking.

Per epoch, in the original's order (train.py:374-438): train; evaluate on the test split (unless
no_eval); decay the learning rate (x lr_decay, after the epoch that used it); save latest_epoch.bin,
epoch_{e}.bin every checkpoint_frequency epochs, best_epoch.bin when the test MPJPE beats min_loss
(model selection on the test set, as the original and MotionBERT do). Under torchrun each process takes
its share of every global batch (batch_size is the global batch: batch_size / processes per process)
and of the test clips; only rank 0 writes files, tracks and shows progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

from posemamba.data import ClipDataset, H36MData, open_data
from posemamba.errors import ConfigError, DataFileError
from posemamba.evaluation import Evaluation, evaluate
from posemamba.losses import TERMS
from posemamba.model import PoseMamba
from posemamba.stopping import interrupts_deferred
from posemamba.train import checkpoints, distributed
from posemamba.train.config import Config
from posemamba.train.output import prepare_output
from posemamba.train.progress import TrainingProgress
from posemamba.train.step import PRECISIONS, EpochStats, StepSetup, train_epoch
from posemamba.train.tracking import Tracker


@dataclass
class RunOptions:
    """How to run a config (none of these change what is learned, except precision)."""

    out: Path
    data: Path | None = None  # default: <data_root>/<dt_file> of the config
    resume: bool = False
    device: str = "auto"
    backend: str | None = None  # posemamba.scan backend; None: automatic (cuda on GPUs with the kernel)
    precision: str = "fp32"
    compile: bool = False
    checkpoint_blocks: bool = False  # recompute block activations in the backward (less memory)
    workers: int = 2
    mlflow: bool = True
    mlflow_uri: str | None = None
    experiment: str = "PoseMamba"
    progress: bool = True

    def params(self) -> dict[str, str]:
        """The options as MLflow params (run.*)."""
        keys = ("device", "backend", "precision", "compile", "checkpoint_blocks", "workers")
        return {f"run.{key}": str(getattr(self, key)) for key in keys}


@dataclass
class Summary:
    """What a finished (or interrupted) run did."""

    epochs_done: int
    min_loss: float
    history: list[dict[str, float]] = field(default_factory=list)
    run_id: str | None = None


def build_model(config: Config, backend: str | None) -> PoseMamba:
    """The config's model, initialised from its seed (the same on every process)."""
    torch.manual_seed(config.seed)
    model = PoseMamba(
        frames=config.maxlen,
        dim=config.dim_feat,
        depth=config.depth,
        mlp_ratio=config.mlp_ratio,
        drop_path_rate=config.drop_path_rate,
    )
    model.limb_gradient = config.limb_gradient
    model.scan_backend = backend
    return model


def _train_loader(
    data: H36MData, config: Config, processes: distributed.Processes, workers: int
) -> DataLoader:
    dataset = ClipDataset(data.train, config.clip_len, config.data_stride)
    if len(dataset) == 0:
        raise DataFileError(
            f"the train split of {data.source} has no clip of {config.clip_len} frames",
            fix="check the data file (or lower clip_len for a small test file)",
        )
    if config.batch_size % processes.world:
        raise ConfigError(
            f"batch_size {config.batch_size} (the global batch) does not split over "
            f"{processes.world} processes",
            fix=f"set batch_size to a multiple of {processes.world}",
        )
    # The same sampler alone or under torchrun: a permutation seeded with seed + epoch, rank r taking
    # every world-th index, so the global batch k is the same set of clips either way.
    sampler = DistributedSampler(
        dataset, num_replicas=processes.world, rank=processes.rank, shuffle=True, seed=config.seed
    )
    return DataLoader(
        dataset,
        batch_size=config.batch_size // processes.world,
        sampler=sampler,
        num_workers=workers,
        pin_memory=processes.device.type == "cuda",
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
    )


def _epoch_metrics(stats: EpochStats, processes: distributed.Processes, lr: float) -> dict[str, float]:
    names = sorted(stats.sums)
    summed = distributed.all_reduce_sum(stats.as_array(names), processes)
    samples = summed[-1]
    metrics = {
        f"train_loss_{name}": float(value / samples) for name, value in zip(names, summed, strict=False)
    }
    metrics["learning_rate"] = lr
    metrics["samples_per_s"] = float(samples / stats.seconds)
    metrics["epoch_seconds"] = stats.seconds
    return metrics


def _save(out: Path, model: PoseMamba, optimizer, state: checkpoints.State, epoch: int, config, best: bool):
    # A Ctrl-C or SIGTERM waits for the epoch's last file: latest, periodic and best always agree.
    with interrupts_deferred():
        checkpoints.save(out / checkpoints.LATEST, model, optimizer, state)
        if (epoch + 1) % config.checkpoint_frequency == 0:
            checkpoints.save(out / checkpoints.periodic_name(epoch), model, optimizer, state)
        if best:
            checkpoints.save(out / checkpoints.BEST, model, optimizer, state)


def train(config: Config, options: RunOptions) -> Summary:
    """Run (or resume) training; raises PoseMambaError subclasses for bad input, KeyboardInterrupt on
    Ctrl-C, and on SIGTERM within `sigterm_raises()` (the last complete checkpoint stays, and the MLflow
    run is marked KILLED)."""
    if options.precision not in PRECISIONS:
        raise ConfigError(
            f"unknown precision {options.precision!r}", fix=f"use one of {', '.join(PRECISIONS)}"
        )
    processes = distributed.setup(options.device)
    tracker = Tracker(False)
    try:
        # The data first: a wrong path must not leave an output folder behind.
        data = open_data(options.data or Path(config.data_root) / config.dt_file)
        config, resume_from = prepare_output(config, options.out, options.resume, processes.main)
        loader = _train_loader(data, config, processes, options.workers)
        model = build_model(config, options.backend).to(processes.device)
        model.checkpoint_blocks = options.checkpoint_blocks
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        state = checkpoints.State(0, config.learning_rate, checkpoints.NO_BEST)
        if resume_from is not None:
            state = checkpoints.restore(resume_from, model, optimizer)
        called: torch.nn.Module = model
        if processes.world > 1:
            called = DistributedDataParallel(
                model, device_ids=[processes.device] if processes.device.type == "cuda" else None
            )
        if options.compile:
            called = torch.compile(called)
        setup = StepSetup(
            called,
            optimizer,
            torch.amp.GradScaler(processes.device.type, enabled=options.precision == "fp16"),
            {key: config[key] for key in TERMS},
            processes.device,
            options.precision,
            config.seed,
            config.depth,
            config.flip,
        )
        if processes.main and options.mlflow:
            tracker = Tracker.start(
                options.mlflow_uri,
                options.out,
                run_name=f"{config.name}-{options.out.name}",
                params={**config, **options.params(), "processes": processes.world},
                experiment=options.experiment,
                resume=resume_from is not None,
            )
            tracker.artifact(options.out / "config.yaml", "config")
        summary = _epochs(config, options, processes, data, loader, model, setup, state, tracker)
        summary.run_id = tracker.run_id
        for name in (checkpoints.BEST, checkpoints.LATEST):
            tracker.artifact(options.out / name, "checkpoints")
        tracker.finish("FINISHED")
        distributed.wait_for_all(processes)
        return summary
    except KeyboardInterrupt:
        tracker.abandon("KILLED")
        raise
    except Exception:
        tracker.abandon("FAILED")
        raise
    finally:
        distributed.teardown()


def _epochs(config, options, processes, data, loader, model, setup, state, tracker) -> Summary:
    summary = Summary(state.epochs_done, state.min_loss)
    lr, min_loss = state.lr, state.min_loss
    with TrainingProgress(config.epochs, enabled=options.progress and processes.main) as progress:
        for epoch in range(state.epochs_done, config.epochs):
            loader.sampler.set_epoch(epoch)
            progress.start_epoch(epoch, len(loader), lr)
            stats = train_epoch(setup, loader, epoch, processes.world, on_step=progress.step)
            metrics = _epoch_metrics(stats, processes, lr)
            result: Evaluation | None = None
            if not config.no_eval:
                result = evaluate(
                    model,
                    data.test,
                    config.clip_len,
                    batch_size=max(config.batch_size // processes.world, 1),
                    flip=config.flip,
                    device=processes.device,
                    rank=processes.rank,
                    world=processes.world,
                    all_reduce=lambda sums: distributed.all_reduce_sum(sums, processes),
                )
                metrics["val_mpjpe"], metrics["val_p_mpjpe"] = result.result.p1, result.result.p2
            lr *= config.lr_decay
            for group in setup.optimizer.param_groups:
                group["lr"] *= config.lr_decay
            best = result is not None and result.result.p1 < min_loss
            if best:
                min_loss = result.result.p1
            if min_loss != checkpoints.NO_BEST:
                metrics["best_mpjpe"] = min_loss
            if processes.main:
                _save(
                    options.out,
                    model,
                    setup.optimizer,
                    checkpoints.State(epoch + 1, lr, min_loss),
                    epoch,
                    config,
                    best,
                )
                tracker.metrics(metrics, step=epoch + 1)
                progress.end_epoch(
                    stats.seconds + (result.seconds if result else 0.0), _line(epoch, config, metrics)
                )
            summary.history.append(metrics)
            summary.epochs_done, summary.min_loss = epoch + 1, min_loss
    return summary


def _line(epoch: int, config: Config, metrics: dict[str, float]) -> str:
    text = (
        f"[{epoch + 1}/{config.epochs}] loss {metrics['train_loss_total']:.5f} "
        f"lr {metrics['learning_rate']:.3g} {metrics['samples_per_s']:.1f} samples/s"
    )
    if "val_mpjpe" in metrics:
        text += f"  P1 {metrics['val_mpjpe']:.2f} mm  P2 {metrics['val_p_mpjpe']:.2f} mm"
    return text
