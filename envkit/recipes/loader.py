"""Find a recipe by name or path, parse it, validate every field and run the compatibility rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from envkit._toml import tomllib
from envkit.compat.rules import problems_of
from envkit.errors import UsageError, quoted
from envkit.problems import Problem, RecipeError
from envkit.recipes.model import Recipe
from envkit.recipes.schema import parse_recipe
from envkit.recipes.values import check_image, check_raw
from envkit.resources import data_dir

DEFAULT_RECIPE = "rtx5090"


def recipe_names() -> list[str]:
    """The recipes shipped in recipes/ (by file name, sorted)."""
    return sorted(path.stem for path in data_dir("recipes").glob("*.toml"))


def _is_file(path: Path) -> bool:
    """Path.is_file, with a name too long for the file system (ENAMETOOLONG) as bad input."""
    try:
        return path.is_file()
    except OSError as error:
        raise UsageError(
            f"recipe {quoted(str(path))} cannot be looked up: {error.strerror}",
            fix="give a recipe name or a shorter path to a .toml file",
        ) from None


def recipe_path(name_or_path: str) -> Path:
    """A recipe name from recipes/ or a path to a .toml file -> the file; UsageError when neither."""
    reason = check_raw(name_or_path)
    if reason:
        # The file name reaches the rendered Dockerfile's header comment.
        raise UsageError(f"recipe {reason}", fix="give a recipe name, or a path of printable characters")
    candidate = Path(name_or_path)
    if name_or_path.endswith(".toml") or "/" in name_or_path or _is_file(candidate):
        if not _is_file(candidate):
            raise UsageError(
                f"recipe file {quoted(name_or_path)} does not exist", fix="give a path to a .toml recipe"
            )
        return candidate
    shipped = data_dir("recipes") / f"{name_or_path}.toml"
    if not _is_file(shipped):
        raise UsageError(
            f"no recipe named {quoted(name_or_path)}",
            fix=f"use one of: {', '.join(recipe_names())} (`envkit recipes`), or a path to a .toml file",
        )
    return shipped


def load_recipe(name_or_path: str, *, check_rules: bool = True) -> Recipe:
    """Load and validate a recipe; raise RecipeError (exit 2) listing every problem found."""
    path = recipe_path(name_or_path)
    label = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(
            label, [Problem("(file)", f"not valid TOML: {error}", "fix the TOML syntax")]
        ) from None
    except RecursionError:
        raise RecipeError(
            label,
            [Problem("(file)", "nested too deeply to parse", "a recipe nests tables at most 3 levels deep")],
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RecipeError(
            label, [Problem("(file)", f"cannot read: {error}", "give a readable UTF-8 file")]
        ) from None
    problems: list[Problem] = []
    recipe = parse_recipe(data, path.resolve(), problems)
    if recipe is None:
        raise RecipeError(label, problems)
    if check_rules:
        rule_problems = problems_of(recipe)
        if rule_problems:
            raise RecipeError(label, rule_problems)
    return recipe


def rebase_recipe(recipe: Recipe, base_image: str) -> Recipe:
    """The recipe with both stages on `base_image`, which must pass the same rules (same family)."""
    reason = check_image(base_image)
    if reason:
        raise RecipeError(recipe.path.name, [Problem("base_image", reason, "give a tagged image reference")])
    swapped = dataclasses.replace(recipe, devel_image=base_image, runtime_image=base_image)
    problems = problems_of(swapped)
    if problems:
        raise RecipeError(
            recipe.path.name,
            [dataclasses.replace(problem, field=f"base_image ({problem.field})") for problem in problems],
        )
    return swapped
