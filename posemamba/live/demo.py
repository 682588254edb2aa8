"""The demo video used when no camera is connected: Sports2D's demo.mp4 (PyPI `sports2d`, BSD-3).

1768x994, 230 frames at 30 fps, people walking side-on. It ships inside the sports2d wheel as
Sports2D/Demo/demo.mp4; `pip install --no-deps sports2d==0.8.34` installs just that (its
dependencies are not needed for the file). CI extracts the same file into the envkit cache.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from posemamba.cache import cache_dir as posemamba_cache_dir
from posemamba.errors import PoseMambaError

SPORTS2D = "sports2d==0.8.34"


def cache_dir() -> Path:
    """<posemamba's cache folder>/live-pose (posemamba.cache), where CI puts the demo video."""
    return posemamba_cache_dir() / "live-pose"


def find_demo_video() -> Path | None:
    """The installed package's demo.mp4, else the cached copy; None when neither exists."""
    spec = importlib.util.find_spec("Sports2D")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "Demo" / "demo.mp4"
            if candidate.is_file():
                return candidate
    cached = cache_dir() / "sports2d" / "demo.mp4"
    return cached if cached.is_file() else None


def demo_video() -> Path:
    found = find_demo_video()
    if found is None:
        raise PoseMambaError(
            "no camera is connected and the demo video is not installed",
            fix=f"pip install --no-deps {SPORTS2D} (ships Sports2D/Demo/demo.mp4), "
            "or pass --source PATH|webcam:N|realsense",
        )
    return found
