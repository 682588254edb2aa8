"""Building kernels/selective_scan: source rules checked everywhere, and (marker cuda_build) a real
build for sm_120 with this machine's nvcc 13.0 against PyPI's CUDA 13.0 torch, its cubins read back
with cuobjdump, the library imported, and the .cu sources compiled against CUDA 12.8's CCCL 2.7.

The CUDA venv, cuobjdump and the CCCL 2.7 headers come from .ci/setup.d/40-cuda-build.sh (cached under
$ENVKIT_CACHE_DIR); builds are cached there by a hash of the sources, the arch list and the tools, so
a rerun with unchanged sources takes seconds. Facts: shared/research/kernels-feasibility.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from posemamba.scan import cuda_status

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "kernels" / "selective_scan"
CACHE = Path(os.environ.get("ENVKIT_CACHE_DIR", Path.home() / ".cache" / "envkit"))
CUDA_HOME = Path(os.environ.get("CUDA_HOME", "/usr/local/cuda"))
CUDA_VENV = CACHE / "cuda-venv-torch2.13.0-cu130"
CUOBJDUMP = CACHE / "cuobjdump-13.2.51" / "nvidia" / "cu13" / "bin" / "cuobjdump"
CCCL_27 = CACHE / "cccl-cu12-12.8.90" / "nvidia" / "cuda_cccl" / "include"
ARCH = "12.0"  # the RTX 5090 recipe's architecture: one arch keeps the build short
SETUP_FAILED = CACHE / "cuda-build-setup.failed"  # written by the setup script when an install failed


def _setup_hint() -> str:
    if SETUP_FAILED.exists():
        return SETUP_FAILED.read_text().strip()
    return "run .ci/setup.d/40-cuda-build.sh (about 4.7 GB, 1-2 minutes)"


CU_SOURCES = sorted((KERNEL / "csrc").glob("*.cu"))

# Every CUB name CUDA 13 (CCCL 3.0) removed, kernels-feasibility.md section 3, plus the two
# functors CUDA 12.8 (CCCL 2.7) lacks.
REMOVED_OR_MISSING = [
    r"cub::(Sum|Max|Min|Equality|Inequality|Difference|Division)\s*\(",
    r"cub::(LaneId|WarpId|LaneMaskLt|CTA_SYNC|CTA_SYNC_AND|WARP_SYNC|WARP_ANY)\b",
    r"cub::(max|min|DivideAndRoundUp|FpLimits|ConstantInputIterator|CountingInputIterator)\b",
    r"\bCUB_(MAX|MIN|QUOTIENT_CEILING|STATIC_ASSERT)\b",
    r"cuda::(maximum|minimum)\b",
]


def _code(path: Path) -> str:
    """The source without // comments (they name the removed functions on purpose)."""
    return "\n".join(line.split("//")[0] for line in path.read_text().splitlines())


@pytest.mark.parametrize("source", sorted((KERNEL / "csrc").glob("*.cu*")), ids=lambda p: p.name)
def test_sources_use_no_cub_name_missing_from_cuda_12_8_or_13_0(source):
    code = _code(source)
    for pattern in REMOVED_OR_MISSING:
        assert not re.search(pattern, code), f"{source.name} uses {pattern}"


def test_cu_sources_include_no_torch_headers():
    for source in [*CU_SOURCES, *(KERNEL / "csrc").glob("*.cuh"), KERNEL / "csrc" / "selective_scan.h"]:
        includes = re.findall(r'#include\s+[<"]([^>"]+)', source.read_text())
        assert not [i for i in includes if i.split("/")[0] in ("torch", "ATen", "c10")], source.name


def test_setup_hard_codes_no_architecture():
    code = (KERNEL / "setup.py").read_text()
    assert not re.search(r"sm_\d|compute_\d|-gencode|-arch[= ]", code)
    assert "TORCH_CUDA_ARCH_LIST" in code


def _run_setup(python: str, env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    source = tmp_path / "selective_scan"
    shutil.copytree(KERNEL, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "dist"))
    env = {**os.environ, **env_overrides}
    return subprocess.run(
        [python, "setup.py", "build_ext"], cwd=source, env=env, capture_output=True, text=True, timeout=300
    )


