"""The field corpus (tests/failures/field_texts/*.toml): real error texts with their threads' answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from envkit._toml import tomllib

FOLDER = Path(__file__).parent / "field_texts"
_FIELDS = {"url", "lines", "cause", "fix", "expected", "mentions", "never"}


@dataclass(frozen=True)
class FieldText:
    """One pasted error text: where it is from, what its thread found, what envkit must answer."""

    family: str  # the file it is kept in
    url: str
    lines: str
    cause: str
    fix: str
    expected: str  # a signature id, or "unknown"
    mentions: tuple[str, ...] = ()
    never: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.family}:{self.url.rsplit('github.com/', 1)[-1]}"


def load() -> list[FieldText]:
    """Every entry of every corpus file, in file order; ValueError for a malformed entry."""
    texts = []
    for path in sorted(FOLDER.glob("*.toml")):
        for index, entry in enumerate(tomllib.loads(path.read_text(encoding="utf-8")).get("text", [])):
            where = f"{path.name} entry {index + 1}"
            if set(entry) - _FIELDS or {"url", "lines", "cause", "fix", "expected"} - set(entry):
                raise ValueError(f"{where}: fields {sorted(entry)}; expected {sorted(_FIELDS)}")
            texts.append(
                FieldText(
                    family=path.stem,
                    url=entry["url"],
                    lines=entry["lines"],
                    cause=entry["cause"],
                    fix=entry["fix"],
                    expected=entry["expected"],
                    mentions=tuple(entry.get("mentions", ())),
                    never=tuple(entry.get("never", ())),
                )
            )
    return texts
