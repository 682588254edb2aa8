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

from posemamba.scan.ref import packed_problem


def chunk_length(length: int) -> int:
    """T = ceil(sqrt(L)): balances the in-chunk loop (T steps) against the carry loop (L/T steps)."""
    return max(1, math.ceil(math.sqrt(length)))


def selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus: bool = True) -> torch.Tensor:
    """Packed layout: u, delta (Bt, K*D, L); A (K*D, N); B, C (Bt, K, N, L); D, delta_bias (K*D,)."""
    tensors, sizes = packed_problem(u, delta, A, B, C, D, delta_bias, delta_softplus)
    u, delta, A, B, C, D = tensors
    batch, channels, length, groups, per_group, dstate = sizes
    T = chunk_length(length)
    nc = -(-length // T)
    pad = nc * T - length

    def steps_first(x: torch.Tensor, channels_or_states: int) -> torch.Tensor:
        # (Bt, K, X, L) -> (T, Bt, K, X, nc): every in-chunk step a contiguous slice.
        x = torch.nn.functional.pad(x, (0, pad)).view(batch, groups, channels_or_states, nc, T)
        return x.permute(4, 0, 1, 2, 3).contiguous()

    # Padding at the end with Delta = 0 (decay 1, input 0) leaves the first L positions unchanged.
    delta_t = steps_first(delta.view(batch, groups, per_group, length), per_group)[..., None, :]
    u_t = steps_first(u.view(batch, groups, per_group, length), per_group)[..., None, :]
    B_t = steps_first(B, dstate)[:, :, :, None]  # (T, Bt, K, 1, N, nc)
    C_t = steps_first(C, dstate)[:, :, :, None]
    A_g = A.view(1, 1, groups, per_group, dstate, 1)
    # (T, Bt, K, Dk, N, nc): decays in [0, 1] and inputs Delta*B*u.
    decay = torch.exp(delta_t * A_g)
    drive = (delta_t * u_t) * B_t

    # The loops take their steps from unbind(), not x[t]: autograd's backward of x[t] writes a zero
    # tensor the size of all of x for every t (quadratic in the steps); unbind's stacks the steps once.
    drive_steps, decay_steps, c_steps = drive.unbind(0), decay.unbind(0), C_t.unbind(0)
    # Pass 1: every chunk from a zero state; prods[t] = decay[0] * ... * decay[t] inside the chunk.
    h = torch.zeros_like(drive_steps[0])
    prod = torch.ones_like(drive_steps[0])
    y_local, prods = [], []
    for t in range(T):
        h = torch.addcmul(drive_steps[t], decay_steps[t], h)
        prod = prod * decay_steps[t]
        y_local.append((h * c_steps[t]).sum(3))
        prods.append(prod)
    # Pass 2: the state entering chunk c is carry[c] = prod_end[c-1] * carry[c-1] + h_end[c-1].
    chunk_decay, chunk_state = prods[-1].unbind(-1), h.unbind(-1)
    carries = [torch.zeros_like(chunk_state[0])]
    for c in range(1, nc):
        carries.append(chunk_decay[c - 1] * carries[-1] + chunk_state[c - 1])
    carry = torch.stack(carries, dim=-1)  # (Bt, K, Dk, N, nc)
    y = torch.stack([y_local[t] + (c_steps[t] * prods[t] * carry).sum(3) for t in range(T)], dim=-1)
    # y (Bt, K, Dk, nc, T) -> (Bt, K*D, L)
    y = y.reshape(batch, channels, nc * T)[..., :length]
    return y + D[None, :, None] * u
