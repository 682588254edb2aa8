"""The SSM operator of a PoseMamba block (`op`), forward type `v2_plus_poselimbs`.

Spec: shared/research/posemamba-spec.md, section 4.4. In short, for an input (Bt, F, J, C):
in-projection to U and the gate Z, a depthwise 3x3 convolution over the frame x joint grid, four scan
sequences of length L = F*J (pose-limb-summed grid in frame-major order, plain grid in joint-major
order, and both reversed), a per-direction projection to (delta, B, C), one selective scan over the
four directions packed as channels k*Di + d, the merge back to the grid, LayerNorm, gating and the
out-projection. Parameter names match the released checkpoints.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from posemamba.scan import grid

# op.x_proj_weight etc. are indexed by scan direction k: 0 spatial order over the pose-limb-summed
# grid, 1 temporal order, 2 and 3 the same two reversed.
DIRECTIONS = 4
# Joint j of directions 0/2 gets V[..., POSE_LIMB_INDEX[j]] added (an element-wise gather, not a
# re-ordering of the sequence; spec 4.4 step 3).
POSE_LIMB_INDEX = (0, 0, 1, 2, 3, 0, 4, 5, 6, 8, 11, 12, 13, 8, 14, 15, 16)


class PoseLimbSSM(nn.Module):
    """The `op` of a block: (Bt, F, J, C) -> (Bt, F, J, C)."""

    def __init__(self, dim: int, d_state: int = 16, ssm_ratio: float = 2.0, d_conv: int = 3) -> None:
        super().__init__()
        d_inner = int(ssm_ratio * dim)
        dt_rank = math.ceil(dim / 16)
        self.dim, self.d_inner, self.d_state, self.dt_rank = dim, d_inner, d_state, dt_rank
        # Which scan backend posemamba.scan uses (None: its automatic choice); PoseMamba.scan_backend sets it.
        self.scan_backend: str | None = None
        # Gradient of the pose-limb sum: "exact" (autograd) or "original" (the original's identity
        # backward, posemamba.scan.grid.limb_sum); the forward is the same. PoseMamba.limb_gradient sets it.
        self.limb_gradient = "exact"
        k = DIRECTIONS
        # Bare parameters first: their registration order is the released state-dict order.
        self.x_proj_weight = nn.Parameter(torch.empty(k, dt_rank + 2 * d_state, d_inner))
        self.dt_projs_weight = nn.Parameter(torch.empty(k, d_inner, dt_rank))
        self.dt_projs_bias = nn.Parameter(torch.empty(k, d_inner))
        self.A_logs = nn.Parameter(torch.empty(k * d_inner, d_state))
        self.Ds = nn.Parameter(torch.empty(k * d_inner))
        self.out_norm = nn.LayerNorm(d_inner)  # eps 1e-5, the default, unlike the block norms
        self.in_proj = nn.Linear(dim, 2 * d_inner, bias=False)
        self.conv2d = nn.Conv2d(
            d_inner, d_inner, d_conv, padding=(d_conv - 1) // 2, groups=d_inner, bias=True
        )
        self.out_proj = nn.Linear(d_inner, dim, bias=False)
        self.register_buffer("limb_index", torch.tensor(POSE_LIMB_INDEX), persistent=False)
        self.reset_ssm_parameters()

    @torch.no_grad()
    def reset_ssm_parameters(self) -> None:
        """Mamba's usual initialisation of the bare parameters (a trained checkpoint overwrites it)."""
        nn.init.uniform_(self.x_proj_weight, -(self.d_inner**-0.5), self.d_inner**-0.5)
        nn.init.uniform_(self.dt_projs_weight, -(self.dt_rank**-0.5), self.dt_rank**-0.5)
        dt = torch.exp(
            torch.rand(self.dt_projs_bias.shape) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3)
        ).clamp(min=1e-4)
        self.dt_projs_bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
        n = torch.arange(1, self.d_state + 1, dtype=torch.float32)
        self.A_logs.copy_(torch.log(n).expand_as(self.A_logs))
        self.Ds.fill_(1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, _, joints, _ = x.shape
        if joints != len(POSE_LIMB_INDEX):
            raise ValueError(f"the pose-limb scan needs {len(POSE_LIMB_INDEX)} joints, got {joints}")
        # in_proj as two matmuls on the weight's halves: U and Z each come out contiguous (splitting one
        # (.., 2Di) output leaves strided halves, on which SiLU alone is ~4x slower). U (Bt, F, J, Di)
        # permuted to (Bt, Di, F, J) is exactly channels-last, the layout the depthwise conv runs
        # fastest in, and the conv output permuted back is contiguous (Bt, F, J, Di) again.
        weight = self.in_proj.weight
        u = F.linear(x, weight[: self.d_inner])
        z = F.linear(x, weight[self.d_inner :])
        # Without autograd the activations are applied in place: fresh buffers cost page faults here.
        inplace = not torch.is_grad_enabled()
        v = F.silu(self.conv2d(u.permute(0, 3, 1, 2)), inplace=inplace).permute(0, 2, 3, 1)  # (Bt, F, J, Di)
        merged = grid.four_direction_scan(
            v,
            self.limb_index,
            self.x_proj_weight,
            self.dt_projs_weight,
            self.dt_projs_bias,
            -torch.exp(self.A_logs.float()),
            self.Ds.float(),
            backend=self.scan_backend,
            limb_gradient=self.limb_gradient,
        )  # spec 4.4 steps 3-6
        gate = F.silu(z, inplace=inplace)
        normed = self.out_norm(merged)
        return self.out_proj(normed.mul_(gate) if inplace else normed * gate)
