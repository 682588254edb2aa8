"""What the checks judge against: the recipe's expectations, the compat knowledge, injected facts.

The only module of the doctor that talks to envkit.recipes and envkit.compat (the foundation's part).
"""

from __future__ import annotations

import json
import os
from typing import Any

from envkit.errors import UsageError

FACTS_ENV = "ENVKIT_DOCTOR_FACTS"  # a JSON file of probe results (tests: GPUs, driver, camera)


def expectations(recipe: str | None) -> dict[str, Any]:
    """The recipe's expectations() (docs/interfaces.md, "Recipes"), or {} to judge against the hardware."""
    if not recipe:
        return {}
    try:
        from envkit.recipes import load_recipe
    except ImportError as error:
        raise UsageError(
            f"--recipe needs envkit.recipes, which this install lacks ({error})",
            fix="update envkit, or run `envkit doctor` without --recipe",
        ) from error
    return load_recipe(recipe).expectations()


def knowledge() -> dict[str, Any]:
    """compat.knowledge_json(): GPU, driver and torch tables as plain JSON ({} if compat is absent)."""
    try:
        from envkit.compat import knowledge_json
    except ImportError:
        return {}
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
    """The ctx dict every check receives; `expected` stands in for a recipe's expectations()."""
    wanted = expected if expected is not None else expectations(recipe)
    return {"expectations": wanted, "knowledge": knowledge(), "facts": facts(injected)}
