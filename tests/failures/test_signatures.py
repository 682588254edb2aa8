"""The signature catalogue: every signature has a real text, the file format is checked, templates fill."""

from __future__ import annotations

import pytest

from envkit.failures.catalog import parse_signatures, signatures
from envkit.failures.match import MAX_VALUE, diagnose, strip_codes
from tests.failures import corpus
from tests.failures.failure_texts import TEXTS

ENTRY = '[[signature]]\nid = "a"\nkeywords = ["x"]\npattern = "x"\ndiagnosis = "d"\nfix = "f"\nsource = "s"\n'


@pytest.mark.parametrize(("expected", "text"), TEXTS, ids=[f"{i}-{e}" for i, (e, _) in enumerate(TEXTS)])
def test_the_real_text_is_diagnosed_by_its_signature_first(expected: str, text: str) -> None:
    found = diagnose(text)
    assert found, f"nothing matched {text!r}"
    assert found[0].signature.id == expected
    assert found[0].line in strip_codes(text)


def test_every_shipped_signature_has_a_real_text() -> None:
    tested = {expected for expected, _ in TEXTS} | {t.expected for t in corpus.load()}
    assert {s.id for s in signatures()} - tested == set()


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


def test_each_signature_names_its_source_fix_and_keywords() -> None:
    for signature in signatures():
        assert signature.fix and signature.source and signature.diagnosis and signature.keywords, signature.id


def test_the_answer_carries_the_values_of_the_log_not_of_the_seed_text() -> None:
    (found,) = diagnose("ImportError: libcudart.so.11.8: cannot open shared object file: No such file\n")
    assert "CUDA 11.8 runtime (libcudart.so.11.8)" in found.signature.diagnosis
    assert "12" not in found.signature.diagnosis
    # The catalogue keeps its templates; only the Diagnosis holds the filled copy.
    template = next(s for s in signatures() if s.id == "cudart-major-missing")
    assert "{cuda}" in template.diagnosis


def test_a_value_read_from_the_log_is_cut_and_kept_on_one_line() -> None:
    symbol = "_ZN3c10" + "x" * 250
    (found,) = diagnose(f"ImportError: /venv/ext.so: undefined symbol: {symbol}\n")
    assert found.signature.id == "torch-extension-abi"
    assert symbol[:MAX_VALUE] in found.signature.diagnosis
    assert symbol[: MAX_VALUE + 1] not in found.signature.diagnosis


def test_context_decides_between_a_specific_and_a_general_answer() -> None:
    line = "AttributeError: module 'inspect' has no attribute 'getargspec'\n"
    assert diagnose(line)[0].signature.id == "inspect-function-removed"
    chumpy = '  File "/venv/lib/python3.11/site-packages/chumpy/ch.py", line 1203, in _depends_on\n' + line
    assert diagnose(chumpy)[0].signature.id == "chumpy-getargspec"


def test_extract_reads_a_value_from_another_line_and_defaults_fill_the_rest() -> None:
    guard = "AssertionError: MMCV==1.7.1 is used but incompatible. Please install mmcv>=2.0.0rc4, <=2.1.0.\n"
    (general,) = diagnose(guard)
    assert general.signature.diagnosis.startswith("the OpenMMLab package whose import guard raised it")
    frame = '  File "/x/mmpose/__init__.py", line 16, in <module>\n'
    (named,) = diagnose(frame + guard)
    assert named.signature.diagnosis.startswith("mmpose accepts mmcv >=2.0.0rc4, <=2.1.0")


def test_absent_patterns_veto_a_signature() -> None:
    text = ENTRY + 'absent = ["cured"]\n'
    known = tuple(parse_signatures(text))
    assert [d.signature.id for d in diagnose("x\n", known)] == ["a"]
    assert diagnose("x\ncured\n", known) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ENTRY.replace('pattern = "x"', 'pattern = "("'), "bad regular"),
        (ENTRY.replace('diagnosis = "d"\n', ""), "missing ['diagnosis']"),
        (ENTRY.replace('keywords = ["x"]\n', ""), "missing ['keywords']"),
        (ENTRY + "why = 1\n", "unknown fields ['why']"),
        (ENTRY * 2, "duplicate signature ids: ['a']"),
        (ENTRY.replace('diagnosis = "d"', 'diagnosis = "{who}"'), "template field {who} has no default"),
        (ENTRY.replace('keywords = ["x"]', 'keywords = ["é"]'), "keywords must be non-blank ASCII"),
        (ENTRY.replace('diagnosis = "d"', 'diagnosis = "{"'), "bad template"),
    ],
)
def test_a_broken_signature_file_names_the_entry(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=r".*" + message.replace("[", r"\[").replace("]", r"\]")):
        parse_signatures(text)
