"""Helpers for the PoseMamba golden tests: fixture paths, the tolerance, the scan backends here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

# The golden data generated from the original implementation (tests/fixtures/posemamba/README.md).
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "posemamba"
# The tolerance the golden data's generator recommends: |got - want| <= ATOL + RTOL * |want|.
ATOL = 1e-5
RTOL = 1e-5


def assert_golden(got: torch.Tensor | np.ndarray, want: np.ndarray, what: str) -> float:
    """Element-wise |got - want| <= ATOL + RTOL |want|; returns the max abs error."""
    got = got.detach().cpu().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    error = np.abs(got.astype(np.float64) - want)
    bad = error > ATOL + RTOL * np.abs(want)
    assert not bad.any(), (
        f"{what}: {int(bad.sum())} of {bad.size} values outside tolerance, max abs error {error.max():.3g}"
    )
    return float(error.max())


def backend_params(slow_unless_default: bool = False) -> list:
    """One pytest param per scan backend; the ones that cannot run here are skipped with the reason.

    slow_unless_default marks every backend but the automatic choice `slow` (the sequential loops
    take seconds where the compiled scan takes milliseconds).
    """
    from posemamba import scan

    default = scan.choose("cpu").backend
    params = []
    for name in scan.BACKENDS:
        ok, why = scan.available(name)
        marks = [] if ok else [pytest.mark.skip(reason=f"scan backend {name} unavailable here: {why}")]
        if slow_unless_default and name != default:
            marks.append(pytest.mark.slow)
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def available_backends() -> list[str]:
    """The backends that can run here, fastest first (the automatic CPU choice first)."""
    from posemamba import scan

    names = [name for name in scan.BACKENDS if scan.available(name)[0]]
    default = scan.choose("cpu").backend
    return sorted(names, key=lambda name: name != default)
