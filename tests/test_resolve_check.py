""".ci/resolve_check.py: CI's guard against pip's resolver backtracking (issue #13), on real pip logs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from tests.conftest import FIXTURES, ROOT

SCRIPT = ROOT / ".ci" / "resolve_check.py"
LOGS = FIXTURES / "pip"


def _module():
    spec = importlib.util.spec_from_file_location("resolve_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_backtracking_install_names_every_package_and_the_versions_it_fetched() -> None:
    versions, megabytes, backtracked = _module().fetched((LOGS / "dev-backtracking.log").read_text())
    assert len(versions["rerun-sdk"]) == 49 and versions["rerun-sdk"][-1] == "0.23.1"
    assert versions["opencv-contrib-python"][0] == "5.1.0.95" and len(versions["opencv-contrib-python"]) == 7
    assert len(versions["jax"]) == len(versions["jaxlib"]) == 13
    assert versions["torch"] == ["2.13.0+cpu"], "a local find-links file counts as a candidate too"
    assert 7900 < megabytes < 8200, "about 8 GB, as the issue measured"
    assert {"rerun-sdk", "jax", "opencv-contrib-python", "ml-dtypes"} <= backtracked


def test_the_command_fails_on_backtracking_and_passes_a_straight_resolve() -> None:
    check = [sys.executable, SCRIPT, "--log"]
    bad = subprocess.run([*check, LOGS / "dev-backtracking.log"], capture_output=True, text=True)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert lines[0].endswith("dev-backtracking.log: 63 packages, 8050 MB downloaded")
    assert "resolve-check:   rerun-sdk: 49 versions fetched (0.41.0, 0.40.0," in bad.stdout
    assert lines[-1].endswith("FAILED — bound or pin the packages above (pyproject extras)")
    good = subprocess.run([*check, LOGS / "realsense-straight.log"], capture_output=True, text=True)
    assert good.returncode == 0, good.stdout
    assert good.stdout.count("\n") == 1 and "FAILED" not in good.stdout


def test_each_extra_means_every_optional_dependency_group_but_dev() -> None:
    from envkit._toml import tomllib

    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    specs = _module().extras(ROOT / "pyproject.toml")
    assert specs == [f".[{name}]" for name in groups if name != "dev"] and ".[mediapipe]" in specs
