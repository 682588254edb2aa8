"""The live loop: source -> 2D -> tracks -> (lifter in a worker) -> metric 3D -> sinks.

The loop owns timing. It never waits for the lifter; a camera source drops frames on its side
rather than queueing them, so latency does not build up.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import sys
import threading
import time
from pathlib import Path

from posemamba.errors import PoseMambaError, RecordingError, RunFailedError
from posemamba.live import metric
from posemamba.live.config import EnvironmentCheck, LiveConfig, RunSummary
from posemamba.live.draw import ViewAngles, compose
from posemamba.live.sources import Source, SourceLost, open_source
from posemamba.live.timing import StageTimes, percentiles_ms
from posemamba.live.tracking import WINDOW, Tracker
from posemamba.live.types import TrackedPerson


def choose_source(spec: str | None) -> str:
    """--source, or: a connected RealSense, else /dev/video0, else the demo video."""
    if spec:
        return spec
    try:
        import pyrealsense2 as rs

        if len(rs.context().query_devices()) > 0:
            return "realsense"
    except Exception:  # no pyrealsense2 (or no libusb): not a RealSense machine
        pass
    if os.path.exists("/dev/video0"):
        return "webcam:0"
    from posemamba.live.demo import demo_video

    return str(demo_video())


def say(text: str) -> None:
    """A progress line on stderr (stdout keeps the run's summary)."""
    print(f"live-pose: {text}", file=sys.stderr, flush=True)


class _StopFlag:
    """Set by SIGINT/SIGTERM: the loop finishes the frame in hand and closes the sinks.

    A SIGINT that was ignored when the process started stays ignored: that is how a shell starts
    background jobs (`cmd &` in a script), which a Ctrl-C at the terminal must not stop; SIGTERM still does.
    """

    def __init__(self) -> None:
        self.reason: str | None = None
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(signum) is not signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame) -> None:
        self.reason = "interrupted" if signum == signal.SIGINT else "terminated"

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def _status_lines(times: StageTimes, fps: float, people: list[TrackedPerson], lifter) -> list[str]:
    lines = [f"{fps:5.1f} FPS   2D {times.last_ms('pose2d'):.0f} ms   draw {times.last_ms('draw'):.0f} ms"]
    if lifter is not None:
        ages = [p.pose3d_age for p in people if not math.isnan(p.pose3d_age)]
        lift = lifter.durations[-1] * 1e3 if lifter.durations else float("nan")
        age = f"{max(ages) * 1e3:.0f} ms" if ages else "-"
        lines.append(f"lifter {lift:.0f} ms/run ({lifter.window_size.window} frames)   3D age {age}")
    return lines


def _window_size(config: LiveConfig):
    from posemamba.live.window_size import WindowSize

    if config.window is None and config.lift_sync:
        why = "--lift-sync: nothing waits on the lifter, so the full context"
        return WindowSize(WINDOW, max_age_s=config.max_age_s, stride=config.stride, fixed_by=why)
    return WindowSize(config.window, max_age_s=config.max_age_s, stride=config.stride)


def _warm_up(lifter, stop: _StopFlag, summary: RunSummary) -> None:
    """Wait for the lifter's warm-up and window timing (Ctrl-C still stops the run); say how long it took."""
    if not lifter.wait_ready(lambda: stop.reason is not None):
        return
    if lifter.error is not None:
        raise RuntimeError(f"the lifter failed: {lifter.error!r}") from lifter.error
    summary.lifter_warmup_s = lifter.ready_s
    say(f"3D lifter ready after {lifter.ready_s:.1f} s (warm-up lift {lifter.warmup_s:.1f} s); "
        f"lift window {lifter.window_size.reason}")  # fmt: skip


def run(config: LiveConfig, environment_check: EnvironmentCheck | None = None) -> RunSummary:
    """Run the live pipeline until the source ends, --max-frames, q, or Ctrl-C; returns the summary.

    Bad settings raise PoseMambaError (exit 2) before anything starts; `environment_check(config)` runs
    after the run's own input checks, before the source opens (envkit passes its doctor here).
    """
    from posemamba.live import preflight

    if config.stride < 1:
        raise PoseMambaError(f"--stride {config.stride} must be at least 1", fix="use --stride 1 or more")
    if config.window is not None and not 1 <= config.window <= WINDOW:
        raise PoseMambaError(
            f"--window {config.window} is not 1..{WINDOW}",
            fix=f"use --window auto (the default) or 1..{WINDOW}",
        )
    if not config.max_age_s > 0:
        raise PoseMambaError(f"--max-3d-age {config.max_age_s} must be positive", fix="use --max-3d-age 0.5")
    from posemamba.live.estimators import resolve

    estimator, why = resolve(config.estimator)
    config = dataclasses.replace(config, estimator=estimator)
    say(f"2D estimator: {estimator} ({why})")
    preflight.check(config)
    if environment_check is not None:
        environment_check(config)
    preflight.check_display(config)
    spec = choose_source(config.source)
    source: Source = open_source(spec)
    closers: list = [source.close]
    failed: list[RecordingError] = []
    try:
        return _run(config, source, spec, closers)
    finally:
        for close in reversed(closers):
            try:
                close()
            except RecordingError as error:  # the recording is not complete: the run failed, say so
                failed.append(error)
            except Exception as error:  # one failing close must not keep the others from running
                print(f"live-pose: closing failed: {error}")
        if failed:
            raise failed[0]


