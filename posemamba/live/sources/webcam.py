"""An OpenCV camera (V4L2 index): the newest frame each time, timestamps from the clock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import cv2

from posemamba.errors import PoseMambaError
from posemamba.live.sources import SourceLost
from posemamba.live.types import Frame

# Consecutive failed reads after which the camera counts as gone (a USB camera unplugged).
MAX_FAILED_READS = 30


class WebcamSource:
    """OpenCV's VideoCapture on a camera index; a buffer of one so frames are never stale."""

    live = True

    def __init__(self, index: int) -> None:
        self.name = f"webcam:{index}"
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            self._capture.release()
            raise PoseMambaError(
                f"camera {index} cannot be opened (no /dev/video{index}, or it is busy)",
                fix="plug the camera in, check `ls /dev/video*`, in a container pass --device /dev/video"
                f"{index}; or use --source PATH for a video file",
            )
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else None

    def frames(self) -> Iterator[Frame]:
        index, failed, start = 0, 0, time.perf_counter()
        while True:
            ok, image = self._capture.read()
            if not ok or image is None:
                failed += 1
                if failed >= MAX_FAILED_READS:
                    raise SourceLost(f"{self.name} stopped delivering frames")
                time.sleep(0.01)
                continue
            failed = 0
            now = time.perf_counter()
            yield Frame(index=index, timestamp=now - start, bgr=image, received=now)
            index += 1

    def close(self) -> None:
        self._capture.release()
