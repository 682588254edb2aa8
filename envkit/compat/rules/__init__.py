"""Compatibility rules over a recipe, one module per family (cuda, torch, bases, stack, pins).

Rules are general: they read the recipe's fields and the knowledge tables, never a recipe's name.
Each declares its id, title and source where it is defined; the order here is the order of the
report and of the error lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envkit.compat.knowledge import Knowledge, knowledge
from envkit.compat.rules import bases, cuda, stack, torch
from envkit.compat.rules.base import Pin, Pins, Rule, RuleOutcome
from envkit.compat.rules.pins import PINS_RULE, guard_rule, recipe_pins
from envkit.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe

__all__ = ["Pin", "Pins", "Rule", "RuleOutcome", "all_rules", "check_recipe", "problems_of", "recipe_pins"]


def all_rules(kb: Knowledge | None = None) -> list[Rule]:
    """The structural rules by family, then pin consistency, then one rule per package guard."""
    kb = kb or knowledge()
    return [
        *cuda.RULES,
        *torch.RULES,
        *bases.RULES,
        *stack.RULES,
        PINS_RULE,
        *(guard_rule(guard) for guard in kb.guards),
    ]


def check_recipe(recipe: Recipe, kb: Knowledge | None = None) -> list[RuleOutcome]:
    """Run every rule; each outcome says whether it applied and what it found."""
    kb = kb or knowledge()
    pins = recipe_pins(recipe)
    outcomes = []
    for rule in all_rules(kb):
        applies = rule.applies(recipe, pins)
        outcomes.append(RuleOutcome(rule, applies, rule.check(recipe, kb, pins) if applies else []))
    return outcomes


def problems_of(recipe: Recipe, kb: Knowledge | None = None) -> list[Problem]:
    return [problem for outcome in check_recipe(recipe, kb) for problem in outcome.problems]
