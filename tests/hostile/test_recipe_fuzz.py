"""A hypothesis fuzzer for the recipe loader (issue #18): arbitrary unicode, control characters included,
spliced into one field (or a user-named key) of a valid recipe with every field set.

Whatever the value, load_recipe either returns a recipe or raises RecipeError, which the CLI prints as one
printable `envkit: error:` line per problem, each with one fix (any other exception fails the test; the
field suite runs the same errors through the CLI); a recipe it accepts renders (render's own round
trip passes) to a Dockerfile of printable text with the unspliced recipe's instructions. Line counts may
differ: a changed apt or pip list item changes how many lines a RUN spans, not what it is.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envkit import cli
from envkit.errors import FIX_SEPARATOR, first_unprintable
from envkit.recipes import RecipeError, load_recipe
from envkit.render import render
from envkit.render_check import instructions
from tests.hostile.recipe_cases import FIELDS, FULL, NAME, spliced_text, valid_value, write

pytestmark = pytest.mark.fuzz

EXAMPLES = 10_000


def _keywords(text: str) -> list[str]:
    """The instructions without comments (an empty description drops its comment line, legitimately)."""
    return [item.keyword for item in instructions(text) if item.keyword != "COMMENT"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A RAM-backed folder where the machine has one: the loader reads a file per example, and a busy
    disk makes each write and read take milliseconds (4 ms measured here, 0.1 ms in /dev/shm)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("fuzz")
        return
    with tempfile.TemporaryDirectory(dir=shm, prefix="envkit-fuzz-") as name:
        yield Path(name)


@pytest.fixture(scope="module")
def intended(folder: Path) -> list[str]:
    return _keywords(render(load_recipe(str(write(folder, FULL)))))


@st.composite
def spliced(draw: st.DrawFn) -> dict | str:
    """The full recipe with one field's value (or one user-named key) replaced or wedged with any text."""
    noise = draw(st.text(max_size=40))  # any code point but surrogates, which TOML cannot carry
    if draw(st.integers(0, 9)) == 0:  # a key of a table whose keys are the user's own names
        data = copy.deepcopy(FULL)
        table = data[draw(st.sampled_from(["env", "models"]))]
        old = next(iter(table))
        at = draw(st.integers(0, len(old)))
        table[old[:at] + noise + old[at:]] = table.pop(old)
        return data
    field = draw(st.sampled_from(FIELDS))
    if draw(st.booleans()):
        return spliced_text(field, noise)
    valid = valid_value(field)
    text = str(valid).lower() if isinstance(valid, bool) else str(valid)
    at = draw(st.integers(0, len(text)))
    return spliced_text(field, text[:at] + noise + text[at:])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=spliced())
def test_the_loader_gives_one_line_per_problem_or_a_dockerfile_with_the_template_s_instructions(
    folder: Path, intended: list[str], data: dict | str
) -> None:
    path = write(folder, data)
    try:
        recipe = load_recipe(str(path))
    except RecipeError as error:
        printed = io.StringIO()
        with contextlib.redirect_stderr(printed):
            cli.print_error(error)
        lines = printed.getvalue().splitlines()
        assert len(lines) == len(error.problems) == printed.getvalue().count("\n")  # "\n" alone breaks lines
        for line in lines:
            assert line.startswith(f"envkit: error: {NAME}: "), line
            assert line.count(FIX_SEPARATOR) == 1, line
            assert first_unprintable(line) is None, repr(line)
        return
    text = render(recipe)
    assert first_unprintable(text, allowed="\n") is None
    assert _keywords(text) == intended
