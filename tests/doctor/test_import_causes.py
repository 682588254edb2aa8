"""checks/_import_causes.py condenses some signatures of envkit/failures/signatures.toml for the doctor
(stdlib only, no envkit in the image): both must recognise the same real texts, and name the same family."""

from __future__ import annotations

import sys

import pytest

from envkit.failures.catalog import signatures
from envkit.failures.match import diagnose
from tests.failures import corpus
from tests.failures.failure_texts import TEXTS as MEASURED

from .conftest import load_check

causes = load_check("_import_causes")
IDS = sorted({row[0] for row in causes.CAUSES})
# Real texts of these families: the field corpus (public threads) and the ones measured here.
REAL = [(t.expected, t.lines, t.id) for t in corpus.load() if t.expected in IDS] + [
    (expected, text, f"measured:{expected}:{i}")
    for i, (expected, text) in enumerate(MEASURED)
    if expected in IDS
]


def test_every_row_names_a_signature_that_exists():
    known = {signature.id for signature in signatures()}
    assert set(IDS) <= known


@pytest.mark.parametrize(("expected", "text"), [r[:2] for r in REAL], ids=[r[2] for r in REAL])
def test_the_check_and_the_signature_name_the_same_family(expected: str, text: str):
    found = causes.cause_of(text)
    assert found is not None, "the doctor's row does not recognise a real text of its family"
    assert found[0] == expected
    assert expected in [d.signature.id for d in diagnose(text)]


def test_a_text_of_another_family_is_no_known_cause():
    others = [t for t in corpus.load() if t.expected not in IDS and t.expected != "unknown"]
    wrong = [(t.id, causes.cause_of(t.lines)[0]) for t in others if causes.cause_of(t.lines)]
    assert wrong == []


def test_mmcv_ext_names_why_its_ops_do_not_load(tmp_path, monkeypatch):
    """mmcv (full) whose mmcv.ops raises the real error of mmcv#802: the cause and fix, not "built
    without its ops"."""
    text = next(t.lines for t in corpus.load() if t.url.endswith("open-mmlab/mmcv/issues/802"))
    error = text.strip().splitlines()[-1].split(": ", 1)[1]
    (tmp_path / "mmcv" / "ops").mkdir(parents=True)
    (tmp_path / "mmcv" / "__init__.py").write_text("")
    (tmp_path / "mmcv" / "ops" / "__init__.py").write_text(f"raise ImportError({error!r})\n")
    (tmp_path / "mmcv-2.1.0.dist-info").mkdir()
    (tmp_path / "mmcv-2.1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mmcv\nVersion: 2.1.0\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "mmcv" or m.startswith("mmcv.")]:
        monkeypatch.delitem(sys.modules, name)
    outcome = load_check("mmcv_ext").run({})
    assert outcome["status"] == "fail"
    assert "mmcv 2.1.0's ops do not load: it was compiled against a different torch" in outcome["summary"]
    assert "_ZN3c104impl23ExcludeDispatchKeyGuard" in outcome["summary"]
    assert "(signature torch-extension-abi)" in outcome["fix"] and "MMCV_WITH_OPS=1" in outcome["fix"]
