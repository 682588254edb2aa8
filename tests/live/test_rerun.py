"""The optional Rerun sink writes the skeletons the recorder has, per frame, into live.rrd."""

from __future__ import annotations

import numpy as np
import pytest

from posemamba.live.sinks.recorder import load_recording
from tests.live.conftest import run_live

pytestmark = pytest.mark.slow


def test_rerun_recording_has_every_3d_skeleton(tmp_path, demo_video, mediapipe_installed, checkpoint) -> None:
    try:
        import rerun as rr
    except Exception as error:  # ImportError, or pyarrow refusing numpy 1.x
        pytest.skip(
            f"rerun-sdk is not usable here ({error}); it is optional: pip install rerun-sdk 'pyarrow<20'"
        )
    lift = ["--checkpoint", str(checkpoint), "--window", "27", "--stride", "2", "--lift-sync"]
    done = run_live("--headless", "--rerun", "--source", str(demo_video), "--out", str(tmp_path),
                    "--max-frames", "12", *lift)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    data = load_recording(tmp_path)
    lifted = data["pose3d_frame"] >= 0
    assert lifted.any()
    table = rr.dataframe.load_recording(str(tmp_path / "live.rrd")).view(
        index="frame", contents="/skeleton/**"
    )
    table = table.select("frame", "/skeleton/0/joints:Position3D").read_all()
    frames = table.column("frame").to_pylist()
    joints = table.column("/skeleton/0/joints:Position3D").to_pylist()
    logged = {
        frame: np.asarray(points, dtype=np.float32)
        for frame, points in zip(frames, joints, strict=True)
        if points is not None
    }
    assert sorted(logged) == data["frame"][lifted].tolist()
    for frame, pose in zip(data["frame"][lifted], data["pose3d"][lifted], strict=True):
        np.testing.assert_allclose(logged[frame], pose * np.array([1, -1, 1]), atol=1e-6)  # y up in the view
