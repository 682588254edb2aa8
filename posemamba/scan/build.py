"""Compile the CPU scan (csrc/scan_cpu.cpp) on first use and cache the shared library.

The library is plain C++ with a C ABI (no torch headers: it builds in about a second and does not
depend on the torch version), loaded with ctypes. It is compiled with $CXX (default `c++`) into
<cache>/posemamba-scan/<key>/ (posemamba.cache), where the key hashes the source, the compiler's
identity and the flags, so an edited source or another compiler builds afresh and an
unchanged one is reused. A file lock keeps concurrent first uses from compiling twice; the library
is written to a temporary name and renamed into place, so a crash never leaves a half-written file.
Flags: -O3, OpenMP, and -mavx2 -mfma when this CPU has them (8 floats per vector).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from posemamba import process
from posemamba.cache import cache_dir
from posemamba.files import file_lock

SOURCE = Path(__file__).resolve().parent / "csrc" / "scan_cpu.cpp"
LIBRARY_NAME = "libposemamba_scan.so"
# A hung compiler (and what it started: posemamba.process kills the group) must not stall the first
# lift: the build takes about a second, a few on a loaded machine; past these the torch scan is used.
VERSION_TIMEOUT_S, COMPILE_TIMEOUT_S = 15.0, 180.0
BASE_FLAGS = ["-O3", "-std=c++17", "-shared", "-fPIC", "-fopenmp", "-ffp-contract=fast", "-fno-math-errno"]


class BuildError(RuntimeError):
    """The CPU scan could not be compiled; the message says why."""


def cache_root() -> Path:
    """<posemamba's cache folder>/posemamba-scan (posemamba.cache)."""
    return cache_dir() / "posemamba-scan"


def cpu_flags() -> set[str]:
    """The CPU feature flags of /proc/cpuinfo (empty where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def compile_flags() -> list[str]:
    """BASE_FLAGS plus the vector extensions this CPU has (AVX2 + FMA: 8-float vectors)."""
    flags = list(BASE_FLAGS)
    if {"avx2", "fma"} <= cpu_flags():
        flags += ["-mavx2", "-mfma"]
    return flags


def find_compiler() -> str:
    """$CXX or `c++` as an absolute path; BuildError when there is none."""
    name = os.environ.get("CXX") or "c++"
    path = shutil.which(name)
    if path is None:
        raise BuildError(
            f"no C++ compiler: {name!r} ({'$CXX' if os.environ.get('CXX') else 'default'}) is not on PATH"
        )
    return path


def compiler_identity(compiler: str) -> str:
    """The first line of `compiler --version` (part of the cache key)."""
    try:
        done = process.run([compiler, "--version"], timeout=VERSION_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BuildError(
            f"the C++ compiler {compiler} did not answer --version within {VERSION_TIMEOUT_S:g} s"
        ) from None
    except OSError as error:
        raise BuildError(f"the C++ compiler {compiler} cannot run: {error}") from error
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else compiler


def cache_key(compiler: str, flags: list[str]) -> str:
    digest = hashlib.sha256(SOURCE.read_bytes())
    digest.update("\0".join([compiler, compiler_identity(compiler), *flags, sys.platform]).encode())
    return digest.hexdigest()[:16]


def build_library() -> tuple[Path, float | None]:
    """The path of the compiled library and the compile time in seconds (None when it was cached)."""
    compiler = find_compiler()
    flags = compile_flags()
    folder = cache_root() / cache_key(compiler, flags)
    library = folder / LIBRARY_NAME
    if library.is_file():
        return library, None
    with file_lock(folder / "build.lock"):
        if library.is_file():  # another process built it while we waited for the lock
            return library, None
        start = time.perf_counter()
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".so", delete=False) as tmp:
            partial = Path(tmp.name)
        try:
            command = [compiler, *flags, str(SOURCE), "-o", str(partial)]
            try:
                done = process.run(command, timeout=COMPILE_TIMEOUT_S)
            except (OSError, subprocess.TimeoutExpired) as error:
                raise BuildError(f"{compiler} failed to run: {error}") from error
            if done.returncode != 0:
                detail = " ".join(done.stderr.strip().splitlines()[:3])
                raise BuildError(f"{compiler} failed (exit {done.returncode}): {detail}")
            os.replace(partial, library)
        finally:
            partial.unlink(missing_ok=True)
        return library, time.perf_counter() - start
