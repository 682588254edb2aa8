"""Explain any log: read it (a file or stdin, any bytes), match the known failures, render the answer.

`envkit explain` is the face; this module reads and renders. The JSON document (schema
`envkit.explain/1`, docs/interfaces.md) carries the same diagnoses as the text.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from envkit import __version__
from envkit.errors import UsageError
from envkit.failures.match import Diagnosis, diagnose

SCHEMA = "envkit.explain/1"
MAX_BYTES = 256 * 1024 * 1024  # a larger log is read from its end: that is where a failure's cause is
STDIN = "-"
_FIX = "give the path of a readable log file, or pipe the log in: `some-command 2>&1 | envkit explain -`"


@dataclass(frozen=True)
class Log:
    """A log as read: its text (undecodable bytes replaced), where it came from, how much was read."""

    text: str
    name: str
    size: int  # bytes in the source
    truncated: bool  # only the last MAX_BYTES were read


@dataclass(frozen=True)
class Report:
    """What `envkit explain` found in one log."""

    log: Log
    diagnoses: list[Diagnosis]

    @property
    def recognised(self) -> bool:
        return bool(self.diagnoses)

    @property
    def lines(self) -> int:
        return self.log.text.count("\n") + (0 if self.log.text.endswith("\n") or not self.log.text else 1)


def _read_tail(stream: BinaryIO, size: int | None) -> tuple[bytes, int, bool]:
    if size is not None and size > MAX_BYTES:
        stream.seek(size - MAX_BYTES)
        return stream.read(MAX_BYTES), size, True
    data = stream.read(MAX_BYTES + 1)
    if len(data) <= MAX_BYTES:
        return data, len(data), False
    total = len(data)
    while chunk := stream.read(MAX_BYTES):  # a pipe longer than the limit: keep its last MAX_BYTES
        total += len(chunk)
        data = (data + chunk)[-MAX_BYTES:]
    return data[-MAX_BYTES:], total, True


def read_log(source: str) -> Log:
    """The log in `source` (a path, or "-" for stdin); UsageError with one line when it cannot be read."""
    if source == STDIN:
        data, size, truncated = _read_tail(sys.stdin.buffer, None)
        return Log(data.decode("utf-8", errors="replace"), "stdin", size, truncated)
    path = Path(source)
    try:
        with path.open("rb") as stream:
            data, size, truncated = _read_tail(stream, path.stat().st_size)
    except IsADirectoryError:
        raise UsageError(f"{source} is a directory, not a log file", fix=_FIX) from None
    except OSError as error:
        raise UsageError(f"cannot read {source}: {error.strerror or error}", fix=_FIX) from None
    return Log(data.decode("utf-8", errors="replace"), str(path), size, truncated)


def explain(log: Log) -> Report:
    """The known failures in `log`, most specific first."""
    return Report(log, diagnose(log.text))


def as_json(report: Report) -> dict[str, Any]:
    """The machine-readable report (schema envkit.explain/1)."""
    return {
        "schema": SCHEMA,
        "envkit": __version__,
        "input": report.log.name,
        "bytes": report.log.size,
        "lines": report.lines,
        "truncated": report.log.truncated,
        "recognised": report.recognised,
        "diagnoses": [d.as_dict() for d in report.diagnoses],
    }


def as_text(report: Report) -> list[str]:
    """The report for people: each diagnosis with the line that matched, the cause, the fix, the source."""
    log = report.log
    where = f"{log.name} ({report.lines} line{'' if report.lines == 1 else 's'}" + (
        f", only its last {MAX_BYTES:,} bytes read)" if log.truncated else ")"
    )
    if not report.recognised:
        return [
            f"envkit explain: no known failure in {where}.",
            "The log's own last error lines say what happened; `envkit doctor` checks this environment.",
        ]
    count = len(report.diagnoses)
    lines = [f"envkit explain: {count} known failure{'s' if count > 1 else ''} in {where}"]
    for number, found in enumerate(report.diagnoses, start=1):
        s = found.signature
        lines += [
            "",
            f"{number}. {s.id}",
            f"   line:   {found.line}",
            f"   cause:  {s.diagnosis}",
            f"   fix:    {s.fix}",
            f"   source: {s.source}",
        ]
    return lines
