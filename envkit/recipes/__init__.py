"""Recipes: recipes/<name>.toml -> a validated `Recipe` (schema + compatibility rules).

Public API (docs/interfaces.md): `load_recipe(name_or_path)`, `rebase_recipe(recipe, image)`, `Recipe`,
`RecipeError`, `Problem`.
"""

from __future__ import annotations

from envkit.problems import Problem, RecipeError
from envkit.recipes.loader import DEFAULT_RECIPE, load_recipe, rebase_recipe, recipe_names, recipe_path
from envkit.recipes.model import Recipe

__all__ = [
    "DEFAULT_RECIPE",
    "Problem",
    "Recipe",
    "RecipeError",
    "load_recipe",
    "rebase_recipe",
    "recipe_names",
    "recipe_path",
]
