"""Find a recipe by name or path, parse it, validate every field and run the compatibility rules."""

from __future__ import annotations

from pathlib import Path

from envkit._toml import tomllib
from envkit.compat.rules import problems_of
from envkit.errors import UsageError
from envkit.problems import Problem, RecipeError
from envkit.recipes.model import Recipe
from envkit.recipes.schema import parse_recipe
from envkit.resources import data_dir

DEFAULT_RECIPE = "rtx5090"


def recipe_names() -> list[str]:
    """The recipes shipped in recipes/ (by file name, sorted)."""
    return sorted(path.stem for path in data_dir("recipes").glob("*.toml"))


def recipe_path(name_or_path: str) -> Path:
    """A recipe name from recipes/ or a path to a .toml file -> the file; UsageError when neither."""
    candidate = Path(name_or_path)
    if name_or_path.endswith(".toml") or "/" in name_or_path or candidate.is_file():
        if not candidate.is_file():
            raise UsageError(
                f"recipe file {name_or_path} does not exist", fix="give a path to a .toml recipe"
            )
        return candidate
    shipped = data_dir("recipes") / f"{name_or_path}.toml"
    if not shipped.is_file():
        raise UsageError(
            f"no recipe named {name_or_path!r}",
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
