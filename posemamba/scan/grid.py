"""The model's four-direction scan over the frame x joint grid (spec 4.4 steps 3-6), in one call.

`four_direction_scan(v, ...)` takes the conv output V (Bt, F, J, Di), channels last, and returns the
merged M (Bt, F, J, Di): the pose-limb sum, the four direction sequences, their projections to
(delta, B, C), the scans and the merge. Two routes compute the same function:

* fused (the `cpu` backend, inference): one compiled call. The directions read the grid in their own
  order through index arrays; their (R+2N)-wide projections come from two matmuls on the grid (the
  pose-limb-summed grid for directions 0/2, the plain grid for 1/3); the rank-R delta projection and
  the merge happen inside the loop. No direction sequence, delta or per-direction output is ever
  materialised.
* packed (every other backend, and whenever gradients are needed): the four sequences packed as
  (Bt, K*Di, L) for `posemamba.scan.selective_scan`, then flipped and transposed back.
"""

from __future__ import annotations

import functools

import torch

from posemamba import scan as registry

DIRECTIONS = 4


@functools.lru_cache(maxsize=32)
def temporal_order(frames: int, joints: int) -> torch.Tensor:
    """Grid position f*J + j of step l = j*F + f of the temporal (joint-major) direction, int32."""
    return torch.arange(frames * joints, dtype=torch.int32).view(frames, joints).t().contiguous().view(-1)


LIMB_GRADIENTS = ("exact", "original")


class _LimbSumOriginalBackward(torch.autograd.Function):
    """The pose-limb sum with the original's backward, which passes the gradient through unchanged.

    The original's CrossScan_plus_poselimbs (csms6s.py:163-169 at nankingjing/PoseMamba@2ec3737)
    returns the gradient of G = V + V[..., idx, :] as if G were V: it drops the scatter-add through
    the gather (research posemamba-training.md, fragile point 2: gradcheck fails, relative L2 error
    0.53). Kept only to reproduce the original's training exactly (limb_gradient: original).
    """

    @staticmethod
    def forward(ctx, v: torch.Tensor, limb_index: torch.Tensor) -> torch.Tensor:
        return v + v.index_select(2, limb_index)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad, None


def limb_sum(v: torch.Tensor, limb_index: torch.Tensor, gradient: str = "exact") -> torch.Tensor:
    """G[..., f, j, :] = V[..., f, j, :] + V[..., f, idx[j], :] (spec 4.4 step 3; (Bt, F, J, Di)).

    gradient "exact": autograd's gradient of that sum; "original": the original's identity backward.
    """
    if gradient == "original":
        return _LimbSumOriginalBackward.apply(v, limb_index)
    if gradient != "exact":
        raise ValueError(f"unknown limb gradient {gradient!r}; valid: {', '.join(LIMB_GRADIENTS)}")
    return v + v.index_select(2, limb_index)


def uses_fused(v: torch.Tensor, backend: str | None, weights: tuple[torch.Tensor, ...]) -> bool:
    """Whether the fused compiled route applies: CPU float32, no gradients, backend choice `cpu`."""
    grad = torch.is_grad_enabled() and any(t.requires_grad for t in (v, *weights))
    if v.device.type != "cpu" or v.dtype != torch.float32:
        return False
    return registry.choose(v.device, backend, grad=grad).backend == "cpu" and not grad


def four_direction_scan(
    v: torch.Tensor,
    limb_index: torch.Tensor,
    x_proj_weight: torch.Tensor,
    dt_projs_weight: torch.Tensor,
    dt_projs_bias: torch.Tensor,
    A: torch.Tensor,
    Ds: torch.Tensor,
    backend: str | None = None,
    limb_gradient: str = "exact",
) -> torch.Tensor:
    """V (Bt, F, J, Di) -> merged scan output M (Bt, F, J, Di); weights as in the checkpoint (spec 3).

    A is -exp(A_logs) (K*Di, N); x_proj_weight (K, R+2N, Di); dt_projs_weight (K, Di, R);
    dt_projs_bias (K, Di); Ds (K*Di,). `limb_gradient` is limb_sum's `gradient` (the forward is the same).
    """
    weights = (x_proj_weight, dt_projs_weight, dt_projs_bias, A, Ds)
    if uses_fused(v, backend, weights):
        return _fused(v.contiguous(), limb_index, *weights)
    return _packed(v, limb_index, *weights, backend=backend, limb_gradient=limb_gradient)


