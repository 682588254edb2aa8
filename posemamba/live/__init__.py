"""Live pose: camera -> 2D pose -> tracks -> PoseMamba 3D -> window / recording / Rerun.

API: `run(LiveConfig, environment_check=None) -> RunSummary`; the command line is
`posemamba.live.cli` (`python -m posemamba.live`, and envkit's `run live-pose --native`). The names are
imported on first use, so `posemamba.live.config` loads without OpenCV, MediaPipe or torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posemamba.live.config import LiveConfig, RunSummary
    from posemamba.live.pipeline import run

_LAZY = {
    "LiveConfig": "posemamba.live.config",
    "RunSummary": "posemamba.live.config",
    "run": "posemamba.live.pipeline",
}

__all__ = ["LiveConfig", "RunSummary", "run"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'posemamba.live' has no attribute {name!r}")
