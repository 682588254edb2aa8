"""GPU -> compute capability -> CUDA toolkit -> driver (env-anchors.md B.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envkit.compat.arch import ArchEntry, arch_runs_on
from envkit.compat.knowledge import Knowledge, cuda_key
from envkit.compat.rules.base import B1, Rule, registrar
from envkit.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe

RULES: list[Rule] = []
rule = registrar(RULES)


@rule(
    "gpu-known",
    "every GPU is in the GPU table",
    f"{B1}; envkit/compat/data/gpus.toml",
    when=lambda r: bool(r.gpus),
)
def _gpus_known(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    return [
        Problem(f"gpus[{index}]", f"unknown GPU {name!r}", f"use one of: {', '.join(kb.gpu_names())}")
        for index, name in enumerate(recipe.gpus)
        if kb.gpu(name) is None
    ]


@rule(
    "gpu-cuda-floor",
    "the CUDA toolkit can target every GPU",
    f"{B1} (cog gpu floors)",
    when=lambda r: bool(r.gpus) or r.cuda is not None,
)
def _gpus_need_cuda(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.gpus and recipe.cuda is None:
        return [
            Problem(
                "cuda", "the recipe names GPUs but has no [cuda] table", "add [cuda] version and arch_list"
            )
        ]
    if recipe.cuda is not None and not recipe.gpus:
        return [Problem("gpus", "a CUDA recipe must name the GPUs it targets", 'add gpus = ["RTX 5090"]')]
    problems = []
    for name in recipe.gpus:
        gpu = kb.gpu(name)
        if gpu and recipe.cuda and cuda_key(recipe.cuda) < cuda_key(gpu.min_cuda):
            problems.append(
                Problem(
                    "cuda.version",
                    f"CUDA {recipe.cuda} cannot target {gpu.name} "
                    f"(sm_{gpu.compute_capability.replace('.', '')} "
                    f"needs CUDA >= {gpu.min_cuda})",
                    f"use CUDA {gpu.min_cuda} or newer (base image and torch build)",
                )
            )
    return problems


@rule(
    "cuda-driver-known",
    "a minimum driver is known for the toolkit",
    f"{B1} driver table",
    when=lambda r: r.cuda is not None,
)
def _driver_known(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.cuda
    if kb.min_driver(recipe.cuda) is None:
        known = ", ".join(toolkit.cuda for toolkit in kb.toolkits)
        return [
            Problem(
                "cuda.version",
                f"no minimum driver is known for CUDA {recipe.cuda}",
                f"use one of {known}, or add the toolkit to envkit/compat/data/cuda_drivers.toml",
            )
        ]
    return []


@rule(
    "arch-covers-gpus",
    "the arch list runs on every GPU (same-major rule)",
    f"{B1}; pytorch#164596",
    when=lambda r: r.cuda is not None and bool(r.gpus),
)
def _arch_covers_gpus(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    problems = []
    for name in recipe.gpus:
        gpu = kb.gpu(name)
        if gpu and not arch_runs_on(list(recipe.arch_list), gpu.compute_capability):
            problems.append(
                Problem(
                    "cuda.arch_list",
                    f"{', '.join(recipe.arch_list) or 'an empty list'} has no code that runs on {gpu.name} "
                    f"(compute capability {gpu.compute_capability})",
                    f'add "{gpu.compute_capability}" (same major, minor <= the GPU\'s) '
                    'or a lower "+PTX" entry',
                )
            )
    return problems


@rule(
    "arch-target-only",
    "every arch entry runs on one of the recipe's GPUs (each entry is another nvcc pass)",
    "issue 2 (arch list for the target only); openmmlab-install.md (mmcv build ~25 min per pass)",
    when=lambda r: r.cuda is not None and bool(r.gpus),
)
def _arch_target_only(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    """Each arch entry costs a full nvcc pass over mmcv and the kernels; keep the ones a GPU runs."""
    capabilities = [gpu.compute_capability for name in recipe.gpus if (gpu := kb.gpu(name))]
    if len(capabilities) != len(recipe.gpus):
        return []  # unknown GPUs are reported by gpu-known
    return [
        Problem(
            "cuda.arch_list",
            f"{entry} runs on none of the recipe's GPUs ({', '.join(recipe.gpus)}) "
            "and only lengthens every build",
            f"drop {entry}, or add the GPU it is for to gpus",
        )
        for entry in recipe.arch_list
        if not any(arch_runs_on([entry], capability) for capability in capabilities)
    ]


@rule(
    "arch-in-toolkit",
    "nvcc can compile every arch in the list",
    f"{B1}; env-anchors B.4 (nvcc fatal)",
    when=lambda r: r.cuda is not None,
)
def _arch_in_toolkit(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.cuda
    problems = []
    for entry in recipe.arch_list:
        capability = str(ArchEntry.parse(entry).capability)
        floor = kb.min_cuda_for_arch(capability)
        if floor and cuda_key(recipe.cuda) < cuda_key(floor):
            problems.append(
                Problem(
                    "cuda.arch_list",
                    f"nvcc from CUDA {recipe.cuda} cannot compile for {entry} (needs CUDA >= {floor})",
                    f"use CUDA >= {floor} or drop {entry}",
                )
            )
    return problems
