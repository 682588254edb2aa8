"""The real kernel code on the CPU: kernels/selective_scan/csrc/*_kernel.cuh compiled with g++ against
tests/kernels/host_emulation (one std::thread per CUDA thread, barriers for __syncthreads and the
warp shuffles, std::atomic_ref for atomicAdd, _Float16 / bit-exact bfloat16 for the half types) and
checked against the float64 reference, its autograd gradients and the golden scan cases.

Only the CUDA built-ins are emulated; every line of the kernels runs as written. What this cannot
show is GPU-specific behaviour (memory model, occupancy, the device's expf/log1pf ulps, speed): that
is test_kernel_gpu.py. The library is cached under $ENVKIT_CACHE_DIR by a hash of the sources.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from scan_testing import SCAN_ARGS, golden_case, random_problem

from posemamba.scan import ref

ROOT = Path(__file__).resolve().parents[2]
CSRC = ROOT / "kernels" / "selective_scan" / "csrc"
EMULATION = Path(__file__).resolve().parent / "host_emulation"
CACHE = Path(os.environ.get("ENVKIT_CACHE_DIR", Path.home() / ".cache" / "envkit")) / "kernel-builds"
DTYPE_CODES = {torch.float32: 0, torch.float16: 1, torch.bfloat16: 2}  # selective_scan.h ScalarType

pytestmark = pytest.mark.slow  # ~10 CPU-s: one OS thread per CUDA thread


@pytest.fixture(scope="module")
def kernels() -> ctypes.CDLL:
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("no g++ on this machine (the host emulation needs a C++20 compiler)")
    sources = sorted([*CSRC.glob("*.h"), *CSRC.glob("*.cuh"), *EMULATION.rglob("*.*")])
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in sources)).hexdigest()[:16]
    library = CACHE / f"host-emulation-{digest}.so"
    if not library.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = library.with_suffix(".tmp.so")
        command = [compiler, "-std=c++20", "-O2", "-shared", "-fPIC", "-pthread", "-Wall", "-Werror"]
        command += ["-Wno-unknown-pragmas", f"-I{EMULATION}", f"-I{CSRC}", str(EMULATION / "harness.cpp")]
        result = subprocess.run([*command, "-o", str(partial)], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        partial.rename(library)
    return ctypes.CDLL(str(library))


def _ptr(t: torch.Tensor) -> ctypes.c_void_p:
    return ctypes.c_void_p(t.data_ptr())


def _shape(args: list[torch.Tensor]) -> list[int]:
    batch, channels, length = args[0].shape
    return [batch, channels, args[3].shape[1], args[2].shape[1], length]


def run_forward(kernels, args, softplus=True):
    """The kernels' forward on kernel-layout tensors -> (out, states)."""
    args = [a.contiguous() for a in args]
    batch, channels, _, dstate, length = _shape(args)
    out = torch.empty_like(args[0])
    states = torch.empty(batch, channels, -(-length // kernels.pss_chunk()), dstate)
    code = DTYPE_CODES[args[0].dtype]
    rc = kernels.pss_forward(code, *_shape(args), int(softplus), *map(_ptr, args), _ptr(out), _ptr(states))
    assert rc == 0
    return out, states


def run_backward(kernels, args, dout, states, softplus=True):
    """The kernels' backward -> (du, ddelta, dA, dB, dC, dD, ddelta_bias)."""
    args = [a.contiguous() for a in args]
    grads = [torch.empty_like(args[0]), torch.empty_like(args[1])]
    grads += [torch.zeros(args[i].shape) for i in (2, 3, 4, 5, 6)]  # accumulated, float32
    code = DTYPE_CODES[args[0].dtype]
    pointers = [*map(_ptr, args), _ptr(dout.contiguous()), _ptr(states), *map(_ptr, grads)]
    assert kernels.pss_backward(code, *_shape(args), int(softplus), *pointers) == 0
    return grads


def kernel_args(problem: dict[str, torch.Tensor], dtype: torch.dtype) -> list[torch.Tensor]:
    """u, delta, B, C in `dtype`; A, D, delta_bias float32 (what posemamba/scan/cuda.py hands over)."""
    return [problem[k].to(dtype if k in ("u", "delta", "B", "C") else torch.float32) for k in SCAN_ARGS]


def reference(args: list[torch.Tensor], dout: torch.Tensor, softplus: bool = True):
    leaves = [a.detach().double().requires_grad_() for a in args]
    out = ref.selective_scan(*leaves, delta_softplus=softplus)
    return out.detach(), torch.autograd.grad(out, leaves, dout.double())


def relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    return float((got.double() - want).abs().max() / want.abs().max())


def test_chunk_size_matches_the_python_package():
    text = (ROOT / "kernels" / "selective_scan" / "csrc" / "selective_scan.h").read_text()
    assert "kChunk = kThreads * kItems" in text


# (batch, groups, per_group, dstate, length, softplus): three chunks with a padded tail, exactly two
# chunks, one short chunk without softplus.
FLOAT32_CASES = [(1, 2, 2, 4, 2500, True), (2, 2, 1, 3, 2048, True), (1, 1, 2, 5, 37, False)]


@pytest.mark.parametrize(("batch", "groups", "per_group", "dstate", "length", "softplus"), FLOAT32_CASES)
def test_forward_and_backward_equal_the_reference_in_float32(
    kernels, batch, groups, per_group, dstate, length, softplus
):
    problem = random_problem(batch, groups, per_group, dstate, length, seed=length)
    if not softplus:
        problem["delta"], problem["delta_bias"] = problem["delta"].abs(), problem["delta_bias"].abs()
    args = kernel_args(problem, torch.float32)
    dout = torch.randn(args[0].shape, generator=torch.Generator().manual_seed(1))
    out, states = run_forward(kernels, args, softplus)
    grads = run_backward(kernels, args, dout, states, softplus)
    want, want_grads = reference(args, dout, softplus)
    assert ((out.double() - want).abs() <= 1e-5 + 1e-5 * want.abs()).all()
    for name, grad, want_grad in zip(SCAN_ARGS, grads, want_grads, strict=True):
        # sums over many positions (dA, dD, ddelta_bias): judged relative to the largest entry
        assert relative_error(grad, want_grad) <= 1e-5, name


@pytest.mark.parametrize("case", [1, 2, 3])
def test_forward_matches_the_golden_cases(kernels, golden, case):
    """Two channels of every group (all channels would take minutes with one thread per CUDA thread)."""
    args, softplus, want = golden_case(golden / f"selective_scan_case{case}.npz")
    groups, per_group = args["B"].shape[1], args["u"].shape[1] // args["B"].shape[1]
    channels = torch.tensor([k * per_group + d for k in range(groups) for d in (0, per_group - 1)])
    subset = {k: v[:, channels] if k in ("u", "delta") else v for k, v in args.items()}
    subset.update(A=args["A"][channels], D=args["D"][channels], delta_bias=args["delta_bias"][channels])
    out, _ = run_forward(kernels, kernel_args(subset, torch.float32), softplus)
    expected = want[:, channels].double()
    assert ((out.double() - expected).abs() <= 1e-5 + 1e-5 * expected.abs()).all()


# Measured with this test (max |error| / max |reference| over the output and all gradients, length
# 1500, N 16, inputs rounded to the dtype first so only the kernel's own error counts): float16
# 3.0e-4, bfloat16 2.9e-3 (both from du; the float32 gradients dA, dB, dC, dD stay below 1e-6).
# The bounds leave about 3x headroom.
HALF_BOUNDS = {torch.float16: 1e-3, torch.bfloat16: 1e-2}


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_error(kernels, dtype):
    problem = random_problem(1, 2, 1, 16, 1500, seed=11)
    args = kernel_args(problem, dtype)
    dout = torch.randn(args[0].shape, generator=torch.Generator().manual_seed(2)).to(dtype)
    out, states = run_forward(kernels, args)
    grads = run_backward(kernels, args, dout, states)
    want, want_grads = reference(args, dout)
    assert out.dtype == dtype and grads[0].dtype == dtype and grads[3].dtype == torch.float32
    errors = {"out": relative_error(out, want)}
    for name, grad, want_grad in zip(SCAN_ARGS, grads, want_grads, strict=True):
        errors[f"d{name}"] = relative_error(grad, want_grad)
    print(dtype, {k: f"{v:.1e}" for k, v in errors.items()})
    assert max(errors.values()) <= HALF_BOUNDS[dtype], errors
