"""How doctor results are shown: a rich table per scope for people, versioned JSON for machines."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from envkit import __version__
from envkit.doctor.registry import CheckSpec
from envkit.doctor.runner import CheckResult

# The JSON document's schema id; bump the number on any incompatible change (docs/doctor.md).
SCHEMA = "envkit.doctor/1"
MARKS = {
    "ok": ("✓", "green"),
    "warn": ("!", "yellow"),
    "fail": ("✗", "bold red"),
    "skip": ("-", "dim"),
    "info": ("i", "cyan"),
}
SCOPE_TITLES = {"host": "Host (Docker, GPU, driver, display, camera)", "env": "Environment"}


def counts(results: list[CheckResult]) -> dict[str, int]:
    found = Counter(result.status for result in results)
    return {status: found.get(status, 0) for status in MARKS}


def as_json(results: list[CheckResult], *, recipe: str | None, target: str, exit_code: int) -> str:
    """The --json document: only this goes to stdout."""
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "envkit": __version__,
        "recipe": recipe,
        "env": target,
        "exit_code": exit_code,
        "counts": counts(results),
        "checks": [result.as_dict() for result in results],
    }
    return json.dumps(document, indent=2)


def print_table(console: Console, results: list[CheckResult], *, verbose: bool = False) -> None:
    """One table per scope: mark, check, summary, fix (and details with --verbose)."""
    for scope in ("host", "env"):
        rows = [result for result in results if result.scope == scope]
        if not rows:
            continue
        title = SCOPE_TITLES[scope] + ("" if scope == "host" else f" ({rows[0].where})")
        table = Table(title=title, title_justify="left", show_lines=False, expand=False)
        table.add_column("", no_wrap=True)
        table.add_column("check", no_wrap=True)
        table.add_column("verdict", overflow="fold")
        table.add_column("fix", overflow="fold")
        for result in rows:
            mark, style = MARKS.get(result.status, ("?", ""))
            verdict = Text(result.summary)
            if verbose and result.details:
                verdict.append("\n" + result.details, style="dim")
            table.add_row(Text(mark, style=style), result.id, verdict, Text(result.fix, style="yellow"))
        console.print(table)
    tally = counts(results)
    words = ", ".join(f"{n} {status}" for status, n in tally.items() if n)
    verdict = "[bold red]something failed[/]" if tally["fail"] else "[green]nothing failed[/]"
    console.print(f"{verdict}: {words}")


def print_list(console: Console, specs: list[CheckSpec]) -> None:
    table = Table(title="checks", title_justify="left")
    for column in ("id", "scope", "title", "depends on"):
        table.add_column(column)
    for spec in specs:
        table.add_row(spec.id, spec.scope, spec.title, ", ".join(spec.depends))
    console.print(table)