def _run(config: LiveConfig, source: Source, spec: str, closers: list) -> RunSummary:
    from posemamba.live.estimators import make_estimator

    # Installed first and restored last: a second Ctrl-C while the recorder consolidates is ignored.
    stop = _StopFlag()
    stop.install()
    closers.append(stop.restore)
    estimator = make_estimator(
        config.estimator,
        pose_config=config.pose2d_config,
        pose_checkpoint=config.pose2d_checkpoint,
        det_config=config.det_config,
        det_checkpoint=config.det_checkpoint,
        det_threshold=config.det_threshold,
        device=config.device,
    )
    closers.append(estimator.close)
    lifter = None
    if config.checkpoint is not None:
        from posemamba.live.lifter import Lifter, load_model

        model = load_model(config.checkpoint, config.device)
        say(f"warming up the 3D lifter (PoseMamba-{model.variant}, {config.device}) before the first frame: "
            "the first lift builds or loads the compiled scan, then the window is sized")  # fmt: skip
        lifter = Lifter(model, flip_tta=config.flip_tta, device=config.device, threads=config.lifter_threads,
                        window_size=_window_size(config))  # fmt: skip
        closers.append(lifter.close)
    else:
        from posemamba.live.lifter import RELEASED_WEIGHTS

        say(f"no PoseMamba checkpoint (--checkpoint PATH or $POSEMAMBA_CHECKPOINT): 2D only, no 3D poses; "
            f"real weights: {RELEASED_WEIGHTS}")  # fmt: skip
    sinks = []
    angles = ViewAngles()
    # Rerun first: a missing rerun-sdk must stop the run before the recorder has created anything.
    if config.rerun:
        from posemamba.live.sinks.rerun_sink import RerunSink

        rerun_sink = RerunSink(config.out)
        sinks.append(rerun_sink)
        closers.append(rerun_sink.close)
    recorder = None
    if config.out is not None:
        from posemamba.live.sinks.recorder import Recorder

        recorder = Recorder(Path(config.out), source.fps or 30.0, spec, config.chunk_frames)
        sinks.append(recorder)
        closers.append(recorder.close)  # closed last of the sinks' users, after the lifter
    if not config.headless:
        from posemamba.live.sinks.window import WindowSink

        window = WindowSink(angles)
        sinks.append(window)
        closers.append(window.close)

    summary = RunSummary(source=spec, out=config.out, lift_requested=lifter is not None)
    if lifter is not None:
        _warm_up(lifter, stop, summary)
    tracker = Tracker(method=config.track_method)
    times = StageTimes()
    ages: list[float] = []
    seen_ids: set[int] = set()
    frames = source.frames()
    started = time.perf_counter()
    fps, fps_window = 0.0, []
    reason = "source ended"
    try:
        while True:
            if stop.reason:
                reason = stop.reason
                break
            if config.max_frames is not None and summary.frames >= config.max_frames:
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
            times.add("read", time.perf_counter() - read_start)
            if lifter is not None and lifter.error is not None:
                raise RuntimeError(f"the lifter failed: {lifter.error!r}") from lifter.error

            with times.measure("pose2d"):
                people2d = estimator.estimate(frame)
            with times.measure("track"):
                pairs = tracker.update(frame.index, people2d)
            now = time.perf_counter()
            if lifter is not None:
                if frame.index % config.stride == 0 and pairs:
                    windows = {track.track_id: track.buffer.window()[0] for track, _ in pairs}
                    lifter.submit(frame.index, frame.received, frame.size, windows)
                    if config.lift_sync:
                        with times.measure("lift_wait"):
                            lifter.wait_for(frame.index)
                lifter.forget(set(tracker.tracks))
            people = []
            with times.measure("metric"):
                for track, person in pairs:
                    tracked = TrackedPerson(track.track_id, person)
                    seen_ids.add(track.track_id)
                    lifted = lifter.latest(track.track_id) if lifter is not None else None
                    if lifted is not None:
                        tracked.pose3d, tracked.pose3d_frame = lifted.pose, lifted.frame_index
                        tracked.pose3d_age = now - lifted.received
                        ages.append(tracked.pose3d_age)
                    if frame.depth is not None and frame.intrinsics is not None:
                        root, skeleton = metric.place(tracked.pose3d, person.keypoints, frame.depth,
                                                      frame.intrinsics)  # fmt: skip
                        if root is not None:
                            tracked.extra["root3d"] = root
                        tracked.metric3d = skeleton
                    people.append(tracked)
            if not people:
                summary.frames_without_person += 1
            elif any(p.pose3d is not None for p in people):
                summary.frames_with_3d += 1
            elif lifter is not None:
                summary.frames_awaiting_lift += 1
            canvas = None
            if sinks:
                with times.measure("draw"):
                    canvas, _ = compose(frame.bgr, people, angles, _status_lines(times, fps, people, lifter),
                                        config.view_height)  # fmt: skip
            keep_going = True
            with times.measure("sinks"):
                for sink in sinks:
                    keep_going = sink.write(frame, people, canvas) and keep_going
            summary.frames += 1
            end = time.perf_counter()
            times.add("frame", end - read_start)
            times.add("latency", end - frame.received)
            fps_window = [t for t in (*fps_window, end) if end - t <= 1.0]
            fps = (len(fps_window) - 1) / (fps_window[-1] - fps_window[0]) if len(fps_window) > 1 else 0.0
            if not keep_going:
                reason = "quit"
                break
    finally:
        summary.seconds = time.perf_counter() - started
    summary.stop_reason = reason
    frame_times = times.samples.get("frame", [])
    summary.display_fps = len(frame_times) / sum(frame_times) if frame_times else 0.0
    summary.stages_ms = times.percentiles_ms()
    summary.pose3d_age_ms = percentiles_ms(ages)
    summary.track_ids = sorted(seen_ids)
    if lifter is not None:
        summary.window, summary.window_reason = lifter.window_size.window, lifter.window_size.reason
    if lifter is not None and lifter.durations:
        summary.lifter_runs = len(lifter.durations)
        summary.lifter_ms = percentiles_ms(lifter.durations)
        summary.lifter_windows_per_s = float(sum(lifter.batches) / sum(lifter.durations))
    return summary