def test_setup_refuses_a_cpu_torch_with_the_fix(tmp_path):
    import torch

    if torch.version.cuda is not None:
        pytest.skip("this environment's torch is a CUDA build")
    result = _run_setup(sys.executable, {"TORCH_CUDA_ARCH_LIST": ARCH}, tmp_path)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("posemamba-selective-scan: torch ") and "is a CPU build" in last
    assert "— fix: install the CUDA build of torch" in last


def _skip_if_switched_off() -> None:
    if os.environ.get("ENVKIT_SKIP_CUDA_BUILD") == "1":
        pytest.skip("ENVKIT_SKIP_CUDA_BUILD=1: the CUDA build tests are switched off")


@pytest.fixture(scope="session")
def cuda_python() -> str:
    """The CUDA 13.0 torch venv's python (skips with the reason when the tools are missing)."""
    _skip_if_switched_off()
    if not (CUDA_HOME / "bin" / "nvcc").exists():
        pytest.skip(f"no nvcc at {CUDA_HOME}/bin/nvcc (set CUDA_HOME)")
    if not (CUDA_VENV / ".complete").exists():
        pytest.skip(f"the CUDA torch venv {CUDA_VENV} is missing: {_setup_hint()}")
    return str(CUDA_VENV / "bin" / "python")


def _fake_nvcc(tmp_path: Path, release: str) -> Path:
    """A CUDA_HOME whose nvcc reports `release` (this machine has only CUDA 13.0)."""
    home = tmp_path / f"cuda-{release}"
    (home / "bin").mkdir(parents=True)
    nvcc = home / "bin" / "nvcc"
    nvcc.write_text(f"#!/bin/sh\necho 'Cuda compilation tools, release {release}, V{release}.93'\n")
    nvcc.chmod(0o755)
    return home


@pytest.mark.cuda_build
def test_setup_names_a_cuda_major_mismatch(cuda_python, tmp_path):
    home = _fake_nvcc(tmp_path, "12.8")
    result = _run_setup(cuda_python, {"CUDA_HOME": str(home), "TORCH_CUDA_ARCH_LIST": ARCH}, tmp_path)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert f"nvcc 12.8 (CUDA_HOME={home}) and torch 2.13.0" in last
    assert "differ in CUDA major version — fix: use a CUDA 13.x toolkit" in last


@pytest.mark.cuda_build
def test_setup_requires_an_arch_list(cuda_python, tmp_path):
    env = {"CUDA_HOME": str(CUDA_HOME), "TORCH_CUDA_ARCH_LIST": ""}
    result = _run_setup(cuda_python, env, tmp_path)
    assert result.returncode != 0
    assert "TORCH_CUDA_ARCH_LIST is not set — fix: name the GPU architectures" in result.stderr


