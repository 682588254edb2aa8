"""`envkit render [RECIPE] [-o FILE]`: print a recipe's Dockerfile (the eject path); `--all -o DIR` writes
every shipped recipe's Dockerfile into DIR; `--all --write` regenerates a checkout's committed
dockerfiles/<recipe>.Dockerfile files (never the files inside an installed wheel)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from envkit.errors import UsageError, quoted
from envkit.recipes import DEFAULT_RECIPE, load_recipe, rebase_recipe, recipe_names
from envkit.render import committed_dockerfile, render
from envkit.resources import project_root


def _write(path: Path, text: str, fix: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {quoted(str(path))}: {error.strerror}", fix=fix) from None
    print(f"wrote {path}")


def render_all(output: Path | None, write: bool) -> None:
    """Every shipped recipe: into DIR (-o), or over a checkout's committed Dockerfiles (--write)."""
    if write == (output is not None):
        raise UsageError(
            "--all needs one of --write (a checkout's committed Dockerfiles) or -o DIR",
            fix="run `envkit render --all -o DIR`, or `envkit render --all --write` in a checkout",
        )
    if output is not None:
        if output.exists() and not output.is_dir():
            raise UsageError(f"-o {output} is a file; --all writes one file per recipe", fix="give a folder")
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            fix = "give a writable -o DIR"
            raise UsageError(f"cannot create {output}: {error.strerror}", fix=fix) from None
    elif project_root() is None:
        raise UsageError(
            "--all --write regenerates a checkout's committed Dockerfiles, and this envkit is installed "
            "from a wheel (its dockerfiles/ is inside the installed package)",
            fix="write them elsewhere with `envkit render --all -o DIR`",
        )
    for name in recipe_names():
        path = output / f"{name}.Dockerfile" if output is not None else committed_dockerfile(name)
        _write(path, render(load_recipe(name)), "give a writable -o DIR")


def render_command(
    recipe: str, output: Path | None, base_image: str | None, all_recipes: bool, write: bool
) -> None:
    if all_recipes:
        if base_image is not None:
            raise UsageError("--all renders the shipped recipes as they are", fix="drop --base-image")
        render_all(output, write)
        return
    if write:
        raise UsageError("--write goes with --all", fix="run `envkit render --all --write`, or use -o FILE")
    loaded = load_recipe(recipe)
    text = render(rebase_recipe(loaded, base_image) if base_image is not None else loaded)
    if output is None:
        print(text, end="")
        return
    _write(output, text, "give a writable path with -o")


def register(app: typer.Typer) -> None:
    @app.command("render", help="Print a recipe's Dockerfile (default recipe: rtx5090), or write it with -o.")
    def _render(
        recipe: Annotated[
            str, typer.Argument(help="A recipe name from recipes/ or a path to a .toml file.")
        ] = DEFAULT_RECIPE,
        output: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="Write the Dockerfile here (with --all: a folder)."),
        ] = None,
        base_image: Annotated[
            str | None,
            typer.Option(
                "--base-image", help="Use this image for both stages (same family; rules still apply)."
            ),
        ] = None,
        all_recipes: Annotated[
            bool, typer.Option("--all", help="Every shipped recipe (with --write, or -o DIR).")
        ] = False,
        write: Annotated[
            bool,
            typer.Option("--write", help="With --all: regenerate a checkout's dockerfiles/*.Dockerfile."),
        ] = False,
    ) -> None:
        render_command(recipe, output, base_image, all_recipes, write)
