"""Bad input stops with exit 2 and one line that says what is wrong and how to fix it."""

from __future__ import annotations

import pytest

from tests.live.conftest import error_lines, run_live


def _assert_usage_error(done, *needles: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = error_lines(done.stderr)
    assert len(lines) == 1, done.stderr
    assert "fix:" in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_source_that_does_not_exist(tmp_path) -> None:
    done = run_live("--headless", "--out", str(tmp_path), "--source", str(tmp_path / "nothing.mp4"))
    _assert_usage_error(done, "nothing.mp4", "webcam:0")


def test_webcam_that_is_not_there(tmp_path, mediapipe_installed) -> None:
    _assert_usage_error(run_live("--headless", "--out", str(tmp_path), "--source", "webcam:9"), "camera 9")


def test_webcam_without_an_index(tmp_path) -> None:
    _assert_usage_error(
        run_live("--headless", "--out", str(tmp_path), "--source", "webcam:front"), "webcam:N"
    )


def test_unreadable_video(tmp_path, mediapipe_installed) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    done = run_live("--headless", "--out", str(tmp_path / "out"), "--source", str(broken))
    _assert_usage_error(done, "cannot read video", "broken.mp4")


def test_missing_checkpoint(tmp_path, demo_video) -> None:
    done = run_live("--headless", "--out", str(tmp_path), "--source", str(demo_video), "--checkpoint",
                    str(tmp_path / "posemamba_s.bin"))  # fmt: skip
    _assert_usage_error(done, "posemamba_s.bin", "does not exist")


def test_corrupt_checkpoint(tmp_path, demo_video, mediapipe_installed, checkpoint) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a checkpoint")
    done = run_live("--headless", "--out", str(tmp_path / "out"), "--source", str(demo_video), "--checkpoint",
                    str(bad))  # fmt: skip
    _assert_usage_error(done, "bad.bin")


def test_unknown_estimator(tmp_path, demo_video) -> None:
    done = run_live(
        "--headless", "--out", str(tmp_path), "--source", str(demo_video), "--estimator", "openpose"
    )
    _assert_usage_error(done, "openpose", "mediapipe")


def test_headless_without_out_keeps_nothing(demo_video, mediapipe_installed) -> None:
    _assert_usage_error(run_live("--headless", "--source", str(demo_video)), "--out")


def test_no_display_gives_the_doctors_diagnosis(demo_video, mediapipe_installed) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = run_live("--source", str(demo_video), env=env)
    _assert_usage_error(done, "x11_display", "DISPLAY", "--headless")


def test_realsense_without_a_camera(tmp_path, mediapipe_installed) -> None:
    pytest.importorskip("pyrealsense2", reason="pyrealsense2 is not installed (envkit[realsense])")
    done = run_live("--headless", "--out", str(tmp_path), "--source", "realsense")
    _assert_usage_error(done, "realsense_env", "no device")


def test_the_library_cli_has_no_native_flag_and_its_own_error_prefix(tmp_path) -> None:
    """`--native` is envkit's (run here, not in the container); posemamba.live always runs here."""
    import subprocess
    import sys

    native = subprocess.run([sys.executable, "-m", "posemamba.live", "--native"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert native.returncode == 2 and "No such option: --native" in native.stderr
    done = subprocess.run([sys.executable, "-m", "posemamba.live", "--headless"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "posemamba: error: --headless without --out would show and keep nothing — fix: add --out DIR"
    ]


def test_register_adds_live_pose_to_a_run_group(tmp_path) -> None:
    """The glue envkit's `run` command group calls: `envkit run live-pose --native ...`."""
    import typer
    from typer.testing import CliRunner

    from posemamba.errors import PoseMambaError
    from posemamba.live.cli import register

    app, run_app = typer.Typer(), typer.Typer()
    app.add_typer(run_app, name="run")
    register(run_app)
    help_text = CliRunner().invoke(app, ["run", "live-pose", "--help"]).output
    for option in ("--source", "--estimator", "--checkpoint", "--stride", "--flip-tta",
                   "--headless", "--out", "--max-frames"):  # fmt: skip
        assert option in help_text
    assert "--native" not in help_text
    result = CliRunner().invoke(app, ["run", "live-pose", "--headless", "--out", str(tmp_path),
                                      "--source", "webcam:x"])  # fmt: skip
    assert isinstance(result.exception, PoseMambaError)
    assert "webcam:N" in str(result.exception)


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [("--window", "wide", "not a number or auto"), ("--window", "0", "not 1..243"),
     ("--window", "300", "not 1..243"), ("--max-3d-age", "0", "must be positive")],
)  # fmt: skip
def test_bad_window_options(tmp_path, demo_video, option: str, value: str, needle: str) -> None:
    done = run_live("--headless", "--out", str(tmp_path), "--source", str(demo_video), option, value)
    _assert_usage_error(done, option, needle)
