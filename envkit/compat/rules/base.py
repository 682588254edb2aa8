"""What a compatibility rule is: an id, a title and a source declared on the rule, when it applies,
and the check that turns a recipe into problems.

A family module (cuda, torch, bases, stack, pins) keeps its rules in a list and registers each check
with `rule(...)` right above the function, so a rule's id, title and source sit next to its logic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet

from envkit.compat.knowledge import Knowledge
from envkit.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe


@dataclass(frozen=True)
class Pin:
    """Every version the recipe allows for one package, and the field that pins it."""

    spec: SpecifierSet
    field: str
    text: str


Pins = dict[str, Pin]  # canonical package name ("python" for the interpreter) -> its pin


@dataclass(frozen=True)
class Rule:
    """One rule. `applies` and `check` get the recipe's pins, computed once per check_recipe."""

    id: str
    title: str
    source: str
    applies: Callable[[Recipe, Pins], bool]
    check: Callable[[Recipe, Knowledge, Pins], list[Problem]]


@dataclass
class RuleOutcome:
    rule: Rule
    applies: bool
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.applies:
            return "n/a"
        return "failed" if self.problems else "ok"


RecipeCheck = Callable[["Recipe", Knowledge], list[Problem]]


def registrar(family: list[Rule]) -> Callable[..., Callable[[RecipeCheck], RecipeCheck]]:
    """A decorator factory that appends each decorated check to `family`, in source order."""

    def rule(
        id: str, title: str, source: str, when: Callable[[Recipe], bool] = lambda recipe: True
    ) -> Callable[[RecipeCheck], RecipeCheck]:
        def register(check: RecipeCheck) -> RecipeCheck:
            family.append(
                Rule(id, title, source, lambda recipe, pins: when(recipe), lambda r, kb, pins: check(r, kb))
            )
            return check

        return register

    return rule


# The research sections most rules cite (shared/research/env-anchors.md).
B1 = "env-anchors.md B.1"
B2 = "env-anchors.md B.2"
