"""`envkit doctor`: host and environment checks, each with a verdict and a fix."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from envkit.doctor import exit_code, list_checks, run_checks
from envkit.doctor.output import as_json, print_list, print_table


def _ids(values: list[str] | None) -> list[str] | None:
    """`--only a --only b` and `--only a,b` both work."""
    if not values:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def doctor(
    recipe: Annotated[str | None, typer.Option("--recipe", "-r", help="Judge against this recipe.")] = None,
    image: Annotated[
        str | None,
        typer.Option("--image", help="Run the env checks inside this local image (it needs python3)."),
    ] = None,
    python: Annotated[
        str | None,
        typer.Option("--python", help="Run the env checks with this interpreter (a venv, a conda env)."),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these check ids (and what they depend on).")
    ] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Leave out these check ids.")] = None,
    as_json_flag: Annotated[
        bool, typer.Option("--json", help="Print only JSON on stdout (envkit.doctor/1).")
    ] = False,
    list_flag: Annotated[bool, typer.Option("--list", help="List the checks and exit.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show each check's details.")] = False,
) -> None:
    """Check this machine (Docker, GPU, display, camera) and a Python environment for every known failure.

    Exit code 0 when nothing failed, 1 when something failed, 2 for bad usage.
    """
    if list_flag:
        specs = list_checks()
        if as_json_flag:
            print(json.dumps([spec.__dict__ | {"depends": list(spec.depends)} for spec in specs], indent=2))
        else:
            print_list(Console(), specs)
        return
    results = run_checks(recipe=recipe, image=image, python=python, only=_ids(only), skip=_ids(skip))
    code = exit_code(results)
    target = f"image {image}" if image else f"python {python or sys.executable}"
    if as_json_flag:
        print(as_json(results, recipe=recipe, target=target, exit_code=code))
    else:
        print_table(Console(), results, verbose=verbose)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
