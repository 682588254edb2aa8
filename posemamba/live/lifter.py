"""PoseMamba as a live lifter: every `stride` frames, in a worker thread, last-frame output.

Before the loop's first frame the worker makes one warm-up lift (the first PoseMamba forward compiles
or loads the CPU scan: seconds, once) and, for `--window auto`, times the window sizes; `ready` is set
when both are done. Then the display loop hands the worker each track's buffered poses and never waits:
a newer request replaces one the worker has not started, and the loop shows the newest finished result
with its age (time since the frame it belongs to arrived). The worker lifts the last
`window_size.window` frames of each track (posemamba.live.window_size: fixed, or sized to keep that age
in budget).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posemamba.demo_model import RELEASED_WEIGHTS
from posemamba.errors import PoseMambaError
from posemamba.live.window_size import WindowSize


@dataclass
class Lifted:
    """One track's 3D pose for one frame: H36M-17, root-relative, normalised image units."""

    pose: np.ndarray  # (17, 3)
    frame_index: int
    received: float  # perf_counter() when that frame arrived
    finished: float  # perf_counter() when the lifter finished


@dataclass
class _Job:
    frame_index: int
    received: float
    size: tuple[int, int]
    windows: dict[int, np.ndarray]  # track id -> (T, 17, 3) COCO x, y, score in pixels, T >= window


def load_model(checkpoint: Path, device: str = "cpu"):
    """posemamba.load with the checkpoint's problems as usage errors (exit 2)."""
    checkpoint = Path(checkpoint).expanduser()
    if not checkpoint.is_file():
        raise PoseMambaError(
            f"PoseMamba checkpoint {checkpoint} does not exist",
            fix=f"pass --checkpoint PATH to a PoseMamba checkpoint ({RELEASED_WEIGHTS})",
        )
    import posemamba

    try:
        return posemamba.load(str(checkpoint), device)
    except PoseMambaError:
        raise
    except Exception as error:  # a corrupt file or another model's weights: a user-side problem
        raise PoseMambaError(
            f"cannot load PoseMamba checkpoint {checkpoint}: {type(error).__name__}: {error}",
            fix="pass a PoseMamba checkpoint (the released posemamba_{s,b,l} files)",
        ) from error


def prepare(windows: np.ndarray, size: tuple[int, int]):
    """(B, T, 17, 3) COCO pixels + scores -> (B, T, 17, 2) H36M in the model's screen units."""
    import torch

    from posemamba import keypoints

    h36m = np.asarray(keypoints.coco_to_h36m(windows, method="demo"), dtype=np.float32)
    normalised = np.asarray(keypoints.normalize_screen(h36m, size[0], size[1]), dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(normalised[..., :2]))


