"""What a live-pose run is asked to do (LiveConfig) and what it did (RunSummary)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# What a caller may add to the run's own input checks: a function of the config that raises a
# PoseMambaError (or any exception the caller's command line prints) when this environment cannot run
# it, e.g. envkit's doctor on the display, the camera and mmcv's ops. Passed to the command line as the
# click context's obj: {ENVIRONMENT_CHECK: check}.
EnvironmentCheck = Callable[["LiveConfig"], None]
ENVIRONMENT_CHECK = "environment_check"


@dataclass
class LiveConfig:
    """The options of `python -m posemamba.live` (see docs/interfaces.md, "Live pose").

    source: "realsense", "webcam:N", a video or a .bag/.db3 recording; None picks a connected
    RealSense, else /dev/video0, else the demo video. checkpoint: PoseMamba weights (None: 2D only;
    the command line's default is the demo model, posemamba.demo_model).
    """

    source: str | None = None
    estimator: str = "auto"  # mediapipe | mmpose | auto: the first of them installed
    checkpoint: Path | None = None
    stride: int = 4
    window: int | None = None  # frames of context per lift, <= 243; None: auto (window_size.py)
    max_age_s: float = 0.5  # auto window: the budget for the age of the shown 3D pose
    flip_tta: bool = False
    lift_sync: bool = False  # wait for each lift (offline: every stride-th frame gets its own 3D pose)
    headless: bool = False
    out: Path | None = None
    max_frames: int | None = None
    device: str = "cpu"
    lifter_threads: int | None = 1
    track_method: str = "iou+oks"
    view_height: int = 480
    rerun: bool = False
    # MMPose top-down (RTMDet + RTMPose): configs and checkpoints.
    pose2d_config: str | None = None
    pose2d_checkpoint: Path | None = None
    det_config: str | None = None
    det_checkpoint: Path | None = None
    det_threshold: float = 0.3  # person boxes below this score are dropped
    chunk_frames: int = 30  # recorder: frames per flushed chunk


@dataclass
class RunSummary:
    """Counts and timings of one run (all latencies in milliseconds)."""

    source: str
    frames: int = 0
    seconds: float = 0.0
    stop_reason: str = ""
    display_fps: float = 0.0
    stages_ms: dict[str, tuple[float, float]] = field(default_factory=dict)  # stage -> (p50, p95)
    lifter_runs: int = 0
    lifter_ms: tuple[float, float] = (float("nan"), float("nan"))
    lifter_windows_per_s: float = 0.0  # 243-frame windows lifted per second of lifter time
    window: int = 243  # the lift window at the end of the run
    window_reason: str = ""  # why that window (fixed, or auto's measurement)
    pose3d_age_ms: tuple[float, float] = (float("nan"), float("nan"))  # age of the shown 3D pose
    lift_requested: bool = False  # a lifter ran: the run was asked for 3D poses
    lifter_warmup_s: float = float("nan")  # warm-up and window timing before the first frame
    frames_with_3d: int = 0
    frames_without_person: int = 0  # the 2D estimator found nobody
    frames_awaiting_lift: int = 0  # people, none of whose tracks had a finished lift yet
    track_ids: list[int] = field(default_factory=list)
    out: Path | None = None
