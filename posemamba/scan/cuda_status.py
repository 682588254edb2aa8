"""What the doctor reports about the `cuda` scan backend: is the extension importable, which
architectures its library holds (cuobjdump), whether they run on this GPU (the same-major rule), and
whether its forward equals the reference scan on a small problem. The op itself is posemamba.scan.cuda.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import torch

from posemamba.cache import cache_dir
from posemamba.scan import ref
from posemamba.scan.cuda import BUILD_FIX, EXTENSION, load_extension, selective_scan


def find_cuobjdump() -> str | None:
    """cuobjdump on PATH, in CUDA_HOME, or the PyPI copy that .ci/setup.d/40-cuda-build.sh caches."""
    cache = cache_dir()
    candidates = [
        shutil.which("cuobjdump"),
        str(Path(os.environ.get("CUDA_HOME", "/usr/local/cuda")) / "bin" / "cuobjdump"),
        str(cache / "cuobjdump-13.2.51" / "nvidia" / "cu13" / "bin" / "cuobjdump"),
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def parse_cuobjdump(elf_listing: str, ptx_listing: str = "") -> list[str]:
    """Architectures in TORCH_CUDA_ARCH_LIST spelling from `cuobjdump --list-elf` / `--list-ptx` output.

    'ELF file 1: x.1.sm_120.cubin' -> '12.0'; a PTX entry 'PTX file 1: x.1.sm_120.ptx' -> '12.0+PTX'.
    """

    def archs(text: str, kind: str) -> set[str]:
        found = re.findall(rf"\bsm_(\d+)[af]?\.{kind}\b", text)
        return {f"{int(code) // 10}.{int(code) % 10}" for code in found}

    cubins = archs(elf_listing, "cubin")
    ptx = archs(ptx_listing, "ptx")
    key = lambda arch: tuple(int(part) for part in arch.split("."))  # noqa: E731
    listed = [arch + ("+PTX" if arch in ptx else "") for arch in sorted(cubins, key=key)]
    listed += [f"{arch}+PTX" for arch in sorted(ptx - cubins, key=key)]
    return listed


def built_archs(library: str, cuobjdump: str | None = None) -> tuple[list[str] | None, str]:
    """The architectures compiled into `library` and how they were found (None when cuobjdump is absent)."""
    tool = cuobjdump or find_cuobjdump()
    if tool is None:
        return None, "no cuobjdump"
    elf = subprocess.run([tool, "--list-elf", library], capture_output=True, text=True, timeout=60)
    ptx = subprocess.run([tool, "--list-ptx", library], capture_output=True, text=True, timeout=60)
    if elf.returncode != 0 and ptx.returncode != 0:
        return None, f"cuobjdump failed: {(elf.stderr or ptx.stderr).strip()}"
    return parse_cuobjdump(elf.stdout, ptx.stdout), f"cuobjdump ({tool})"


def arch_runs_on(archs: list[str], capability: str) -> bool:
    """The same-major rule: an X.Y cubin runs on X.Z with Z >= Y; X.Y+PTX runs on any capability >= X.Y."""
    major, minor = (int(part) for part in capability.split("."))
    for entry in archs:
        arch = entry.removesuffix("+PTX")
        a_major, a_minor = (int(part) for part in arch.split("."))
        cubin_runs = a_major == major and a_minor <= minor
        ptx_runs = entry.endswith("+PTX") and (a_major, a_minor) <= (major, minor)
        if cubin_runs or ptx_runs:
            return True
    return False


def archs_from_torch(arch_list: list[str]) -> list[str]:
    """torch.cuda.get_arch_list() spelling ('sm_90', 'sm_120', 'compute_120') -> ['9.0', '12.0']."""
    codes = [re.fullmatch(r"sm_(\d+)[af]?", entry) for entry in arch_list]
    return [f"{int(m.group(1)) // 10}.{int(m.group(1)) % 10}" for m in codes if m]


def arch_problem(archs: list[str], capability: str) -> str | None:
    """Why a library built for `archs` cannot run on a GPU of `capability` (with the fix), or None."""
    if arch_runs_on(archs, capability):
        return None
    return (
        f"{EXTENSION} is built for {', '.join(archs) or 'no architecture'}, which cannot run on this GPU "
        f"(compute capability {capability}) — fix: rebuild it with TORCH_CUDA_ARCH_LIST={capability}"
    )


def _self_check(device: torch.device) -> float:
    """Max abs difference of the kernel's forward against the float64 reference scan on a small problem."""
    generator = torch.Generator().manual_seed(0)
    batch, groups, per_group, dstate, length = 2, 4, 8, 16, 300

    def rand(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator)

    args = (
        rand(batch, groups * per_group, length),
        rand(batch, groups * per_group, length) * 0.5,
        -torch.exp(rand(groups * per_group, dstate) * 0.5),
        rand(batch, groups, dstate, length),
        rand(batch, groups, dstate, length),
        rand(groups * per_group),
        rand(groups * per_group) * 0.5,
    )
    with torch.no_grad():
        got = selective_scan(*(a.to(device) for a in args)).double().cpu()
        want = ref.selective_scan(*(a.double() for a in args))
    return float((got - want).abs().max())


def kernel_status(run_check: bool = True) -> dict[str, Any]:
    """What the doctor needs: importable?, built archs, whether they run on this GPU, numerics, reason.

    `available` is the verdict (checks/selective_scan.py reads it); `reason` says why, with the fix.
    """
    status: dict[str, Any] = {
        "available": False,  # the verdict: importable, runs on this GPU, equal to the reference
        "importable": False,
        "version": None,
        "library": None,
        "archs": None,
        "archs_source": None,
        "gpu": None,
        "runs_on_gpu": None,
        "max_abs_error": None,
        "numerics_ok": None,
        "reason": "",
    }
    module, reason = load_extension()
    if module is None:
        status["reason"] = f"{reason} — fix: {BUILD_FIX}"
        return status
    status.update(importable=True, version=getattr(module, "__version__", None), library=module.LIBRARY_PATH)
    archs, source = built_archs(module.LIBRARY_PATH)
    if archs is None:
        # torch's own list, not the extension's: only a hint when cuobjdump is missing (the self-check
        # below still catches a library without code for this GPU).
        archs = archs_from_torch(torch.cuda.get_arch_list())
        source = f"torch.cuda.get_arch_list() ({source}; this is torch's list, not the extension's)"
    status.update(archs=archs, archs_source=source)
    if not torch.cuda.is_available():
        status["reason"] = "importable, but torch sees no CUDA GPU, so it cannot run here"
        return status
    major, minor = torch.cuda.get_device_capability(0)
    capability = f"{major}.{minor}"
    status["gpu"] = {"name": torch.cuda.get_device_name(0), "capability": capability}
    problem = arch_problem(archs, capability)
    status["runs_on_gpu"] = problem is None
    if problem is not None:
        status["reason"] = problem
        return status
    if run_check:
        try:
            error = _self_check(torch.device("cuda", 0))
        except RuntimeError as failure:  # e.g. "no kernel image is available for execution on the device"
            status.update(numerics_ok=False, reason=f"the kernels failed to run: {failure}")
            return status
        # The float32 tolerance of the golden data (shared/golden/posemamba/README.md).
        status.update(max_abs_error=error, numerics_ok=error <= 1e-4)
        if not status["numerics_ok"]:
            status["reason"] = f"forward differs from the reference by {error:.3g} on a small problem"
            return status
    status["available"] = True
    status["reason"] = f"ok: {reason}, built for {', '.join(archs)}"
    return status
