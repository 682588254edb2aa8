"""Helpers for the PoseMamba golden tests: fixture paths, the tolerance, the scan backends here."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "posemamba"
# The shared golden data sits beside the checkout (<repo>/../shared) on developer machines and in CI.
# POSEMAMBA_GOLDEN_DIR points elsewhere (e.g. from a git worktree that does not sit beside it).
SHARED_GOLDEN = Path(
    os.environ.get("POSEMAMBA_GOLDEN_DIR")
    or Path(__file__).resolve().parents[3] / "shared" / "golden" / "posemamba"
)
# Recommended by shared/golden/posemamba/observations.json: |got - want| <= ATOL + RTOL * |want|.
ATOL = 1e-5
RTOL = 1e-5


def shared_file(name: str) -> Path:
    """A file of the shared golden data, or a skip that says where it was looked for."""
    path = SHARED_GOLDEN / name
    if not path.is_file():
        pytest.skip(f"{name} not found in {SHARED_GOLDEN} (the shared golden data sits beside the checkout)")
    return path


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
