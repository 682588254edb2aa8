"""Backend choice: argument, POSEMAMBA_SCAN_BACKEND, automatic by device and autograd, errors."""

from __future__ import annotations

import pytest
import torch
from scan_problems import problem

from posemamba import scan
from posemamba.scan import cuda


@pytest.fixture(autouse=True)
def no_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(scan.ENV_VAR, raising=False)


def test_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scan.ENV_VAR, "torch")
    choice = scan.choose("cpu", "ref")
    assert choice.backend == "ref"
    assert "argument" in choice.reason


def test_environment_overrides_automatic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scan.ENV_VAR, "ref")
    assert scan.choose("cpu").backend == "ref"
    assert scan.ENV_VAR in scan.backend_report("cpu")


def test_environment_choice_is_the_one_that_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The env var reaches selective_scan: an unknown name from it fails the call."""
    monkeypatch.setenv(scan.ENV_VAR, "numba")
    with pytest.raises(scan.UnknownBackendError, match=scan.ENV_VAR):
        scan.selective_scan(*problem(length=5))


@pytest.mark.parametrize("where", ["argument", "environment"])
def test_unknown_backend_lists_the_valid_ones(where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if where == "environment":
        monkeypatch.setenv(scan.ENV_VAR, "fast")
    with pytest.raises(scan.UnknownBackendError) as error:
        scan.choose("cpu", "fast" if where == "argument" else None)
    for name in scan.BACKENDS:
        assert name in str(error.value)


def test_cpu_tensors_use_the_compiled_scan_when_it_builds() -> None:
    ok, why = scan._backend_available("cpu")
    choice = scan.choose("cpu")
    assert choice.backend == ("cpu" if ok else "torch")
    assert why in choice.reason


def test_gradients_choose_torch_on_cpu() -> None:
    choice = scan.choose("cpu", grad=True)
    assert choice.backend == "torch"
    assert "gradient" in choice.reason


def test_cuda_tensors_without_the_kernel_use_torch() -> None:
    ok, why = cuda.available()
    if ok:
        pytest.skip("the cuda kernel is available here; the fallback cannot be observed")
    choice = scan.choose("cuda")
    assert choice.backend == "torch"
    assert why in choice.reason


def test_output_has_u_dtype_and_shape() -> None:
    args = problem(batch=1, groups=2, per_group=4, length=7)
    out = scan.selective_scan(*args)
    assert out.shape == args[0].shape and out.dtype == args[0].dtype


def test_bad_shape_is_a_clear_error() -> None:
    args = problem(length=7)
    args[3] = args[3][:, :, :, :-1]  # B one position short
    with pytest.raises(ValueError, match="B must be"):
        scan.selective_scan(*args, backend="ref")


def test_report_names_backend_and_reason() -> None:
    report = scan.backend_report("cpu")
    choice = scan.choose("cpu")
    assert choice.backend in report and choice.reason in report


def test_training_forward_records_gradients_through_torch() -> None:
    args = [a.requires_grad_(True) for a in problem(length=9)]
    out = scan.selective_scan(*args)  # automatic: gradients needed -> torch
    out.sum().backward()
    assert all(a.grad is not None for a in args)
    assert scan.choose("cpu", grad=True).backend == "torch"
    with torch.no_grad():
        assert scan.selective_scan(*args).grad_fn is None
