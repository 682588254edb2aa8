"""The bad-recipe corpus: every file in tests/fixtures/bad_recipes exits 2 with its exact message.

Each `<name>.toml` sits beside `<name>.expected`, the exact stderr of `envkit check-recipe <name>.toml`
(one `envkit: error:` line per problem: file, field path, reason, fix).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from envkit import cli

CORPUS = Path(__file__).resolve().parent / "fixtures" / "bad_recipes"
BAD_RECIPES = sorted(CORPUS.glob("*.toml"))


def test_the_corpus_is_large_and_complete() -> None:
    assert len(BAD_RECIPES) >= 15
    for recipe in BAD_RECIPES:
        assert recipe.with_suffix(".expected").is_file(), f"{recipe.name} has no .expected message"


@pytest.mark.parametrize("recipe", BAD_RECIPES, ids=[path.stem for path in BAD_RECIPES])
def test_bad_recipe_exits_2_with_its_exact_message(
    recipe: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["envkit", "check-recipe", str(recipe)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == recipe.with_suffix(".expected").read_text(encoding="utf-8")


def test_a_real_process_gets_exit_2_and_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "envkit", "check-recipe", str(CORPUS / "spec-semicolon.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr == (CORPUS / "spec-semicolon.expected").read_text(encoding="utf-8")


def test_the_same_rules_judge_a_recipe_nobody_wrote_a_test_for(tmp_path: Path) -> None:
    """A new, never-seen recipe for another GPU passes or fails on the rules alone."""
    text = (CORPUS.parent / "recipes" / "ci-minimal.toml").read_text()
    good = tmp_path / "l40s.toml"
    good.write_text(
        text.replace('name = "ci-minimal"', 'name = "l40s"').replace("gpus = []", 'gpus = ["L40S"]')
        + '\n[cuda]\nversion = "12.8"\narch_list = ["8.9"]\n'
    )
    assert cli_exit(good) == 2  # a debian image has no CUDA toolkit
    good.write_text(
        good.read_text()
        .replace('family = "debian"', 'family = "nvidia-cuda"')
        .replace('"debian:bookworm"', '"nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04"', 1)
        .replace('"debian:bookworm"', '"nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04"', 1)
        .replace('version = "3.11"', 'version = "3.10"')
    )
    assert cli_exit(good) == 0
    good.write_text(good.read_text().replace('arch_list = ["8.9"]', 'arch_list = ["9.0"]'))
    assert cli_exit(good) == 2  # sm_90 code does not run on sm_89


def cli_exit(path: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "envkit", "check-recipe", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in done.stderr
    return done.returncode
