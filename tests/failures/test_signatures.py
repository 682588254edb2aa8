"""Every failure signature against the real error text it was written from (tests/build/failure_texts.py)."""

from __future__ import annotations

import pytest

from envkit.failures.match import diagnose, parse_signatures, signatures
from tests.failures.failure_texts import TEXTS


@pytest.mark.parametrize(("expected", "text"), TEXTS, ids=[f"{i}-{e}" for i, (e, _) in enumerate(TEXTS)])
def test_the_real_text_is_diagnosed_by_its_signature_first(expected: str, text: str) -> None:
    found = diagnose(text)
    assert found, f"nothing matched {text!r}"
    assert found[0].signature.id == expected
    assert found[0].line in text


def test_every_shipped_signature_has_a_real_text() -> None:
    untested = {s.id for s in signatures()} - {expected for expected, _ in TEXTS}
    assert not untested


def test_a_line_explained_by_a_specific_signature_is_not_explained_again() -> None:
    found = [d.signature.id for d in diagnose(TEXTS[0][1])]
    assert found == ["chumpy-needs-no-build-isolation"]


def test_two_failures_in_one_log_are_both_reported_in_file_order() -> None:
    log = (
        "Collecting mmcv\nerror: invalid command 'bdist_wheel'\nOSError: [Errno 28] No space left on device\n"
    )
    assert [d.signature.id for d in diagnose(log)] == ["bdist-wheel-missing", "out-of-disk"]


def test_an_unknown_failure_matches_nothing() -> None:
    assert diagnose("E: Unable to locate package python3-foo\n") == []


def test_each_signature_names_its_source_and_fix() -> None:
    for signature in signatures():
        assert signature.fix and signature.source and signature.diagnosis, signature.id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[signature]]\nid = "a"\npattern = "("\ndiagnosis = "d"\nfix = "f"\nsource = "s"\n', "bad regular"),
        ('[[signature]]\nid = "a"\npattern = "x"\nfix = "f"\nsource = "s"\n', "missing ['diagnosis']"),
        (
            '[[signature]]\nid = "a"\npattern = "x"\ndiagnosis = "d"\nfix = "f"\nsource = "s"\nwhy = 1\n',
            "unknown",
        ),
        (
            '[[signature]]\nid = "a"\npattern = "x"\ndiagnosis = "d"\nfix = "f"\nsource = "s"\n' * 2,
            "duplicate signature ids: ['a']",
        ),
    ],
)
def test_a_broken_signature_file_names_the_entry(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=r".*" + message.replace("[", r"\[").replace("]", r"\]")):
        parse_signatures(text)
