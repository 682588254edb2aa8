"""posemamba: a faithful, fast PoseMamba (AAAI 2025) that loads the released checkpoints.

    model = posemamba.load("PoseMamba_S.bin")     # eval mode; S, B, L detected from the weights
    poses3d = model(keypoints2d)                   # (B, T <= 243, 17, 2|3) -> (B, T, 17, 3)

`posemamba.keypoints` has the input/output conventions (COCO -> H36M, screen normalisation, flip
test-time augmentation, clips); `posemamba.scan` the selective-scan backends.
"""

from posemamba.checkpoint import load
from posemamba.errors import CheckpointError, InputShapeError, PoseMambaError
from posemamba.model import VARIANTS, PoseMamba

__all__ = ["VARIANTS", "CheckpointError", "InputShapeError", "PoseMamba", "PoseMambaError", "load"]
