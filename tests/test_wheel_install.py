"""A non-editable install from a wheel built from this checkout finds recipes/, dockerfiles/, checks/.

This is what `pip install .` does on a fresh clone: the data folders must travel inside the wheel
(pyproject force-include -> envkit/_data) and envkit.resources must find them there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_wheel_install_finds_every_data_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--wheel-dir",
        wheels,
        ROOT,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("envkit-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, cwd=tmp_path)

    # Run from an unrelated folder, so nothing can come from the checkout.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = (
        "import envkit, json; from envkit.resources import data_dir, project_root; "
        "print(json.dumps({'package': envkit.__file__, 'root': str(project_root()), "
        "**{name: str(data_dir(name)) for name in ('recipes', 'dockerfiles', 'checks', 'kernels')}}))"
    )
    found = json.loads(_run(python, "-c", probe, cwd=elsewhere).stdout)
    site = Path(found["package"]).parent
    assert str(ROOT) not in found["package"]
    assert found["root"] == "None"
    for name in ("recipes", "dockerfiles", "checks", "kernels"):
        assert Path(found[name]) == site / "_data" / name
    shipped = sorted(path.name for path in (site / "_data" / "recipes").glob("*.toml"))
    assert shipped == sorted(path.name for path in (ROOT / "recipes").glob("*.toml"))
    assert (site / "_data" / "dockerfiles" / "templates" / "Dockerfile.j2").is_file()
    assert (site / "compat" / "data" / "torch.toml").is_file()
    # The released training configs travel inside the posemamba package (`--config S`).
    assert (site.parent / "posemamba" / "configs" / "PoseMamba_train_h36m_S.yaml").is_file()

    envkit = venv / "bin" / "envkit"
    listed = _run(envkit, "recipes", cwd=elsewhere).stdout
    assert "rtx5090" in listed and "dgx-spark" in listed
    rendered = _run(envkit, "render", cwd=elsewhere).stdout
    assert rendered == (ROOT / "dockerfiles" / "rtx5090.Dockerfile").read_text(encoding="utf-8")
