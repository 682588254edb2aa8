"""The MMPose options default to the GPU images' pinned checkpoints ($ENVKIT_*); no mmpose needed here."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from envkit.errors import UsageError
from envkit.recipes import load_recipe
from envkit.render import render_context
from posemamba.errors import PoseMambaError
from posemamba.live import cli
from posemamba.live.estimators import mmpose_topdown
from tests.live.conftest import error_lines, run_live

ENV_OF = {
    "pose2d_config": "ENVKIT_POSE2D_CONFIG",
    "pose2d_checkpoint": "ENVKIT_POSE2D_CHECKPOINT",
    "det_config": "ENVKIT_DET_CONFIG",
    "det_checkpoint": "ENVKIT_DET_CHECKPOINT",
}
runner = CliRunner()


def _parsed(monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]):
    """The LiveConfig the command builds from `args` and `env` (the pipeline itself is not run)."""
    captured = []

    def fake_run(config, environment_check=None):
        captured.append(config)
        raise UsageError("stopped before the pipeline", fix="none")

    for name in ENV_OF.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("posemamba.live.run", fake_run)
    app = typer.Typer(add_completion=False)
    app.command()(cli.live_pose)
    result = runner.invoke(app, ["--estimator", "mmpose", *args], env=env)
    assert isinstance(result.exception, UsageError), result.output
    return captured[0]


def test_the_options_read_the_images_env(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {name: f"/opt/envkit/models/{field}.pth" for field, name in ENV_OF.items()}
    config = _parsed(monkeypatch, [], env)
    assert config.pose2d_checkpoint == Path(env["ENVKIT_POSE2D_CHECKPOINT"])
    assert config.det_checkpoint == Path(env["ENVKIT_DET_CHECKPOINT"])
    assert (config.pose2d_config, config.det_config) == (
        env["ENVKIT_POSE2D_CONFIG"],
        env["ENVKIT_DET_CONFIG"],
    )


def test_a_flag_beats_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    config = _parsed(
        monkeypatch, ["--det-checkpoint", "random"], {"ENVKIT_DET_CHECKPOINT": "/opt/envkit/models/det.pth"}
    )
    assert config.det_checkpoint == Path("random") and config.pose2d_checkpoint is None


def test_the_cli_reads_the_variables_the_images_set() -> None:
    app = typer.Typer()
    app.command()(cli.live_pose)
    envvars = {param.name: param.envvar for param in typer.main.get_command(app).params}
    assert {name: envvars[name] for name in ENV_OF} == ENV_OF
    assert set(render_context(load_recipe("rtx5090"))["model_env"]) == set(ENV_OF.values())


def test_a_missing_checkpoint_from_the_env_is_a_one_line_usage_error(tmp_path: Path) -> None:
    """A real process: the env var reaches the preflight, which stops before mmpose is imported."""
    missing = tmp_path / "rtmpose-m.pth"
    env = {**os.environ, "ENVKIT_POSE2D_CHECKPOINT": str(missing), "ENVKIT_DET_CHECKPOINT": "random"}
    done = run_live(
        "--headless", "--out", str(tmp_path / "out"), "--estimator", "mmpose", env=env, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert error_lines(done.stderr) == [
        f"envkit: error: --pose2d-checkpoint {missing} does not exist — fix: pass --pose2d-checkpoint PATH "
        "to an existing .pth"
    ]


@pytest.fixture
def fake_mmpose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `mmpose` module whose wheel folder holds one .mim config (the real one is not installed here)."""
    package = tmp_path / "mmpose"
    config = package / ".mim" / mmpose_topdown.DEFAULT_POSE_CONFIG
    config.parent.mkdir(parents=True)
    config.write_text("# a config\n")
    module = types.ModuleType("mmpose")
    module.__file__ = str(package / "__init__.py")
    monkeypatch.setitem(sys.modules, "mmpose", module)
    return config


def test_a_config_is_a_file_or_a_path_inside_mmpose_mim(fake_mmpose: Path, tmp_path: Path) -> None:
    resolve = mmpose_topdown._config
    default = mmpose_topdown.DEFAULT_POSE_CONFIG
    assert resolve(None, default, "--pose2d-config") == str(fake_mmpose)
    assert resolve(default, "unused.py", "--pose2d-config") == str(fake_mmpose)  # the images' ENV form
    own = tmp_path / "mine.py"
    own.write_text("# mine\n")
    assert resolve(str(own), default, "--pose2d-config") == str(own)
    with pytest.raises(PoseMambaError, match=r"--pose2d-config /nowhere/x\.py does not exist"):
        resolve("/nowhere/x.py", default, "--pose2d-config")
    with pytest.raises(PoseMambaError, match=r"bundled config configs/absent\.py is missing"):
        resolve("configs/absent.py", default, "--pose2d-config")
