"""Errors the posemamba package raises for bad input: each says what is wrong and how to fix it."""

from __future__ import annotations

QUOTE_LIMIT = 160  # characters of an echoed value shown in a message (a 5,000-character name stays readable)


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value from the user's input echoed in a message: repr-quoted (so a newline or control character
    is escaped and the message stays one line), cut to `limit` characters.

    The em dash is escaped too, so an echoed value never adds a second " — fix: " to a line.
    """
    text = str(value)
    if len(text) <= limit:
        return repr(text).replace("\u2014", "\\u2014")
    return repr(text[:limit]).replace("\u2014", "\\u2014") + f"... ({len(text)} characters)"


class PoseMambaError(ValueError):
    """Base class: bad input to posemamba (a file, an array, a setting). `fix` says what to do.

    `exit_code` is what a command line exits with for it: 2 for bad input, 1 for a run that failed.
    """

    exit_code = 2  # what a command line exits with (2: bad input; RecordingError: 1, a failed run)

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(f"{message} — fix: {fix}" if fix else message)
        self.message = message
        self.fix = fix


class CheckpointError(PoseMambaError):
    """A file that cannot be loaded as PoseMamba weights (wrong format, keys, shapes or pickled globals)."""


class InputShapeError(PoseMambaError):
    """A keypoint array whose shape or values the model or a conversion cannot take."""


class MotionDataError(PoseMambaError):
    """Motion-capture clips (pybullet's DeepMimic files) that are missing, unreadable or of another layout."""


class RunFailedError(PoseMambaError):
    """A run that went through and did not produce what it was asked for (e.g. no frame got a 3D pose).
    Exit code 1: the input was fine, the run failed."""

    exit_code = 1


class RecordingError(RunFailedError):
    """A recording that could not be written or completed; the message says what is saved."""


class DataFileError(PoseMambaError):
    """A Human3.6M data file (or its converted cache) that is missing, unreadable or in another layout."""


class ConfigError(PoseMambaError):
    """A training configuration with an unknown key, a value of the wrong type, or an unsupported setting."""


class TrainingStateError(PoseMambaError):
    """An output folder or checkpoint that a training run cannot start from or resume."""
