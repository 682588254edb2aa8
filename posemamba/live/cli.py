"""The command line of live pose: `python -m posemamba.live ...` (and `envkit run live-pose --native ...`).

`live_pose` is a typer command function; envkit's `run` command group registers it with
`register(run_app)` and passes, as the click context's obj, an environment check (ENVIRONMENT_CHECK) that
runs its doctor before anything heavy starts. Everything goes through `posemamba.live.run(LiveConfig)`.

Exit codes: 0 the run ended (source over, --max-frames, q); 1 the run failed: a lifter (the demo model
or --checkpoint) that got a 3D pose in no frame, or a recording that could not be completed
(RunFailedError: the last line says why and what to do); 2 bad input (one line with the fix); 130
Ctrl-C and 143 SIGTERM (the recording is complete). Without --checkpoint the demo model shipped in the
package lifts (posemamba.demo_model); `--checkpoint none` runs 2D only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from posemamba.errors import PoseMambaError
from posemamba.live.config import ENVIRONMENT_CHECK, EnvironmentCheck
from posemamba.stopping import EXIT_INTERRUPTED, EXIT_TERMINATED
from posemamba.terminal import run_app

# A run stopped by Ctrl-C or SIGTERM, recording complete.
INTERRUPTED = {"interrupted": EXIT_INTERRUPTED, "terminated": EXIT_TERMINATED}
NO_LIFTER = "none"  # --checkpoint none: 2D only
HELP = "Camera -> 2D pose -> PoseMamba 3D -> window and recording, live."


def live_pose(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="realsense | webcam:N | PATH (video, .bag/.db3). Default: camera, else demo."
        ),
    ] = None,
    estimator: Annotated[
        str,
        typer.Option(
            "--estimator", help="2D estimator: mediapipe | mmpose | auto (the first of them installed)."
        ),
    ] = "auto",
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            envvar="POSEMAMBA_CHECKPOINT",
            help="PoseMamba checkpoint. Default: the demo model shipped in the package; `none`: 2D only.",
        ),
    ] = None,
    stride: Annotated[
        int, typer.Option("--stride", help="Lift every N frames (the lifter runs in a worker).")
    ] = 4,
    window: Annotated[
        str,
        typer.Option(
            "--window",
            help="Frames of context per lift, 1..243 (fewer is faster), or auto: the most that keeps "
            "the 3D pose within --max-3d-age.",
        ),
    ] = "auto",
    max_3d_age: Annotated[
        float,
        typer.Option("--max-3d-age", help="Seconds: the age budget of the shown 3D pose (--window auto)."),
    ] = 0.5,
    lift_sync: Annotated[
        bool, typer.Option("--lift-sync", help="Wait for each lift (offline processing: no 3D lag).")
    ] = False,
    flip_tta: Annotated[
        bool, typer.Option("--flip-tta", help="Average with the mirrored pose (2x cost).")
    ] = False,
    headless: Annotated[bool, typer.Option("--headless", help="No window (record with --out).")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Record overlay.mp4 + poses.npz into this folder.")
    ] = None,
    max_frames: Annotated[int | None, typer.Option("--max-frames", help="Stop after N frames.")] = None,
    device: Annotated[str, typer.Option("--device", help="torch device of the lifter (and MMPose).")] = "cpu",
    # The GPU images set these four variables to their pinned checkpoints (recipe [models]).
    pose2d_config: Annotated[
        str | None,
        typer.Option(
            "--pose2d-config",
            envvar="ENVKIT_POSE2D_CONFIG",
            help="MMPose: RTMPose config (a file, or a path inside mmpose/.mim).",
        ),
    ] = None,
    pose2d_checkpoint: Annotated[
        Path | None,
        typer.Option("--pose2d-checkpoint", envvar="ENVKIT_POSE2D_CHECKPOINT", help="MMPose: its weights."),
    ] = None,
    det_config: Annotated[
        str | None,
        typer.Option(
            "--det-config",
            envvar="ENVKIT_DET_CONFIG",
            help="MMPose: RTMDet person config (a file, or a path inside mmpose/.mim).",
        ),
    ] = None,
    det_checkpoint: Annotated[
        Path | None,
        typer.Option("--det-checkpoint", envvar="ENVKIT_DET_CHECKPOINT", help="MMPose: its weights."),
    ] = None,
    det_threshold: Annotated[
        float, typer.Option("--det-threshold", help="MMPose: minimum person-box score.")
    ] = 0.3,
    rerun: Annotated[bool, typer.Option("--rerun", help="Also log to Rerun (needs rerun-sdk).")] = False,
    recover: Annotated[
        Path | None,
        typer.Option("--recover", help="Join the chunks a killed run left in this --out folder, then exit."),
    ] = None,
) -> None:
    """Camera -> 2D pose -> PoseMamba 3D -> window and recording, live. Exit 0 done, 1 asked for 3D
    (not --checkpoint none) and no frame got it, 2 bad input, 130 Ctrl-C, 143 SIGTERM."""
    from posemamba.live import LiveConfig, run
    from posemamba.live.report import no_3d_error, summary_lines

    if recover is not None:
        from posemamba.live.sinks.recording import recover as recover_recording

        info = recover_recording(recover)
        typer.echo(
            f"live-pose: recovered {info['frames']} frames ({info['video_frames']} video) into {recover}"
        )
        return

    if max_frames is not None and max_frames < 1:
        raise PoseMambaError(
            f"--max-frames {max_frames} must be at least 1", fix="use --max-frames 1 or more"
        )
    if window != "auto" and not (window.isascii() and window.isdigit()):  # '²'.isdigit() is True
        raise PoseMambaError(
            f"--window {window[:40]!r} is not a number or auto", fix="use --window auto or 1..N"
        )
    config = LiveConfig(
        source=source,
        estimator=estimator,
        checkpoint=_checkpoint(checkpoint),
        stride=stride,
        window=None if window == "auto" else int(window),
        max_age_s=max_3d_age,
        flip_tta=flip_tta,
        lift_sync=lift_sync,
        headless=headless,
        out=out,
        max_frames=max_frames,
        device=device,
        pose2d_config=pose2d_config,
        pose2d_checkpoint=pose2d_checkpoint,
        det_config=det_config,
        det_checkpoint=det_checkpoint,
        det_threshold=det_threshold,
        rerun=rerun,
    )
    from posemamba.terminal import library_log, native_stderr_to

    with native_stderr_to(library_log("live-pose")):  # MediaPipe/TFLite log lines: a file, not the terminal
        summary = run(config, environment_check=_environment_check(ctx))
    for line in summary_lines(summary):
        typer.echo(line)
    if summary.stop_reason in INTERRUPTED:
        raise typer.Exit(INTERRUPTED[summary.stop_reason])
    failure = no_3d_error(summary)
    if failure is not None:
        raise failure


def _checkpoint(option: Path | None) -> Path | None:
    """--checkpoint: a path; none given, the shipped demo model; `none`, no lifter (2D only)."""
    if option is None:
        from posemamba.demo_model import WEIGHTS

        return WEIGHTS
    return None if str(option) == NO_LIFTER else option


def _environment_check(ctx: typer.Context) -> EnvironmentCheck | None:
    """The check the caller passed as the context's obj ({ENVIRONMENT_CHECK: callable}), if any."""
    obj = ctx.find_root().obj
    return obj.get(ENVIRONMENT_CHECK) if isinstance(obj, dict) else None


def register(run_app: typer.Typer) -> None:
    """Add `live-pose` to a command group (envkit's `run`)."""
    run_app.command("live-pose", help=HELP)(live_pose)


def main() -> None:
    """`python -m posemamba.live`: the command on its own, errors as one line (exit 2, or 1 for a run
    that failed)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(help=HELP)(live_pose)
    run_app(app, "posemamba")