@functools.lru_cache(maxsize=32)
def limb_partner(frames: int, joints: int, limb_index: tuple[int, ...]) -> torch.Tensor:
    """Grid position f*J + idx[j] whose V is added at f*J + j by the pose-limb sum, int32 (L,)."""
    f = torch.arange(frames, dtype=torch.int32)[:, None] * joints
    return (f + torch.tensor(limb_index, dtype=torch.int32)[None, :]).view(-1)


def _fused(v, limb_index, x_proj_weight, dt_projs_weight, dt_projs_bias, A, Ds) -> torch.Tensor:
    from posemamba.scan import cpu

    bt, frames, joints, d_inner = v.shape
    length = frames * joints
    rank = dt_projs_weight.shape[2]
    n = A.shape[1]
    width = rank + 2 * n
    partner = limb_partner(frames, joints, tuple(limb_index.tolist()))
    # All four projections in one matmul on the plain grid V: q[..., k*width:(k+1)*width] for
    # directions (0, 2, 1, 3). Directions 0/2 scan G = V + V[limb], and the projection is linear, so
    # their q is q(V) + q(V)[limb]: a gather of 2*width columns instead of a summed copy of the grid
    # (the kernel sums u itself through `partner`).
    weight = x_proj_weight[[0, 2, 1, 3]].reshape(4 * width, d_inner)
    q = torch.matmul(v.view(bt, length, d_inner), weight.t())  # (Bt, L, 4*width)
    q[..., : 2 * width] += q[..., : 2 * width].index_select(1, partner.long())
    merged = torch.empty_like(v)
    y = merged.view(bt, length, d_inner)
    source = v.view(bt, length, d_inner)
    order = temporal_order(frames, joints)
    A, Ds, dt_projs_bias, dt_projs_weight = (
        t.float().contiguous() for t in (A, Ds, dt_projs_bias, dt_projs_weight)
    )

    def group(k: int, slot: int) -> cpu.Group:
        offset = slot * width
        channels = slice(k * d_inner, (k + 1) * d_inner)
        return cpu.Group(
            u=source,
            delta=q[..., offset : offset + rank],
            B=q[..., offset + rank : offset + rank + n],
            C=q[..., offset + rank + n : offset + width],
            y=y,
            A=A[channels],
            D=Ds[channels],
            bias=dt_projs_bias[k],
            order=None if k % 2 == 0 else order,
            reverse=k >= 2,
            accumulate=slot > 0,
            dt_w=dt_projs_weight[k],
            partner=partner if k % 2 == 0 else None,
        )

    cpu.run_groups([group(0, 0), group(2, 1), group(1, 2), group(3, 3)], length)
    return merged


def _packed(
    v, limb_index, x_proj_weight, dt_projs_weight, dt_projs_bias, A, Ds, backend=None, limb_gradient="exact"
):
    bt, frames, joints, d_inner = v.shape
    length = frames * joints
    k = DIRECTIONS
    rank, n = dt_projs_weight.shape[2], A.shape[1]
    v_cf = v.permute(0, 3, 1, 2)  # (Bt, Di, F, J)
    xs = v.new_empty(bt, k, d_inner, length)
    xs[:, 0].view(bt, d_inner, frames, joints).copy_(
        limb_sum(v, limb_index, limb_gradient).permute(0, 3, 1, 2)
    )
    xs[:, 1].view(bt, d_inner, joints, frames).copy_(v_cf.transpose(2, 3))
    xs[:, 2:] = xs[:, :2].flip(-1)
    x_dbl = torch.matmul(x_proj_weight, xs)  # (Bt, K, R+2N, L)
    dts, bs, cs = x_dbl.split((rank, n, n), dim=2)
    deltas = torch.matmul(dt_projs_weight, dts)  # (Bt, K, Di, L)
    y = registry.selective_scan(
        xs.view(bt, k * d_inner, length),
        deltas.reshape(bt, k * d_inner, length),
        A,
        bs.contiguous(),
        cs.contiguous(),
        Ds,
        dt_projs_bias.reshape(-1),
        delta_softplus=True,
        backend=backend,
    ).view(bt, k, d_inner, length)
    spatial = y[:, 0] + y[:, 2].flip(-1)
    temporal = y[:, 1] + y[:, 3].flip(-1)
    merged = spatial.view(bt, d_inner, frames, joints) + temporal.view(bt, d_inner, joints, frames).transpose(
        2, 3
    )
    return merged.permute(0, 2, 3, 1)
