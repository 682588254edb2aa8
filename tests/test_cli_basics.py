"""The CLI skeleton: version, help, and the one-line error convention."""

from __future__ import annotations

import subprocess
import sys

from envkit import __version__
from envkit.errors import UsageError
from envkit.resources import data_dir


def run_envkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "envkit", *args], capture_output=True, text=True, check=False
    )


def test_version_prints_the_package_version() -> None:
    done = run_envkit("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"envkit {__version__}"


def test_unknown_command_is_a_usage_error_without_traceback() -> None:
    done = run_envkit("no-such-command")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "no-such-command" in done.stderr


def test_error_one_line_carries_the_fix() -> None:
    error = UsageError("recipe 'x' not found", fix="run `envkit recipes` to list them")
    assert error.one_line() == "recipe 'x' not found — fix: run `envkit recipes` to list them"
    assert error.exit_code == 2


def test_data_folders_resolve_from_the_checkout() -> None:
    for name in ("recipes", "dockerfiles", "checks", "kernels"):
        assert data_dir(name).is_dir()
