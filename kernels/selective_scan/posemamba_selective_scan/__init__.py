"""PoseMamba's selective scan as torch operators with CUDA kernels.

Importing this package loads the compiled library, which registers
`torch.ops.posemamba_selective_scan.fwd` and `.bwd` (TORCH_LIBRARY, CUDA implementations), and adds
their fake implementations so torch.compile can trace through them. The autograd wrapper is
posemamba's `cuda` scan backend (posemamba/scan/cuda.py).

fwd(u, delta, A, B, C, D, delta_bias, delta_softplus) -> (out, states)
bwd(u, delta, A, B, C, D, delta_bias, dout, states, delta_softplus)
    -> (du, ddelta, dA, dB, dC, dD, ddelta_bias)
u, delta, out (batch, channels, seqlen); A (channels, dstate) float32; B, C (batch, groups, dstate,
seqlen); D, delta_bias (channels,) float32; states (batch, channels, ceil(seqlen / CHUNK), dstate)
float32. u, delta, B, C share one dtype (float32, float16 or bfloat16); dA, dB, dC, dD, ddelta_bias
are float32.
"""

from __future__ import annotations

import torch

from . import _C

__version__ = "0.1.0"
LIBRARY_PATH: str = _C.__file__
# Positions per chunk of the kernels (the forward saves one state per chunk for the backward).
CHUNK: int = torch.ops.posemamba_selective_scan.chunk_size()


def _nchunks(seqlen):  # int or SymInt
    return (seqlen + CHUNK - 1) // CHUNK


@torch.library.register_fake("posemamba_selective_scan::fwd")
def _fwd_fake(u, delta, A, B, C, D, delta_bias, delta_softplus):
    batch, channels, seqlen = u.shape
    states = u.new_empty((batch, channels, _nchunks(seqlen), A.shape[1]), dtype=torch.float32)
    return torch.empty_like(u), states


@torch.library.register_fake("posemamba_selective_scan::bwd")
def _bwd_fake(u, delta, A, B, C, D, delta_bias, dout, states, delta_softplus):
    def f32(t: torch.Tensor) -> torch.Tensor:
        return t.new_empty(t.shape, dtype=torch.float32)

    return torch.empty_like(u), torch.empty_like(delta), f32(A), f32(B), f32(C), f32(D), f32(delta_bias)
