"""A video file read with OpenCV: every frame, in order, timestamps from the container.

Decoding runs one frame ahead in a reader thread (OpenCV releases the GIL while decoding), so the
loop does not wait for the decoder while the estimator works.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2

from posemamba.errors import PoseMambaError
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
            raise PoseMambaError(
                f"cannot read video {self.path}: OpenCV decodes no frame from it",
                fix="give a video OpenCV can read (mp4/avi/mkv), e.g. re-encode with "
                "`ffmpeg -i IN -c:v libx264 OUT.mp4`",
            )
        self._first = first
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else None

    def _read(self, ahead: queue.Queue, stop: threading.Event) -> None:
        image = self._first
        while image is not None and not stop.is_set():
            position = self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1e3
            ahead.put((image, position))
            ok, image = self._capture.read()
            if not ok:
                image = None
        ahead.put((None, 0.0))

    def frames(self) -> Iterator[Frame]:
        ahead: queue.Queue = queue.Queue(maxsize=2)
        self._ahead, self._stop = ahead, threading.Event()
        self._reader = threading.Thread(target=self._read, args=(ahead, self._stop), daemon=True)
        self._reader.start()
        index = 0
        while True:
            image, position = ahead.get()
            if image is None:
                return
            timestamp = index / self.fps if self.fps else position
            yield Frame(index=index, timestamp=timestamp, bgr=image, received=time.perf_counter())
            index += 1

    def close(self) -> None:
        reader = getattr(self, "_reader", None)
        if reader is not None:
            self._stop.set()
            while reader.is_alive():  # unblock its put(); it must not decode after release()
                with contextlib.suppress(queue.Empty):
                    self._ahead.get(timeout=0.05)
        self._capture.release()
