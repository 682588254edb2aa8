"""`envkit render [RECIPE] [-o FILE]`: print a recipe's Dockerfile (the eject path); `--all --write`
regenerates the committed dockerfiles/<recipe>.Dockerfile files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from envkit.errors import UsageError, quoted
from envkit.recipes import DEFAULT_RECIPE, load_recipe, rebase_recipe, recipe_names
from envkit.render import committed_dockerfile, render


def render_command(
    recipe: str, output: Path | None, base_image: str | None, all_recipes: bool, write: bool
) -> None:
    if all_recipes:
        if not write or output is not None or base_image is not None:
            raise UsageError(
                "--all writes the committed Dockerfiles and takes no other option",
                fix="run `envkit render --all --write`",
            )
        for name in recipe_names():
            path = committed_dockerfile(name)
            path.write_text(render(load_recipe(name)), encoding="utf-8")
            print(f"wrote {path}")
        return
    if write:
        raise UsageError("--write goes with --all", fix="run `envkit render --all --write`, or use -o FILE")
    loaded = load_recipe(recipe)
    text = render(rebase_recipe(loaded, base_image) if base_image is not None else loaded)
    if output is None:
        print(text, end="")
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(
            f"cannot write {quoted(str(output))}: {error.strerror}", fix="give a writable path with -o"
        ) from None
    print(f"wrote {output}")


def register(app: typer.Typer) -> None:
    @app.command("render", help="Print a recipe's Dockerfile (default recipe: rtx5090), or write it with -o.")
    def _render(
        recipe: Annotated[
            str, typer.Argument(help="A recipe name from recipes/ or a path to a .toml file.")
        ] = DEFAULT_RECIPE,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write the Dockerfile here.")
        ] = None,
        base_image: Annotated[
            str | None,
            typer.Option(
                "--base-image", help="Use this image for both stages (same family; rules still apply)."
            ),
        ] = None,
        all_recipes: Annotated[
            bool, typer.Option("--all", help="Every shipped recipe (with --write).")
        ] = False,
        write: Annotated[
            bool, typer.Option("--write", help="With --all: regenerate dockerfiles/<recipe>.Dockerfile.")
        ] = False,
    ) -> None:
        render_command(recipe, output, base_image, all_recipes, write)
