"""What the checks judge against: the recipe's expectations, the compat knowledge, injected facts.

The only module of the doctor that talks to envkit.recipes and envkit.compat.
"""

from __future__ import annotations

from typing import Any

from envkit.compat import knowledge as compat_knowledge
from envkit.compat import knowledge_json
from envkit.recipes import Recipe, load_recipe
from envkit.resources import injected_facts


def recipe_expectations(recipe: Recipe) -> dict[str, Any]:
    """The facts the doctor judges an environment against (docs/interfaces.md, "Recipes")."""
    mm = recipe.openmmlab
    return {
        "recipe": recipe.name,
        "python": recipe.python,
        "torch": recipe.torch,
        "cuda": recipe.cuda,
        "arch_list": list(recipe.arch_list),
        "gpus": list(recipe.gpus),
        "min_driver": compat_knowledge().min_driver(recipe.cuda) if recipe.cuda else None,
        "mmcv": mm.mmcv if mm else None,
        "mmdet": mm.mmdet if mm else None,
        "mmengine": mm.mmengine if mm else None,
        "mmpose": mm.mmpose if mm else None,
        "numpy": recipe.pinned_version("numpy"),
        "builds_kernels": recipe.builds_kernels,
        "shm_size_bytes": recipe.shm_size_bytes,
        "realsense": recipe.realsense,
        "display": recipe.display,
    }


def expectations(recipe: str | None) -> dict[str, Any]:
    """The expectations of the recipe named (or a path), or {} to judge against the hardware alone."""
    return recipe_expectations(load_recipe(recipe)) if recipe else {}


def knowledge() -> dict[str, Any]:
    """The GPU, driver and torch tables as plain JSON, for the checks (they cannot import envkit)."""
    return knowledge_json()


def build(
    recipe: str | None, injected: dict[str, Any] | None = None, expected: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ctx dict every check receives; `expected` stands in for recipe_expectations(recipe)."""
    wanted = expected if expected is not None else expectations(recipe)
    return {"expectations": wanted, "knowledge": knowledge(), "facts": injected_facts(injected)}
