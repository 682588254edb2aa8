"""The `envkit` command line: one typer app; each command lives in its own module in envkit/commands/."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console
from rich.markup import escape

from envkit import __version__
from envkit.errors import EnvkitError

app = typer.Typer(
    name="envkit",
    help="Pinned, diagnosed GPU environments for MMPose + PoseMamba, and a live 3D pose pipeline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)`. Add a command by adding its module here.
COMMAND_MODULES: tuple[str, ...] = ("recipes", "render", "doctor", "lift", "build", "run", "smoke", "explain")

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        print(f"envkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Pinned recipes -> Dockerfiles -> images; a doctor for every known failure; live 3D pose."""


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"envkit.commands.{name}").register(app)


_register_commands()


def print_error(error: EnvkitError) -> None:
    """Print the user-facing error on stderr: one line (message and fix) per problem."""
    for line in error.one_line().splitlines():
        _stderr.print(f"[bold red]envkit: error:[/] {escape(line)}", markup=True, highlight=False)


def main() -> None:
    """Console-script entry point: click handles usage errors (exit 2); user errors become one line."""
    try:
        app()
    except EnvkitError as error:
        print_error(error)
        sys.exit(error.exit_code)
