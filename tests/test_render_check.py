"""envkit.render_check: every rendered Dockerfile is parsed back, and a value that changes its instructions
is refused even when it got past the recipe checks (issue #18, item 1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from envkit import render_check
from envkit.recipes import Recipe, RecipeError, load_recipe, rebase_recipe, recipe_names
from envkit.render import committed_dockerfile, render, template_text
from tests.conftest import FIXTURES
from tests.hostile.recipe_cases import FULL, write

# Every keyword the templates write; a value that starts a line with anything else shows up here too.
TEMPLATE_KEYWORDS = {
    "COMMENT",
    "ARG",
    "FROM",
    "SHELL",
    "ENV",
    "RUN",
    "COPY",
    "LABEL",
    "USER",
    "WORKDIR",
    "CMD",
}
PAYLOADS = {
    "lf": "\nFROM\tlocal/debian:bookworm\nRUN\tid",
    "cr-lf": "\r\nRUN id",
    "line-separator": "\u2028RUN id",
    "nel": "\x85RUN id",
    "continuation": " \\",
    "heredoc": " <<EOF",
}
# Values of the full recipe that reach the Dockerfile (on a line, or inside a RUN for a heredoc); pip specs
# are left out (the recipe's own logic parses them, so a changed one renders nothing), and so are ENV and
# LABEL values, which the templates JSON-quote (an escaped \n there is two characters, not a line break).
# A value's backslash sits inside quotes or a comment, so "continuation" never needs refusing.
_ON_A_LINE = (
    "models[0].url",
    "description",
    "packages[0]",
    "openmmlab.mmengine_git.url",
    "devel_image",
    "path",
    "apt_runtime[0]",
)
MUST_REFUSE = {
    "lf": _ON_A_LINE,
    "cr-lf": _ON_A_LINE,
    "line-separator": _ON_A_LINE,
    "nel": _ON_A_LINE,
    "heredoc": ("models[0].url", "packages[0]", "openmmlab.mmengine_git.url", "apt_devel[0]"),
}


def rendered_recipes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Recipe, str | None]]:
    for name in recipe_names():
        yield name, load_recipe(name), None
    for path in sorted((FIXTURES / "recipes").glob("*.toml")):
        yield path.stem, load_recipe(str(path)), None
        yield f"{path.stem}@local", load_recipe(str(path)), "local/debian:bookworm"
    yield "every-field", load_recipe(str(write(tmp_path_factory.mktemp("full"), FULL))), None


def test_every_rendered_recipe_round_trips(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Shipped recipes and fixtures: the parsed instructions are the template's, every line is one of them."""
    seen = 0
    for name, recipe, base in rendered_recipes(tmp_path_factory):
        text = render(rebase_recipe(recipe, base) if base else recipe)  # RecipeError: the round trip failed
        parsed = render_check.instructions(text)
        assert {item.keyword for item in parsed} <= TEMPLATE_KEYWORDS, name
        covered = {item.line + offset for item in parsed for offset in range(item.lines)}
        blank = {number for number, line in enumerate(text.split("\n"), 1) if not line.strip()}
        assert covered | blank == set(range(1, text.count("\n") + 2)), f"{name}: a line no instruction holds"
        assert [item.shape for item in parsed] == [
            item.shape for item in render_check.instructions(template_text(render_check.inert(recipe)))
        ]
        seen += 1
    assert seen >= len(recipe_names()) + 3


@pytest.mark.parametrize("name", recipe_names())
def test_committed_dockerfiles_parse_to_the_same_instructions(name: str) -> None:
    committed = render_check.instructions(committed_dockerfile(name).read_text(encoding="utf-8"))
    assert committed == render_check.instructions(render(load_recipe(name)))


def _variants(value: Any, suffix: str, path: str = "") -> Iterator[tuple[str, Any]]:
    """(attribute path, `value` with `suffix` appended to that one string) for every string inside it."""
    if isinstance(value, str):
        yield path, value + suffix
    elif isinstance(value, Path):
        yield path, Path(str(value) + suffix)
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            for where, changed in _variants(item, suffix, f"{path}[{index}]"):
                yield where, type(value)([*value[:index], changed, *value[index + 1 :]])
    elif isinstance(value, dict):
        for key, item in value.items():
            for where, changed in _variants(item, suffix, f"{path}.{key}"):
                yield where, {**value, key: changed}
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            inner = getattr(value, field.name)
            for where, changed in _variants(inner, suffix, f"{path}.{field.name}" if path else field.name):
                yield where, dataclasses.replace(value, **{field.name: changed})


def _shapes(text: str) -> list[tuple[str, int]]:
    return [item.shape for item in render_check.instructions(text)]


def _harmless(payload: str) -> str:
    """The payload with each line-structure character (controls, separators, backslash, <<) a space."""
    return "".join(" " if not char.isprintable() or char == "\\" else char for char in payload).replace(
        "<<", "  "
    )


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_a_value_that_skipped_validation_cannot_change_the_instructions(tmp_path: Path, payload: str) -> None:
    """Each string of a loaded recipe, changed behind the checks' back (dataclasses.replace): render either
    refuses it naming that value, or gives the instructions of the same change made harmless."""
    recipe = load_recipe(str(write(tmp_path, FULL)))
    twins = dict(_variants(recipe, _harmless(PAYLOADS[payload])))
    refused = []
    for path, changed in _variants(recipe, PAYLOADS[payload]):
        try:
            expected = _shapes(template_text(twins[path]))
        except (ValueError, AssertionError, KeyError):
            continue  # family, versions, specs: the recipe's own logic cannot read the changed value
        try:
            text = render(changed)
        except RecipeError as error:
            assert [problem.field for problem in error.problems] == [path], error.lines()
            assert all("would change the rendered Dockerfile" in line for line in error.lines())
            refused.append(path)
            continue
        except (ValueError, AssertionError, KeyError):
            continue  # the recipe's logic cannot read the changed value: no Dockerfile text exists
        assert _shapes(text) == expected, f"{path}: changed the instructions and was not refused"
        assert all(char == "\n" or char.isprintable() for char in text), path
        assert not any(line.lstrip().startswith(("RUN id", "RUN\tid", "FROM\t")) for line in text.split("\n"))
    for path in MUST_REFUSE.get(payload, ()):
        assert path in refused, (path, refused)
