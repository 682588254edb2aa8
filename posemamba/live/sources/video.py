"""A video file read with OpenCV: every frame, in order, timestamps from the container."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import cv2

from envkit.errors import UsageError
from posemamba.live.types import Frame


class VideoFileSource:
    """Every frame of a video file (nothing is dropped: files are processed, not watched)."""

    live = False

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self._capture = cv2.VideoCapture(str(self.path))
        ok, first = self._capture.read() if self._capture.isOpened() else (False, None)
        if not ok or first is None:
            self._capture.release()
            raise UsageError(
                f"cannot read video {self.path}: OpenCV decodes no frame from it",
                fix="give a video OpenCV can read (mp4/avi/mkv), e.g. re-encode with "
                "`ffmpeg -i IN -c:v libx264 OUT.mp4`",
            )
        self._first = first
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else None

    def frames(self) -> Iterator[Frame]:
        index, image = 0, self._first
        while image is not None:
            timestamp = index / self.fps if self.fps else self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1e3
            yield Frame(index=index, timestamp=timestamp, bgr=image, received=time.perf_counter())
            index += 1
            ok, image = self._capture.read()
            if not ok:
                image = None

    def close(self) -> None:
        self._capture.release()