class Lifter:
    """Runs `model` on submitted windows in one background thread; results per track id."""

    def __init__(self, model, *, flip_tta: bool = False, device: str = "cpu",
                 threads: int | None = 1, window_size: WindowSize | None = None) -> None:  # fmt: skip
        self.model, self.flip_tta, self.device = model, flip_tta, device
        frames = getattr(model, "frames", 243)
        full = WindowSize(frames, max_age_s=float("inf"), stride=1, fixed_by="the Lifter's default")
        self.window_size = window_size or full
        self.window_size.fit_model(frames)  # a 27-frame checkpoint never gets a 243-frame window
        self.ready = threading.Event()  # set once warmed up and the window size is calibrated
        self.warmup_s = float("nan")  # seconds of the warm-up lift (compiling the CPU scan on first use)
        self.ready_s = float("nan")  # seconds from the start to `ready` (warm-up and window timing)
        self._threads = threads
        self._lock = threading.Condition()
        self._pending: _Job | None = None
        self._results: dict[int, Lifted] = {}
        self._stopping = False
        self._busy = False
        self._done_frame = -1  # frame index of the newest finished request
        self.durations: list[float] = []  # seconds per forward pass (all tracks of one request)
        self.waits: list[float] = []  # seconds a request waited before the worker took it
        self.batches: list[int] = []  # tracks per forward pass
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="posemamba-lifter", daemon=True)
        self._thread.start()

    def submit(self, frame_index: int, received: float, size: tuple[int, int],
               windows: dict[int, np.ndarray]) -> None:  # fmt: skip
        """Queue this frame's windows; a request the worker has not taken yet is replaced."""
        if not windows:
            return
        with self._lock:
            self._pending = _Job(frame_index, received, size, windows)
            self._lock.notify()

    def wait_for(self, frame_index: int) -> None:
        """Block until the request for `frame_index` (or a newer one) is done (--lift-sync)."""
        with self._lock:
            while self._done_frame < frame_index and self.error is None and not self._stopping:
                self._lock.wait(0.5)

    def wait_ready(self, stop: Callable[[], bool], poll_s: float = 0.2) -> bool:
        """Block until warmed up and calibrated; False when `stop()` turned true first (Ctrl-C)."""
        while not self.ready.wait(poll_s):
            if stop():
                return False
        return True

    def latest(self, track_id: int) -> Lifted | None:
        with self._lock:
            return self._results.get(track_id)

    def forget(self, keep: set[int]) -> None:
        """Drop results of tracks that ended."""
        with self._lock:
            for track_id in set(self._results) - keep:
                del self._results[track_id]

    def _work(self) -> None:
        import torch

        if self._threads:
            torch.set_num_threads(self._threads)
        # The lifter keeps the loop's priority. Below it (nice +5, as it once ran) other processes
        # starve it on a busy CPU: with 3 busy loops per core, a 27-frame lift took 3.5-3.8 s there
        # against 1.2-1.5 s at the loop's priority, and fewer frames got 3D (bench/contention.py).
        # At equal priority the frames a new track waits for its first lift are about the lift's CPU
        # time over a frame's, whatever the load, since the loop slows down as much as the lifter.
        began = time.perf_counter()
        try:
            self.warmup_s = self._time_forward(self.window_size.warmup_frames)
            self.window_size.calibrate(self._time_forward)
        except BaseException as error:  # surfaced by the loop like a failing lift
            self.error = error
            return
        finally:
            self.ready_s = time.perf_counter() - began
            self.ready.set()
        while True:
            with self._lock:
                while self._pending is None and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                job, self._pending = self._pending, None
                self._busy = True
            started = time.perf_counter()
            try:
                poses = self._forward(job)
            except BaseException as error:  # surfaced by the loop; the thread must not die silently
                self.error = error
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()
                return
            finished = time.perf_counter()
            with self._lock:
                self._busy = False
                self.waits.append(started - job.received)
                self.durations.append(finished - started)
                self.window_size.observe(finished - started)
                self.batches.append(len(job.windows))
                for track_id, pose in zip(job.windows, poses, strict=True):
                    self._results[track_id] = Lifted(pose, job.frame_index, job.received, finished)
                self._done_frame = job.frame_index
                self._lock.notify_all()

    def _forward(self, job: _Job) -> np.ndarray:
        frames = self.window_size.window
        x = prepare(np.stack([poses[-frames:] for poses in job.windows.values()]), job.size)
        return self._lift(x.to(self.device)).cpu().numpy()

    def _lift(self, x):
        """(B, T, 17, 2) screen units -> (B, 17, 3) last-frame poses, root-zeroed as the demo does."""
        import torch

        from posemamba import keypoints

        with torch.inference_mode():
            y = keypoints.flip_tta(self.model, x) if self.flip_tta else self.model(x)
            return keypoints.root_zero(y[:, -1].float())

    def _time_forward(self, frames: int) -> float:
        """Seconds of one lift of `frames` frames for one person (a plausible pose, not zeros)."""
        import torch

        generator = torch.Generator().manual_seed(frames)
        x = (torch.rand(1, frames, 17, 2, generator=generator) - 0.5).to(self.device)
        started = time.perf_counter()
        pose = self._lift(x)
        if pose.is_cuda:
            torch.cuda.synchronize()
        return time.perf_counter() - started

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify()
        self._thread.join(timeout=10)
