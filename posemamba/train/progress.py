"""The training progress bar (rank 0): epoch, steps, loss, learning rate, samples/s, ETA."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


def _format_eta(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class TrainingProgress:
    """A rich progress bar per epoch plus the ETA of the whole run; silent when `enabled` is False."""

    def __init__(self, epochs: int, enabled: bool = True, console: Console | None = None) -> None:
        self.epochs = epochs
        self.enabled = enabled
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "loss {task.fields[loss]:.4f}  lr {task.fields[lr]:.3g}  {task.fields[speed]:.1f} samples/s"
            ),
            TimeRemainingColumn(),
            TextColumn("run ETA {task.fields[run_eta]}"),
            console=self.console,
            disable=not enabled,
        )
        self.task = None
        self.epoch_seconds: list[float] = []

    def __enter__(self) -> TrainingProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start_epoch(self, epoch: int, steps: int, lr: float, name: str = "train") -> None:
        """A fresh bar for 0-based `epoch` with `steps` batches."""
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.started = time.perf_counter()
        self.remaining_epochs = self.epochs - epoch
        self.task = self.progress.add_task(
            name, total=steps, epoch=epoch + 1, epochs=self.epochs, loss=float("nan"), lr=lr, speed=0.0,
            run_eta="-",
        )  # fmt: skip

    def step(self, loss: float, samples_per_s: float, done: int, total: int) -> None:
        """After a batch: its loss, the epoch's throughput so far, batches done of `total`."""
        elapsed = time.perf_counter() - self.started
        per_epoch = elapsed / max(done, 1) * total
        if self.epoch_seconds:  # evaluation and saving included once an epoch has finished
            per_epoch = max(per_epoch, sum(self.epoch_seconds) / len(self.epoch_seconds))
        run_eta = per_epoch * self.remaining_epochs - elapsed
        self.progress.update(
            self.task, completed=done, loss=loss, speed=samples_per_s, run_eta=_format_eta(max(run_eta, 0))
        )

    def end_epoch(self, seconds: float, line: str) -> None:
        """Record the epoch's total time and print its summary line."""
        self.epoch_seconds.append(seconds)
        if self.enabled:
            self.console.print(line)
