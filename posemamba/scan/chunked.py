"""The `torch` scan backend: a chunked selective scan in tensor ops, differentiable by autograd.

The sequence is cut into `nc` chunks of `T` positions (T about sqrt(L)). Pass 1 runs the recurrence
inside every chunk at once (a loop over the T positions, vectorised over chunks and channels) from a
zero state, and the running product of the decays exp(Delta*A). Pass 2 carries each chunk's final state
into the next (a loop over the nc chunks). The output is the local output plus the carried state times
the running decay product. Only products of factors in [0, 1] appear — never a division by a cumulative
product and never exp of a positive sum — so long sequences and huge deltas underflow gracefully to
the right answer instead of overflowing (the failure of cumprod/cumsum-and-divide scans). Two Python
loops of about sqrt(L) steps each instead of one of L steps: 4131 positions take 2 x 65 steps.
"""

from __future__ import annotations

import math

import torch

from posemamba.scan.ref import compute_dtype, discretised_delta


def chunk_length(length: int) -> int:
    """T = ceil(sqrt(L)): balances the in-chunk loop (T steps) against the carry loop (L/T steps)."""
    return max(1, math.ceil(math.sqrt(length)))


def selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus: bool = True) -> torch.Tensor:
    """Packed layout: u, delta (Bt, K*D, L); A (K*D, N); B, C (Bt, K, N, L); D, delta_bias (K*D,)."""
    dtype = compute_dtype(u)
    u, delta, A, B, C, D, delta_bias = (t.to(dtype) for t in (u, delta, A, B, C, D, delta_bias))
    batch, channels, length = u.shape
    groups, dstate = B.shape[1], A.shape[1]
    per_group = channels // groups
    T = chunk_length(length)
    nc = -(-length // T)
    pad = nc * T - length
    delta = discretised_delta(delta, delta_bias, delta_softplus)
    # Padding at the end with Delta = 0 (decay 1, input 0) leaves the first L positions unchanged.
    delta_p = torch.nn.functional.pad(delta, (0, pad)).view(batch, groups, per_group, 1, nc, T)
    u_p = torch.nn.functional.pad(u, (0, pad)).view(batch, groups, per_group, 1, nc, T)
    B_p = torch.nn.functional.pad(B, (0, pad)).view(batch, groups, 1, dstate, nc, T)
    C_p = torch.nn.functional.pad(C, (0, pad)).view(batch, groups, 1, dstate, nc, T)
    A_g = A.view(1, groups, per_group, dstate, 1, 1)
    decay = torch.exp(delta_p * A_g)  # (Bt, K, Dk, N, nc, T), each factor in [0, 1]
    drive = (delta_p * u_p) * B_p  # (Bt, K, Dk, N, nc, T)

    # Pass 1: every chunk from a zero state; `prods[t]` = decay[0] * ... * decay[t] inside the chunk.
    h = torch.zeros_like(drive[..., 0])
    prod = torch.ones_like(drive[..., 0])
    y_local, prods = [], []
    for t in range(T):
        h = decay[..., t] * h + drive[..., t]
        prod = prod * decay[..., t]
        y_local.append((h * C_p[..., t]).sum(3))
        prods.append(prod)
    # Pass 2: the state entering chunk c is carry[c] = prod_end[c-1] * carry[c-1] + h_end[c-1].
    carries = [torch.zeros_like(h[..., 0])]
    for c in range(1, nc):
        carries.append(prods[-1][..., c - 1] * carries[-1] + h[..., c - 1])
    carry = torch.stack(carries, dim=-1)  # (Bt, K, Dk, N, nc)
    y = torch.stack(
        [y_local[t] + (C_p[..., t] * prods[t] * carry).sum(3) for t in range(T)], dim=-1
    )  # (Bt, K, Dk, nc, T)
    y = y.reshape(batch, channels, nc * T)[..., :length]
    return y + D[None, :, None] * u
