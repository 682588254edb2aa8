"""A recording played through RealSenseSource gives every frameset, in order, each time.

librealsense's pipeline keeps one frameset in its queue; frames played in real time before playback
is switched to non-real-time are dropped there. Resolving the playback device before `start` (the
source's way) plays every frame non-real-time; switching after `start` lost frame 0 in 10 of 30 plays
here.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from posemamba.live.sources.realsense import RealSenseSource
from tests.live.synthetic_realsense import Geometry, record

pytestmark = pytest.mark.slow
FRAMES, PLAYS = 12, 8


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    pytest.importorskip("pyrealsense2", reason="pip install 'envkit[realsense]' (and libusb-1.0-0)")
    path = tmp_path_factory.mktemp("playback") / "shades.db3"
    record(path, [np.full((480, 640, 3), 20 * n, np.uint8) for n in range(FRAMES)], Geometry())
    return path


def test_every_frameset_is_played_in_order_every_time(recording) -> None:
    for play in range(PLAYS):
        source = RealSenseSource.recording(recording)
        try:
            numbers = []
            for frame in source.frames():
                numbers.append(round(frame.timestamp * 30))
                assert int(frame.bgr[0, 0, 0]) == 20 * numbers[-1], "the colour belongs to its frame"
                time.sleep(0.005)  # a consumer slower than decoding, as the live loop is
        finally:
            source.close()
        assert numbers == list(range(FRAMES)), f"play {play} gave frames {numbers}"
