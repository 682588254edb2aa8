"""A run says how many frames got 3D and why the others did not, and one asked for 3D that got none fails.

Exit code 1 with one line naming the cause and the fix (posemamba/live/cli.py); with --checkpoint none
the run says at start and at the end that it gives no 3D. The lifter warms up before the first frame.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posemamba.live.sinks.recorder import load_recording
from tests.live.conftest import error_lines, run_live

pytestmark = pytest.mark.slow


def _headless(tmp_path: Path, source: Path, *args: str):
    return run_live("--headless", "--source", str(source), "--out", str(tmp_path / "out"), *args)


def test_a_run_that_ends_before_the_first_lift_fails_and_says_why(
    tmp_path, demo_video, mediapipe_installed, checkpoint
) -> None:
    """MediaPipe finds the walker from frame 6 on; with --stride 8 the first lift is asked for at frame 8,
    and a 243-frame lift (0.5 s or more of CPU time, at the loop's priority) cannot finish before frame 9,
    the last, is done (about 50 ms of the loop's CPU time), however loaded the machine."""
    args = ["--checkpoint", str(checkpoint), "--max-frames", "10", "--stride", "8", "--window", "243"]
    done = _headless(tmp_path, demo_video, *args)
    assert done.returncode == 1, (done.stdout, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    warming = done.stderr.index(
        "live-pose: warming up the 3D lifter (PoseMamba-S, cpu) before the first frame"
    )
    assert done.stderr.index("live-pose: 3D lifter ready after ") > warming
    assert "live-pose: 3D in 0 of 10 frames; without 3D: " in done.stdout
    assert "before their track's first lift finished" in done.stdout
    (line,) = error_lines(done.stderr)
    assert line.startswith(
        "envkit: error: no frame got a 3D pose: the run ended after 10 frames, before a track's"
    )
    assert line.endswith("— fix: run more frames (--max-frames), or add --lift-sync to wait for each lift")
    assert len(load_recording(tmp_path / "out")["frame_index"]) == 10, "the recording is kept"


def test_following_the_fix_gives_3d(tmp_path, demo_video, mediapipe_installed, checkpoint) -> None:
    args = ["--checkpoint", str(checkpoint), "--max-frames", "10", "--stride", "8", "--window", "243"]
    done = _headless(tmp_path, demo_video, *args, "--lift-sync")
    assert done.returncode == 0, done.stderr[-2000:]
    recording = load_recording(tmp_path / "out")
    with_3d = int((recording["pose3d_frame"] >= 0).sum())
    assert with_3d > 0 and f"live-pose: 3D in {with_3d} of 10 frames" in done.stdout


def test_no_person_in_any_frame_fails_and_says_so(tmp_path, mediapipe_installed, checkpoint) -> None:
    empty = tmp_path / "empty.mp4"
    writer = cv2.VideoWriter(str(empty), cv2.VideoWriter_fourcc(*"mp4v"), 30, (320, 240))
    for shade in range(12):
        writer.write(np.full((240, 320, 3), 40 + 10 * shade, np.uint8))
    writer.release()
    done = _headless(tmp_path, empty, "--checkpoint", str(checkpoint), "--lift-sync")
    assert done.returncode == 1, (done.stdout, done.stderr[-2000:])
    assert "live-pose: 3D in 0 of 12 frames; without 3D: 12 with no person detected" in done.stdout
    (line,) = error_lines(done.stderr)
    assert (
        "the 2D estimator found no person in any of the 12 frames — fix: point the source at a person" in line
    )


def test_checkpoint_none_says_the_run_gives_no_3d(tmp_path, demo_video, mediapipe_installed) -> None:
    done = _headless(tmp_path, demo_video, "--max-frames", "3", "--checkpoint", "none")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "live-pose: no 3D lifter (--checkpoint none): 2D only" in done.stderr
    assert "github.com/nankingjing/PoseMamba" in done.stderr, "where real weights come from"
    assert "live-pose: no 3D: --checkpoint none" in done.stdout
    assert np.isnan(load_recording(tmp_path / "out")["pose3d"]).all()
