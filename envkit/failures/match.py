"""Match a log against the known failures: which signatures fit, on which line, with which values.

Speed: a signature's regular expressions run only on lines that contain one of its literal keywords.
The keywords are found with `bytes.find` on a lowercased one-byte copy of the log (each keyword costs
one fast substring scan), so a 10 MB training log with one error in it is a few hundred keyword scans
and a handful of regex calls, not 200,000 lines times 80 patterns. Lines are cut to a window around
the keyword, and at most MAX_CANDIDATES lines per keyword are tried, so no input makes the matcher
slow: a binary file, a log of one 10 MB line, a log where every line is an error.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from envkit.failures.catalog import Signature, signatures

WINDOW = 2000  # characters kept on each side of a keyword in a longer line
MAX_CANDIDATES = 10_000  # lines tried per keyword; an error line comes long before that in real logs
MAX_VALUE = 160  # a value read from the log and shown in a diagnosis is cut to this length

# Terminal colour and cursor codes (CSI sequences): tools colour their errors, and a code inside a phrase
# would hide it from the patterns.
_ANSI = re.compile(r"\x1b\[[0-9;?]{0,20}[@-~]")


@dataclass(frozen=True)
class Diagnosis:
    """A signature that matched, as it applies to this log: its templates filled with the log's values."""

    signature: Signature
    line: str

    def as_dict(self) -> dict[str, str]:
        s = self.signature
        return {"id": s.id, "diagnosis": s.diagnosis, "fix": s.fix, "source": s.source, "line": self.line}


class _Log:
    """A log's text, a one-byte lowercased copy with the same offsets, and where keywords occur."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Keywords are ASCII: every non-ASCII character becomes one '?', so offsets stay the text's, and
        # bytes.find on a one-byte string is the fastest substring search Python has.
        self.folded = text.encode("ascii", errors="replace").lower()
        # Several signatures share a keyword: each keyword's lines are found once, as far as any
        # signature has read them (the scan of a 10 MB log per keyword is most of the matcher's time).
        self._found: dict[str, tuple[list[tuple[int, int]], Iterator[tuple[int, int]]]] = {}

    def lines_with(self, keyword: str) -> Iterator[tuple[int, int]]:
        """(start, end) of the lines (or line windows) holding `keyword`, in order, at most MAX_CANDIDATES."""
        if keyword not in self._found:
            self._found[keyword] = ([], self._scan(keyword))
        spans, scan = self._found[keyword]
        index = 0
        while True:
            if index == len(spans):
                span = next(scan, None)
                if span is None:
                    return
                spans.append(span)
            yield spans[index]
            index += 1

    def _scan(self, keyword: str) -> Iterator[tuple[int, int]]:
        needle = keyword.encode("ascii")
        folded, size, found, at = self.folded, len(self.folded), 0, 0
        while found < MAX_CANDIDATES:
            at = folded.find(needle, at)
            if at < 0:
                return
            start = folded.rfind(b"\n", 0, at) + 1
            end = folded.find(b"\n", at)
            end = size if end < 0 else end
            if end - start > 2 * WINDOW:
                start, end = max(start, at - WINDOW), min(end, at + len(needle) + WINDOW)
            yield start, end
            found += 1
            at = end + 1 if end < size else size

    def all_lines(self) -> Iterator[tuple[int, int]]:
        """Every line (no prefilter): what the keyword scan must agree with (tests)."""
        start = 0
        for line in self.text.split("\n"):
            yield start, start + len(line)
            start += len(line) + 1


def strip_codes(text: str) -> str:
    """`text` without terminal colour and cursor codes (what the matcher and its reports see)."""
    return _ANSI.sub("", text) if "\x1b" in text else text


class _Values(dict):
    """Template values; a group that took no part in the match reads as '?' rather than failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Values(values))


def _values(signature: Signature, groups: dict[str, str | None], log: _Log) -> dict[str, str]:
    values = dict(signature.defaults)
    for pattern in signature.extract:
        found = pattern.search(log.text)
        if found:
            values.update({k: v for k, v in found.groupdict().items() if v is not None})
    values.update({k: v for k, v in groups.items() if v is not None})
    return {k: " ".join(v.split())[:MAX_VALUE] for k, v in values.items()}


_Hit = tuple[str, dict[str, str | None]]


def _first_match(signature: Signature, log: _Log, prefilter: bool) -> _Hit | None:
    if prefilter:
        # Lazily, in text order: a signature stops reading the log at its first matching line.
        spans: Iterable[tuple[int, int]] = heapq.merge(*(log.lines_with(k) for k in signature.keywords))
    else:
        spans = log.all_lines()
    last = None
    for start, end in spans:
        if (start, end) == last:
            continue
        last = (start, end)
        line = log.text[start:end]
        for pattern in signature.patterns:
            found = pattern.search(line)
            if found:
                return line.strip(), found.groupdict()
    return None


def _applies(signature: Signature, log: _Log) -> bool:
    return all(p.search(log.text) for p in signature.context) and not any(
        p.search(log.text) for p in signature.absent
    )


def diagnose(
    log: str | Iterable[str], known: tuple[Signature, ...] | None = None, *, prefilter: bool = True
) -> list[Diagnosis]:
    """The signatures that match `log` (a step's output, a traceback, a whole log), in priority order.

    A line explained by an earlier (more specific) signature is not explained again by a later one.
    `prefilter=False` tries every line against every signature: slow, for tests that check the keyword
    prefilter loses nothing.
    """
    text = strip_codes(log if isinstance(log, str) else "\n".join(log))
    state = _Log(text)
    found: list[Diagnosis] = []
    explained: set[str] = set()
    for signature in known if known is not None else signatures():
        hit = _first_match(signature, state, prefilter)
        if hit is None or hit[0] in explained or not _applies(signature, state):
            continue
        line, groups = hit
        values = _values(signature, groups, state)
        filled = dataclasses.replace(
            signature, diagnosis=_fill(signature.diagnosis, values), fix=_fill(signature.fix, values)
        )
        found.append(Diagnosis(filled, line))
        explained.add(line)
    return found
