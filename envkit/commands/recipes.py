"""`envkit recipes`, `envkit show RECIPE`, `envkit check-recipe RECIPE`: list, explain, validate."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from envkit.compat.rules import check_recipe
from envkit.doctor.context import recipe_expectations
from envkit.recipes import DEFAULT_RECIPE, Recipe, RecipeError, load_recipe, recipe_names

RECIPE_ARGUMENT_HELP = "A recipe name from recipes/ (see `envkit recipes`) or a path to a .toml file."


def _console() -> Console:
    # Wide when piped, so tables are not cut to 80 columns in logs.
    return Console(width=None if sys.stdout.isatty() else 160, highlight=False)


def _summary_row(recipe: Recipe) -> list[str]:
    base = recipe.devel_image if recipe.devel_image == recipe.runtime_image else recipe.runtime_image
    torch = f"{recipe.torch} ({recipe.torch_cuda})" if recipe.torch else "-"
    return [
        recipe.name,
        ", ".join(recipe.gpus) or "-",
        ", ".join(recipe.arch_list) or "-",
        recipe.cuda or "-",
        torch,
        base,
        recipe.platform,
    ]


def list_recipes() -> None:
    """Table of the shipped recipes: name, GPUs, arch, CUDA, torch, base, platform."""
    table = Table("name", "GPUs", "arch", "CUDA", "torch", "base", "platform", box=None, pad_edge=False)
    for name in recipe_names():
        try:
            table.add_row(*(escape(cell) for cell in _summary_row(load_recipe(name))))
        except RecipeError as error:
            table.add_row(name, f"[red]invalid:[/] {escape(error.problems[0].reason)}", "", "", "", "", "")
    _console().print(table)


def _torch_text(recipe: Recipe) -> str:
    if not recipe.torch:
        return "-"
    origin = ", from the base image" if recipe.torch_from_base else ""
    return f"{recipe.torch} ({recipe.torch_cuda}{origin})"


def _pins(recipe: Recipe) -> dict[str, object]:
    mm = recipe.openmmlab
    pins: dict[str, object] = {
        "file": str(recipe.path),
        "hash": recipe.hash,
        "platform": recipe.platform,
        "family": recipe.family,
        "devel image": recipe.devel_image,
        "runtime image": recipe.runtime_image,
        "gpus": ", ".join(recipe.gpus) or "-",
        "cuda": recipe.cuda or "-",
        "arch list": ", ".join(recipe.arch_list) or "-",
        "python": recipe.python,
        "torch": _torch_text(recipe),
        "torchvision": recipe.torchvision or "-",
    }
    if mm:
        pins |= {
            "mmcv": f"{mm.mmcv} (source build with ops)",
            "mmdet": mm.mmdet,
            "mmengine": f"{mm.mmengine}" + (f" (git {mm.mmengine_git.ref})" if mm.mmengine_git else ""),
            "mmpose": f"{mm.mmpose} (--no-deps)",
            "xtcocotools": f"{mm.xtcocotools} ({mm.xtcocotools_build})",
            "chumpy": mm.chumpy,
        }
    pins |= {
        "constraints": ", ".join(recipe.constraints) or "-",
        "selective-scan kernels": "yes" if recipe.builds_kernels else "no",
        "pyrealsense2": f"{recipe.realsense_spec.version} ({recipe.realsense_spec.build})"
        if recipe.realsense_spec
        else "no",
        "shm size": recipe.shm_size,
        "display": "yes" if recipe.display else "no",
    }
    for pin in recipe.models:
        digest = pin.sha256 if pin.full_digest else f"{pin.sha256}... (prefix)"
        pins[f"model {pin.name}"] = f"{pin.role}: {pin.file_name}, sha256 {digest}"
    return pins


def show(recipe_name: str, as_json: bool) -> None:
    """The resolved pins and every rule checked (ok / n/a), or the problems (exit 2)."""
    recipe = load_recipe(recipe_name)
    outcomes = check_recipe(recipe)
    if as_json:
        print(
            json.dumps(
                {
                    "recipe": recipe.name,
                    "hash": recipe.hash,
                    "expectations": recipe_expectations(recipe),
                    "rules": [
                        {"id": o.rule.id, "status": o.status, "title": o.rule.title, "source": o.rule.source}
                        for o in outcomes
                    ],
                },
                indent=2,
            )
        )
        return
    console = _console()
    console.print(f"[bold]{escape(recipe.name)}[/]: {escape(recipe.description)}")
    pins = Table("field", "value", box=None, pad_edge=False, show_header=False)
    for key, value in _pins(recipe).items():
        pins.add_row(key, escape(str(value)))
    console.print(pins)
    console.print("\n[bold]rules checked[/]")
    rules = Table("status", "rule", "what it checks", "source", box=None, pad_edge=False)
    for outcome in outcomes:
        style = {"ok": "green", "n/a": "dim", "failed": "red"}[outcome.status]
        rules.add_row(
            f"[{style}]{outcome.status}[/]",
            outcome.rule.id,
            escape(outcome.rule.title),
            escape(outcome.rule.source),
        )
    console.print(rules)


def check(recipe_name: str) -> None:
    """Validation only: exit 0 with a summary line, or exit 2 with one line per problem."""
    recipe = load_recipe(recipe_name)
    outcomes = check_recipe(recipe)
    applied = sum(1 for outcome in outcomes if outcome.applies)
    print(f"{recipe.path.name}: ok ({applied} rules applied, {len(outcomes) - applied} not applicable)")


def register(app: typer.Typer) -> None:
    app.command("recipes", help="List the shipped recipes: name, GPUs, arch, CUDA, torch, base, platform.")(
        list_recipes
    )

    @app.command("show", help="Show a recipe's resolved pins and the rules checked.")
    def _show(
        recipe: str = typer.Argument(DEFAULT_RECIPE, help=RECIPE_ARGUMENT_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print JSON (expectations and rules) only."),
    ) -> None:
        show(recipe, as_json)

    @app.command("check-recipe", help="Validate a recipe (schema and compatibility rules): exit 0 or 2.")
    def _check(recipe: str = typer.Argument(..., help=RECIPE_ARGUMENT_HELP)) -> None:
        check(recipe)
