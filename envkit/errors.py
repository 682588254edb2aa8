"""User-facing errors: a message and a fix, printed on one line without a traceback."""

from __future__ import annotations

import unicodedata

# One home for echoing a user's value in a message (envkit's messages use it too).
from posemamba.errors import QUOTE_LIMIT, quoted  # noqa: F401

# Exit codes shared by every command (DESIGN.md, "Conventions").
EXIT_OK = 0
EXIT_FAILED = 1  # a check or a build failed
EXIT_USAGE = 2  # bad input or configuration

FIX_SEPARATOR = " — fix: "
# Characters that start a new line or hide text on a terminal: controls (C0, DEL, C1), format characters
# (bidi overrides, zero-width), surrogates, and the Unicode line and paragraph separators.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def unprintable(char: str) -> bool:
    """True for a character that must never reach a Dockerfile or an error line raw."""
    return unicodedata.category(char) in _UNPRINTABLE_CATEGORIES


def first_unprintable(text: str, allowed: str = "") -> int | None:
    """The index of the first unprintable character of `text` not in `allowed`, else None."""
    probe = text.translate(dict.fromkeys(map(ord, allowed))) if allowed else text
    if probe.isprintable():  # C speed; str.isprintable is False for a superset of unprintable()
        return None
    return next((i for i, char in enumerate(text) if char not in allowed and unprintable(char)), None)


def escaped(char: str) -> str:
    """A character as Python writes it in a string literal: \\n, \\t, \\x00, \\u2028."""
    return repr(char)[1:-1]


def printable(text: str) -> str:
    """`text` with every unprintable character escaped, so it prints on one line as it is."""
    if first_unprintable(text) is None:
        return text
    return "".join(escaped(char) if unprintable(char) else char for char in text)


class EnvkitError(Exception):
    """An error the user can act on: what is wrong and how to fix it."""

    def __init__(self, message: str, fix: str | None = None, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.exit_code = exit_code

    def one_line(self) -> str:
        """The message and the fix on one line, as the CLI prints it."""
        return f"{self.message}{FIX_SEPARATOR}{self.fix}" if self.fix else self.message

    def lines(self) -> list[str]:
        """What the CLI prints: one line per problem (a single one here)."""
        return [self.one_line()]


class UsageError(EnvkitError):
    """Bad input: a wrong argument, a missing file, a malformed recipe. Exit code 2."""


class FailedError(EnvkitError):
    """Something the user asked for ran and failed (a build, a check). Exit code 1."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message, fix, exit_code=EXIT_FAILED)
