"""Stopping a run mid-stream loses nothing already seen: Ctrl-C (SIGINT), and even SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posemamba.live.sinks.recorder import load_recording
from tests.live.conftest import live_command

pytestmark = pytest.mark.slow


def _start(out: Path, demo_video: Path, log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(
            live_command("--headless", "--source", str(demo_video), "--out", str(out)),
            stdout=handle,
            stderr=subprocess.STDOUT,
            # the Ctrl-C this test sends must reach it, however pytest was started
        )


def _wait_for_chunks(process: subprocess.Popen, out: Path, chunks: int, log: Path) -> None:
    """Until `chunks` chunks are on disk (each is 30 frames): the run is mid-stream."""
    deadline = time.monotonic() + 180
    while len(list((out / "chunks").glob("poses-*.npz"))) < chunks:
        if process.poll() is not None:
            pytest.fail(f"the run ended before it was interrupted:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("no chunk written within 180 s")
        time.sleep(0.1)


def _video_frames(path: Path) -> int:
    capture, count = cv2.VideoCapture(str(path)), 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def test_sigint_leaves_a_complete_recording(tmp_path, demo_video, mediapipe_installed) -> None:
    out, log = tmp_path / "out", tmp_path / "log.txt"
    process = _start(out, demo_video, log)
    _wait_for_chunks(process, out, 1, log)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 130, log.read_text()[-3000:]
    assert "(interrupted)" in log.read_text()
    data = load_recording(out)
    frames = len(data["frame_index"])
    assert 30 <= frames < 230, "stopped mid-stream, after at least one chunk"
    assert np.array_equal(data["frame_index"], np.arange(frames)), "no frame lost or duplicated"
    assert _video_frames(out / "overlay.mp4") == frames
    info = json.loads((out / "recording.json").read_text())
    assert info["complete"] and info["frames"] == frames
    assert not (out / "chunks").exists()


def test_sigkill_keeps_the_flushed_chunks(tmp_path, demo_video, mediapipe_installed) -> None:
    out, log = tmp_path / "out", tmp_path / "log.txt"
    process = _start(out, demo_video, log)
    _wait_for_chunks(process, out, 2, log)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert not (out / "poses.npz").exists(), "killed outright: no consolidation ran"
    data = load_recording(out)
    frames = len(data["frame_index"])
    assert frames >= 60 and frames % 30 == 0, "whole chunks survive"
    assert np.array_equal(data["frame_index"], np.arange(frames))
    segments = sorted((out / "chunks").glob("video-*.mp4"))
    assert sum(_video_frames(segment) for segment in segments) >= frames


def test_camera_that_disappears_loses_nothing(tmp_path, demo_video, mediapipe_installed, monkeypatch) -> None:
    """A camera unplugged mid-stream (injected: no camera here) ends the run with a full recording."""
    from posemamba.live import LiveConfig, pipeline, run
    from posemamba.live.sources import SourceLost
    from posemamba.live.sources.video import VideoFileSource

    class Unplugged(VideoFileSource):
        live = True

        def frames(self):
            for frame in super().frames():
                if frame.index == 40:
                    raise SourceLost("camera gone")
                yield frame

    monkeypatch.setattr(pipeline, "open_source", lambda spec: Unplugged(spec))
    summary = run(LiveConfig(source=str(demo_video), headless=True, out=tmp_path))
    assert summary.stop_reason == "source lost: camera gone"
    data = load_recording(tmp_path)
    assert data["frame_index"].tolist() == list(range(40))
    assert _video_frames(tmp_path / "overlay.mp4") == 40
