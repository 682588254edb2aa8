"""The mocap tests read DeepMimic's clips from the pybullet wheel (the `demo` extra, part of `dev`)."""

from __future__ import annotations

import importlib.util

import pytest


@pytest.fixture(scope="session", autouse=True)
def pybullet_wheel() -> None:
    if importlib.util.find_spec("pybullet_data") is None:
        pytest.skip("pybullet is not installed: pip install 'envkit[demo]' (pybullet==3.2.7 ships the clips)")
