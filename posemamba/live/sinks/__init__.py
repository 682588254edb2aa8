"""Where results go: a window, a recording, Rerun. Each takes the composed picture and the people."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from posemamba.live.types import Frame, TrackedPerson


class Sink(Protocol):
    def write(self, frame: Frame, people: list[TrackedPerson], canvas: np.ndarray | None) -> bool:
        """Take one frame's results; False asks the loop to stop (the user quit)."""
        ...

    def close(self) -> None: ...
