"""Frame sources: a camera, a video file or a RealSense recording, each yielding `Frame`s.

`open_source(spec)` turns the command line's `--source` into a source:
`realsense` (first RealSense camera), `webcam:N` (OpenCV camera N), a `.bag`/`.db3` RealSense
recording, or any video file OpenCV reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from posemamba.errors import PoseMambaError
from posemamba.live.types import Frame

RECORDING_SUFFIXES = (".bag", ".db3")


class SourceLost(RuntimeError):
    """The source stopped delivering frames mid-stream (a camera unplugged, a file cut short)."""


class Source(Protocol):
    """A stream of frames. `live` sources drop frames when the consumer is slow; files do not."""

    name: str
    live: bool
    fps: float | None

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the source ends; raise SourceLost if it disappears."""
        ...

    def close(self) -> None: ...


def open_source(spec: str) -> Source:
    """The source named by `spec`; PoseMambaError (exit 2) with the fix when it cannot be opened."""
    spec = spec.strip()
    if spec == "realsense":
        from posemamba.live.sources.realsense import RealSenseSource

        return RealSenseSource.camera()
    if spec.startswith("webcam"):
        from posemamba.live.sources.webcam import WebcamSource

        _, _, number = spec.partition(":")
        if not (number.isascii() and number.isdigit() and len(number) <= 3):  # '²'.isdigit() is True
            raise PoseMambaError(
                f"--source {spec[:40]!r}: a webcam is webcam:N with N the camera index (0..999)",
                fix="use --source webcam:0",
            )
        return WebcamSource(int(number))
    path = Path(spec).expanduser()
    if not path.exists():
        raise PoseMambaError(
            f"--source {spec!r} is not a file, 'realsense' or 'webcam:N'",
            fix="give an existing video or .bag/.db3 recording, --source realsense, or --source webcam:0",
        )
    if path.suffix.lower() in RECORDING_SUFFIXES:
        from posemamba.live.sources.realsense import RealSenseSource

        return RealSenseSource.recording(path)
    from posemamba.live.sources.video import VideoFileSource

    return VideoFileSource(path)
