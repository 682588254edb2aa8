"""Every scan backend that runs here against the sequential float64 reference (spec section 5)."""

from __future__ import annotations

import pytest
import torch
from scan_problems import assert_close, float32_atol, problem

from posemamba import scan
from posemamba.scan import chunked


def runnable(names: tuple[str, ...]) -> list:
    params = []
    for name in names:
        ok, why = scan._backend_available(name)
        marks = [] if ok else [pytest.mark.skip(reason=f"scan backend {name} unavailable here: {why}")]
        params.append(pytest.param(name, marks=marks, id=name))
    return params


FAST = runnable(("torch", "cpu"))

CASES = {
    # name: problem() arguments
    "small": {},
    "tail-channels-generic-N": {"groups": 3, "per_group": 5, "dstate": 7, "length": 41},
    "long": {"batch": 1, "groups": 2, "per_group": 8, "length": 1500},
    "huge-deltas": {"delta_mean": 25.0, "delta_scale": 15.0, "a_scale": 3.0, "length": 300},
    "around-threshold-20": {"delta_mean": 20.0, "delta_scale": 0.5, "length": 64},
    "tiny-deltas": {"delta_mean": -30.0, "delta_scale": 3.0, "length": 200},
    "one-position": {"length": 1},
    "chunk-edges": {"length": 33},  # 33 = 32-position tile + 1; sqrt chunks 6 x 6 with 3 pad
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("backend", FAST)
def test_matches_reference(backend: str, case: str) -> None:
    args = problem(**CASES[case])
    want = scan.selective_scan(*[a.double() for a in args], backend="ref")
    got = scan.selective_scan(*args, backend=backend)
    assert got.dtype == torch.float32
    assert_close(got, want, f"{backend} on {case}", atol=float32_atol(want))


@pytest.mark.parametrize("backend", FAST)
def test_without_softplus(backend: str) -> None:
    args = problem(delta_mean=2.0, delta_scale=0.2, length=60)
    args[6] = args[6].abs()  # delta + bias > 0: without softplus a negative delta makes the state grow
    want = scan.selective_scan(*[a.double() for a in args], delta_softplus=False, backend="ref")
    assert_close(scan.selective_scan(*args, delta_softplus=False, backend=backend), want, backend)


def test_long_sequence_with_huge_decays_stays_finite() -> None:
    """Cumulative decays of exp(-1e4) over a chunk: a cumprod-and-divide scan would give inf/nan."""
    args = problem(
        batch=1, groups=1, per_group=4, length=5000, delta_mean=40.0, delta_scale=20.0, a_scale=5.0
    )
    want = scan.selective_scan(*[a.double() for a in args], backend="ref")
    assert_close(chunked.selective_scan(*args), want, "torch, L=5000, huge deltas", atol=float32_atol(want))


def test_ref_float32_matches_float64() -> None:
    args = problem(length=80)
    want = scan.selective_scan(*[a.double() for a in args], backend="ref")
    got = scan.selective_scan(*args, backend="ref")
    assert got.dtype == torch.float32
    assert_close(got, want, "ref float32")


def test_torch_float64_is_float64_accurate() -> None:
    args = problem(length=200, dtype=torch.float64)
    want = scan.selective_scan(*args, backend="ref")
    got = scan.selective_scan(*args, backend="torch")
    assert got.dtype == torch.float64
    assert_close(got, want, "torch float64", atol=1e-11, rtol=1e-11)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["float16", "bfloat16"])
@pytest.mark.parametrize("backend", FAST)
def test_half_inputs_are_scanned_in_float32(backend: str, dtype: torch.dtype) -> None:
    """Half-precision inputs: the state is float32 (spec 5); the output comes back in u's dtype."""
    args = problem(length=40, dtype=dtype)
    want = scan.selective_scan(*[a.double() for a in args], backend="ref")
    got = scan.selective_scan(*args, backend=backend)
    assert got.dtype == dtype
    # Only the final rounding to half precision separates it from the float64 reference.
    eps = torch.finfo(dtype).eps
    assert_close(got, want, f"{backend} {dtype}", atol=1e-3, rtol=eps)


def grads(backend: str, args: list[torch.Tensor]) -> list[torch.Tensor]:
    leaves = [a.clone().requires_grad_(True) for a in args]
    out = scan.selective_scan(*leaves, backend=backend)
    weights = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)
    (out * weights).sum().backward()
    return [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("backend", runnable(("torch", "cpu")))
def test_gradients_match_reference(backend: str) -> None:
    """torch differentiates its chunked scan; cpu's backward recomputes with torch."""
    args = problem(batch=2, groups=2, per_group=3, dstate=5, length=45, dtype=torch.float64)
    want = grads("ref", args)
    got = grads(backend, [a.float() for a in args] if backend == "cpu" else args)
    names = ["u", "delta", "A", "B", "C", "D", "delta_bias"]
    tolerance = {"atol": 1e-4, "rtol": 1e-4} if backend == "cpu" else {"atol": 1e-9, "rtol": 1e-9}
    for name, g, w in zip(names, got, want, strict=True):
        assert_close(g, w, f"d{name} ({backend})", **tolerance)
