"""`envkit explain [FILE|-]`: any log or traceback -> the known failures in it, each with cause and fix.

Exit code 0 when something was recognised, 1 when nothing was, 2 when the input cannot be read.
`--json` prints only the JSON document (schema envkit.explain/1) on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from envkit.errors import UsageError
from envkit.failures import explain as explaining


def explain_command(
    log: Annotated[
        str,
        typer.Argument(
            help="A log file, or - for stdin (the default when something is piped in).", show_default=False
        ),
    ] = explaining.STDIN,
    as_json_flag: Annotated[
        bool, typer.Option("--json", help="Print only JSON on stdout (envkit.explain/1).")
    ] = False,
) -> None:
    """Say which known failures a log shows, with the line, the cause, the fix and the source."""
    if log == explaining.STDIN and sys.stdin.isatty():
        raise UsageError(
            "no log given and nothing piped in",
            fix="`envkit explain build.log`, or `some-command 2>&1 | envkit explain -`",
        )
    try:
        report = explaining.explain(explaining.read_log(log))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if as_json_flag:
        print(json.dumps(explaining.as_json(report), indent=2))
    else:
        print("\n".join(explaining.as_text(report)))
    raise typer.Exit(0 if report.recognised else 1)


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_command)
