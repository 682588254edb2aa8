"""The OpenCV window: overlay | 3D view with FPS and latencies; keys rotate the view, q quits."""

from __future__ import annotations

import cv2
import numpy as np

from posemamba.live.draw import ViewAngles
from posemamba.live.types import Frame, TrackedPerson

TITLE = "live-pose"
QUIT_KEYS = (ord("q"), ord("Q"), 27)
ROTATE_KEYS = {ord("a"): (-10, 0), ord("d"): (10, 0), ord("w"): (0, 10), ord("s"): (0, -10)}


class WindowSink:
    """Shows each composed picture; dragging with the left button (or a/d/w/s) rotates the 3D view."""

    def __init__(self, angles: ViewAngles, title: str = TITLE) -> None:
        self.angles, self.title = angles, title
        self._drag: tuple[int, int] | None = None
        self._view_left = 0  # x where the 3D panel starts in the picture
        cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE)
        cv2.setMouseCallback(title, self._on_mouse)

    def _on_mouse(self, event: int, x: int, y: int, flags: int, _param) -> None:
        if event == cv2.EVENT_LBUTTONDOWN and x >= self._view_left:
            self._drag = (x, y)
        elif event == cv2.EVENT_MOUSEMOVE and self._drag is not None:
            self.angles.rotate((x - self._drag[0]) * 0.5, (y - self._drag[1]) * 0.5)
            self._drag = (x, y)
        elif event == cv2.EVENT_LBUTTONUP:
            self._drag = None

    def write(self, frame: Frame, people: list[TrackedPerson], canvas: np.ndarray | None) -> bool:
        if canvas is None:
            return True
        self._view_left = canvas.shape[1] - canvas.shape[0]
        cv2.imshow(self.title, canvas)
        key = cv2.waitKey(1) & 0xFF
        if key in QUIT_KEYS:
            return False
        if key == ord("r"):
            self.angles.azimuth, self.angles.elevation = ViewAngles().azimuth, ViewAngles().elevation
        elif key in ROTATE_KEYS:
            self.angles.rotate(*ROTATE_KEYS[key])
        # The window's close button: Qt hides it, and the loop should end as with q.
        return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)
