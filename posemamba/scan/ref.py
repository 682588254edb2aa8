"""The `ref` scan backend: the selective scan of spec section 5 as a plain sequential loop.

Exact by construction (one position after the other, the state in float32 or float64), slow (a
Python loop over L), differentiable through autograd. It is the yardstick the other backends are
tested against; nothing else should call it on real-sized problems.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def discretised_delta(delta: torch.Tensor, delta_bias: torch.Tensor, delta_softplus: bool) -> torch.Tensor:
    """Delta of spec section 5: the bias is added BEFORE softplus (threshold 20, PyTorch's default)."""
    delta = delta + delta_bias[None, :, None]
    return F.softplus(delta) if delta_softplus else delta


def compute_dtype(u: torch.Tensor) -> torch.dtype:
    """float64 inputs stay float64; everything else runs in float32 (spec section 5)."""
    return torch.float64 if u.dtype == torch.float64 else torch.float32


def packed_problem(u, delta, A, B, C, D, delta_bias, delta_softplus: bool):
    """What the tensor-op backends (`ref`, `torch`) start from: (u, Delta, A, B, C, D) cast to the
    compute dtype with Delta discretised, and the sizes (batch, channels, length, groups, per_group, N)."""
    dtype = compute_dtype(u)
    u, delta, A, B, C, D, delta_bias = (t.to(dtype) for t in (u, delta, A, B, C, D, delta_bias))
    batch, channels, length = u.shape
    groups, dstate = B.shape[1], A.shape[1]
    delta = discretised_delta(delta, delta_bias, delta_softplus)
    return (u, delta, A, B, C, D), (batch, channels, length, groups, channels // groups, dstate)


def selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus: bool = True) -> torch.Tensor:
    """Packed layout: u, delta (Bt, K*D, L); A (K*D, N); B, C (Bt, K, N, L); D, delta_bias (K*D,)."""
    tensors, sizes = packed_problem(u, delta, A, B, C, D, delta_bias, delta_softplus)
    u, delta, A, B, C, D = tensors
    batch, channels, length, groups, per_group, dstate = sizes

    def by_position(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        # (..., L) -> L contiguous slices, so that each step reads dense memory.
        return x.movedim(-1, 0).contiguous().unbind(0)

    grouped = (batch, groups, per_group, length)
    A = A.view(groups, per_group, dstate)
    h = u.new_zeros(batch, groups, per_group, dstate)
    ys = []
    steps = zip(*(by_position(t) for t in (delta.view(grouped), u.view(grouped), B, C)), strict=True)
    for dt, u_l, B_l, C_l in steps:  # dt, u_l (Bt, K, Dk); B_l, C_l (Bt, K, N)
        h = torch.exp(dt[..., None] * A) * h + (dt * u_l)[..., None] * B_l[:, :, None, :]
        ys.append((h * C_l[:, :, None, :]).sum(-1))
    return torch.stack(ys, dim=-1).reshape(batch, channels, length) + D[None, :, None] * u
