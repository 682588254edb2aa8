"""The `cuda` scan backend: the posemamba_selective_scan CUDA kernels behind an autograd.Function.

`selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus=True)` has the contract of the other
backends (research/posemamba-spec.md, sections 4.4 and 5): u, delta (Bt, K*D, L); A (K*D, N);
B, C (Bt, K, N, L); D, delta_bias (K*D,). It checks the arguments (shapes, dtypes, devices) with
errors that say the fix, brings them into the kernel's layout (contiguous; A, D, delta_bias in
float32) and returns the output in u's dtype. What the doctor reports about the kernels is
`posemamba.scan.cuda_status.kernel_status()`.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, NamedTuple

import torch

EXTENSION = "posemamba_selective_scan"
INPUT_DTYPES = (torch.float32, torch.float16, torch.bfloat16)
BUILD_FIX = (
    "build and install kernels/selective_scan for this GPU (README, 'Selective-scan CUDA kernel'), "
    "or use another scan backend (POSEMAMBA_SCAN_BACKEND=torch)"
)


class CudaScanUnavailable(RuntimeError):
    """The cuda backend cannot run here; the message says why and how to fix it."""


def _import_extension() -> tuple[ModuleType | None, str]:
    try:
        module = importlib.import_module(EXTENSION)
    except ImportError as error:  # not installed, or a library built for another torch (undefined symbol)
        return None, f"{EXTENSION} cannot be imported: {error}"
    except (OSError, RuntimeError) as error:
        return None, f"{EXTENSION} failed to load: {error}"
    return module, f"{EXTENSION} {getattr(module, '__version__', '?')} from {module.LIBRARY_PATH}"


# Imported once, when this module is: torch.compile cannot trace an import inside the scan, but it
# reads these globals as constants.
_EXTENSION, _EXTENSION_REASON = _import_extension()


def load_extension() -> tuple[ModuleType | None, str]:
    """The imported posemamba_selective_scan, or None and the reason it cannot be imported."""
    return _EXTENSION, _EXTENSION_REASON


def available() -> tuple[bool, str]:
    """Whether the backend can run here, and why (the registry's contract)."""
    module, reason = load_extension()
    if module is None:
        return False, reason
    if not torch.cuda.is_available():
        return False, f"{reason}, but torch sees no CUDA GPU"
    return True, reason


class ScanArguments(NamedTuple):
    u: torch.Tensor
    delta: torch.Tensor
    A: torch.Tensor
    B: torch.Tensor
    C: torch.Tensor
    D: torch.Tensor
    delta_bias: torch.Tensor


def check_shapes(u, delta, A, B, C, D, delta_bias) -> None:
    """Raise ValueError naming the first argument whose shape breaks the layout of spec section 4.4."""
    named = {"u": u, "delta": delta, "A": A, "B": B, "C": C, "D": D, "delta_bias": delta_bias}
    for name, value in named.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"selective_scan: {name} must be a torch.Tensor, got {type(value).__name__}")
    if u.dim() != 3:
        raise ValueError(f"selective_scan: u must be (batch, channels, length), got shape {tuple(u.shape)}")
    batch, channels, length = u.shape
    if delta.shape != u.shape:
        raise ValueError(
            f"selective_scan: delta must have u's shape {tuple(u.shape)}, got {tuple(delta.shape)}"
        )
    if A.dim() != 2 or A.shape[0] != channels:
        raise ValueError(f"selective_scan: A must be (channels={channels}, dstate), got {tuple(A.shape)}")
    dstate = A.shape[1]
    if B.dim() != 4 or B.shape[0] != batch or B.shape[2] != dstate or B.shape[3] != length:
        raise ValueError(
            f"selective_scan: B must be (batch={batch}, groups, dstate={dstate}, length={length}), "
            f"got {tuple(B.shape)}"
        )
    if C.shape != B.shape:
        raise ValueError(f"selective_scan: C must have B's shape {tuple(B.shape)}, got {tuple(C.shape)}")
    groups = B.shape[1]
    if groups == 0 or channels % groups:
        raise ValueError(
            f"selective_scan: channels ({channels}) must be a multiple of the groups of B and C ({groups})"
        )
    for name, value in (("D", D), ("delta_bias", delta_bias)):
        if value.shape != (channels,):
            raise ValueError(
                f"selective_scan: {name} must be (channels={channels},), got {tuple(value.shape)}"
            )
    if batch == 0 or channels == 0 or length == 0:
        raise ValueError(f"selective_scan: empty input, u has shape {tuple(u.shape)}")


