"""PoseMamba (AAAI 2025): 2D keypoint sequence (B, T, 17, 2) -> 3D poses (B, T, 17, 3).

Spec: shared/research/posemamba-spec.md, sections 3 and 4. Module and parameter names match the
released checkpoints exactly, so `load_state_dict(strict=True)` takes their `model_pos` weights (after
removing the `module.` prefix). Released variants: S (dim 64, depth 10), B (128, 10), L (128, 20),
all with 243 frames.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from posemamba import threads
from posemamba.errors import InputShapeError
from posemamba.scan.grid import LIMB_GRADIENTS
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


class DropPath(nn.Module):
    """Stochastic depth per sample (timm's DropPath, scale_by_keep): identity unless training with rate > 0.

    `noise` (B,) uniform in [0, 1) decides which samples drop the branch (noise >= 1 - rate); without
    it the draw comes from torch's generator. Passing it makes the draw a function of the sample, not
    of how a batch is split across processes. No parameters: the state dict is unchanged.
    """

    def __init__(self, rate: float = 0.0) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        if noise is None:
            noise = torch.rand(x.shape[0], device=x.device)
        mask = (noise.to(x.device) < keep).to(x.dtype) / keep
        return x * mask.view(-1, *([1] * (x.dim() - 1)))


class BiSTSSMBlock(nn.Module):
    """One block: x + op(norm(x)), then + mlp(norm2(.)). Spatial and temporal blocks are this same class.

    Both residual branches go through the block's one DropPath (two independent draws), as the original.
    """

    def __init__(
        self,
        dim: int,
        mlp_ratio: float = 2.0,
        d_state: int = 16,
        ssm_ratio: float = 2.0,
        drop_path: float = 0.0,
    ) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.op = PoseLimbSSM(dim, d_state=d_state, ssm_ratio=ssm_ratio)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """`noise` (B, 2): the drop-path uniforms of the SSM and the MLP branch (None: drawn here)."""
        first, second = (None, None) if noise is None else (noise[:, 0], noise[:, 1])
        x = x + self.drop_path(self.op(self.norm(x)), first)
        return x + self.drop_path(self.mlp(self.norm2(x)), second)


class PoseMamba(nn.Module):
    """The full lifter. `frames` is the longest clip it takes (and the temporal embedding's length)."""

    def __init__(
        self,
        frames: int = 243,
        dim: int = 64,
        depth: int = 10,
        mlp_ratio: float = 2.0,
        drop_path_rate: float = 0.0,
    ) -> None:
        """`drop_path_rate`: stochastic depth in training, linspace(0, rate, depth)[i] for the spatial and
        the temporal block i alike (the original hard-codes 0.2, PoseMamba.py:38,64-84); inactive in eval."""
        super().__init__()
        self.frames, self.dim, self.depth = frames, dim, depth
        self.Spatial_pos_embed = nn.Parameter(torch.zeros(1, NUM_JOINTS, dim))
        self.Temporal_pos_embed = nn.Parameter(torch.zeros(1, frames, dim))
        self.Spatial_patch_to_embedding = nn.Linear(IN_CHANNELS, dim)
        # On the CPU whatever the default device: checkpoint_shapes builds the model on `meta` to compare
        # shapes, where .tolist() of a tensor cannot read values.
        rates = torch.linspace(0, drop_path_rate, depth, device="cpu").tolist()
        self.STEblocks = nn.ModuleList(BiSTSSMBlock(dim, mlp_ratio, drop_path=r) for r in rates)
        self.TTEblocks = nn.ModuleList(BiSTSSMBlock(dim, mlp_ratio, drop_path=r) for r in rates)
        # One norm of each kind, shared by every spatial (temporal) block.
        self.Spatial_norm = nn.LayerNorm(dim, eps=1e-6)
        self.Temporal_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 3))
        # Recompute each block's activations in the backward instead of keeping them (training only):
        # the `torch` scan keeps more than 12 GB for one 243-frame S clip (20 blocks) for autograd.
        self.checkpoint_blocks = False

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

    @property
    def limb_gradient(self) -> str:
        """Gradient of the pose-limb sum in training: "exact" or "original" (posemamba.scan.grid.limb_sum)."""
        return self.STEblocks[0].op.limb_gradient if self.depth else "exact"

    @limb_gradient.setter
    def limb_gradient(self, name: str) -> None:
        if name not in LIMB_GRADIENTS:
            raise ValueError(f"unknown limb gradient {name!r}; valid: {', '.join(LIMB_GRADIENTS)}")
        for block in [*self.STEblocks, *self.TTEblocks]:
            block.op.limb_gradient = name

    def forward(self, x: torch.Tensor, path_noise: torch.Tensor | None = None) -> torch.Tensor:
        """(B, T, 17, 2 or 3) normalised keypoints (spec 6.2; confidence ignored) -> (B, T, 17, 3).

        `path_noise` (B, depth, 2, 2): drop-path uniforms per sample, [.., i, 0 | 1, branch] for the
        spatial | temporal block i (training only; None draws them from torch's generator).
        """
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
        # The forward's thread count from posemamba.threads: within the usable cores, and where OpenMP
        # waits spin, within the idle ones (each op's barrier would wait for an unscheduled thread).
        with threads.for_forward():
            h = self.Spatial_patch_to_embedding(x) + self.Spatial_pos_embed
            if path_noise is None:
                noise = [(None, None)] * self.depth
            else:
                noise = [(layer[:, 0], layer[:, 1]) for layer in path_noise.unbind(1)]
            for i in range(self.depth):
                h = self.Spatial_norm(self._block(self.STEblocks[i], h, noise[i][0]))
                if i == 0:
                    h = h + self.Temporal_pos_embed[:, :frames].unsqueeze(2)
                h = self.Temporal_norm(self._block(self.TTEblocks[i], h, noise[i][1]))
            return self.head(h)

    def _block(self, block: BiSTSSMBlock, h: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        if self.checkpoint_blocks and self.training and torch.is_grad_enabled():
            # The recomputation sees the same drop-path draw: `noise` is an input, and without it
            # checkpoint replays torch's generator state.
            return checkpoint(block, h, noise, use_reentrant=False)
        return block(h, noise)
