"""The rendered Dockerfile, parsed back: no recipe value may add, change or remove an instruction.

envkit.recipes validates every value before rendering; this is the structural half of issue #18, item 1.
After rendering, the text is parsed with dockerfile-parse (which splits lines on LF alone, as BuildKit
does) and its instruction list is compared with the list the templates give for the same recipe with
every value made inert: each character that can end, continue or hide a Dockerfile line (controls,
format characters, U+2028/2029, backslashes) deleted. The two lists differ exactly when a value changes
the Dockerfile's structure. Two rules the parser cannot see are checked on the text: it holds printable
characters and newlines only, and no RUN/COPY/ADD opens a heredoc (BuildKit reads `<<EOF` in those
instructions as the start of a multi-line body; the templates never write one).
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dockerfile_parse import DockerfileParser

from envkit.errors import first_unprintable, quoted, unprintable
from envkit.problems import Problem
from envkit.recipes import Recipe, RecipeError

_FIX = "remove line breaks, control characters and backslashes from that value"
_HEREDOC = re.compile(r"<<-?\s*[\"']?[A-Za-z_]")
_HEREDOC_INSTRUCTIONS = ("RUN", "COPY", "ADD")


@dataclasses.dataclass(frozen=True)
class Instruction:
    """One parsed instruction (comments included): its keyword, first line (1-based) and line count."""

    keyword: str
    line: int
    lines: int
    value: str

    @property
    def shape(self) -> tuple[str, int]:
        """What a value must not change: the keyword and how many lines the instruction spans."""
        return self.keyword, self.lines


def instructions(text: str) -> list[Instruction]:
    """Every instruction and comment of a Dockerfile, in order (dockerfile-parse, no variable expansion)."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")), env_replace=False)
    return [
        Instruction(
            item["instruction"], item["startline"] + 1, item["endline"] - item["startline"] + 1, item["value"]
        )
        for item in parser.structure
    ]


def _inert_text(text: str) -> str:
    return "".join(char for char in text if char != "\\" and not unprintable(char))


def inert(value: Any) -> Any:
    """`value` (a Recipe, or any part of one) with every line-structure character deleted from its text."""
    if isinstance(value, str):
        return _inert_text(value)
    if isinstance(value, Path):
        return Path(_inert_text(str(value)))
    if isinstance(value, tuple | list):
        return type(value)(inert(item) for item in value)
    if isinstance(value, dict):
        return {inert(key): inert(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{field.name: inert(getattr(value, field.name)) for field in dataclasses.fields(value)}
        )
    return value


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(attribute path, text) for every string inside a recipe value."""
    if isinstance(value, str | Path):
        yield path, str(value)
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _texts(item, f"{path}.{key}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _texts(getattr(value, field.name), f"{path}.{field.name}" if path else field.name)


def changed_values(recipe: Recipe) -> list[tuple[str, str]]:
    """(attribute path, value) of every recipe value that `inert` changes."""
    return [(path, text) for path, text in _texts(recipe, "") if _inert_text(text) != text]


def _difference(actual: list[Instruction], intended: list[Instruction]) -> str | None:
    """Where the parsed instructions first differ from the intended ones, in words; None when they agree."""
    for index, (got, wanted) in enumerate(zip(actual, intended, strict=False)):
        if got.shape != wanted.shape:
            return (
                f"its instruction {index + 1} (line {got.line}) is {got.keyword} over {got.lines} line(s) "
                f"where the template has {wanted.keyword} over {wanted.lines}"
            )
    if len(actual) != len(intended):
        return f"it has {len(actual)} instructions and comments, the template {len(intended)}"
    return None


def _text_problem(text: str, parsed: list[Instruction]) -> str | None:
    """What the rendered text breaks that a parse cannot show: printable characters, no heredoc."""
    at = first_unprintable(text, allowed="\n")
    if at is not None:
        return f"it contains the control character {quoted(text[at])} (U+{ord(text[at]):04X})"
    for item in parsed:
        if item.keyword in _HEREDOC_INSTRUCTIONS and _HEREDOC.search(item.value):
            return f"line {item.line} opens a heredoc ({item.keyword} ... <<), which BuildKit reads as a body"
    return None


def check(recipe: Recipe, text: str, render_text: Callable[[Recipe], str]) -> None:
    """Raise RecipeError (exit 2) when a value of `recipe` changed the structure of `text`, its render."""
    actual = instructions(text)
    problem = _text_problem(text, actual)
    if problem is None:
        intended_recipe = inert(recipe)
        if intended_recipe == recipe:
            return  # the same recipe renders the same text: the lists are equal
        try:
            problem = _difference(actual, instructions(render_text(intended_recipe)))
        except Exception as error:  # whatever fails, the intended structure is unknown: refuse
            problem = f"without its control characters the recipe does not render ({type(error).__name__})"
    if problem is None:
        return
    culprits = changed_values(recipe) or [(path, text) for path, text in _texts(recipe, "") if "<<" in text]
    if not culprits:
        raise RecipeError(recipe.path.name, [Problem("(rendered Dockerfile)", problem, _FIX)])
    raise RecipeError(
        recipe.path.name,
        [
            Problem(path, f"{quoted(value)} would change the rendered Dockerfile: {problem}", _FIX)
            for path, value in culprits
        ],
    )
