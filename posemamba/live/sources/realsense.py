"""An Intel RealSense camera or a recording of one (.bag / .db3): colour + depth aligned to colour.

Depth comes back in metres (the sensor's depth units applied) on the colour image's pixel grid, with
the colour stream's intrinsics, so a keypoint's pixel indexes its depth directly.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from posemamba.errors import PoseMambaError
from posemamba.live.sources import SourceLost
from posemamba.live.types import Frame, Intrinsics

WIDTH, HEIGHT, FPS = 640, 480, 30
# A camera that delivers nothing for this long is gone (unplugged, USB reset).
CAMERA_TIMEOUT_MS = 2000
# A recording is polled this often; it has ended when its playback says so. A playback that still
# says "playing" after RECORDING_STALL_MS without a frame is taken as ended too (a broken file).
RECORDING_TIMEOUT_MS = 1000
RECORDING_STALL_MS = 30_000


def _import_rs():
    try:
        import pyrealsense2 as rs
    except ImportError as error:
        raise PoseMambaError(
            f"pyrealsense2 is not importable ({error})",
            fix="pip install 'envkit[realsense]' (Debian also needs libusb-1.0-0)",
        ) from error
    return rs


class RealSenseSource:
    """Frames from `rs.pipeline`, either a connected camera or `enable_device_from_file`."""

    def __init__(self, name: str, live: bool, config_stream) -> None:
        rs = _import_rs()
        self.name, self.live, self.fps = name, live, float(FPS)
        self._rs = rs
        self._pipeline = rs.pipeline()
        config = rs.config()
        config_stream(rs, config)
        try:
            # Resolved before start, a recording's playback is set to non-real-time before its first
            # frame: set after start, the frames played in between are real-time ones, which the
            # pipeline's one-frame queue drops (10 plays in 30 here lost frame 0).
            device = config.resolve(rs.pipeline_wrapper(self._pipeline)).get_device()
            self._playback = None if live else device.as_playback()
            if self._playback is not None:
                self._playback.set_real_time(False)
            profile = self._pipeline.start(config)
        except RuntimeError as error:
            raise PoseMambaError(
                f"{name}: RealSense pipeline did not start: {error}",
                fix="check the camera with `envkit doctor --only realsense_env realsense_usb`"
                if live
                else "check the recording has colour and depth streams (rs-enumerate-devices -p FILE)",
            ) from error
        device = profile.get_device()
        self._scale = next(
            (s.as_depth_sensor().get_depth_scale() for s in device.query_sensors() if s.is_depth_sensor()),
            0.001,
        )
        self._align = rs.align(rs.stream.color)
        self._timeout = CAMERA_TIMEOUT_MS if live else RECORDING_TIMEOUT_MS

    @classmethod
    def camera(cls) -> RealSenseSource:
        """The first connected camera at 640x480 colour + depth, 30 fps."""
        rs = _import_rs()
        if len(rs.context().query_devices()) == 0:
            raise PoseMambaError(
                "no RealSense camera is connected (pyrealsense2 sees 0 devices)",
                fix="plug the camera into USB 3 (`envkit doctor --only realsense_env realsense_usb`), "
                "or use --source PATH / webcam:N",
            )

        def streams(rs, config) -> None:
            config.enable_stream(rs.stream.depth, WIDTH, HEIGHT, rs.format.z16, FPS)
            config.enable_stream(rs.stream.color, WIDTH, HEIGHT, rs.format.bgr8, FPS)

        return cls("realsense", True, streams)

    @classmethod
    def recording(cls, path: Path) -> RealSenseSource:
        """Every frameset of a .bag or .db3 recording, as fast as it decodes."""

        def streams(rs, config) -> None:
            config.enable_device_from_file(str(path), repeat_playback=False)

        return cls(Path(path).name, False, streams)

    def frames(self) -> Iterator[Frame]:
        rs, index, waited = self._rs, 0, 0
        while True:
            ok, frames = self._pipeline.try_wait_for_frames(self._timeout)
            if not ok:
                if self.live:
                    raise SourceLost(f"{self.name}: no frames for {self._timeout} ms (camera unplugged?)")
                # A busy machine can stall the playback thread past one poll; only the playback's
                # own status says the file is done, else its last frames would be cut off.
                waited += self._timeout
                playing = self._playback.current_status() == rs.playback_status.playing
                if playing and waited < RECORDING_STALL_MS:
                    continue
                return
            waited = 0
            received = time.perf_counter()
            aligned = self._align.process(frames)
            color, depth = aligned.get_color_frame(), aligned.get_depth_frame()
            if not color:
                continue
            image = np.asanyarray(color.get_data()).copy()
            if color.get_profile().format() == rs.format.rgb8:
                image = image[:, :, ::-1].copy()
            depth_m = np.asanyarray(depth.get_data()).astype(np.float32) * self._scale if depth else None
            intr = color.get_profile().as_video_stream_profile().get_intrinsics()
            intrinsics = Intrinsics(intr.width, intr.height, intr.fx, intr.fy, intr.ppx, intr.ppy)
            yield Frame(index, color.get_timestamp() / 1e3, image, depth_m, intrinsics, received)
            index += 1

    def close(self) -> None:
        # RuntimeError: already stopped (the recording ended, or start failed half-way).
        with contextlib.suppress(RuntimeError):
            self._pipeline.stop()
