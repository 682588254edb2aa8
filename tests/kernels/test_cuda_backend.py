"""posemamba.scan.cuda without a GPU: the argument checks and their messages, the layout handed to the
kernels, the autograd plumbing, kernel_status, and the kernels' algorithm (emulated step by step in
float64) against the reference scan, its autograd gradients and the golden cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from scan_testing import (
    ITEMS,
    SCAN_ARGS,
    THREADS,
    EmulatedOps,
    emulate_backward,
    emulate_forward,
    golden_case,
    random_problem,
    reference,
)

from posemamba.scan import cuda, cuda_status

ROOT = Path(__file__).resolve().parents[2]
HEADER = ROOT / "kernels" / "selective_scan" / "csrc" / "selective_scan.h"


def reference_with_grads(problem: dict[str, torch.Tensor], dout: torch.Tensor, delta_softplus: bool = True):
    """Output and gradients of the float64 reference through autograd."""
    leaves = {k: v.detach().double().requires_grad_() for k, v in problem.items()}
    out = reference(*(leaves[k] for k in SCAN_ARGS), delta_softplus=delta_softplus)
    grads = torch.autograd.grad(out, [leaves[k] for k in SCAN_ARGS], dout.double())
    return out.detach(), dict(zip(SCAN_ARGS, grads, strict=True))


def test_emulation_uses_the_kernels_block_shape():
    text = HEADER.read_text()
    assert int(re.search(r"kThreads = (\d+);", text).group(1)) == THREADS
    assert int(re.search(r"kItems = (\d+);", text).group(1)) == ITEMS


# (length, threads, items, delta_softplus, delta_scale): one chunk, several chunks with a padded tail,
# a chunk boundary exactly at the end, no softplus, and deltas beyond softplus's threshold of 20.
ALGORITHM_CASES = [
    (50, THREADS, ITEMS, True, 0.5),
    (1100, THREADS, ITEMS, True, 0.5),
    (600, 64, 4, True, 0.5),
    (512, 64, 4, True, 0.5),
    (300, 64, 2, False, 0.1),
    (300, 64, 2, True, 30.0),
]


def algorithm_problem(length: int, softplus: bool, scale: float, seed: int) -> dict[str, torch.Tensor]:
    problem = random_problem(length=length, delta_scale=scale, seed=seed)
    if not softplus:  # without softplus a negative delta would make the state grow without bound
        problem["delta"], problem["delta_bias"] = problem["delta"].abs(), problem["delta_bias"].abs()
    return problem


@pytest.mark.parametrize(("length", "threads", "items", "softplus", "scale"), ALGORITHM_CASES)
def test_kernel_algorithm_forward_equals_reference(length, threads, items, softplus, scale):
    problem = algorithm_problem(length, softplus, scale, seed=length)
    args = [problem[k] for k in SCAN_ARGS]
    out, states = emulate_forward(*args, softplus, threads=threads, items=items)
    want = reference(*args, delta_softplus=softplus)
    assert want.isfinite().all()
    torch.testing.assert_close(out, want, rtol=1e-10, atol=1e-10)
    assert states.shape == (2, 12, -(-length // (threads * items)), 5)


@pytest.mark.parametrize(("length", "threads", "items", "softplus", "scale"), ALGORITHM_CASES)
def test_kernel_algorithm_backward_equals_autograd(length, threads, items, softplus, scale):
    problem = algorithm_problem(length, softplus, scale, seed=length + 1)
    args = [problem[k] for k in SCAN_ARGS]
    dout = torch.randn(problem["u"].shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    _, states = emulate_forward(*args, softplus, threads=threads, items=items)
    got = emulate_backward(*args, dout, states, softplus, threads=threads, items=items)
    _, want = reference_with_grads(problem, dout, softplus)
    assert all(grad.isfinite().all() for grad in want.values())
    for name, grad in zip(SCAN_ARGS, got, strict=True):
        torch.testing.assert_close(grad, want[name], rtol=1e-9, atol=1e-9, msg=f"gradient of {name}")


@pytest.mark.parametrize("case", [1, 2, 3])
def test_kernel_algorithm_matches_golden_cases(golden, case):
    args, softplus, want = golden_case(golden / f"selective_scan_case{case}.npz")
    out, _ = emulate_forward(*(args[k].double() for k in SCAN_ARGS), softplus)
    assert ((out - want.double()).abs() <= 1e-5 + 1e-5 * want.double().abs()).all()


def _installed_ops(monkeypatch) -> EmulatedOps:
    ops = EmulatedOps(threads=64, items=2)
    monkeypatch.setattr(cuda, "_ops", lambda: ops)
    return ops


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_selective_scan_routes_values_and_gradients(monkeypatch, dtype):
    """The whole backend path with the kernels emulated and the CUDA device check bypassed: inputs
    reach the ops contiguous with A/D/delta_bias in float32, and every gradient reaches its input."""
    ops = _installed_ops(monkeypatch)
    monkeypatch.setattr(cuda, "check_devices", lambda *args: None)  # these CPU tensors stand in for CUDA ones
    problem = random_problem(length=300, seed=3)
    dout = torch.randn(problem["u"].shape, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    want_out, want_grads = reference_with_grads(problem, dout)

    leaves = {k: v.to(dtype if k in ("u", "delta", "B", "C") else torch.float64) for k, v in problem.items()}
    leaves["u"] = leaves["u"].transpose(1, 2).contiguous().transpose(1, 2)  # same values, not contiguous
    leaves = {k: v.detach().requires_grad_() for k, v in leaves.items()}
    assert not leaves["u"].is_contiguous()
    out = cuda.selective_scan(*(leaves[k] for k in SCAN_ARGS))
    out.backward(dout.to(dtype))

    fwd_args = ops.calls[0][1]
    assert all(t.is_contiguous() for t in fwd_args[:7])
    f32 = torch.float32
    assert [t.dtype for t in fwd_args[:7]] == [dtype, dtype, f32, dtype, dtype, f32, f32]
    assert fwd_args[7] is True
    assert [name for name, _ in ops.calls] == ["fwd", "bwd"]
    assert out.dtype == dtype
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == torch.float32 else {"rtol": 0.1, "atol": 0.15}
    torch.testing.assert_close(out.double(), want_out, **tol)
    for name in SCAN_ARGS:
        grad = leaves[name].grad
        assert grad is not None and grad.dtype == leaves[name].dtype, name
        scale = want_grads[name].abs().max()
        torch.testing.assert_close(grad.double() / scale, want_grads[name] / scale, **tol, msg=name)


def _good(**overrides):
    problem = random_problem(length=20, dtype=torch.float32)
    problem.update(overrides)
    return [problem[k] for k in SCAN_ARGS]


BAD_ARGUMENTS = [
    ({"u": torch.zeros(12, 20)}, ValueError, "u must be (batch, channels, length), got shape (12, 20)"),
    ({"delta": torch.zeros(2, 12, 19)}, ValueError, "delta must have u's shape (2, 12, 20)"),
    ({"A": torch.zeros(11, 5)}, ValueError, "A must be (channels=12, dstate), got (11, 5)"),
    ({"B": torch.zeros(2, 4, 6, 20)}, ValueError, "B must be (batch=2, groups, dstate=5, length=20)"),
    ({"C": torch.zeros(2, 3, 5, 20)}, ValueError, "C must have B's shape (2, 4, 5, 20)"),
    (
        {"B": torch.zeros(2, 5, 5, 20), "C": torch.zeros(2, 5, 5, 20)},
        ValueError,
        "channels (12) must be a multiple of the groups of B and C (5)",
    ),
    ({"D": torch.zeros(12, 1)}, ValueError, "D must be (channels=12,), got (12, 1)"),
    ({"delta_bias": torch.zeros(3)}, ValueError, "delta_bias must be (channels=12,), got (3,)"),
    ({"D": [0.0] * 12}, TypeError, "D must be a torch.Tensor, got list"),
    ({"u": torch.zeros(2, 12, 20, dtype=torch.int32)}, TypeError, "u must be float32, float16 or bfloat16"),
    ({"u": torch.zeros(2, 12, 20, dtype=torch.float64)}, TypeError, "u must be float32, float16 or bfloat16"),
    ({"delta": torch.zeros(2, 12, 20, dtype=torch.float16)}, TypeError, "delta is torch.float16 but u is"),
    ({"C": torch.zeros(2, 4, 5, 20, dtype=torch.bfloat16)}, TypeError, "C is torch.bfloat16 but u is"),
    ({"A": torch.zeros(12, 5, dtype=torch.int64)}, TypeError, "A must be a floating-point tensor"),
]


@pytest.mark.parametrize(("overrides", "error", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_named_with_the_fix(overrides, error, message):
    with pytest.raises(error, match=re.escape(message)):
        cuda.selective_scan(*_good(**overrides))


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_non_cuda_tensors_are_refused_with_the_fix(device):
    with pytest.raises(ValueError, match=r"needs CUDA tensors, u is on .*POSEMAMBA_SCAN_BACKEND=torch"):
        cuda.selective_scan(*(t.to(device) for t in _good()))


def test_checks_run_before_the_extension_is_needed(monkeypatch):
    def no_ops():
        raise AssertionError("the ops must not be reached with bad arguments")

    monkeypatch.setattr(cuda, "_ops", no_ops)
    with pytest.raises(ValueError):
        cuda.selective_scan(*_good(delta=torch.zeros(1, 1, 1)))


def test_kernel_layout_copies_only_what_it_must():
    args = _good(A=torch.zeros(5, 12, dtype=torch.float64).t(), D=torch.zeros(12, dtype=torch.float16))
    laid_out = cuda.kernel_layout(*args)
    assert laid_out.u is args[0]  # already contiguous: no copy
    assert laid_out.A.is_contiguous() and laid_out.A.dtype == torch.float32
    assert laid_out.D.dtype == torch.float32 and laid_out.delta_bias.dtype == torch.float32


needs_no_extension = pytest.mark.skipif(
    cuda.load_extension()[0] is not None, reason="posemamba_selective_scan is installed in this environment"
)


@needs_no_extension
def test_without_the_extension_the_backend_says_why_and_how_to_fix():
    ok, reason = cuda.available()
    assert not ok and "posemamba_selective_scan cannot be imported" in reason
    with pytest.raises(cuda.CudaScanUnavailable, match="fix: build and install kernels/selective_scan"):
        cuda._ops()
    status = cuda_status.kernel_status()
    assert status["available"] is False and status["importable"] is False and status["archs"] is None
    assert "fix: build and install kernels/selective_scan" in status["reason"]


# `cuobjdump --list-elf` / `--list-ptx` of a build with TORCH_CUDA_ARCH_LIST="8.0;12.0+PTX" (the two
# .cu files give one cubin each per arch); the format as printed by nvidia-cuda-cuobjdump 13.2.51.
ELF_LISTING = """\
ELF file    1: selective_scan_bwd.sm_80.cubin
ELF file    2: selective_scan_bwd.sm_120.cubin
ELF file    3: selective_scan_fwd.sm_80.cubin
ELF file    4: selective_scan_fwd.sm_120.cubin
"""
PTX_LISTING = """\
PTX file    1: selective_scan_bwd.sm_120.ptx
PTX file    2: selective_scan_fwd.sm_120.ptx
"""


def test_parse_cuobjdump_listing():
    assert cuda_status.parse_cuobjdump(ELF_LISTING, PTX_LISTING) == ["8.0", "12.0+PTX"]
    assert cuda_status.parse_cuobjdump(ELF_LISTING) == ["8.0", "12.0"]
    assert cuda_status.parse_cuobjdump("", PTX_LISTING) == ["12.0+PTX"]
    assert cuda_status.parse_cuobjdump("ELF file    1: x.sm_121a.cubin\n") == ["12.1"]


def test_arch_problem_names_the_rebuild():
    assert cuda_status.arch_problem(["12.0"], "12.1") is None
    problem = cuda_status.arch_problem(["12.0"], "9.0")
    assert problem == (
        "posemamba_selective_scan is built for 12.0, which cannot run on this GPU (compute capability 9.0)"
        " — fix: rebuild it with TORCH_CUDA_ARCH_LIST=9.0"
    )


def test_archs_from_torch_arch_list():
    # torch 2.13 cu130's list without a GPU (kernels-feasibility.md section 2), plus a PTX entry
    listed = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"]
    assert cuda_status.archs_from_torch(listed) == ["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"]