def check_dtypes(u, delta, A, B, C, D, delta_bias) -> None:
    """Raise TypeError unless u, delta, B, C share one kernel dtype and A, D, delta_bias are floating."""
    if u.dtype not in INPUT_DTYPES:
        raise TypeError(f"selective_scan: u must be float32, float16 or bfloat16, got {u.dtype}")
    for name, value in (("delta", delta), ("B", B), ("C", C)):
        if value.dtype != u.dtype:
            raise TypeError(
                f"selective_scan: {name} is {value.dtype} but u is {u.dtype}; cast them to one dtype "
                "(the cuda backend takes u, delta, B and C in one precision)"
            )
    for name, value in (("A", A), ("D", D), ("delta_bias", delta_bias)):
        if not value.is_floating_point():
            raise TypeError(f"selective_scan: {name} must be a floating-point tensor, got {value.dtype}")


def check_devices(u, delta, A, B, C, D, delta_bias) -> None:
    """Raise ValueError unless every tensor is on one and the same CUDA device."""
    if u.device.type != "cuda":
        raise ValueError(
            f"selective_scan: the cuda backend needs CUDA tensors, u is on {u.device}; "
            "move the model to the GPU or use another scan backend (POSEMAMBA_SCAN_BACKEND=torch)"
        )
    named = {"delta": delta, "A": A, "B": B, "C": C, "D": D, "delta_bias": delta_bias}
    for name, value in named.items():
        if value.device != u.device:
            raise ValueError(f"selective_scan: {name} is on {value.device} but u is on {u.device}")


def kernel_layout(u, delta, A, B, C, D, delta_bias) -> ScanArguments:
    """The arguments as the kernels take them: contiguous, A/D/delta_bias float32 (spec section 5)."""
    return ScanArguments(
        u.contiguous(),
        delta.contiguous(),
        A.contiguous().float(),
        B.contiguous(),
        C.contiguous(),
        D.contiguous().float(),
        delta_bias.contiguous().float(),
    )


def _ops() -> Any:
    """torch.ops.posemamba_selective_scan, once the extension is loaded (tests replace this)."""
    if _EXTENSION is None:
        reason = _EXTENSION_REASON
        raise CudaScanUnavailable(f"the cuda scan backend is unavailable: {reason} — fix: {BUILD_FIX}")
    return torch.ops.posemamba_selective_scan


class SelectiveScanFunction(torch.autograd.Function):
    """Forward and backward through the kernels; inputs already in kernel layout."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, D, delta_bias, delta_softplus):
        out, states = _ops().fwd(u, delta, A, B, C, D, delta_bias, delta_softplus)
        ctx.save_for_backward(u, delta, A, B, C, D, delta_bias, states)
        ctx.delta_softplus = delta_softplus
        return out

    @staticmethod
    def backward(ctx, dout):
        u, delta, A, B, C, D, delta_bias, states = ctx.saved_tensors
        du, ddelta, dA, dB, dC, dD, ddelta_bias = _ops().bwd(
            u, delta, A, B, C, D, delta_bias, dout.contiguous(), states, ctx.delta_softplus
        )
        # dB and dC are accumulated in float32 over the channels of a group; hand them back in B's dtype.
        return du, ddelta, dA, dB.to(B.dtype), dC.to(C.dtype), dD, ddelta_bias, None


def selective_scan(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor,
    delta_bias: torch.Tensor,
    delta_softplus: bool = True,
) -> torch.Tensor:
    """The selective scan on the GPU; output (Bt, K*D, L) in u's dtype. Gradients flow to all 7 tensors."""
    check_shapes(u, delta, A, B, C, D, delta_bias)
    check_dtypes(u, delta, A, B, C, D, delta_bias)
    check_devices(u, delta, A, B, C, D, delta_bias)
    args = kernel_layout(u, delta, A, B, C, D, delta_bias)
    return SelectiveScanFunction.apply(*args, bool(delta_softplus))
