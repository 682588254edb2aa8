"""Pick the recipe for this machine's GPU: NVML (nvidia-ml-py) when importable, else nvidia-smi, else CPU.

Facts can be injected like the doctor's (`$ENVKIT_DOCTOR_FACTS`, key `gpus`: [{name, compute_capability}]),
since a test machine has no GPU.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from envkit.compat import arch_runs_on, knowledge
from envkit.recipes.loader import load_recipe, recipe_names

CPU_RECIPE = "cpu"
_MACHINES = {
    "x86_64": "linux/amd64",
    "amd64": "linux/amd64",
    "aarch64": "linux/arm64",
    "arm64": "linux/arm64",
}


@dataclass(frozen=True)
class Choice:
    recipe: str
    reason: str


def _nvml() -> list[dict[str, Any]] | None:
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return None
    try:
        found = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(handle)
            name = name.decode() if isinstance(name, bytes) else name
            found.append({"name": name, "compute_capability": f"{major}.{minor}"})
        return found
    finally:
        pynvml.nvmlShutdown()


def _nvidia_smi() -> list[dict[str, Any]] | None:
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        done = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,compute_cap", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    rows = [line.split(",") for line in done.stdout.splitlines() if line.strip()]
    return [{"name": row[0].strip(), "compute_capability": row[1].strip()} for row in rows if len(row) >= 2]


def probe_gpus(facts: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], str]:
    """This machine's GPUs and where that came from ("injected facts", "NVML", "nvidia-smi", "none found")."""
    if facts is not None and "gpus" in facts:
        return list(facts["gpus"]), "injected facts"
    for source, probe in (("NVML", _nvml), ("nvidia-smi", _nvidia_smi)):
        gpus = probe()
        if gpus is not None:
            return gpus, source
    return [], "no NVML (nvidia-ml-py) and no nvidia-smi"


def pick(gpus: list[dict[str, Any]], source: str, machine: str | None = None) -> Choice:
    """The recipe for the first GPU: one that lists it, else one whose arch list runs on it, else cpu."""
    host_platform = _MACHINES.get((machine or platform.machine()).lower(), "")
    if not gpus:
        return Choice(CPU_RECIPE, f"no NVIDIA GPU found ({source}): the CPU recipe")
    gpu = gpus[0]
    name = str(gpu.get("name", "?"))
    info = knowledge().gpu(name)
    capability = str(gpu.get("compute_capability") or (info.compute_capability if info else ""))
    recipes = [load_recipe(item) for item in recipe_names()]
    if info is not None:
        for recipe in recipes:
            if any(knowledge().gpu(listed) == info for listed in recipe.gpus):
                return Choice(recipe.name, f"{name} ({source}) is listed in recipe {recipe.name}'s gpus")
    runs = [
        recipe
        for recipe in recipes
        if recipe.cuda
        and capability
        and arch_runs_on(list(recipe.arch_list), capability)
        and (not host_platform or recipe.platform == host_platform)
    ]
    if runs:
        return Choice(
            runs[0].name,
            f"{name} ({source}, compute capability {capability}) is in no recipe's gpus, but recipe "
            f"{runs[0].name}'s arch list {';'.join(runs[0].arch_list)} runs on it",
        )
    return Choice(
        CPU_RECIPE,
        f"no recipe builds code for {name} ({source}, compute capability {capability or '?'}) on "
        f"{host_platform or 'this platform'}: the CPU recipe",
    )
