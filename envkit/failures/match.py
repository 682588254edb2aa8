"""Known failures as data (signatures.toml): match a failing step's log; say what broke and the fix."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from envkit._toml import tomllib

_FIELDS = {"id", "pattern", "ignore_case", "context", "diagnosis", "fix", "source"}


@dataclass(frozen=True)
class Signature:
    """One known failure: a pattern (plus optional context patterns) -> diagnosis -> fix -> source."""

    id: str
    pattern: re.Pattern[str]
    context: tuple[re.Pattern[str], ...]
    diagnosis: str
    fix: str
    source: str


@dataclass(frozen=True)
class Diagnosis:
    """A signature that matched, with the log line that matched it."""

    signature: Signature
    line: str

    def as_dict(self) -> dict[str, str]:
        s = self.signature
        return {"id": s.id, "diagnosis": s.diagnosis, "fix": s.fix, "source": s.source, "line": self.line}


def parse_signatures(text: str) -> list[Signature]:
    """Signatures from TOML text; ValueError naming the entry for a missing field or a bad regex."""
    entries = tomllib.loads(text).get("signature", [])
    signatures = []
    for index, entry in enumerate(entries):
        name = entry.get("id", f"#{index + 1}")
        unknown = set(entry) - _FIELDS
        missing = {"id", "pattern", "diagnosis", "fix", "source"} - set(entry)
        if unknown or missing:
            raise ValueError(f"signature {name}: unknown fields {sorted(unknown)}, missing {sorted(missing)}")
        flags = re.IGNORECASE if entry.get("ignore_case") else 0
        try:
            pattern = re.compile(entry["pattern"], flags)
            context = tuple(re.compile(item) for item in entry.get("context", []))
        except re.error as error:
            raise ValueError(f"signature {name}: bad regular expression: {error}") from None
        signatures.append(
            Signature(name, pattern, context, entry["diagnosis"], entry["fix"], entry["source"])
        )
    ids = [s.id for s in signatures]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate signature ids: {duplicates}")
    return signatures


@functools.cache
def signatures() -> tuple[Signature, ...]:
    """The shipped signatures, in priority order."""
    text = resources.files("envkit.failures").joinpath("signatures.toml").read_text(encoding="utf-8")
    return tuple(parse_signatures(text))


def diagnose(log: str | list[str], known: tuple[Signature, ...] | None = None) -> list[Diagnosis]:
    """The signatures that match `log` (a step's output), most specific first.

    A line explained by an earlier (more specific) signature is not explained again by a later one.
    """
    lines = log.splitlines() if isinstance(log, str) else list(log)
    text = "\n".join(lines)
    found = []
    for signature in known if known is not None else signatures():
        if not all(pattern.search(text) for pattern in signature.context):
            continue
        line = next((line for line in lines if signature.pattern.search(line)), None)
        if line is not None and line.strip() not in {d.line for d in found}:
            found.append(Diagnosis(signature, line.strip()))
    return found
