"""The `cuda` scan backend: the posemamba_selective_scan CUDA kernels behind an autograd.Function.

`selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus=True)` has the contract of the other
backends (research/posemamba-spec.md, sections 4.4 and 5): u, delta (Bt, K*D, L); A (K*D, N);
B, C (Bt, K, N, L); D, delta_bias (K*D,). It checks the arguments (shapes, dtypes, devices) with
errors that say the fix, brings them into the kernel's layout (contiguous; A, D, delta_bias in
float32) and returns the output in u's dtype. `kernel_status()` is what the doctor reports.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import torch
from torch.nn import functional as F

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


# --- kernel_status: what the doctor reports --------------------------------------------------------


def reference_scan(u, delta, A, B, C, D, delta_bias, delta_softplus: bool = True) -> torch.Tensor:
    """A plain sequential float64 loop (spec section 5), for the small self-check of kernel_status."""
    u, delta, A, B, C, D, delta_bias = (t.double().cpu() for t in (u, delta, A, B, C, D, delta_bias))
    batch, channels, length = u.shape
    groups, dstate = B.shape[1], A.shape[1]
    delta = delta + delta_bias[None, :, None]
    if delta_softplus:
        delta = F.softplus(delta)

    def by_position(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        # (..., L) -> L contiguous slices: per-position indexing of the original would read strided
        # memory and give a full-size scatter per step in the backward.
        return x.movedim(-1, 0).contiguous().unbind(0)

    grouped = (batch, groups, channels // groups, length)
    A = A.view(groups, channels // groups, dstate)
    h = u.new_zeros(batch, groups, channels // groups, dstate)
    ys = []
    steps = zip(*(by_position(x) for x in (delta.view(grouped), u.view(grouped), B, C)), strict=True)
    for dt, u_l, B_l, C_l in steps:  # dt, u_l (batch, K, Dk); B_l, C_l (batch, K, N)
        h = torch.exp(dt[..., None] * A) * h + (dt * u_l)[..., None] * B_l[:, :, None, :]
        ys.append((h * C_l[:, :, None, :]).sum(-1))
    return torch.stack(ys, dim=-1).reshape(batch, channels, length) + D[None, :, None] * u


def find_cuobjdump() -> str | None:
    """cuobjdump on PATH, in CUDA_HOME, or the PyPI copy that .ci/setup.d/40-cuda-build.sh caches."""
    cache = Path(os.environ.get("ENVKIT_CACHE_DIR", Path.home() / ".cache" / "envkit"))
    candidates = [
        shutil.which("cuobjdump"),
        str(Path(os.environ.get("CUDA_HOME", "/usr/local/cuda")) / "bin" / "cuobjdump"),
        str(cache / "cuobjdump-13.2.51" / "nvidia" / "cu13" / "bin" / "cuobjdump"),
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def parse_cuobjdump(elf_listing: str, ptx_listing: str = "") -> list[str]:
    """Architectures in TORCH_CUDA_ARCH_LIST spelling from `cuobjdump --list-elf` / `--list-ptx` output.

    'ELF file 1: x.1.sm_120.cubin' -> '12.0'; a PTX entry 'PTX file 1: x.1.sm_120.ptx' -> '12.0+PTX'.
    """

    def archs(text: str, kind: str) -> set[str]:
        found = re.findall(rf"\bsm_(\d+)[af]?\.{kind}\b", text)
        return {f"{int(code) // 10}.{int(code) % 10}" for code in found}

    cubins = archs(elf_listing, "cubin")
    ptx = archs(ptx_listing, "ptx")
    key = lambda arch: tuple(int(part) for part in arch.split("."))  # noqa: E731
    listed = [arch + ("+PTX" if arch in ptx else "") for arch in sorted(cubins, key=key)]
    listed += [f"{arch}+PTX" for arch in sorted(ptx - cubins, key=key)]
    return listed


def built_archs(library: str, cuobjdump: str | None = None) -> tuple[list[str] | None, str]:
    """The architectures compiled into `library` and how they were found (None when cuobjdump is absent)."""
    tool = cuobjdump or find_cuobjdump()
    if tool is None:
        return None, "no cuobjdump"
    elf = subprocess.run([tool, "--list-elf", library], capture_output=True, text=True, timeout=60)
    ptx = subprocess.run([tool, "--list-ptx", library], capture_output=True, text=True, timeout=60)
    if elf.returncode != 0 and ptx.returncode != 0:
        return None, f"cuobjdump failed: {(elf.stderr or ptx.stderr).strip()}"
    return parse_cuobjdump(elf.stdout, ptx.stdout), f"cuobjdump ({tool})"


def arch_runs_on(archs: list[str], capability: str) -> bool:
    """The same-major rule: an X.Y cubin runs on X.Z with Z >= Y; X.Y+PTX runs on any capability >= X.Y."""
    major, minor = (int(part) for part in capability.split("."))
    for entry in archs:
        arch = entry.removesuffix("+PTX")
        a_major, a_minor = (int(part) for part in arch.split("."))
        cubin_runs = a_major == major and a_minor <= minor
        ptx_runs = entry.endswith("+PTX") and (a_major, a_minor) <= (major, minor)
        if cubin_runs or ptx_runs:
            return True
    return False


def archs_from_torch(arch_list: list[str]) -> list[str]:
    """torch.cuda.get_arch_list() spelling ('sm_90', 'sm_120', 'compute_120') -> ['9.0', '12.0']."""
    codes = [re.fullmatch(r"sm_(\d+)[af]?", entry) for entry in arch_list]
    return [f"{int(m.group(1)) // 10}.{int(m.group(1)) % 10}" for m in codes if m]


def arch_problem(archs: list[str], capability: str) -> str | None:
    """Why a library built for `archs` cannot run on a GPU of `capability` (with the fix), or None."""
    if arch_runs_on(archs, capability):
        return None
    return (
        f"{EXTENSION} is built for {', '.join(archs) or 'no architecture'}, which cannot run on this GPU "
        f"(compute capability {capability}) — fix: rebuild it with TORCH_CUDA_ARCH_LIST={capability}"
    )


def _self_check(device: torch.device) -> float:
    """Max abs difference of the kernel's forward against reference_scan on a small problem."""
    generator = torch.Generator().manual_seed(0)
    batch, groups, per_group, dstate, length = 2, 4, 8, 16, 300

    def rand(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator)

    args = (
        rand(batch, groups * per_group, length),
        rand(batch, groups * per_group, length) * 0.5,
        -torch.exp(rand(groups * per_group, dstate) * 0.5),
        rand(batch, groups, dstate, length),
        rand(batch, groups, dstate, length),
        rand(groups * per_group),
        rand(groups * per_group) * 0.5,
    )
    with torch.no_grad():
        got = selective_scan(*(a.to(device) for a in args)).double().cpu()
    return float((got - reference_scan(*args)).abs().max())


