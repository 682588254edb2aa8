"""The `envkit` command line: one typer app; each command lives in its own module in envkit/commands/."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console
from rich.markup import escape

from envkit import __version__
from envkit.errors import EnvkitError, printable
from posemamba.errors import PoseMambaError
from posemamba.terminal import quiet_libraries, tolerate_any_encoding

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
    """Print the user-facing error on stderr: one line (message and fix) per problem.

    Each line is escaped (a newline, CR, NUL, U+2028 ... echoed from the user's input prints as \\n,
    \\r, \\x00, \\u2028), so no input can split a problem over several "envkit: error:" lines.
    """
    for line in error.lines():
        _stderr.print(f"[bold red]envkit: error:[/] {escape(printable(line))}", markup=True, highlight=False)


def main() -> None:
    """Console-script entry point: click handles usage errors (exit 2); envkit's and posemamba's user
    errors become one line."""
    tolerate_any_encoding()  # PYTHONIOENCODING=ascii must not turn a report into a UnicodeEncodeError
    quiet_libraries()
    try:
        app()
    except EnvkitError as error:
        print_error(error)
        sys.exit(error.exit_code)
    except PoseMambaError as error:  # the library's errors: one line, exit 2 (bad input) or 1 (a failed run)
        print_error(EnvkitError(error.message, fix=error.fix, exit_code=error.exit_code))
        sys.exit(error.exit_code)
