"""Running posemamba's own command lines: a PoseMambaError is one line on stderr and exit code 2."""

from __future__ import annotations

import logging
import os
import sys

import typer

from posemamba.errors import PoseMambaError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # shell convention: 128 + SIGINT


def quiet_libraries() -> None:
    """MLflow's and alembic's INFO lines (creating the database tables, ...) are noise on a terminal.

    MLflow sets its loggers' level from $MLFLOW_LOGGING_LEVEL when it is imported (later, lazily)."""
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def run_app(app: typer.Typer, prog_name: str, args: list[str] | None = None) -> int:
    """Run a typer app and return its exit code; with args=None (a real command line) exit with it.

    Bad input (PoseMambaError) -> `<prog>: error: <message> — fix: <fix>` on stderr, exit 2; click's
    own usage errors as click prints them, exit 2. Commands handle Ctrl-C themselves (exit 130).
    """
    quiet_libraries()
    try:
        app(args=args, prog_name=prog_name)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except PoseMambaError as error:
        print(f"{prog_name}: error: {error}", file=sys.stderr)
        code = EXIT_USAGE
    if args is None:
        sys.exit(code)
    return code
