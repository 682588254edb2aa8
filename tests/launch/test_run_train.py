"""`envkit run train|eval`: --native hands over to posemamba's command lines; the container command
mounts the data read-only and the output folder at its host path, with the recipe's shm size."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envkit.cli import app
from tests.hostile import one_line

runner = CliRunner()
H100 = {"gpus": [{"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "driver": "575.51"}]}


def _pairs(argv: list[str], option: str) -> list[str]:
    return [argv[i + 1] for i, item in enumerate(argv[:-1]) if item == option]


def test_train_container_command_mounts_data_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(H100))
    monkeypatch.setenv("ENVKIT_DOCTOR_FACTS", str(facts))
    monkeypatch.setenv("ENVKIT_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data" / "h36m_sh_conf_cam_source_final.pkl"
    data.parent.mkdir()
    data.write_bytes(b"")
    out = tmp_path / "out"
    args = ["run", "train", "--print", "--no-display", "--no-camera", "-o", str(out), "--", "--config", "S",
            "--data", str(data), "--out", "runs/S"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    argv = shlex.split(result.stdout.replace("\\\n", " "))
    assert pairs_ok(argv, data, out)


def pairs_ok(argv: list[str], data: Path, out: Path) -> bool:
    assert _pairs(argv, "--gpus") == ["all"]
    assert _pairs(argv, "--shm-size") == [str(32 * 1024**3)]  # the hopper recipe's
    mounts = _pairs(argv, "-v")
    assert f"{data.parent.resolve()}:/mnt/envkit/0:ro" in mounts
    assert f"{out.resolve()}:{out.resolve()}" in mounts  # MLflow's absolute artifact paths hold on the host
    assert _pairs(argv, "-w") == [str(out.resolve())]
    tail = argv[argv.index("posemamba.train") - 2 :]
    assert tail == ["python3", "-m", "posemamba.train", "--config", "S", "--data",
                    "/mnt/envkit/0/h36m_sh_conf_cam_source_final.pkl", "--out", "runs/S"]  # fmt: skip
    return True


def test_native_train_and_eval_are_posemambas_commands(tmp_path: Path) -> None:
    """`envkit run train|eval --native` are posemamba's commands: their bad input reaches envkit's entry
    point as its one error line, exit 2 (a real process: the error is printed by envkit's main)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("lerning_rate: 1\n")
    done = one_line.run([*one_line.ENVKIT, "run", "train", "--native", "--config", str(bad)])
    one_line.assert_one_line(done, 2, "unknown key 'lerning_rate' (did you mean 'learning_rate'?)")
    missing = tmp_path / "none.bin"
    done = one_line.run(
        [*one_line.ENVKIT, "run", "eval", "--native", "--checkpoint", str(missing), "--data", str(tmp_path)]
    )
    one_line.assert_one_line(done, 2, f"checkpoint {missing} does not exist")
