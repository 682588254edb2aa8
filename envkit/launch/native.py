"""`envkit run TARGET --native`: the target in this environment (inside the image, or a machine that has the
stack). live-pose is a thin delegation to the live-pose part's CLI glue, `posemamba.live.cli.register(app)`
(docs/interfaces.md, "Live pose"): its `live-pose` command parses its own options and runs the pipeline."""

from __future__ import annotations

import importlib
import os
import shutil

import typer

from envkit.errors import FailedError
from envkit.launch.preflight import live_pose_environment
from posemamba.live.config import ENVIRONMENT_CHECK


def live_pose(argv: list[str]) -> int:
    """`live-pose ARGV` through posemamba.live.cli, with the doctor on what this machine must provide
    (envkit.launch.preflight.live_pose_environment) before the models load; its exit code. Its
    PoseMambaErrors and envkit's UsageErrors propagate to envkit's main (one line)."""
    try:
        cli = importlib.import_module("posemamba.live.cli")
    except ImportError as error:
        raise FailedError(
            f"posemamba.live is not importable here: {error}",
            fix="run without --native (in the recipe's image), or install envkit with the live-pose stack",
        ) from None
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.callback()(lambda: None)  # a group, so `live-pose` is a subcommand as in `envkit run live-pose`
    cli.register(app)
    try:
        # Standalone: its option errors print with click's message and exit 2, typer.Exit(130) exits 130.
        app(
            args=["live-pose", *argv],
            prog_name="envkit run",
            obj={ENVIRONMENT_CHECK: live_pose_environment},
        )
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def _posemamba_app(module: str, prog: str, argv: list[str]) -> int:
    """Run posemamba's own typer app `module`.app with ARGV; its exit code. Its PoseMambaError (bad input:
    exit 2) reaches envkit's main, which prints it as envkit's one line."""
    try:
        app = importlib.import_module(module).app
    except ImportError as error:
        raise FailedError(
            f"{module} is not importable here: {error}",
            fix='run without --native (in the recipe\'s image), or pip install "envkit[train]"',
        ) from None
    try:
        app(args=argv, prog_name=prog)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def train(argv: list[str]) -> int:
    """`envkit run train --native ARGV` = `python -m posemamba.train ARGV`."""
    return _posemamba_app("posemamba.train.__main__", "envkit run train", argv)


def evaluate(argv: list[str]) -> int:
    """`envkit run eval --native ARGV` = `python -m posemamba.eval ARGV`."""
    return _posemamba_app("posemamba.eval", "envkit run eval", argv)


def shell(argv: list[str]) -> int:
    program = os.environ.get("SHELL") or shutil.which("bash") or "/bin/sh"
    os.execvp(program, [program, *argv])
    return 0  # not reached


NATIVE = {"live-pose": live_pose, "shell": shell, "train": train, "eval": evaluate}
