"""Fixtures for live pose: the real demo video, a PoseMamba checkpoint and a way to run the command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

# The man on the box in Sports2D's demo.mp4 (1768x994), frames 0-119, labelled by eye on frames 0,
# 60 and 120: x 580-780, y 76-460 px. A generous margin around it.
WALKER_BOX = (480.0, 30.0, 880.0, 520.0)
WALKER_FRAMES = 120


@pytest.fixture(scope="session")
def demo_video() -> Path:
    """Sports2D's demo.mp4: installed, cached, or fetched from PyPI now as live-pose does on first use."""
    from posemamba.live.demo import DemoVideoError, demo_video

    try:
        return demo_video()
    except DemoVideoError as error:
        pytest.skip(f"Sports2D's demo.mp4 is not here and could not be fetched: {error}")


@pytest.fixture(scope="session")
def mediapipe_installed() -> None:
    import importlib.util

    if importlib.util.find_spec("mediapipe") is None:
        pytest.skip("mediapipe is not installed (pip install 'envkit[mediapipe]')")


@pytest.fixture(scope="session")
def checkpoint() -> Path:
    """PoseMamba-S with the golden checkpoint's (random) weights: real shapes, a fine test lifter."""
    return FIXTURES / "posemamba" / "posemamba_s_checkpoint.bin"


def live_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "envkit", "run", "live-pose", "--native", *args]


def run_live(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """`envkit run live-pose --native ARGS`: posemamba.live with envkit's doctor before it."""
    return subprocess.run(
        live_command(*args), capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("envkit: error:")]
