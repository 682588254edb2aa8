"""Frames of context per live lift: fixed by --window, or "auto", the most that keeps 3D poses fresh.

A longer window gives PoseMamba more temporal context and costs time roughly in proportion, and on
a CPU a 243-frame lift is slower than the age budget of the shown 3D pose allows. "auto" times lifts
before the first frame, smallest size first (in the lifter's thread, with its thread count, after the
lifter's warm-up lift), and takes the largest whose expected age fits with room for the running loop;
during the run it steps down when the lifts measured there no longer fit (more people, a busier
machine). It never steps back up: that would take a lift at the larger size to find out, and a context
length that changes back and forth makes the 3D pose jitter.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from posemamba.errors import PoseMambaError

CANDIDATES = (243, 162, 81, 54, 27)
# A camera's frame period; the loop may run slower than this, which only makes the estimate safer.
FRAME_INTERVAL_S = 1 / 30
# The age estimate is within 15% of the measured p95 ages (expected_age_s), so a window fits when
# its estimate is at most this share of the budget.
FIT_SHARE = 0.85
# A lift in the running loop (beside the 2D model) against the same lift timed before the first frame,
# with the machine to itself. bench/live_pipeline.py on a quiet 2-core EPYC, the lifter then at nice +5:
# 27 frames 61 ms alone, 89-103 ms median in the loop (1.5-1.7x); 243 frames 529 ms alone, 652 ms in the
# loop (1.2x). The small windows are the ones a CPU can choose, so their ratio decides.
LOOP_SLOWDOWN = 1.6
RECENT = 5  # lifts whose median decides a step down: one slow lift is noise


def expected_age_s(forward_s: float, stride: int, frame_interval_s: float = FRAME_INTERVAL_S) -> float:
    """The p95 age of the shown 3D pose for a lift that takes `forward_s`.

    Requests come every `stride` frames (interval I). A worker faster than I lifts each request at
    once, and its result stays on screen until the next one, I later: age F + I. A slower worker is
    always busy: the request it takes waited up to I, its lift takes F and its result stays up for
    the next lift's F: age 2F + I. bench/live_pipeline.py on a quiet 2-core machine, median lifts
    of 101, 161, 203, 237 and 657 ms at strides 8, 4, 2, 4, 4 gave p95 ages of 333, 471, 553, 585
    and 1405 ms; this says 368, 455, 473, 607 and 1447 (tests/live/test_window_size.py).
    """
    interval = stride * frame_interval_s
    return forward_s + interval + (forward_s if forward_s > interval else 0.0)


class WindowSize:
    """The lifter's window: a fixed size, or auto (calibrated, then kept within the age budget)."""

    def __init__(self, fixed: int | None, *, max_age_s: float, stride: int,
                 candidates: tuple[int, ...] = CANDIDATES, fixed_by: str = "--window") -> None:  # fmt: skip
        self.auto = fixed is None
        self.candidates = tuple(sorted(candidates, reverse=True))
        self.window = self.candidates[0] if fixed is None else fixed
        self.max_age_s, self.stride = max_age_s, stride
        self.reason = "auto: not calibrated yet" if self.auto else f"{fixed} frames ({fixed_by})"
        self.steps_down = 0
        self._recent: list[float] = []

    def fit_model(self, frames: int) -> None:
        """Keep the window within the model's `frames` (its longest clip): auto drops the candidates
        above it (and tries `frames` itself); a fixed window above it is a usage error."""
        if self.auto:
            kept = {candidate for candidate in self.candidates if candidate <= frames} | {frames}
            self.candidates = tuple(sorted(kept, reverse=True))
            self.window = self.candidates[0]
        elif self.window > frames:
            raise PoseMambaError(
                f"--window {self.window} is longer than the checkpoint's model takes ({frames} frames)",
                fix=f"use --window auto or 1..{frames}",
            )

    @property
    def warmup_frames(self) -> int:
        """The size of the lifter's warm-up lift: the fixed window, or auto's smallest candidate."""
        return self.candidates[-1] if self.auto else self.window

    def fits(self, forward_s: float) -> bool:
        return expected_age_s(forward_s, self.stride) <= FIT_SHARE * self.max_age_s

    def calibrate(self, time_forward: Callable[[int], float]) -> None:
        """Pick the largest candidate whose lift, timed with `time_forward(frames)`, fits the budget.

        Smallest first, stopping at the first that does not fit: lifts take longer with more frames,
        and on a slow machine the sizes that cannot fit are the expensive ones to time. The caller has
        made one warm-up lift already (the first lift compiles or loads the scan).
        """
        if not self.auto:
            return
        chosen: tuple[int, float] | None = None
        for frames in reversed(self.candidates):
            took = LOOP_SLOWDOWN * time_forward(frames)
            if not self.fits(took):
                break
            chosen = (frames, took)
        if chosen is None:
            self._choose(frames, took, "the smallest window; budget {budget} ms")
        else:
            self._choose(*chosen, "within the {budget} ms budget")

    def observe(self, forward_s: float) -> None:
        """Feed one measured lift; in auto mode, step down when recent lifts no longer fit."""
        if not self.auto:
            return
        self._recent = [*self._recent[-(RECENT - 1) :], forward_s]
        if len(self._recent) < RECENT:
            return
        typical = statistics.median(self._recent)
        smaller = [frames for frames in self.candidates if frames < self.window]
        if smaller and not self.fits(typical):
            self.steps_down += 1
            note = f"stepped down: {self.window} frames took {typical * 1e3:.0f} ms; budget {{budget}} ms"
            self._choose(smaller[0], typical * smaller[0] / self.window, note)

    def _choose(self, frames: int, forward_s: float, note: str) -> None:
        """Take `frames`, whose lift in the loop is expected to take `forward_s`; `note` says why."""
        self.window, self._recent = frames, []
        age_ms = expected_age_s(forward_s, self.stride) * 1e3
        self.reason = (
            f"auto: {frames} frames, ~{forward_s * 1e3:.0f} ms per lift in the loop, 3D age ~{age_ms:.0f} ms "
            f"({note.format(budget=f'{self.max_age_s * 1e3:.0f}')})"
        )
