"""The rest of the stack: RealSense wheels, OpenMMLab, pinned checkpoints, the selective-scan kernels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envkit.compat.knowledge import Knowledge
from envkit.compat.rules.base import Rule, registrar
from envkit.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe

RULES: list[Rule] = []
rule = registrar(RULES)


@rule(
    "realsense-platform",
    "pyrealsense2 wheels exist for the platform",
    "env-anchors B.4; librealsense#11718, #12188",
    when=lambda r: r.realsense_spec is not None,
)
def _realsense_platform(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.realsense_spec
    if recipe.realsense_spec.build == "wheel" and recipe.platform == "linux/arm64":
        return [
            Problem(
                "realsense.build",
                "pyrealsense2 publishes no linux aarch64 wheels",
                'set build = "source" with a librealsense source_url',
            )
        ]
    return []


@rule(
    "openmmlab-needs-torch",
    "the OpenMMLab stack has torch",
    "env-anchors B.3",
    when=lambda r: r.openmmlab is not None,
)
def _openmmlab_needs_torch(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.torch is None:
        return [Problem("openmmlab", "the OpenMMLab stack needs torch", "add a [torch] table")]
    return []


@rule(
    "models-need-mmpose",
    "pinned 2D checkpoints come with the OpenMMLab stack that loads them",
    "posemamba/live/estimators/mmpose_topdown.py (configs from mmpose/.mim)",
    when=lambda r: bool(r.models),
)
def _models_need_mmpose(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.openmmlab is None:
        return [
            Problem(
                "models",
                "the pinned checkpoints run with mmpose's configs, and the recipe has no [openmmlab] table",
                "add [openmmlab], or remove the [models] tables",
            )
        ]
    return []


@rule(
    "kernels-need-cuda-torch",
    "the kernels have torch and a toolkit",
    "kernels-feasibility.md",
    when=lambda r: r.builds_kernels,
)
def _kernels_need_torch(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.torch is None or recipe.cuda is None:
        return [
            Problem(
                "kernels.selective_scan",
                "the selective-scan kernels need torch and a CUDA toolkit",
                "add [torch] and [cuda], or set selective_scan = false",
            )
        ]
    return []
