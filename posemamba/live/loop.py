"""The frame loop: source -> 2D -> tracks -> (lifter in a worker) -> metric 3D -> sinks.

The loop owns timing. It never waits for the lifter (unless --lift-sync asks it to); a camera source
drops frames on its side rather than queueing them, so latency does not build up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from posemamba.live import metric
from posemamba.live.config import LiveConfig, RunSummary
from posemamba.live.draw import ViewAngles, compose
from posemamba.live.sources import SourceLost
from posemamba.live.timing import StageTimes, percentiles_ms
from posemamba.live.tracking import Tracker
from posemamba.live.types import Frame, TrackedPerson


@dataclass
class Stages:
    """What the loop drives: the 2D estimator, the lifter (None: 2D only) and the sinks."""

    estimator: Any
    lifter: Any | None
    sinks: list = field(default_factory=list)
    angles: ViewAngles = field(default_factory=ViewAngles)


class FrameLoop:
    """One run's loop over the source's frames; `run` returns the filled-in summary."""

    def __init__(self, config: LiveConfig, stages: Stages, summary: RunSummary) -> None:
        self.config = config
        self.stages = stages
        self.summary = summary
        self.tracker = Tracker(method=config.track_method)
        self.times = StageTimes()
        self.ages: list[float] = []
        self.seen_ids: set[int] = set()
        self.fps = 0.0
        self._fps_window: list[float] = []

    def run(self, frames: Iterator[Frame], stop_reason: Callable[[], str | None]) -> RunSummary:
        """Step through `frames` until the source ends, --max-frames, a sink asks to quit, or a stop."""
        started = time.perf_counter()
        reason = "source ended"
        try:
            while True:
                if stop_reason():
                    reason = stop_reason() or reason
                    break
                if self.config.max_frames is not None and self.summary.frames >= self.config.max_frames:
                    reason = "max frames"
                    break
                read_start = time.perf_counter()
                try:
                    frame = next(frames)
                except StopIteration:
                    break
                except SourceLost as error:
                    reason = f"source lost: {error}"
                    break
                self.times.add("read", time.perf_counter() - read_start)
                if not self._step(frame, read_start):
                    reason = "quit"
                    break
        finally:
            self.summary.seconds = time.perf_counter() - started
        return self._finish(reason)

    def _step(self, frame: Frame, read_start: float) -> bool:
        """One frame through every stage; False when a sink asks to quit."""
        lifter = self.stages.lifter
        if lifter is not None and lifter.error is not None:
            raise RuntimeError(f"the lifter failed: {lifter.error!r}") from lifter.error
        with self.times.measure("pose2d"):
            people2d = self.stages.estimator.estimate(frame)
        with self.times.measure("track"):
            pairs = self.tracker.update(frame.index, people2d)
        now = time.perf_counter()
        self._lift(frame, pairs)
        with self.times.measure("metric"):
            people = [self._person(frame, track, person, now) for track, person in pairs]
        self._count(people)
        keep_going = self._output(frame, people)
        self.summary.frames += 1
        end = time.perf_counter()
        self.times.add("frame", end - read_start)
        self.times.add("latency", end - frame.received)
        self._fps_window = [t for t in (*self._fps_window, end) if end - t <= 1.0]
        window = self._fps_window
        self.fps = (len(window) - 1) / (window[-1] - window[0]) if len(window) > 1 else 0.0
        return keep_going

    def _lift(self, frame: Frame, pairs: list) -> None:
        """Every --stride frames, hand the tracks' windows to the lifter (and wait with --lift-sync)."""
        lifter = self.stages.lifter
        if lifter is None:
            return
        if frame.index % self.config.stride == 0 and pairs:
            windows = {track.track_id: track.buffer.window()[0] for track, _ in pairs}
            lifter.submit(frame.index, frame.received, frame.size, windows)
            if self.config.lift_sync:
                with self.times.measure("lift_wait"):
                    lifter.wait_for(frame.index)
        lifter.forget(set(self.tracker.tracks))

    def _person(self, frame: Frame, track: Any, person: Any, now: float) -> TrackedPerson:
        """A tracked person with the lifter's latest 3D pose and, with depth, its metric skeleton."""
        tracked = TrackedPerson(track.track_id, person)
        self.seen_ids.add(track.track_id)
        lifter = self.stages.lifter
        lifted = lifter.latest(track.track_id) if lifter is not None else None
        if lifted is not None:
            tracked.pose3d, tracked.pose3d_frame = lifted.pose, lifted.frame_index
            tracked.pose3d_age = now - lifted.received
            self.ages.append(tracked.pose3d_age)
        if frame.depth is not None and frame.intrinsics is not None:
            root, skeleton = metric.place(tracked.pose3d, person.keypoints, frame.depth, frame.intrinsics)
            if root is not None:
                tracked.extra["root3d"] = root
            tracked.metric3d = skeleton
        return tracked

    def _count(self, people: list[TrackedPerson]) -> None:
        """Which frames got 3D, and why the others did not (the summary's last line)."""
        if not people:
            self.summary.frames_without_person += 1
        elif any(p.pose3d is not None for p in people):
            self.summary.frames_with_3d += 1
        elif self.stages.lifter is not None:
            self.summary.frames_awaiting_lift += 1

    def _output(self, frame: Frame, people: list[TrackedPerson]) -> bool:
        """Draw once for every sink and hand the frame to each; False when one asks to quit."""
        sinks = self.stages.sinks
        canvas = None
        if sinks:
            with self.times.measure("draw"):
                status = status_lines(self.times, self.fps, people, self.stages.lifter)
                canvas, _ = compose(frame.bgr, people, self.stages.angles, status, self.config.view_height)
        keep_going = True
        with self.times.measure("sinks"):
            for sink in sinks:
                keep_going = sink.write(frame, people, canvas) and keep_going
        return keep_going

    def _finish(self, reason: str) -> RunSummary:
        summary, lifter = self.summary, self.stages.lifter
        summary.stop_reason = reason
        frame_times = self.times.samples.get("frame", [])
        summary.display_fps = len(frame_times) / sum(frame_times) if frame_times else 0.0
        summary.stages_ms = self.times.percentiles_ms()
        summary.pose3d_age_ms = percentiles_ms(self.ages)
        summary.track_ids = sorted(self.seen_ids)
        if lifter is not None:
            summary.window, summary.window_reason = lifter.window_size.window, lifter.window_size.reason
        if lifter is not None and lifter.durations:
            summary.lifter_runs = len(lifter.durations)
            summary.lifter_ms = percentiles_ms(lifter.durations)
            summary.lifter_windows_per_s = float(sum(lifter.batches) / sum(lifter.durations))
        return summary


def status_lines(times: StageTimes, fps: float, people: list[TrackedPerson], lifter: Any) -> list[str]:
    """The window's and the recording's overlay text: FPS, stage times, the lifter and the 3D age."""
    lines = [f"{fps:5.1f} FPS   2D {times.last_ms('pose2d'):.0f} ms   draw {times.last_ms('draw'):.0f} ms"]
    if lifter is not None:
        ages = [p.pose3d_age for p in people if not math.isnan(p.pose3d_age)]
        lift = lifter.durations[-1] * 1e3 if lifter.durations else float("nan")
        age = f"{max(ages) * 1e3:.0f} ms" if ages else "-"
        lines.append(f"lifter {lift:.0f} ms/run ({lifter.window_size.window} frames)   3D age {age}")
    return lines
