"""A live run: check its inputs, open the source, start the stages (2D estimator, lifter, sinks), run
the frame loop (posemamba.live.loop), and close everything in reverse order, whatever stops the run."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
from pathlib import Path

from posemamba.errors import PoseMambaError, RecordingError
from posemamba.live.config import EnvironmentCheck, LiveConfig, RunSummary
from posemamba.live.draw import ViewAngles
from posemamba.live.loop import FrameLoop, Stages
from posemamba.live.sources import Source, open_source
from posemamba.live.tracking import WINDOW


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
    preflight.check(config)
    if environment_check is not None:
        environment_check(config)
    preflight.check_display(config)
    spec = choose_source(config.source)
    source: Source = open_source(spec)
    closers: list = [source.close]
    failed: list[RecordingError] = []
    try:
        return _run(config, source, spec, closers, why)
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


def _run(config: LiveConfig, source: Source, spec: str, closers: list, estimator_why: str) -> RunSummary:
    # Installed first and restored last: a second Ctrl-C while the recorder consolidates is ignored.
    stop = _StopFlag()
    stop.install()
    closers.append(stop.restore)
    stages = Stages(_start_estimator(config, closers, estimator_why), _start_lifter(config, closers))
    stages.sinks = _open_sinks(config, source, spec, stages.angles, closers)
    summary = RunSummary(source=spec, out=config.out, lift_requested=stages.lifter is not None)
    if stages.lifter is not None:
        _warm_up(stages.lifter, stop, summary)
    return FrameLoop(config, stages, summary).run(source.frames(), lambda: stop.reason)


def _start_estimator(config: LiveConfig, closers: list, why: str):
    # Said once the inputs are checked and the source is open: a refused run prints its one line only.
    say(f"2D estimator: {config.estimator} ({why})")
    from posemamba.live.estimators import make_estimator

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
    return estimator


def _start_lifter(config: LiveConfig, closers: list):
    """The lifter thread (it warms up and sizes its window at once), or None without a checkpoint."""
    from posemamba import demo_model

    if config.checkpoint is None:
        say(f"no 3D lifter (--checkpoint none): 2D only, no 3D poses; real weights: "
            f"{demo_model.RELEASED_WEIGHTS}")  # fmt: skip
        return None
    from posemamba.live.lifter import Lifter, load_model

    if Path(config.checkpoint) == demo_model.WEIGHTS:
        say(demo_model.describe())

    model = load_model(config.checkpoint, config.device)
    say(f"warming up the 3D lifter (PoseMamba-{model.variant}, {config.device}) before the first frame: "
        "the first lift builds or loads the compiled scan, then the window is sized")  # fmt: skip
    lifter = Lifter(model, flip_tta=config.flip_tta, device=config.device, threads=config.lifter_threads,
                    window_size=_window_size(config))  # fmt: skip
    closers.append(lifter.close)
    return lifter


def _open_sinks(config: LiveConfig, source: Source, spec: str, angles: ViewAngles, closers: list) -> list:
    """Rerun, the recorder, the window: each closed after the lifter (closers run in reverse)."""
    sinks = []
    # Rerun first: a missing rerun-sdk must stop the run before the recorder has created anything.
    if config.rerun:
        from posemamba.live.sinks.rerun_sink import RerunSink

        rerun_sink = RerunSink(config.out)
        sinks.append(rerun_sink)
        closers.append(rerun_sink.close)
    if config.out is not None:
        from posemamba.live.sinks.recorder import Recorder

        recorder = Recorder(Path(config.out), source.fps or 30.0, spec, config.chunk_frames)
        sinks.append(recorder)
        closers.append(recorder.close)
    if not config.headless:
        from posemamba.live.sinks.window import WindowSink

        window = WindowSink(angles)
        sinks.append(window)
        closers.append(window.close)
    return sinks
