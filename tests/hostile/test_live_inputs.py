"""live-pose: --out and option inputs refused in one line before any model loads, and recordings that
are never lost or mixed (a killed run's folder, foreign chunks, user files, a full disk)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from posemamba.errors import PoseMambaError, RecordingError
from posemamba.live.sinks.recorder import _arrays
from posemamba.live.sinks.recording import check_out, load_recording, recover
from tests.conftest import FIXTURES
from tests.hostile.one_line import LIVE, assert_failure_line, assert_one_line, run, snapshot

pytestmark = pytest.mark.slow
TINY = FIXTURES / "posemamba" / "tiny_f27_d32_l2_checkpoint.bin"


def live(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run([*LIVE, "--headless", *args], env=env)


def _chunk(folder: Path, index: int, first_frame: int, frames: int = 30) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "frame": f,
            "track_id": 1,
            "keypoints2d": np.zeros((17, 2)),
            "scores2d": np.ones(17),
            "bbox": np.zeros(4),
            "pose3d": np.zeros((17, 3)),
            "pose3d_frame": f,
            "pose3d_age": 0.1,
            "metric3d": np.zeros((17, 3)),
            "root3d": np.zeros(3),
        }
        for f in range(first_frame, first_frame + frames)
    ]
    timing = [(f, f / 30, f / 30) for f in range(first_frame, first_frame + frames)]
    np.savez(folder / f"poses-{index:06d}.npz", **_arrays(timing, rows))


def killed_run(out: Path, chunks: int = 3) -> None:
    """What a SIGKILLed run leaves: recording.json (complete: false) and whole chunks."""
    out.mkdir(exist_ok=True)
    (out / "recording.json").write_text('{"source": "demo.mp4", "fps": 30.0, "complete": false}\n')
    for index in range(chunks):
        _chunk(out / "chunks", index, 30 * index)


@pytest.mark.parametrize("kind", ["file", "below a file", "proc", "recording", "killed run", "user file"])
def test_out_that_cannot_take_a_recording(tmp_path: Path, demo_video: Path, kind: str) -> None:
    out = {
        "file": tmp_path / "f",
        "below a file": tmp_path / "f" / "rec",
        "proc": Path("/proc/envkit-rec"),
        "recording": tmp_path / "r",
        "killed run": tmp_path / "k",
        "user file": tmp_path / "u",
    }[kind]
    (tmp_path / "f").write_text("mine\n")
    if kind == "recording":
        killed_run(out, 1)
        recover(out)
    elif kind == "killed run":
        killed_run(out)
    elif kind == "user file":
        out.mkdir()
        (out / "notes.txt").write_text("mine\n")
    before = snapshot(tmp_path)
    started = time.monotonic()
    done = live("--source", str(demo_video), "--out", str(out), "--checkpoint", str(TINY))
    needle = {
        "killed run": "--recover",
        "recording": "already holds a recording",
        "proc": "cannot be written",
        "file": "is a file",
        "below a file": "which is a file",
        "user file": "1 other entries",
    }[kind]
    assert_one_line(done, 2, "--out", needle)
    assert snapshot(tmp_path) == before, "nothing written, nothing lost"
    assert time.monotonic() - started < 120


def test_read_only_out(tmp_path: Path, demo_video: Path) -> None:
    mount = tmp_path / "ro"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.decode().strip()}")
    try:
        assert_one_line(
            live("--source", str(demo_video), "--out", str(mount / "rec")), 2, "Read-only file system"
        )
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--source", "webcam:²"], {}, "webcam:N"),
        (["--source", "webcam:" + "9" * 20], {}, "webcam:N"),
        (["--window", "²"], {}, "not a number or auto"),
        (["--window", "9" * 20], {}, "not 1..243"),
        (["--device", "potato"], {}, "device 'potato'"),
        (["--checkpoint", str(TINY)], {"POSEMAMBA_SCAN_BACKEND": "bogus"}, "$POSEMAMBA_SCAN_BACKEND"),
        (["--checkpoint", str(TINY), "--window", "100"], {}, "longer than the checkpoint's model takes (27"),
    ],
)
def test_options_refused_in_one_line(tmp_path: Path, demo_video: Path, args, env, needle: str) -> None:
    done = live("--source", str(demo_video), "--out", str(tmp_path / "rec"), *args, env=env)
    assert_one_line(done, 2, needle)


def test_check_out_accepts_new_and_empty_folders(tmp_path: Path) -> None:
    check_out(tmp_path / "new" / "deeper")
    check_out(tmp_path)
    assert list(tmp_path.iterdir()) == [], "the check creates nothing"
    (tmp_path / "x").write_text("")
    with pytest.raises(PoseMambaError):
        check_out(tmp_path)


def test_recover_joins_a_killed_run_and_keeps_user_files(tmp_path: Path) -> None:
    killed_run(tmp_path)
    (tmp_path / "chunks" / "mine.npz").write_bytes(b"user data")
    info = recover(tmp_path)
    assert info["frames"] == 90 and info["complete"] and info["recovered"]
    assert load_recording(tmp_path)["frame_index"].tolist() == list(range(90))
    assert sorted(p.name for p in (tmp_path / "chunks").iterdir()) == ["mine.npz"]
    with pytest.raises(PoseMambaError, match="complete recording already"):
        recover(tmp_path)


@pytest.mark.parametrize("stray", ["foreign npz", "not an npz", "gap", "repeat"])
def test_a_bad_chunk_fails_and_keeps_every_chunk(tmp_path: Path, stray: str) -> None:
    killed_run(tmp_path, 2)
    chunks = tmp_path / "chunks"
    if stray == "foreign npz":
        np.savez(chunks / "poses-000002.npz", weights=np.zeros(3))
    elif stray == "not an npz":
        (chunks / "poses-000002.npz").write_bytes(b"PK\x03\x04 nope")
    else:
        _chunk(chunks, 2, 90 if stray == "gap" else 30)
    before = snapshot(tmp_path)
    with pytest.raises(RecordingError) as info:
        recover(tmp_path)
    assert "saved: 3 chunk files" in str(info.value) and "--recover" in str(info.value)
    assert info.value.exit_code == 1
    assert snapshot(tmp_path) == before and not (tmp_path / "poses.npz").exists()


def test_sigkill_then_rerun_is_refused_and_recover_keeps_every_frame(
    tmp_path, demo_video, mediapipe_installed
):
    out = tmp_path / "rec"
    process = subprocess.Popen(
        [*LIVE, "--headless", "--source", str(demo_video), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while len(list((out / "chunks").glob("poses-*.npz"))) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it was killed"
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    saved = len(load_recording(out)["frame_index"])
    before = snapshot(out)
    assert_one_line(
        live("--source", str(demo_video), "--out", str(out), "--max-frames", "20"), 2, "--recover"
    )
    assert snapshot(out) == before, "the rerun touched the killed run's chunks"
    done = run([*LIVE, "--recover", str(out)])
    assert done.returncode == 0, done.stderr
    assert load_recording(out)["frame_index"].tolist() == list(range(saved))


def test_a_full_disk_is_a_failure_with_what_was_saved(tmp_path, demo_video, mediapipe_installed) -> None:
    mount = tmp_path / "small"  # room for the first 30-frame chunk (~0.7 MB of video), not for 120 frames
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1000k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        out = mount / "rec"
        done = live("--source", str(demo_video), "--out", str(out), "--max-frames", "120")
        line = assert_failure_line(done, 1, "No space left on device", "saved:", "--recover")
        assert "recording in" not in done.stdout, "never say the recording is there when it is not"
        assert not (out / "poses.npz").exists() or "complete" not in line
        kept = len(load_recording(out)["frame_index"])
        assert kept > 0, "the tmpfs holds one 30-frame chunk (about 0.7 MB of video) but not the run"
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)
        assert run([*LIVE, "--recover", str(out)]).returncode == 0
        assert len(load_recording(out)["frame_index"]) == kept
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
