"""Problems with a recipe: one per bad field, each with the field path, the reason and the fix.

Both the recipe schema (envkit.recipes) and the compatibility rules (envkit.compat) report them, so
they live here, below both.
"""

from __future__ import annotations

from dataclasses import dataclass

from envkit.errors import FIX_SEPARATOR, UsageError


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of a recipe, and how to fix it."""

    field: str
    reason: str
    fix: str

    def line(self, label: str) -> str:
        """The problem as one line: `<recipe>: <field>: <reason> — fix: <fix>`."""
        return f"{label}: {self.field}: {self.reason}{FIX_SEPARATOR}{self.fix}"


class RecipeError(UsageError):
    """A recipe that cannot be used: one line per problem, exit code 2."""

    def __init__(self, label: str, problems: list[Problem]) -> None:
        self.label = label
        self.problems = list(problems)
        lines = [problem.line(label) for problem in self.problems]
        super().__init__(lines[0] if lines else f"{label}: invalid recipe")
        self._lines = lines

    def one_line(self) -> str:
        """All problems, one line each (the CLI prefixes every line)."""
        return "\n".join(self._lines) if self._lines else self.message

    def lines(self) -> list[str]:
        """One line per problem, as the CLI prints them."""
        return list(self._lines) if self._lines else [self.message]
