"""User-facing errors: a message and a fix, printed on one line without a traceback."""

from __future__ import annotations

# Exit codes shared by every command (DESIGN.md, "Conventions").
EXIT_OK = 0
EXIT_FAILED = 1  # a check or a build failed
EXIT_USAGE = 2  # bad input or configuration


class EnvkitError(Exception):
    """An error the user can act on: what is wrong and how to fix it."""

    def __init__(self, message: str, fix: str | None = None, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.exit_code = exit_code

    def one_line(self) -> str:
        """The message and the fix on one line, as the CLI prints it."""
        return f"{self.message} — fix: {self.fix}" if self.fix else self.message


class UsageError(EnvkitError):
    """Bad input: a wrong argument, a missing file, a malformed recipe. Exit code 2."""


class FailedError(EnvkitError):
    """Something the user asked for ran and failed (a build, a check). Exit code 1."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message, fix, exit_code=EXIT_FAILED)


def from_posemamba(error: Exception) -> EnvkitError:
    """A posemamba.errors.PoseMambaError (message, fix, exit_code) as the envkit error the CLI prints."""
    message, fix = getattr(error, "message", str(error)), getattr(error, "fix", None)
    if getattr(error, "exit_code", EXIT_USAGE) == EXIT_FAILED:
        return FailedError(message, fix)
    return UsageError(message, fix)
