"""`envkit run --print`: the docker run command for a GPU recipe on a host with a GPU, camera and display.

The display is a real Xvfb with its own cookie (tests/conftest.py); the GPU and the RealSense camera cannot
exist here, so they are injected as the doctor's facts ($ENVKIT_DOCTOR_FACTS).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envkit.cli import app
from envkit.containers.devices import CONTAINER_XAUTH

runner = CliRunner()
RTX5090_HOST = {
    "gpus": [{"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0", "driver": "575.51.03"}],
    "usb_devices": [{"vendor": "8086", "product": "0b3a", "name": "Intel RealSense D435", "speed": 5000}],
}


def printed(args: list[str], facts: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    monkeypatch.setenv("ENVKIT_DOCTOR_FACTS", str(path))
    monkeypatch.setenv("ENVKIT_CACHE_DIR", str(tmp_path / "cache"))
    result = runner.invoke(app, ["run", args[0], "--print", *args[1:]])
    assert result.exit_code == 0, result.output
    return shlex.split(result.stdout.replace("\\\n", " "))


def pairs(argv: list[str], option: str) -> list[str]:
    return [argv[i + 1] for i, item in enumerate(argv[:-1]) if item == option]


@pytest.mark.xvfb
def test_live_pose_for_rtx5090_has_gpu_shm_usb_rules_and_x11_by_cookie(
    xvfb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", xvfb.display)
    monkeypatch.setenv("XAUTHORITY", str(xvfb.xauthority))
    argv = printed(
        ["live-pose", "--recipe", "rtx5090", "-o", str(tmp_path / "out")], RTX5090_HOST, tmp_path, monkeypatch
    )
    assert argv[:4] == ["docker", "run", "--rm", "--init"]
    assert pairs(argv, "--gpus") == ["all"]
    assert pairs(argv, "--shm-size") == [str(8 * 1024**3)]  # the recipe's 8g
    assert "/dev/bus/usb:/dev/bus/usb" in pairs(argv, "-v")
    assert pairs(argv, "--device-cgroup-rule") == ["c 189:* rmw", "c 81:* rmw"]
    assert f"DISPLAY={xvfb.display}" in pairs(argv, "-e")
    assert f"XAUTHORITY={CONTAINER_XAUTH}" in pairs(argv, "-e")
    cookie_mount = next(m for m in pairs(argv, "-v") if m.endswith(f":{CONTAINER_XAUTH}:ro"))
    cookie_file = Path(cookie_mount.split(":")[0])
    listed = subprocess.run(["xauth", "-f", str(cookie_file), "list"], capture_output=True, text=True).stdout
    assert listed.startswith("#ffff#") and "MIT-MAGIC-COOKIE-1" in listed  # FamilyWild: any hostname
    assert "/tmp/.X11-unix:/tmp/.X11-unix:ro" in pairs(argv, "-v")
    assert pairs(argv, "--user") == [f"{os.getuid()}:{os.getgid()}"]
    assert f"{(tmp_path / 'out').resolve()}:/out" in pairs(argv, "-v")
    assert "--privileged" not in argv and not any("xhost" in item for item in argv)
    image = next(item for item in argv if item.startswith("envkit/rtx5090:"))
    assert argv[argv.index(image) :] == [image, "envkit", "run", "live-pose", "--native"]
    assert not (tmp_path / "out").exists()  # --print creates nothing the user would have to clean up


def test_shell_for_cpu_without_gpu_camera_or_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    argv = printed(["shell", "--recipe", "cpu"], {"gpus": [], "usb_devices": []}, tmp_path, monkeypatch)
    assert "--gpus" not in argv and "--device-cgroup-rule" not in argv
    assert pairs(argv, "--shm-size") == [str(2 * 1024**3)] and "-it" in argv
    assert argv[-1] == "bash"


def test_arguments_after_the_double_dash_go_to_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = printed(
        ["live-pose", "--recipe", "cpu", "--no-display", "--", "--output", "x"], {}, tmp_path, monkeypatch
    )
    assert argv[-6:] == ["envkit", "run", "live-pose", "--native", "--output", "x"]


def test_gpu_choice_without_recipe_follows_the_injected_gpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = {"gpus": [{"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "driver": "575.51"}]}
    argv = printed(["shell", "--no-display", "--no-camera"], facts, tmp_path, monkeypatch)
    assert any(item.startswith("envkit/hopper:") for item in argv) and pairs(argv, "--shm-size") == [
        str(32 * 1024**3)
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["dance"], 2, "unknown target 'dance'"),
        (["shell", "--print", "--native"], 2, "--print shows a container command; --native runs here"),
    ],
)
def test_usage_errors(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, ["run", *args])
    assert result.exit_code == code or getattr(result.exception, "exit_code", None) == code
    assert message in str(result.exception) + result.output


def test_native_live_pose_delegates_or_says_why_in_one_line() -> None:
    try:
        import posemamba.live  # noqa: F401
    except ImportError:
        result = runner.invoke(app, ["run", "live-pose", "--native"])
        assert result.exit_code == 1 or getattr(result.exception, "exit_code", None) == 1
        assert "posemamba.live is not importable" in str(result.exception)
    else:
        pytest.skip("posemamba.live is installed: the live-pose part tests its own options")