def _build_key(python: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(KERNEL.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".so", ".o"):
            digest.update(str(path.relative_to(KERNEL)).encode() + b"\0" + path.read_bytes())
    nvcc = subprocess.run([str(CUDA_HOME / "bin" / "nvcc"), "--version"], capture_output=True, text=True)
    digest.update(f"{ARCH}\0{nvcc.stdout}\0{python}".encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def built_extension(cuda_python) -> Path:
    """site dir holding posemamba_selective_scan built for ARCH; cached by source hash."""
    build = CACHE / "kernel-builds" / f"selective-scan-{_build_key(cuda_python)}"
    if (build / ".complete").exists():
        return build / "site"
    work = build.with_suffix(".tmp")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(KERNEL, work / "src", ignore=shutil.ignore_patterns("build", "*.egg-info", "dist"))
    env = {
        **os.environ,
        "CUDA_HOME": str(CUDA_HOME),
        "TORCH_CUDA_ARCH_LIST": ARCH,
        "MAX_JOBS": os.environ.get("MAX_JOBS", "2"),  # the machine has 2 cores, shared
    }
    command = ["nice", "-n", "10", cuda_python, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps"]
    result = subprocess.run(
        [*command, "-w", str(work / "dist"), str(work / "src")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    (work / "build.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"build failed, log: {work / 'build.log'}\n{result.stderr[-3000:]}"
    (wheel,) = (work / "dist").glob("posemamba_selective_scan-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(work / "site")
    shutil.rmtree(work / "src")
    (work / ".complete").touch()
    shutil.rmtree(build, ignore_errors=True)
    work.rename(build)
    # Keep the five newest builds (other checkouts may still use theirs); each is about 1.5 MB.
    builds = [p for p in build.parent.glob("selective-scan-*") if p.suffix != ".tmp"]
    for old in sorted(builds, key=lambda p: p.stat().st_mtime, reverse=True)[5:]:
        shutil.rmtree(old, ignore_errors=True)
    return build / "site"


def _library(site: Path) -> Path:
    (library,) = (site / "posemamba_selective_scan").glob("_C*.so")
    return library


@pytest.mark.cuda_build
def test_library_holds_exactly_the_requested_architecture(built_extension):
    if not CUOBJDUMP.exists():
        pytest.skip(f"cuobjdump missing at {CUOBJDUMP}: {_setup_hint()}")
    library = str(_library(built_extension))
    elf = subprocess.run([str(CUOBJDUMP), "--list-elf", library], capture_output=True, text=True, check=True)
    ptx = subprocess.run([str(CUOBJDUMP), "--list-ptx", library], capture_output=True, text=True)
    cubins = re.findall(r"ELF file\s+\d+: (\S+)", elf.stdout)
    assert sorted(cubins) == ["selective_scan_bwd.sm_120.cubin", "selective_scan_fwd.sm_120.cubin"]
    assert "PTX file" not in ptx.stdout  # "12.0" asks for no PTX
    assert cuda_status.parse_cuobjdump(elf.stdout, ptx.stdout) == [ARCH]


IMPORT_CHECK = r"""
import json, torch
import posemamba_selective_scan as ext
from posemamba.scan import cuda, cuda_status

ops = torch.ops.posemamba_selective_scan
report = {"chunk": ext.CHUNK, "cuda_available": torch.cuda.is_available()}
def meta(*shape, dtype=torch.float32, grad=False):
    return torch.empty(*shape, device="meta", dtype=dtype, requires_grad=grad)
out, states = ops.fwd(meta(2, 8, 3000), meta(2, 8, 3000), meta(8, 16), meta(2, 4, 16, 3000),
                      meta(2, 4, 16, 3000), meta(8), meta(8), True)
report["fwd_meta"] = [list(out.shape), str(out.dtype), list(states.shape), str(states.dtype)]
try:
    ops.fwd(*(torch.zeros(1, 2, 3), torch.zeros(1, 2, 3), torch.zeros(2, 4), torch.zeros(1, 1, 4, 3),
              torch.zeros(1, 1, 4, 3), torch.zeros(2), torch.zeros(2)), True)
except NotImplementedError as error:
    report["cpu_call"] = str(error).splitlines()[0]

# torch.compile traces the autograd.Function, forward and backward, through the fake implementations.
def scan(*args):
    return cuda.SelectiveScanFunction.apply(*cuda.kernel_layout(*args), True).float().sin()
half = torch.bfloat16
args = [meta(2, 8, 3000, dtype=half, grad=True), meta(2, 8, 3000, dtype=half, grad=True),
        meta(8, 16, grad=True), meta(2, 4, 16, 3000, dtype=half, grad=True),
        meta(2, 4, 16, 3000, dtype=half, grad=True), meta(8, grad=True), meta(8, grad=True)]
compiled = torch.compile(scan, backend="aot_eager", fullgraph=True)
compiled(*args).sum().backward()
report["compiled_grads"] = [[list(a.grad.shape), str(a.grad.dtype)] for a in args]
status = cuda_status.kernel_status()
keys = ("available", "importable", "archs", "archs_source", "runs_on_gpu", "reason")
report["status"] = {k: status[k] for k in keys}
print(json.dumps(report))
"""


@pytest.mark.cuda_build
def test_library_imports_registers_the_ops_and_traces_under_torch_compile(cuda_python, built_extension):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(built_extension), str(ROOT)]),
        "ENVKIT_CACHE_DIR": str(CACHE),
    }
    result = subprocess.run(
        [cuda_python, "-c", IMPORT_CHECK], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["chunk"] == 1024
    assert report["fwd_meta"] == [[2, 8, 3000], "torch.float32", [2, 8, 3, 16], "torch.float32"]
    assert (
        "Could not run 'posemamba_selective_scan::fwd' with arguments from the 'CPU' backend"
        in (report["cpu_call"])
    )
    bf16, f32 = "torch.bfloat16", "torch.float32"
    assert report["compiled_grads"] == [
        [[2, 8, 3000], bf16],
        [[2, 8, 3000], bf16],
        [[8, 16], f32],
        [[2, 4, 16, 3000], bf16],
        [[2, 4, 16, 3000], bf16],
        [[8], f32],
        [[8], f32],
    ]
    status = report["status"]
    assert status["importable"] is True and status["archs"] == [ARCH]
    assert status["archs_source"].startswith("cuobjdump")
    if not report["cuda_available"]:
        assert status["available"] is False and status["runs_on_gpu"] is None
        assert "torch sees no CUDA GPU" in status["reason"]


@pytest.mark.cuda_build
@pytest.mark.parametrize("source", CU_SOURCES, ids=lambda p: p.name)
def test_cu_sources_compile_against_cuda_12_8_cccl(source):
    """An API check: CUDA 12.8's CCCL 2.7 headers first on the include path, under nvcc 13.0 (no CUDA
    12.8 compiler can be had here, kernels-feasibility.md section 4)."""
    _skip_if_switched_off()
    nvcc = CUDA_HOME / "bin" / "nvcc"
    if not nvcc.exists():
        pytest.skip(f"no nvcc at {nvcc} (set CUDA_HOME)")
    if not CCCL_27.is_dir():
        pytest.skip(f"CCCL 2.7 headers missing at {CCCL_27}: {_setup_hint()}")
    sources = b"".join(p.read_bytes() for p in sorted((KERNEL / "csrc").iterdir()))
    key = hashlib.sha256(sources).hexdigest()[:16]
    marker = CACHE / "kernel-builds" / f"cccl27-{source.stem}-{key}.ok"
    if marker.exists():
        return
    out = CACHE / "kernel-builds" / f"cccl27-{source.stem}.o"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = ["nice", "-n", "10", str(nvcc), "-std=c++17", "-O1", "-arch=sm_120", f"-I{CCCL_27}"]
    command += [f"-I{KERNEL / 'csrc'}", "-c", str(source), "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    # The same include path resolves cub/ to CCCL 2.7, not to the toolkit's own 3.0.
    probe = subprocess.run(
        [str(nvcc), f"-I{CCCL_27}", "-x", "cu", "-c", "-", "-o", os.devnull],
        input='#include <cub/version.cuh>\nstatic_assert(CUB_VERSION == 200700, "not CCCL 2.7");\n',
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    out.unlink()
    marker.touch()


TORCH_291_INCLUDE = CACHE / "torch-2.9.1-include" / "torch" / "include"


@pytest.mark.cuda_build
def test_operator_source_compiles_against_torch_2_9_1_headers():
    """The one torch-facing file against the rtx5090 recipe's torch (2.9.1, C++17): an API check with
    g++ -fsyntax-only, since a cu128 torch cannot build with this machine's CUDA 13 nvcc."""
    _skip_if_switched_off()
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("no g++ on this machine")
    if not (TORCH_291_INCLUDE.parent.parent / ".complete").exists():
        pytest.skip(f"torch 2.9.1 headers missing at {TORCH_291_INCLUDE}: {_setup_hint()}")
    sources = [KERNEL / "csrc" / "selective_scan.cpp", KERNEL / "csrc" / "selective_scan.h"]
    key = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    marker = CACHE / "kernel-builds" / f"torch291-{key}.ok"
    if marker.exists():
        return
    includes = [TORCH_291_INCLUDE, TORCH_291_INCLUDE / "torch" / "csrc" / "api" / "include"]
    includes += [CUDA_HOME / "include", Path(sysconfig.get_paths()["include"]), KERNEL / "csrc"]
    command = ["nice", "-n", "10", compiler, "-std=c++17", "-fsyntax-only", "-Wall", "-Werror"]
    command += [f"-I{path}" for path in includes] + [str(sources[0])]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
