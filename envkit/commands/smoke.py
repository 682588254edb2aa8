"""`envkit smoke RECIPE`: build (or reuse) -> doctor in the image -> kernel numerics -> headless live pose;
one JSON summary (`envkit.smoke/1`, docs/build.md) on stdout and an exit code (0 passed, 1 a step failed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from envkit.builder.plan import make_plan
from envkit.commands.build import chosen_recipe
from envkit.errors import UsageError
from envkit.launch.smoke import SmokeRun


def smoke_command(
    recipe: Annotated[
        str | None,
        typer.Argument(help="Recipe name or .toml path (default: the one for this machine's GPU)."),
    ] = None,
    base: Annotated[str | None, typer.Option("--base", help="Build FROM this image (same family).")] = None,
    build_arg: Annotated[
        list[str] | None, typer.Option("--build-arg", help="KEY=VALUE for the build.")
    ] = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="Extra image label KEY=VALUE.")] = None,
    reuse: Annotated[
        bool,
        typer.Option("--reuse", help="Skip the build when the tagged image exists (default: build; cached)."),
    ] = False,
    locked: Annotated[bool, typer.Option("--locked", help="Build with the recipe's lock.")] = False,
    lock_dir: Annotated[
        Path | None, typer.Option("--lock-dir", help="Where the recipe's lock lives.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for what the in-image steps write (/out).")
    ] = None,
    clip: Annotated[
        Path | None,
        typer.Option("--clip", help="Recorded video for the live-pose step (default: the demo clip)."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json-out", help="Also write the JSON summary to this file.")
    ] = None,
) -> None:
    """Run the GPU-runner smoke sequence; print the JSON summary on stdout."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    plan = make_plan(
        chosen_recipe(recipe, console),
        base=base,
        build_args=build_arg,
        labels=label,
        locked=locked,
        lock_dir=lock_dir,
    )
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
    if clip is not None and not clip.is_file():
        raise UsageError(f"--clip {clip} is not a file", fix="give a recorded video (.mp4)")
    summary = SmokeRun(plan, console, reuse=reuse, output=output, clip=clip).run()
    text = json.dumps(summary, indent=2)
    print(text)
    if json_out is not None:
        try:
            json_out.write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            raise UsageError(
                f"cannot write {json_out}: {error.strerror}", fix="give a writable --json-out"
            ) from None
    raise typer.Exit(summary["exit_code"])


def register(app: typer.Typer) -> None:
    app.command("smoke")(smoke_command)
