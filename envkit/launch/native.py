"""`envkit run TARGET --native`: the target in this environment (inside the image, or a machine that has the
stack). live-pose is a thin delegation to the live-pose part's CLI glue, `posemamba.live.cli.register(app)`
(docs/interfaces.md, "Live pose"): its `live-pose` command parses its own options and runs the pipeline."""

from __future__ import annotations

import importlib
import os
import shutil

import click
import typer

from envkit.errors import FailedError


def live_pose(argv: list[str]) -> int:
    """`live-pose --native ARGV` through posemamba.live.cli; its exit code (its UsageErrors propagate)."""
    try:
        cli = importlib.import_module("posemamba.live.cli")
    except ImportError as error:
        raise FailedError(
            f"posemamba.live is not importable here: {error}",
            fix="run without --native (in the recipe's image), or install envkit with the live-pose stack",
        ) from None
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    cli.register(app)
    command = typer.main.get_command(app)
    args = ["--native", *argv]
    if isinstance(command, click.Group):  # typer collapses a one-command app into that command
        args = ["live-pose", *args]
    try:
        code = command.main(args=args, prog_name="envkit run live-pose", standalone_mode=False)
    except click.ClickException as error:  # its own option errors: click's message, exit 2
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        return 130
    return code if isinstance(code, int) else 0


def shell(argv: list[str]) -> int:
    program = os.environ.get("SHELL") or shutil.which("bash") or "/bin/sh"
    os.execvp(program, [program, *argv])
    return 0  # not reached


NATIVE = {"live-pose": live_pose, "shell": shell}
