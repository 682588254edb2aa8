"""Building the compiled CPU scan on first use, its cache, and the fallback without a compiler.

Each test runs a fresh Python process with its own ENVKIT_CACHE_DIR, so the build really happens (or
really fails) there: a missing compiler is a nonexistent $CXX, a broken one is `false`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posemamba.scan import build

PROBE = """
import json, torch
from posemamba import scan
choice = scan.choose("cpu")
out = scan.selective_scan(torch.ones(1, 8, 5), torch.zeros(1, 8, 5), -torch.ones(8, 4),
                          torch.ones(1, 1, 4, 5), torch.ones(1, 1, 4, 5), torch.zeros(8), torch.zeros(8))
print(json.dumps({"backend": choice.backend, "reason": choice.reason, "report": scan.backend_report(),
                  "finite": bool(torch.isfinite(out).all())}))
"""


def probe(cache: Path, **env: str) -> tuple[dict, str]:
    environment = {**os.environ, "ENVKIT_CACHE_DIR": str(cache), **env}
    environment.pop("POSEMAMBA_SCAN_BACKEND", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


@pytest.mark.slow
def test_builds_once_into_the_cache_then_reuses_it(tmp_path: Path) -> None:
    if shutil.which(os.environ.get("CXX") or "c++") is None:
        pytest.skip("no C++ compiler on PATH: the compiled CPU scan cannot be built here")
    first, stderr = probe(tmp_path)
    assert first["backend"] == "cpu" and first["finite"]
    assert "compiled in" in stderr  # reported once, on the build
    libraries = list((tmp_path / "posemamba-scan").glob(f"*/{build.LIBRARY_NAME}"))
    assert len(libraries) == 1
    second, stderr = probe(tmp_path)
    assert second["backend"] == "cpu" and "cached" in second["reason"]
    assert "compiled in" not in stderr
    assert list((tmp_path / "posemamba-scan").glob(f"*/{build.LIBRARY_NAME}")) == libraries


@pytest.mark.slow
def test_missing_compiler_falls_back_to_torch_and_says_why(tmp_path: Path) -> None:
    result, _ = probe(tmp_path, CXX="/nonexistent/c++")
    assert result["backend"] == "torch" and result["finite"]
    assert "no C++ compiler" in result["reason"] and "/nonexistent/c++" in result["reason"]
    assert result["reason"] in result["report"]


@pytest.mark.slow
def test_failing_compiler_falls_back_to_torch(tmp_path: Path) -> None:
    false = shutil.which("false")
    if false is None:
        pytest.skip("no `false` program to stand in for a broken compiler")
    result, _ = probe(tmp_path, CXX=false)
    assert result["backend"] == "torch" and result["finite"]
    assert "failed" in result["reason"]
    assert not list((tmp_path / "posemamba-scan").glob(f"*/{build.LIBRARY_NAME}"))


def test_cache_key_follows_source_and_flags() -> None:
    compiler = build.find_compiler() if shutil.which(os.environ.get("CXX") or "c++") else None
    if compiler is None:
        pytest.skip("no C++ compiler on PATH")
    flags = build.compile_flags()
    assert build.cache_key(compiler, flags) == build.cache_key(compiler, flags)
    assert build.cache_key(compiler, flags) != build.cache_key(compiler, [*flags, "-DOTHER"])


def test_sources_ship_inside_the_package() -> None:
    """The wheel packs posemamba/ whole: the C++ source must live there, not beside the package."""
    package = Path(build.__file__).resolve().parent.parent
    assert build.SOURCE.is_file() and package in build.SOURCE.parents
