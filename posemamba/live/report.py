"""What a live run tells the user at its end: the figures, how many frames got 3D and why the others
did not, and the error for a run that was asked for 3D and gave none."""

from __future__ import annotations

from posemamba.errors import RunFailedError
from posemamba.live.config import RunSummary


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
        return "no 3D: --checkpoint none (2D only; the recording's pose3d is NaN)"
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
