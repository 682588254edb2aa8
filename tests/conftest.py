"""Shared pytest fixtures: paths to the project, shared golden data and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# ../shared sits beside the checkout on developer machines and in CI; tests that read the larger
# golden files from there skip with that reason when it is absent.
SHARED = ROOT.parent / "shared"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shared_golden() -> Path:
    path = SHARED / "golden" / "posemamba"
    if not path.is_dir():
        pytest.skip(f"shared golden data not found at {path} (it sits beside the checkout in CI)")
    return path
