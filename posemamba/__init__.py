"""posemamba: a faithful, fast PoseMamba (AAAI 2025) that loads the released checkpoints.

    model = posemamba.load("PoseMamba_S.bin")     # eval mode; S, B, L detected from the weights
    model = posemamba.load("demo")                # the small demo lifter shipped in the package
    poses3d = model(keypoints2d)                   # (B, T <= 243, 17, 2|3) -> (B, T, 17, 3)

`posemamba.keypoints` has the input/output conventions (COCO -> H36M, screen normalisation, flip
test-time augmentation, clips); `posemamba.scan` the selective-scan backends.

The model names are imported on first use, so `import posemamba.errors` (what a command line needs to
print an error) does not import torch. Importing posemamba before torch lets idle OpenMP threads sleep
instead of spinning (posemamba.threads: OMP_WAIT_POLICY=PASSIVE unless you set a wait policy).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from posemamba.errors import CheckpointError, InputShapeError, PoseMambaError
from posemamba.threads import set_wait_defaults

# Before anything imports torch: libgomp reads its wait policy once, when torch loads it.
set_wait_defaults()

if TYPE_CHECKING:
    from posemamba.checkpoint import load
    from posemamba.model import VARIANTS, PoseMamba

_LAZY = {"load": "posemamba.checkpoint", "PoseMamba": "posemamba.model", "VARIANTS": "posemamba.model"}

__all__ = ["VARIANTS", "CheckpointError", "InputShapeError", "PoseMamba", "PoseMambaError", "load"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'posemamba' has no attribute {name!r}")