def kernel_status(run_check: bool = True) -> dict[str, Any]:
    """What the doctor needs: importable?, built archs, whether they run on this GPU, numerics, reason.

    `available` is the verdict (checks/selective_scan.py reads it); `reason` says why, with the fix.
    """
    status: dict[str, Any] = {
        "available": False,  # the verdict: importable, runs on this GPU, equal to the reference
        "importable": False,
        "version": None,
        "library": None,
        "archs": None,
        "archs_source": None,
        "gpu": None,
        "runs_on_gpu": None,
        "max_abs_error": None,
        "numerics_ok": None,
        "reason": "",
    }
    module, reason = load_extension()
    if module is None:
        status["reason"] = f"{reason} — fix: {BUILD_FIX}"
        return status
    status.update(importable=True, version=getattr(module, "__version__", None), library=module.LIBRARY_PATH)
    archs, source = built_archs(module.LIBRARY_PATH)
    if archs is None:
        # torch's own list, not the extension's: only a hint when cuobjdump is missing (the self-check
        # below still catches a library without code for this GPU).
        archs = archs_from_torch(torch.cuda.get_arch_list())
        source = f"torch.cuda.get_arch_list() ({source}; this is torch's list, not the extension's)"
    status.update(archs=archs, archs_source=source)
    if not torch.cuda.is_available():
        status["reason"] = "importable, but torch sees no CUDA GPU, so it cannot run here"
        return status
    major, minor = torch.cuda.get_device_capability(0)
    capability = f"{major}.{minor}"
    status["gpu"] = {"name": torch.cuda.get_device_name(0), "capability": capability}
    problem = arch_problem(archs, capability)
    status["runs_on_gpu"] = problem is None
    if problem is not None:
        status["reason"] = problem
        return status
    if run_check:
        try:
            error = _self_check(torch.device("cuda", 0))
        except RuntimeError as failure:  # e.g. "no kernel image is available for execution on the device"
            status.update(numerics_ok=False, reason=f"the kernels failed to run: {failure}")
            return status
        # The float32 tolerance of the golden data (shared/golden/posemamba/README.md).
        status.update(max_abs_error=error, numerics_ok=error <= 1e-4)
        if not status["numerics_ok"]:
            status["reason"] = f"forward differs from the reference by {error:.3g} on a small problem"
            return status
    status["available"] = True
    status["reason"] = f"ok: {reason}, built for {', '.join(archs)}"
    return status
