"""No signature pattern can backtrack for long, and every pattern's line carries one of its keywords.

The matcher runs the patterns on any input (a 10 MB line, binary noise). Catastrophic backtracking
needs a repeat inside a repeat where both may run long ((a+)+, (\\w+\\s?)*): this test parses every
pattern and refuses that shape. How long patterns really take on pathological lines is measured by
bench/explain_speed.py (a table, not a timed test).
"""

from __future__ import annotations

import re

import pytest

from envkit.failures.catalog import signatures
from tests.failures import corpus
from tests.failures.failure_texts import TEXTS

try:  # Python >= 3.11
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

UNBOUNDED = sre_parse.MAXREPEAT
REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)}


def _nested_unbounded(items, inside_repeat: bool = False) -> str | None:
    """A description of the first long repeat nested in another long repeat, or None."""
    for op, value in items:
        if op in REPEATS:
            low, high, body = value
            long = high == UNBOUNDED or high > 50
            if long and inside_repeat and high == UNBOUNDED:
                return f"an unbounded repeat inside another repeat ({op} {low}..{high})"
            found = _nested_unbounded(body, inside_repeat or (high > 1))
            if found:
                return found
        elif op is sre_parse.SUBPATTERN:
            found = _nested_unbounded(value[-1], inside_repeat)
            if found:
                return found
        elif op is sre_parse.BRANCH:
            for branch in value[1]:
                found = _nested_unbounded(branch, inside_repeat)
                if found:
                    return found
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            found = _nested_unbounded(value[1], inside_repeat)
            if found:
                return found
    return None


def _all_patterns():
    for signature in signatures():
        for kind in ("patterns", "context", "absent", "extract"):
            for pattern in getattr(signature, kind):
                yield signature.id, kind, pattern


@pytest.mark.parametrize(("sid", "kind", "pattern"), list(_all_patterns()), ids=lambda v: str(v)[:40])
def test_no_pattern_nests_a_long_repeat_in_another(sid: str, kind: str, pattern: re.Pattern[str]) -> None:
    problem = _nested_unbounded(sre_parse.parse(pattern.pattern, pattern.flags))
    assert problem is None, f"{sid} {kind} {pattern.pattern!r}: {problem}"


def test_the_guard_itself_refuses_the_classic_shapes() -> None:
    for bad in (r"(a+)+b", r"(\w+\s?)*$", r"(?:x|y+)*z"):
        assert _nested_unbounded(sre_parse.parse(bad)) is not None, bad
    for good in (r"(?:[^/]{1,80}/){0,20}libstdc", r"MMCV==\S{1,40} is", r"a+b+c"):
        assert _nested_unbounded(sre_parse.parse(good)) is None, good


def test_every_line_a_pattern_matches_in_the_corpus_holds_one_of_its_keywords() -> None:
    """The prefilter's contract, checked line by line on every real text (not only the first match)."""
    texts = [t.lines for t in corpus.load()] + [text for _, text in TEXTS]
    for signature in signatures():
        for text in texts:
            for line in text.splitlines():
                if any(p.search(line) for p in signature.patterns):
                    assert any(k in line.lower() for k in signature.keywords), (signature.id, line)
