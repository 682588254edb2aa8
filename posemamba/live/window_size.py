"""Frames of context per live lift: fixed by --window, or "auto", the most that keeps 3D poses fresh.

A longer window gives PoseMamba more temporal context and costs time roughly in proportion, and on
a CPU a 243-frame lift is slower than the age budget of the shown 3D pose allows. "auto" times one
lift per candidate size at start (in the lifter's thread, with its thread count) and takes the
largest whose expected age fits; during the run it steps down when the measured lifts no longer fit
(more people, a busier machine). It never steps back up: that would take a lift at the larger size
to find out, and a context length that changes back and forth makes the 3D pose jitter.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

CANDIDATES = (243, 162, 81, 54, 27)
# A camera's frame period; the loop may run slower than this, which only makes the estimate safer.
FRAME_INTERVAL_S = 1 / 30
# Measured lifts must exceed the budget by this factor before a step down: one slow lift is noise.
STEP_DOWN_MARGIN = 1.2
RECENT = 5  # lifts whose median decides a step down


def expected_age_s(forward_s: float, stride: int, frame_interval_s: float = FRAME_INTERVAL_S) -> float:
    """The p95 age of the shown 3D pose for a lift that takes `forward_s`.

    Requests come every `stride` frames (interval I). A worker faster than I lifts each request at
    once, and its result stays on screen until the next one, I later: age F + I. A slower worker is
    always busy: the request it takes waited up to I, its lift takes F and its result stays up for
    the next lift's F: age 2F + I. bench/live_pipeline.py on a quiet 2-core machine: lifts of 103,
    222 and 612 ms (strides 8, 4, 4) gave p95 ages of 337, 534 and 1299 ms; this says 370, 577, 1357.
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

    def fits(self, forward_s: float) -> bool:
        return expected_age_s(forward_s, self.stride) <= self.max_age_s

    def calibrate(self, time_forward: Callable[[int], float]) -> None:
        """Pick the largest candidate whose lift, timed with `time_forward(frames)`, fits the budget."""
        if not self.auto:
            return
        time_forward(self.candidates[-1])  # warm-up: the first lift compiles or loads the scan
        for frames in self.candidates:
            took = time_forward(frames)
            if self.fits(took):
                self._choose(frames, took, "fits")
                return
        self._choose(self.candidates[-1], took, "the smallest; over")

    def observe(self, forward_s: float) -> None:
        """Feed one measured lift; in auto mode, step down when recent lifts no longer fit."""
        if not self.auto:
            return
        self._recent = [*self._recent[-(RECENT - 1) :], forward_s]
        if len(self._recent) < RECENT:
            return
        typical = statistics.median(self._recent)
        smaller = [frames for frames in self.candidates if frames < self.window]
        if smaller and expected_age_s(typical, self.stride) > STEP_DOWN_MARGIN * self.max_age_s:
            self.steps_down += 1
            self._choose(smaller[0], typical * smaller[0] / self.window, "stepped down; expected to fit")

    def _choose(self, frames: int, forward_s: float, verdict: str) -> None:
        self.window, self._recent = frames, []
        age_ms, budget_ms = expected_age_s(forward_s, self.stride) * 1e3, self.max_age_s * 1e3
        self.reason = (
            f"auto: {frames} frames, {forward_s * 1e3:.0f} ms per lift, 3D age ~{age_ms:.0f} ms "
            f"({verdict} the {budget_ms:.0f} ms budget)"
        )