def summary_lines(summary: RunSummary) -> list[str]:
    """The run's figures as short lines for the terminal."""
    lines = [
        f"live-pose: {summary.frames} frames from {summary.source} in {summary.seconds:.1f} s "
        f"({summary.stop_reason}); loop {summary.display_fps:.1f} FPS; tracks {summary.track_ids}",
    ]
    stages = ", ".join(f"{name} {p50:.1f}/{p95:.1f}" for name, (p50, p95) in summary.stages_ms.items())
    lines.append(f"live-pose: stage ms p50/p95: {stages}")
    if summary.lifter_runs:
        lines.append(
            f"live-pose: lifter {summary.lifter_runs} runs, "
            f"{summary.lifter_ms[0]:.0f}/{summary.lifter_ms[1]:.0f} ms p50/p95, "
            f"{summary.lifter_windows_per_s:.1f} windows/s; 3D age "
            f"{summary.pose3d_age_ms[0]:.0f}/{summary.pose3d_age_ms[1]:.0f} ms p50/p95"
        )
        lines.append(f"live-pose: lift window {summary.window_reason}")
    lines.append(f"live-pose: {_3d_line(summary)}")
    if summary.out is not None:
        lines.append(f"live-pose: recording in {summary.out} (poses.npz, overlay.mp4)")
    return lines


def _3d_line(summary: RunSummary) -> str:
    """How many frames got a 3D pose, and why the others did not."""
    if not summary.lift_requested:
        return "no 3D: no PoseMamba checkpoint was given (2D only; the recording's pose3d is NaN)"
    why = []
    if summary.frames_without_person:
        why.append(f"{summary.frames_without_person} with no person detected")
    if summary.frames_awaiting_lift:
        why.append(f"{summary.frames_awaiting_lift} before their track's first lift finished")
    missing = summary.frames - summary.frames_with_3d
    return f"3D in {summary.frames_with_3d} of {summary.frames} frames" + (
        f"; without 3D: {', '.join(why)}" if missing else ""
    )


def _frames(count: int) -> str:
    return f"{count} frame" if count == 1 else f"{count} frames"


def no_3d_error(summary: RunSummary) -> RunFailedError | None:
    """The error for a run that was asked for 3D poses (a checkpoint) and gave none; None otherwise."""
    if not summary.lift_requested or summary.frames_with_3d > 0:
        return None
    if summary.frames == 0:
        return RunFailedError("no frame got a 3D pose: the source gave no frame", fix="check --source")
    if summary.frames_without_person == summary.frames:
        return RunFailedError(
            f"no frame got a 3D pose: the 2D estimator found no person in any of the {summary.frames} frames",
            fix="point the source at a person (the recording's overlay.mp4 shows what the 2D model saw)",
        )
    lift = f"{summary.lifter_ms[0]:.0f} ms per lift" if summary.lifter_runs else "no lift finished"
    return RunFailedError(
        f"no frame got a 3D pose: the run ended after {_frames(summary.frames)}, before a track's first "
        f"lift finished ({lift}, window {summary.window})",
        fix="run more frames (--max-frames), or add --lift-sync to wait for each lift",
    )
