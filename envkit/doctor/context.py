"""What the checks judge against: the recipe's expectations, the compat knowledge, injected facts.

The only module of the doctor that talks to envkit.recipes and envkit.compat.
"""

from __future__ import annotations

import json
import os
from typing import Any

from envkit.compat import knowledge as compat_knowledge
from envkit.compat import knowledge_json
from envkit.errors import UsageError
from envkit.recipes import Recipe, load_recipe

FACTS_ENV = "ENVKIT_DOCTOR_FACTS"  # a JSON file of probe results (tests: GPUs, driver, camera)


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


def facts(explicit: dict[str, Any] | None = None) -> dict[str, Any]:
    """Injected probe results: the argument, else the JSON file named by $ENVKIT_DOCTOR_FACTS, else {}."""
    if explicit is not None:
        return explicit
    path = os.environ.get(FACTS_ENV)
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise UsageError(
            f"{FACTS_ENV}={path} is not a readable JSON file: {error}", fix=f"unset {FACTS_ENV}"
        ) from error


def build(
    recipe: str | None, injected: dict[str, Any] | None = None, expected: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ctx dict every check receives; `expected` stands in for recipe_expectations(recipe)."""
    wanted = expected if expected is not None else expectations(recipe)
    return {"expectations": wanted, "knowledge": knowledge(), "facts": facts(injected)}
