"""PoseMamba (AAAI 2025): 2D keypoint sequence (B, T, 17, 2) -> 3D poses (B, T, 17, 3).

Spec: shared/research/posemamba-spec.md, sections 3 and 4. Module and parameter names match the
released checkpoints exactly, so `load_state_dict(strict=True)` takes their `model_pos` weights (after
removing the `module.` prefix). Released variants: S (dim 64, depth 10), B (128, 10), L (128, 20),
all with 243 frames.
"""

from __future__ import annotations

import torch
from torch import nn

from posemamba.errors import InputShapeError
from posemamba.ssm import PoseLimbSSM

NUM_JOINTS = 17
IN_CHANNELS = 2  # the released configs drop the confidence channel (no_conf: True)
VARIANTS: dict[str, dict[str, int]] = {
    "S": {"frames": 243, "dim": 64, "depth": 10},
    "B": {"frames": 243, "dim": 128, "depth": 10},
    "L": {"frames": 243, "dim": 128, "depth": 20},
}


class Mlp(nn.Module):
    """fc1 -> exact GELU -> fc2."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class BiSTSSMBlock(nn.Module):
    """One block: x + op(norm(x)), then + mlp(norm2(.)). Spatial and temporal blocks are this same class."""

    def __init__(self, dim: int, mlp_ratio: float = 2.0, d_state: int = 16, ssm_ratio: float = 2.0) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.op = PoseLimbSSM(dim, d_state=d_state, ssm_ratio=ssm_ratio)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.op(self.norm(x))
        return x + self.mlp(self.norm2(x))


class PoseMamba(nn.Module):
    """The full lifter. `frames` is the longest clip it takes (and the temporal embedding's length)."""

    def __init__(self, frames: int = 243, dim: int = 64, depth: int = 10, mlp_ratio: float = 2.0) -> None:
        super().__init__()
        self.frames, self.dim, self.depth = frames, dim, depth
        self.Spatial_pos_embed = nn.Parameter(torch.zeros(1, NUM_JOINTS, dim))
        self.Temporal_pos_embed = nn.Parameter(torch.zeros(1, frames, dim))
        self.Spatial_patch_to_embedding = nn.Linear(IN_CHANNELS, dim)
        self.STEblocks = nn.ModuleList(BiSTSSMBlock(dim, mlp_ratio) for _ in range(depth))
        self.TTEblocks = nn.ModuleList(BiSTSSMBlock(dim, mlp_ratio) for _ in range(depth))
        # One norm of each kind, shared by every spatial (temporal) block.
        self.Spatial_norm = nn.LayerNorm(dim, eps=1e-6)
        self.Temporal_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 3))

    @property
    def variant(self) -> str:
        """'S', 'B' or 'L' for a released configuration, else 'custom'."""
        config = {"frames": self.frames, "dim": self.dim, "depth": self.depth}
        return next((name for name, value in VARIANTS.items() if value == config), "custom")

    @property
    def scan_backend(self) -> str | None:
        """The posemamba.scan backend every block uses; None lets the registry choose."""
        return self.STEblocks[0].op.scan_backend if self.depth else None

    @scan_backend.setter
    def scan_backend(self, name: str | None) -> None:
        for block in [*self.STEblocks, *self.TTEblocks]:
            block.op.scan_backend = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, 17, 2 or 3) normalised keypoints (spec 6.2; confidence ignored) -> (B, T, 17, 3)."""
        if x.dim() != 4 or x.shape[2] != NUM_JOINTS or x.shape[3] not in (2, 3):
            raise InputShapeError(
                f"PoseMamba takes (batch, frames, 17, 2 or 3) keypoints, got shape {tuple(x.shape)}",
                fix="pass H36M-ordered 17-joint keypoints (posemamba.keypoints.coco_to_h36m converts COCO)",
            )
        frames = x.shape[1]
        if not 1 <= frames <= self.frames:
            raise InputShapeError(
                f"this model takes 1 to {self.frames} frames per clip, got {frames}",
                fix="split longer sequences into clips (posemamba.keypoints.split_clips)",
            )
        x = x[..., :IN_CHANNELS]
        h = self.Spatial_patch_to_embedding(x) + self.Spatial_pos_embed
        for i in range(self.depth):
            h = self.Spatial_norm(self.STEblocks[i](h))
            if i == 0:
                h = h + self.Temporal_pos_embed[:, :frames].unsqueeze(2)
            h = self.Temporal_norm(self.TTEblocks[i](h))
        return self.head(h)
