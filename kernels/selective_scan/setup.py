"""Build the posemamba_selective_scan._C extension with torch.utils.cpp_extension.

The architectures come from TORCH_CUDA_ARCH_LIST (the recipes set it: 12.0 for the RTX 5090, 12.1 or
12.0+PTX for the DGX Spark, 9.0 for Hopper); nothing is hard-coded, and building without it is an
error rather than a guess. MAX_JOBS limits ninja's parallel compiles (torch reads it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
CSRC = HERE / "csrc"


def fail(message: str, fix: str) -> None:
    sys.exit(f"posemamba-selective-scan: {message} — fix: {fix}")


try:
    import torch
    from torch.utils import cpp_extension
except ImportError:
    fail(
        "torch is not importable in the build environment",
        "install the torch you will run with, then build without isolation: "
        "pip wheel --no-build-isolation --no-deps kernels/selective_scan",
    )


def nvcc_release(cuda_home: str) -> str:
    """'13.0' from `nvcc --version` of CUDA_HOME."""
    nvcc = Path(cuda_home) / "bin" / "nvcc"
    try:
        text = subprocess.run([str(nvcc), "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        fail(
            f"cannot run {nvcc} ({error})", "set CUDA_HOME to a CUDA toolkit, e.g. CUDA_HOME=/usr/local/cuda"
        )
    match = re.search(r"release (\d+)\.(\d+)", text)
    if match is None:
        fail(f"cannot read the CUDA release from `{nvcc} --version`", "check the CUDA toolkit at CUDA_HOME")
    return f"{match.group(1)}.{match.group(2)}"


def check_toolchain() -> None:
    """Fail early, with the fix, on the mistakes that otherwise surface as long compiler errors."""
    if torch.version.cuda is None:
        fail(
            f"torch {torch.__version__} is a CPU build and cannot build CUDA extensions",
            "install the CUDA build of torch that the image runs (e.g. torch==2.13.0 from PyPI is cu130)",
        )
    cuda_home = cpp_extension.CUDA_HOME
    if not cuda_home:
        fail("no CUDA toolkit found", "set CUDA_HOME, e.g. CUDA_HOME=/usr/local/cuda")
    nvcc = nvcc_release(cuda_home)
    # torch refuses a different major with an unformatted tuple message; say it plainly first
    # (shared/research/kernels-feasibility.md, section 1).
    if nvcc.split(".")[0] != torch.version.cuda.split(".")[0]:
        fail(
            f"nvcc {nvcc} (CUDA_HOME={cuda_home}) and torch {torch.__version__} (built with CUDA "
            f"{torch.version.cuda}) differ in CUDA major version",
            f"use a CUDA {torch.version.cuda.split('.')[0]}.x toolkit as CUDA_HOME, or a torch built for "
            f"CUDA {nvcc.split('.')[0]}",
        )
    if not os.environ.get("TORCH_CUDA_ARCH_LIST", "").strip():
        fail(
            "TORCH_CUDA_ARCH_LIST is not set",
            "name the GPU architectures to build for, e.g. TORCH_CUDA_ARCH_LIST=12.0 (RTX 5090), "
            "12.1 (DGX Spark), 9.0 (H100)",
        )


# Before CUDAExtension(): with a CPU torch it would fail on its own with a bare "CUDA_HOME not set".
check_toolchain()

setup(
    ext_modules=[
        cpp_extension.CUDAExtension(
            name="posemamba_selective_scan._C",
            sources=[
                "csrc/selective_scan.cpp",
                "csrc/selective_scan_fwd.cu",
                "csrc/selective_scan_bwd.cu",
            ],
            include_dirs=[str(CSRC)],
            # No --use_fast_math: the float32 results must match the reference to 1e-5 relative.
            extra_compile_args={"cxx": ["-O3"], "nvcc": ["-O3", "-lineinfo"]},
        )
    ],
    cmdclass={"build_ext": cpp_extension.BuildExtension},
)
