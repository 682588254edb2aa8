"""The torch build: its CUDA build, shipped archs, Python range, companions and extension toolkit.

Source: env-anchors.md B.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.version import Version

from envkit.compat.arch import arch_runs_on
from envkit.compat.knowledge import Knowledge, cuda_key
from envkit.compat.rules.base import B2, Rule, registrar
from envkit.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe

RULES: list[Rule] = []
rule = registrar(RULES)


@rule(
    "torch-build-known",
    "the torch version has the chosen CUDA build",
    f"{B2}; torch.toml",
    when=lambda r: r.torch is not None,
)
def _torch_build_known(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    if kb.torch_build(recipe.torch, recipe.torch_cuda):
        return []
    builds = kb.torch_cudas(recipe.torch)
    label = "cpu" if recipe.torch_cuda == "cpu" else f"CUDA {recipe.torch_cuda}"
    fix = (
        f"use one of its builds: {', '.join(builds)}"
        if builds
        else "use a torch version listed in envkit/compat/data/torch.toml"
    )
    return [
        Problem(
            "torch.cuda" if builds else "torch.version", f"torch {recipe.torch} has no {label} build", fix
        )
    ]


@rule(
    "torch-runs-on-gpus",
    "torch's shipped archs run on every GPU",
    f"{B2}; env-anchors B.4 (no kernel image)",
    when=lambda r: r.torch is not None and bool(r.gpus),
)
def _torch_runs_on_gpus(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    build = kb.torch_build(recipe.torch, recipe.torch_cuda)
    if build is None:
        return []
    if recipe.torch_cuda == "cpu":
        label, shipped = f"torch {recipe.torch} (CPU build)", "it ships no CUDA code"
        fix = "use a CUDA build of torch (torch.cuda), e.g. cu128 for sm_120"
    else:
        label = f"torch {recipe.torch}+cu{recipe.torch_cuda.replace('.', '')}"
        shipped = f"it ships {', '.join(build.arch_list) or 'no GPU architecture'}"
        fix = "use a torch build whose arch list covers the GPU (e.g. torch >= 2.7 with cu128 for sm_120)"
    return [
        Problem(
            "torch.cuda" if recipe.torch_cuda == "cpu" else "torch.version",
            f"{label} ships no kernels for {gpu.name} "
            f"(sm_{gpu.compute_capability.replace('.', '')}; {shipped})",
            fix,
        )
        for name in recipe.gpus
        if (gpu := kb.gpu(name)) and not arch_runs_on(build.arch_list, gpu.compute_capability)
    ]


@rule(
    "torch-python",
    "Python is inside torch's supported range",
    f"{B2} (PyTorch RELEASE.md)",
    when=lambda r: r.torch is not None,
)
def _torch_python(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    build = kb.torch_build(recipe.torch, recipe.torch_cuda)
    if build is None or build.supports_python(recipe.python):
        return []
    return [
        Problem(
            "python.version",
            f"Python {recipe.python} is outside torch {recipe.torch}'s supported range {build.python}",
            f"use a Python in {build.python} (and a base image that provides it)",
        )
    ]


@rule(
    "torch-companions",
    "torchvision, torchaudio and the index match torch",
    f"{B2} (cog torch_compatibility.json)",
    when=lambda r: r.torch is not None,
)
def _torch_companions(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    build = kb.torch_build(recipe.torch, recipe.torch_cuda)
    if build is None or recipe.torch_from_base:
        return []
    problems = []
    for key, pinned, expected in (
        ("torchvision", recipe.torchvision, build.torchvision),
        ("torchaudio", recipe.torchaudio, build.torchaudio),
    ):
        if pinned and expected and Version(pinned) != Version(expected):
            problems.append(
                Problem(
                    f"torch.{key}",
                    f"{key} {pinned} does not match torch {recipe.torch}",
                    f"use {key} {expected}",
                )
            )
    if recipe.torch_index and build.index and recipe.torch_index.rstrip("/") != build.index:
        problems.append(
            Problem(
                "torch.index_url",
                f"{recipe.torch_index} is not the index of torch's {build.cuda} build",
                f'use index_url = "{build.index}"',
            )
        )
    return problems


@rule(
    "extension-toolkit",
    "nvcc's major equals torch's CUDA major for extension builds",
    "env-anchors B.4 (state-spaces/mamba#772: detected CUDA version mismatches)",
    when=lambda r: r.torch is not None and (r.openmmlab is not None or r.builds_kernels),
)
def _extension_toolkit(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    """Extensions (mmcv ops, selective-scan) need nvcc of the same major as torch's CUDA."""
    if recipe.torch_cuda == "cpu":
        if recipe.builds_kernels:
            return [
                Problem(
                    "kernels.selective_scan",
                    "the selective-scan kernels need a CUDA build of torch, but torch.cuda is 'cpu'",
                    "set selective_scan = false, or use a CUDA torch build and a [cuda] toolkit",
                )
            ]
        return []
    if recipe.cuda is None:
        return [
            Problem(
                "cuda",
                f"torch is a CUDA {recipe.torch_cuda} build but the recipe has no [cuda] toolkit "
                "to build extensions",
                f'add [cuda] version = "{recipe.torch_cuda}"',
            )
        ]
    assert recipe.torch_cuda
    if cuda_key(recipe.cuda)[0] != cuda_key(recipe.torch_cuda)[0]:
        return [
            Problem(
                "cuda.version",
                f"nvcc {recipe.cuda} and torch's CUDA {recipe.torch_cuda} differ in major version; "
                "extension builds fail ('The detected CUDA version mismatches')",
                f"use a CUDA {recipe.torch_cuda.split('.')[0]}.x toolkit, "
                f"or the torch build for CUDA {recipe.cuda}",
            )
        ]
    return []
