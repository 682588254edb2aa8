"""The `cpu` scan backend: the compiled, fused CPU scan of csrc/scan_cpu.cpp, called through ctypes.

Inference-first: the forward runs the compiled loop (float32 state, any input dtype is computed in
float32 and returned in u's dtype); when gradients are needed, the backward recomputes the scan with
the `torch` backend and differentiates that. The library is compiled on first use (build.py); when it
cannot be (no compiler, a failed build, a failed self-check), `available()` says why and the automatic
choice falls back to `torch`.

`run_groups(...)` is the general entry: several scans ("groups") over channels-last tensors, each
visiting positions in its own order and optionally accumulating into a shared output — what the
model's four-direction scan uses without building re-ordered copies of its inputs.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from dataclasses import dataclass

import torch

from posemamba.errors import PoseMambaError
from posemamba.scan import build, chunked
from posemamba.scan.ref import selective_scan as ref_scan

MAX_STATES = 64  # the generic-N loop keeps up to 64 states per channel on the stack
MAX_RANK = 16  # the fused delta projection keeps up to 16 weight vectors

_P = ctypes.c_void_p
_I64 = ctypes.c_int64


@dataclass
class Group:
    """One scan: positions p, channels d, states n, with any element strides.

    u, delta, y (Bt, P, channels); B, C (Bt, P, N) — given as strided views, e.g. the packed
    (Bt, K*D, L) u as `u[:, k*D:(k+1)*D].transpose(1, 2)`. All groups of one call share shapes and
    strides. A (channels, N), D and bias (channels,) contiguous; order (L,) int32 positions to visit,
    or None for 0..L-1; reverse visits the steps backwards; accumulate adds into y.
    """

    u: torch.Tensor
    delta: torch.Tensor
    B: torch.Tensor
    C: torch.Tensor
    y: torch.Tensor
    A: torch.Tensor
    D: torch.Tensor
    bias: torch.Tensor
    order: torch.Tensor | None = None
    reverse: bool = False
    accumulate: bool = False
    dt_w: torch.Tensor | None = None
    partner: torch.Tensor | None = None


@functools.lru_cache(maxsize=1)
def _load() -> tuple[ctypes.CDLL | None, str]:
    try:
        path, seconds = build.build_library()
    except (build.BuildError, OSError, PoseMambaError) as error:  # the cache folder unusable: OSError, or
        # PoseMambaError (posemamba.cache: ENVKIT_CACHE_DIR is a file)
        # One line, once (cached): the automatic choice falls back to the slower torch scan.
        print(f"posemamba: warning: the compiled CPU scan is unavailable ({error}); using the torch scan",
              file=sys.stderr)  # fmt: skip
        return None, str(error)
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as error:
        return None, f"the compiled CPU scan {path} cannot be loaded: {error}"
    lib.posemamba_scan.restype = None
    lib.posemamba_scan.argtypes = [_I64] * 5 + [_P] * 12 + [_I64, _P, _P, ctypes.c_int, ctypes.c_int]
    note = (
        f"compiled in {seconds:.1f} s into {path.parent}"
        if seconds is not None
        else f"cached in {path.parent}"
    )
    if seconds is not None:
        print(f"posemamba: {note}", file=sys.stderr)
    problem = _self_check(lib)
    if problem:
        return None, f"the compiled CPU scan ({path}) failed its self-check: {problem}"
    return lib, note


def _pointers(tensors: list[torch.Tensor | None]) -> ctypes.Array:
    return (_P * len(tensors))(*[(t.data_ptr() if t is not None else None) for t in tensors])


def run_groups(
    groups: list[Group], length: int, softplus: bool = True, lib: ctypes.CDLL | None = None
) -> None:
    """Run the compiled scan for `groups` (float32 CPU tensors), writing their y tensors."""
    lib = lib or _load()[0]
    if lib is None:
        raise RuntimeError(f"the cpu scan backend is unavailable: {_load()[1]}")
    first = groups[0]
    batch, channels, n_states = first.u.shape[0], first.A.shape[0], first.A.shape[1]
    layout = [t.stride() for t in (first.u, first.delta, first.B, first.y)]
    rank = 0 if first.dt_w is None else first.dt_w.shape[1]
    if rank > MAX_RANK or n_states > MAX_STATES:
        raise ValueError(f"run_groups: at most {MAX_STATES} states and a delta rank of {MAX_RANK}")
    for g in groups:
        for name in ("u", "delta", "B", "C", "y", "A", "D", "bias"):
            t = getattr(g, name)
            if t.dtype != torch.float32 or t.device.type != "cpu":
                raise ValueError(
                    f"run_groups: {name} must be a float32 CPU tensor, got {t.dtype} on {t.device}"
                )
        if [t.stride() for t in (g.u, g.delta, g.C, g.y)] != [layout[0], layout[1], layout[2], layout[3]]:
            raise ValueError("run_groups: every group must have the strides of the first (and C those of B)")
        if g.A.shape != (channels, n_states) or not all(t.is_contiguous() for t in (g.A, g.D, g.bias)):
            raise ValueError("run_groups: A (channels, N), D and bias must be contiguous and of one size")
        for index in (g.order, g.partner):
            if index is not None and (index.dtype != torch.int32 or not index.is_contiguous()):
                raise ValueError("run_groups: order and partner must be contiguous int32 tensors")
        if (g.dt_w is None) != (first.dt_w is None) or (
            g.dt_w is not None
            and (
                g.dt_w.shape != (channels, rank)
                or not g.dt_w.is_contiguous()
                or g.dt_w.dtype != torch.float32
            )
        ):
            raise ValueError(
                "run_groups: dt_w must be given for all groups or none, (channels, R<=16) float32"
            )
    strides = (ctypes.c_int64 * 12)(*[stride for shape in layout for stride in shape])
    n = len(groups)
    lib.posemamba_scan(
        batch, length, channels, n_states, n,
        _pointers([g.u for g in groups]), _pointers([g.delta for g in groups]),
        _pointers([g.B for g in groups]), _pointers([g.C for g in groups]),
        _pointers([g.y for g in groups]), _pointers([g.A for g in groups]),
        _pointers([g.D for g in groups]), _pointers([g.bias for g in groups]),
        _pointers([g.order for g in groups]),
        (ctypes.c_int32 * n)(*[int(g.reverse) for g in groups]),
        (ctypes.c_int32 * n)(*[int(g.accumulate) for g in groups]),
        _pointers([g.dt_w for g in groups]), rank, _pointers([g.partner for g in groups]),
        strides, int(softplus), torch.get_num_threads(),
    )  # fmt: skip


def _forward(u, delta, A, B, C, D, delta_bias, delta_softplus, lib=None) -> torch.Tensor:
    """Packed layout in, (Bt, K*D, L) float32 out, read and written in place through strides."""
    _, channels, length = u.shape
    groups = B.shape[1]
    per_group = channels // groups
    u, delta, B, C, A, D, delta_bias = (
        t.to(torch.float32).contiguous() for t in (u, delta, B, C, A, D, delta_bias)
    )
    y = torch.empty_like(u)
    parts = [slice(k * per_group, (k + 1) * per_group) for k in range(groups)]

    def positions_first(t: torch.Tensor) -> torch.Tensor:  # (Bt, X, L) -> (Bt, L, X), a view
        return t.transpose(1, 2)

    run_groups(
        [
            Group(
                positions_first(u[:, s]),
                positions_first(delta[:, s]),
                positions_first(B[:, k]),
                positions_first(C[:, k]),
                positions_first(y[:, s]),
                A[s],
                D[s],
                delta_bias[s],
            )
            for k, s in enumerate(parts)
        ],
        length,
        delta_softplus,
        lib,
    )
    return y


class _CpuScan(torch.autograd.Function):
    """Compiled forward; the backward differentiates the `torch` backend's recomputation."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, D, delta_bias, delta_softplus):
        ctx.save_for_backward(u, delta, A, B, C, D, delta_bias)
        ctx.delta_softplus = delta_softplus
        return _forward(u, delta, A, B, C, D, delta_bias, delta_softplus)

    @staticmethod
    def backward(ctx, dout):
        inputs = [t.detach().requires_grad_(t.requires_grad) for t in ctx.saved_tensors]
        with torch.enable_grad():
            out = chunked.selective_scan(*inputs, ctx.delta_softplus)
            wanted = [t for t in inputs if t.requires_grad]
            grads = iter(torch.autograd.grad(out, wanted, dout))
        return (*[next(grads) if t.requires_grad else None for t in inputs], None)


def selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus: bool = True) -> torch.Tensor:
    """Packed layout of spec section 4.4; output (Bt, K*D, L) float32 (the registry casts it to u's dtype)."""
    ok, why = available()
    if not ok:
        raise RuntimeError(f"the cpu scan backend is unavailable: {why} — fix: install a C++ compiler "
                           "(g++) or use POSEMAMBA_SCAN_BACKEND=torch")  # fmt: skip
    if u.device.type != "cpu":
        raise ValueError(f"selective_scan: the cpu backend needs CPU tensors, u is on {u.device}")
    if A.shape[1] > MAX_STATES:
        return chunked.selective_scan(u, delta, A, B, C, D, delta_bias, delta_softplus)
    return _CpuScan.apply(u, delta, A, B, C, D, delta_bias, bool(delta_softplus))


def _self_check(lib: ctypes.CDLL) -> str | None:
    """Compare the compiled loop with `ref` (float64) on small problems, one per code path."""
    g = torch.Generator().manual_seed(0)
    for batch, groups, per_group, n_states, length in ((2, 2, 12, 16, 37), (1, 3, 5, 7, 19)):
        channels = groups * per_group
        args = [
            torch.randn(batch, channels, length, generator=g),
            torch.randn(batch, channels, length, generator=g) * 3,
            -torch.rand(channels, n_states, generator=g) * 4,
            torch.randn(batch, groups, n_states, length, generator=g),
            torch.randn(batch, groups, n_states, length, generator=g),
            torch.randn(channels, generator=g),
            torch.randn(channels, generator=g),
        ]
        got = _forward(*args, True, lib)
        want = ref_scan(*[a.double() for a in args], True)
        error = ((got.double() - want).abs() - 1e-5 * want.abs()).max().item()
        if not error <= 1e-5:
            return f"max error {error:.3g} on a {batch}x{channels}x{length} problem (N={n_states})"
    return None


def available() -> tuple[bool, str]:
    """Whether the compiled CPU scan runs here (compiling it on first call), and why."""
    lib, why = _load()
    return lib is not None, why
