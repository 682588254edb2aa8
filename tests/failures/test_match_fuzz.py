"""A hypothesis fuzzer for the failure matcher: random, binary, unicode and spliced logs never break it.

Each example is a log made of pieces: any unicode text, bytes decoded as `envkit explain` decodes them,
real corpus lines cut at random places, keywords repeated next to long runs of one character, colour
codes. Whatever the log, diagnose() returns without an exception, finds exactly what the slow path
without the keyword prefilter finds, reports only lines of the log, and fills every template.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envkit.failures.catalog import signatures
from envkit.failures.match import WINDOW, diagnose, strip_codes
from tests.failures import corpus

pytestmark = pytest.mark.fuzz

EXAMPLES = 10_000
REAL_LINES = sorted({line for t in corpus.load() for line in t.lines.splitlines() if line.strip()})
KEYWORDS = sorted({k for s in signatures() for k in s.keywords})
FIELDS = {
    s.id: [f for _, f, _, _ in string.Formatter().parse(s.diagnosis + s.fix) if f] for s in signatures()
}


@st.composite
def piece(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.text(max_size=200))
    if kind == 1:
        return draw(st.binary(max_size=300)).decode("utf-8", errors="replace")
    if kind == 2:  # a real line, cut and spliced with noise
        line = draw(st.sampled_from(REAL_LINES))
        at = draw(st.integers(0, len(line)))
        return line[:at] + draw(st.text(max_size=20)) + line[at:]
    if kind == 3:  # keywords beside long runs: what a backtracking pattern would choke on
        run = draw(st.sampled_from(["a", "/", " ", "_", "9", ".", "'", "é"])) * draw(st.integers(0, 1500))
        return run + draw(st.sampled_from(KEYWORDS)) + run
    if kind == 4:
        return (
            "\x1b["
            + draw(st.sampled_from(["31m", "1m", "0m", "2K", "?25l"]))
            + draw(st.sampled_from(REAL_LINES))
        )
    return draw(st.sampled_from(REAL_LINES))


@st.composite
def logs(draw: st.DrawFn) -> str:
    joiner = draw(st.sampled_from(["\n", "\r\n", "", "\n\n", "\r"]))
    text = joiner.join(draw(st.lists(piece(), max_size=12)))
    # Lines longer than the matcher's window are cut around the keyword; the slow path has no window, so
    # the equality below holds for lines up to that length (longer ones are the bench's business).
    return "\n".join(line[: 2 * WINDOW] for line in text.split("\n"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=logs())
def test_any_log_is_matched_without_error_and_the_prefilter_loses_nothing(log: str) -> None:
    found = diagnose(log)
    assert [(d.signature.id, d.line) for d in found] == [
        (d.signature.id, d.line) for d in diagnose(log, prefilter=False)
    ]
    plain = strip_codes(log)
    for diagnosis in found:
        assert diagnosis.line and "\n" not in diagnosis.line and diagnosis.line in plain
        answer = diagnosis.signature.diagnosis + diagnosis.signature.fix
        assert all(f"{{{field}}}" not in answer for field in FIELDS[diagnosis.signature.id]), answer
