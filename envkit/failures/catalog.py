"""The catalogue of known failures (signatures.toml): parsed, validated, compiled once.

Each signature says which literal keywords a log line must contain before its regular expressions are
tried (the matcher's cheap prefilter), which patterns recognise the line, what else the log must or
must not hold, and the diagnosis and fix as templates whose {fields} are read from the matched text.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass
from importlib import resources
from typing import Any

from envkit._toml import tomllib

_REQUIRED = {"id", "keywords", "pattern", "diagnosis", "fix", "source"}
_OPTIONAL = {"ignore_case", "context", "absent", "extract", "defaults"}


@dataclass(frozen=True)
class Signature:
    """One known failure: keywords + patterns (+ context) -> diagnosis -> fix -> source.

    `diagnosis` and `fix` are templates until a match fills them (match.Diagnosis holds the filled
    copy). `context` patterns must occur somewhere in the same log, `absent` ones must not; `extract`
    patterns are searched in the whole log for fields the matched line does not carry.
    """

    id: str
    keywords: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    context: tuple[re.Pattern[str], ...]
    absent: tuple[re.Pattern[str], ...]
    extract: tuple[re.Pattern[str], ...]
    defaults: tuple[tuple[str, str], ...]
    diagnosis: str
    fix: str
    source: str

    @property
    def pattern(self) -> re.Pattern[str]:
        """The first pattern (signatures with one pattern are the common case)."""
        return self.patterns[0]


def _as_list(value: Any, name: str, field: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise ValueError(f"signature {name}: {field} must be a non-empty string or list of strings")
    return items


def _compile(items: list[str], flags: int, name: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(item, flags) for item in items)
    except re.error as error:
        raise ValueError(f"signature {name}: bad regular expression: {error}") from None


def _template_fields(template: str, name: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError as error:
        raise ValueError(f"signature {name}: bad template {template!r}: {error}") from None


def _check_fields(signature: Signature) -> None:
    """Every {field} of the templates comes from every pattern, or has a default."""
    name = signature.id
    wanted = _template_fields(signature.diagnosis, name) | _template_fields(signature.fix, name)
    defaults = {key for key, _ in signature.defaults}
    for field in sorted(wanted - defaults):
        if not field.isidentifier():
            raise ValueError(f"signature {name}: template field {{{field}}} is not a plain name")
        lacking = [p.pattern for p in signature.patterns if field not in p.groupindex]
        if lacking:
            raise ValueError(
                f"signature {name}: template field {{{field}}} has no default and pattern {lacking[0]!r} "
                "does not capture it"
            )


def _signature(entry: dict[str, Any], index: int) -> Signature:
    name = entry.get("id", f"#{index + 1}")
    unknown = set(entry) - _REQUIRED - _OPTIONAL
    missing = _REQUIRED - set(entry)
    if unknown or missing:
        raise ValueError(f"signature {name}: unknown fields {sorted(unknown)}, missing {sorted(missing)}")
    keywords = tuple(k.lower() for k in _as_list(entry["keywords"], name, "keywords"))
    if not all(k.isascii() and k.strip() for k in keywords):
        raise ValueError(f"signature {name}: keywords must be non-blank ASCII text")
    flags = re.IGNORECASE if entry.get("ignore_case") else 0
    defaults = entry.get("defaults", {})
    if not isinstance(defaults, dict) or not all(isinstance(v, str) for v in defaults.values()):
        raise ValueError(f"signature {name}: defaults must be a table of strings")
    signature = Signature(
        id=name,
        keywords=keywords,
        patterns=_compile(_as_list(entry["pattern"], name, "pattern"), flags, name),
        context=_compile(entry.get("context", []), 0, name) if entry.get("context") else (),
        absent=_compile(entry.get("absent", []), 0, name) if entry.get("absent") else (),
        extract=_compile(entry.get("extract", []), 0, name) if entry.get("extract") else (),
        defaults=tuple(sorted(defaults.items())),
        diagnosis=entry["diagnosis"],
        fix=entry["fix"],
        source=entry["source"],
    )
    _check_fields(signature)
    return signature


def parse_signatures(text: str) -> list[Signature]:
    """Signatures from TOML text; ValueError naming the entry for a missing field, a bad regex or template."""
    entries = tomllib.loads(text).get("signature", [])
    parsed = [_signature(entry, index) for index, entry in enumerate(entries)]
    ids = [s.id for s in parsed]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate signature ids: {duplicates}")
    return parsed


@functools.cache
def signatures() -> tuple[Signature, ...]:
    """The shipped signatures, in priority order."""
    text = resources.files("envkit.failures").joinpath("signatures.toml").read_text(encoding="utf-8")
    return tuple(parse_signatures(text))
