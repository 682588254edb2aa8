"""Test helpers for the selective-scan kernels: random problems, golden cases, and a step-by-step
emulation of the CUDA kernels' algorithm in float64 torch (test_kernel_host_emulation.py runs the
kernel code itself on the CPU; this is the independent, readable statement of its algorithm).

The emulation mirrors kernels/selective_scan/csrc/*.cu line by line (blocked items per thread, the
warp-shuffle block scan of affine maps in both directions, chunk carries, the saved chunk-end states,
the adjoint recurrence and every gradient formula), so the algorithm is proven against autograd
here, where no GPU can run the kernels themselves. Pure data movement (the shared-memory transpose
before the dB/dC atomics) is not emulated: the emulation adds the same values.
`reference` (posemamba.scan.ref in float64) is the yardstick.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from posemamba.scan import ref
from tests.posemamba.scan_problems import problem

# kernels/selective_scan/csrc/selective_scan.h
THREADS = 128
ITEMS = 8
WARP = 32
SCAN_ARGS = ("u", "delta", "A", "B", "C", "D", "delta_bias")


def reference(*args: torch.Tensor, delta_softplus: bool = True) -> torch.Tensor:
    """The reference scan (posemamba.scan.ref) in float64, on the arguments' device."""
    return ref.selective_scan(*(t.double() for t in args), delta_softplus=delta_softplus)


def random_problem(
    batch: int = 2,
    groups: int = 4,
    per_group: int = 3,
    dstate: int = 5,
    length: int = 50,
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    delta_scale: float = 0.5,
) -> dict[str, torch.Tensor]:
    """Scan arguments in the model's layout (spec 4.4), with A = -exp(.) < 0 as the model makes it.

    The posemamba backends' generator (tests/posemamba/scan_problems.py), keyed by argument name.
    """
    values = problem(
        batch, groups, per_group, dstate, length, delta_scale=delta_scale, seed=seed, dtype=dtype
    )
    return dict(zip(SCAN_ARGS, values, strict=True))


def golden_case(path: Path) -> tuple[dict[str, torch.Tensor], bool, torch.Tensor]:
    """(arguments, delta_softplus, expected output) of a shared/golden selective_scan_case*.npz."""
    data = np.load(path)
    args = {name: torch.from_numpy(data[name]) for name in SCAN_ARGS}
    return args, bool(data["delta_softplus"]), torch.from_numpy(data["out"])


def _softplus(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 20, x, torch.log1p(torch.exp(torch.clamp(x, max=20))))


def _softplus_grad(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 20, torch.ones_like(x), torch.sigmoid(x))


