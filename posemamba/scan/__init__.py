"""Selective scan (spec section 5) behind one function, with interchangeable backends.

    selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus=True, backend=None)

Packed layout of spec section 4.4: u, delta (Bt, K*D, L); A (K*D, N); B, C (Bt, K, N, L) where
group k serves channels k*D .. (k+1)*D - 1; D, delta_bias (K*D,). Output (Bt, K*D, L) in u's dtype.

Backends: `ref` (sequential loop, exact, for tests), `torch` (chunked tensor scan, autograd), `cpu`
(compiled fused CPU scan, inference), `cuda` (kernels/selective_scan, see cuda.py). The backend is
the `backend` argument, else $POSEMAMBA_SCAN_BACKEND, else chosen from the tensors' device;
`backend_report()` says which one a call would use and why.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch

from posemamba.scan import ref

ENV_VAR = "POSEMAMBA_SCAN_BACKEND"
BACKENDS = ("ref", "torch", "cpu", "cuda")


class UnknownBackendError(ValueError):
    """A backend name that is not one of BACKENDS."""


@dataclass(frozen=True)
class Choice:
    """The backend a call uses and why."""

    backend: str
    reason: str


def _check_name(name: str, source: str) -> str:
    if name not in BACKENDS:
        raise UnknownBackendError(
            f"unknown selective-scan backend {name!r} (from {source}); valid backends: {', '.join(BACKENDS)}"
        )
    return name


def available(name: str) -> tuple[bool, str]:
    """Whether backend `name` can run here, and why (UnknownBackendError for a name not in BACKENDS)."""
    return _backend_available(_check_name(name, "available()"))


def _backend_available(name: str) -> tuple[bool, str]:
    if name == "ref":
        return True, "sequential reference loop"
    if name == "torch":
        return True, "chunked PyTorch scan"
    if name == "cpu":
        try:
            from posemamba.scan import cpu
        except ImportError as error:  # the compiled CPU scan is not in this checkout yet
            return False, f"posemamba.scan.cpu cannot be imported: {error}"
        return cpu.available()
    from posemamba.scan import cuda

    return cuda.available()


def choose(device: torch.device | str = "cpu", backend: str | None = None, grad: bool = False) -> Choice:
    """The backend for tensors on `device`: argument, else $POSEMAMBA_SCAN_BACKEND, else automatic.

    `grad` says whether the call needs gradients: the `cpu` backend is inference-only, so the automatic
    choice takes `torch` for calls that record autograd.
    """
    device = torch.device(device)
    if backend is not None:
        return Choice(_check_name(backend, "the backend argument"), "requested by the backend argument")
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return Choice(_check_name(from_env, f"${ENV_VAR}"), f"requested by ${ENV_VAR}")
    if device.type == "cuda":
        ok, why = _backend_available("cuda")
        if ok:
            return Choice("cuda", f"CUDA tensors and the cuda kernel is available ({why})")
        return Choice("torch", f"CUDA tensors but the cuda kernel is not available ({why})")
    if grad:
        return Choice("torch", "gradients needed (the cpu backend is inference-only)")
    ok, why = _backend_available("cpu")
    if ok:
        return Choice("cpu", f"CPU tensors, compiled CPU scan ({why})")
    return Choice("torch", f"CPU tensors but the compiled CPU scan is not available ({why})")


def backend_report(device: torch.device | str = "cpu", grad: bool = False) -> str:
    """One line: the backend a call on `device` would use, and why."""
    choice = choose(device, grad=grad)
    return f"selective scan on {torch.device(device)}: {choice.backend} — {choice.reason}"


def _implementation(name: str) -> Callable[..., torch.Tensor]:
    if name == "ref":
        return ref.selective_scan
    if name == "torch":
        from posemamba.scan import chunked

        return chunked.selective_scan
    if name == "cpu":
        from posemamba.scan import cpu

        return cpu.selective_scan
    from posemamba.scan import cuda

    return cuda.selective_scan


def selective_scan(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor,
    delta_bias: torch.Tensor,
    delta_softplus: bool = True,
    backend: str | None = None,
) -> torch.Tensor:
    """The selective scan of spec section 5 with the chosen backend; output (Bt, K*D, L) in u's dtype."""
    from posemamba.scan.cuda import check_shapes

    check_shapes(u, delta, A, B, C, D, delta_bias)
    tensors = (u, delta, A, B, C, D, delta_bias)
    grad = torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
    choice = choose(u.device, backend, grad=grad)
    out = _implementation(choice.backend)(u, delta, A, B, C, D, delta_bias, delta_softplus)
    return out.to(u.dtype)
