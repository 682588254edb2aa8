"""Errors the posemamba package raises for bad input: each says what is wrong and how to fix it."""

from __future__ import annotations


class PoseMambaError(ValueError):
    """Base class: bad input to posemamba (a file, an array, a setting). `fix` says what to do."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(f"{message} — fix: {fix}" if fix else message)
        self.message = message
        self.fix = fix


class CheckpointError(PoseMambaError):
    """A file that cannot be loaded as PoseMamba weights (wrong format, keys, shapes or pickled globals)."""


class InputShapeError(PoseMambaError):
    """A keypoint array whose shape or values the model or a conversion cannot take."""


class DataFileError(PoseMambaError):
    """A Human3.6M data file (or its converted cache) that is missing, unreadable or in another layout."""


class ConfigError(PoseMambaError):
    """A training configuration with an unknown key, a value of the wrong type, or an unsupported setting."""


class TrainingStateError(PoseMambaError):
    """An output folder or checkpoint that a training run cannot start from or resume."""
