"""Fixtures for the doctor's tests: check modules, knowledge, the cached broken venvs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from envkit.resources import data_dir

from . import envs

CHECKS = data_dir("checks")


def load_check(name: str):
    """checks/<name>.py as a module (its helpers _common/_x11 resolve from the checks folder)."""
    if str(CHECKS) not in sys.path:
        sys.path.append(str(CHECKS))  # appended: never shadows an installed package
    spec = importlib.util.spec_from_file_location(f"envkit_test_check_{name}", CHECKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def knowledge() -> dict:
    """The compat tables as the checks receive them (compat.knowledge_json())."""
    from envkit.doctor import context

    tables = context.knowledge()
    if not tables.get("gpus"):
        pytest.skip("envkit.compat (the foundation's knowledge tables) is not in this checkout yet")
    return tables


def _venv_or_skip(build) -> Path:
    try:
        return build() / "bin" / "python"
    except Exception as error:  # no network / no PyPI: say so instead of failing the suite
        pytest.skip(f"could not build the broken venv ({str(error).splitlines()[0][:300]}); needs PyPI")


@pytest.fixture(scope="session")
def openmmlab_python() -> Path:
    return _venv_or_skip(envs.openmmlab_venv)


@pytest.fixture(scope="session")
def xtcocotools_python() -> Path:
    return _venv_or_skip(envs.xtcocotools_venv)


@pytest.fixture(scope="session")
def skew_python() -> Path:
    return _venv_or_skip(envs.skew_venv)