def block_scan_affine(
    a: torch.Tensor, b: torch.Tensor, carry: torch.Tensor, reverse: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """scan_common.cuh block_scan_affine: a, b (..., THREADS) per-thread maps; carry (...).

    Returns each thread's exclusive state and the total, computed exactly as the kernel does: a
    Kogge-Stone warp scan with shuffles, warp maps, then the carry through the preceding warps.
    """
    threads = a.shape[-1]
    warps = threads // WARP
    a = a.reshape(*a.shape[:-1], warps, WARP)
    b = b.reshape(*b.shape[:-1], warps, WARP)
    lane = torch.arange(WARP)

    def shuffle(x: torch.Tensor, offset: int) -> torch.Tensor:
        # __shfl_down_sync reads lane + offset, __shfl_up_sync lane - offset (own value out of range)
        return torch.roll(x, -offset if reverse else offset, dims=-1)

    offset = 1
    while offset < WARP:
        other_a, other_b = shuffle(a, offset), shuffle(b, offset)
        has_other = (lane + offset < WARP) if reverse else (lane >= offset)
        a, b = torch.where(has_other, a * other_a, a), torch.where(has_other, a * other_b + b, b)
        offset *= 2
    edge = 0 if reverse else WARP - 1
    warp_a, warp_b = a[..., edge], b[..., edge]  # (..., warps)
    excl_a, excl_b = shuffle(a, 1), shuffle(b, 1)
    first_in_order = (lane == WARP - 1) if reverse else (lane == 0)
    excl_a = torch.where(first_in_order, torch.ones_like(excl_a), excl_a)
    excl_b = torch.where(first_in_order, torch.zeros_like(excl_b), excl_b)
    entering = []
    for warp in range(warps):
        h = carry
        order = range(warps - 1, -1, -1) if reverse else range(warps)
        for w in order:
            if (w > warp) if reverse else (w < warp):
                h = warp_a[..., w] * h + warp_b[..., w]
        entering.append(h)
    total = carry
    for w in range(warps - 1, -1, -1) if reverse else range(warps):
        total = warp_a[..., w] * total + warp_b[..., w]
    h = torch.stack(entering, dim=-1)[..., None]
    return (excl_a * h + excl_b).reshape(*h.shape[:-2], threads), total


def _blocked(x: torch.Tensor, nchunks: int, threads: int, items: int) -> torch.Tensor:
    """(..., L) -> (..., nchunks, threads, items), zero past L (the kernels' load_items)."""
    pad = nchunks * threads * items - x.shape[-1]
    return F.pad(x, (0, pad)).reshape(*x.shape[:-1], nchunks, threads, items)


def _prepare(u, delta, B, C, delta_bias, delta_softplus, threads, items):
    channels, length = u.shape[1:]
    groups = B.shape[1]
    chunk = threads * items
    nchunks = -(-length // chunk)
    valid = _blocked(torch.ones(length, dtype=torch.bool), nchunks, threads, items)
    x = _blocked(delta, nchunks, threads, items) + delta_bias[:, None, None, None]
    dt = torch.where(valid, _softplus(x) if delta_softplus else x, torch.zeros_like(x))
    Bx = _blocked(B.repeat_interleave(channels // groups, dim=1), nchunks, threads, items)
    Cx = _blocked(C.repeat_interleave(channels // groups, dim=1), nchunks, threads, items)
    return nchunks, valid, x, dt, _blocked(u, nchunks, threads, items), Bx, Cx


def emulate_forward(u, delta, A, B, C, D, delta_bias, delta_softplus=True, threads=THREADS, items=ITEMS):
    """selective_scan_fwd.cu forward_kernel for all (channel, batch) blocks at once -> (out, states)."""
    batch, channels, length = u.shape
    dstate = A.shape[1]
    nchunks, _, _, dt, ub, Bx, Cx = _prepare(u, delta, B, C, delta_bias, delta_softplus, threads, items)
    carry = u.new_zeros(batch, channels, dstate)
    states = u.new_zeros(batch, channels, nchunks, dstate)
    outs = []
    for chunk in range(nchunks):
        y = D[:, None, None] * ub[:, :, chunk]
        for n in range(dstate):
            decay = torch.exp(dt[:, :, chunk] * A[:, n, None, None])
            inputs = dt[:, :, chunk] * Bx[:, :, n, chunk] * ub[:, :, chunk]
            mine_a, mine_b = torch.ones_like(decay[..., 0]), torch.zeros_like(decay[..., 0])
            for i in range(items):
                mine_b = decay[..., i] * mine_b + inputs[..., i]
                mine_a = mine_a * decay[..., i]
            h, chunk_end = block_scan_affine(mine_a, mine_b, carry[:, :, n].clone(), reverse=False)
            columns = []
            for i in range(items):
                h = decay[..., i] * h + inputs[..., i]
                columns.append(Cx[:, :, n, chunk, :, i] * h)
            y = y + torch.stack(columns, dim=-1)
            carry[:, :, n] = chunk_end
            states[:, :, chunk, n] = chunk_end
        outs.append(y.reshape(batch, channels, -1))
    return torch.cat(outs, dim=-1)[..., :length], states


def emulate_backward(
    u, delta, A, B, C, D, delta_bias, dout, states, delta_softplus=True, threads=THREADS, items=ITEMS
):
    """selective_scan_bwd.cu backward_kernel -> (du, ddelta, dA, dB, dC, dD, ddelta_bias)."""
    batch, channels, length = u.shape
    groups, dstate = B.shape[1], A.shape[1]
    nchunks, valid, x, dt, ub, Bx, Cx = _prepare(u, delta, B, C, delta_bias, delta_softplus, threads, items)
    dy_all = _blocked(dout, nchunks, threads, items)
    dsoftplus = _softplus_grad(x) if delta_softplus else torch.ones_like(x)
    adjoint_carry = u.new_zeros(batch, channels, dstate)
    dA = torch.zeros_like(A)
    dB_full = u.new_zeros(batch, channels, dstate, nchunks, threads, items)
    dC_full = torch.zeros_like(dB_full)
    du_chunks, ddt_chunks = [None] * nchunks, [None] * nchunks
    for chunk in range(nchunks - 1, -1, -1):
        uc, dtc, dy = ub[:, :, chunk], dt[:, :, chunk], dy_all[:, :, chunk]
        du = D[:, None, None] * dy
        ddt = torch.zeros_like(du)
        for n in range(dstate):
            Bv, Cv = Bx[:, :, n, chunk], Cx[:, :, n, chunk]
            decay = torch.exp(dtc * A[:, n, None, None])
            fa, fb = torch.ones_like(decay[..., 0]), torch.zeros_like(decay[..., 0])
            for i in range(items):
                fb = decay[..., i] * fb + dtc[..., i] * Bv[..., i] * uc[..., i]
                fa = fa * decay[..., i]
            start = states[:, :, chunk - 1, n] if chunk > 0 else u.new_zeros(batch, channels)
            h, _ = block_scan_affine(fa, fb, start, reverse=False)
            h_prev = []
            for i in range(items):
                h_prev.append(h)
                h = decay[..., i] * h + dtc[..., i] * Bv[..., i] * uc[..., i]
            ba, bb = torch.ones_like(fa), torch.zeros_like(fb)
            for i in range(items - 1, -1, -1):
                bb = decay[..., i] * (bb + Cv[..., i] * dy[..., i])
                ba = ba * decay[..., i]
            q, at_start = block_scan_affine(ba, bb, adjoint_carry[:, :, n].clone(), reverse=True)
            du_cols, ddt_cols = list(du.unbind(-1)), list(ddt.unbind(-1))
            for i in range(items - 1, -1, -1):
                g = Cv[..., i] * dy[..., i] + q
                h_i = decay[..., i] * h_prev[i] + dtc[..., i] * Bv[..., i] * uc[..., i]
                du_cols[i] = du_cols[i] + g * dtc[..., i] * Bv[..., i]
                ddt_step = Bv[..., i] * uc[..., i] + A[:, n, None] * decay[..., i] * h_prev[i]
                ddt_cols[i] = ddt_cols[i] + g * ddt_step
                dA[:, n] += (g * dtc[..., i] * decay[..., i] * h_prev[i]).sum(dim=(0, 2))
                dB_full[:, :, n, chunk, :, i] = g * dtc[..., i] * uc[..., i]
                dC_full[:, :, n, chunk, :, i] = dy[..., i] * h_i
                q = decay[..., i] * g
            du, ddt = torch.stack(du_cols, -1), torch.stack(ddt_cols, -1)
            adjoint_carry[:, :, n] = at_start
        du_chunks[chunk] = du
        ddt_chunks[chunk] = torch.where(valid[chunk], ddt * dsoftplus[:, :, chunk], torch.zeros_like(ddt))

    def unblock(parts: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack(parts, dim=2).reshape(batch, channels, -1)[..., :length]

    du, ddelta = unblock(du_chunks), unblock(ddt_chunks)
    per_group = channels // groups

    def group_sum(full: torch.Tensor) -> torch.Tensor:  # the kernels' atomicAdd over a group's channels
        flat = full.reshape(batch, channels, dstate, -1)[..., :length]
        return flat.reshape(batch, groups, per_group, dstate, length).sum(dim=2)

    dD = (dout * u).sum(dim=(0, 2))
    return du, ddelta, dA, group_sum(dB_full), group_sum(dC_full), dD, ddelta.sum(dim=(0, 2))


class EmulatedOps:
    """Stands in for torch.ops.posemamba_selective_scan where no GPU can run the real kernels."""

    def __init__(self, threads: int = THREADS, items: int = ITEMS) -> None:
        self.threads, self.items = threads, items
        self.calls: list[tuple[str, tuple]] = []

    def fwd(self, u, delta, A, B, C, D, delta_bias, delta_softplus):
        self.calls.append(("fwd", (u, delta, A, B, C, D, delta_bias, delta_softplus)))
        args = [t.double() for t in (u, delta, A, B, C, D, delta_bias)]
        out, states = emulate_forward(*args, delta_softplus, threads=self.threads, items=self.items)
        return out.to(u.dtype), states.float()

    def bwd(self, u, delta, A, B, C, D, delta_bias, dout, states, delta_softplus):
        self.calls.append(("bwd", (u, delta, A, B, C, D, delta_bias, dout, states, delta_softplus)))
        args = [t.double() for t in (u, delta, A, B, C, D, delta_bias, dout, states)]
        du, ddelta, dA, dB, dC, dD, dbias = emulate_backward(
            *args, delta_softplus, threads=self.threads, items=self.items
        )
        return (du.to(u.dtype), ddelta.to(u.dtype), *(t.float() for t in (dA, dB, dC, dD, dbias)))
