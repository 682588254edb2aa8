"""Record a RealSense .db3 with pyrealsense2's software device: real colour, depth of known geometry.

The colour stream is a real frame (a person from the demo video); the depth stream is a tilted
plane z(u, v) = z0 + tilt * (u - ppx) metres with holes (zeros, as a D4xx leaves where the
projector's pattern is not seen), so the metric root of whoever stands in the image is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, FPS = 640, 480, 30
DEPTH_UNITS = 0.001  # metres per z16 step (the D4xx default)


@dataclass(frozen=True)
class Geometry:
    z0: float = 2.0  # metres at the principal point's column
    tilt: float = 0.002  # metres per pixel along u
    holes: float = 0.3  # fraction of depth pixels set to 0 (no data)
    fx: float = 610.0
    fy: float = 605.0
    ppx: float = 331.5
    ppy: float = 236.25

    def depth_at(self, u: np.ndarray) -> np.ndarray:
        return self.z0 + self.tilt * (np.asarray(u, dtype=float) - self.ppx)

    def depth_image(self, seed: int) -> np.ndarray:
        u = np.arange(WIDTH)[None, :].repeat(HEIGHT, axis=0)
        depth = np.round(self.depth_at(u) / DEPTH_UNITS).astype(np.uint16)
        rng = np.random.default_rng(seed)
        depth[rng.random(depth.shape) < self.holes] = 0
        return depth


def rs_intrinsics(geometry: Geometry):
    """The pinhole intrinsics of `geometry` as pyrealsense2's rs.intrinsics (no distortion)."""
    import pyrealsense2 as rs

    intrinsics = rs.intrinsics()
    intrinsics.width, intrinsics.height = WIDTH, HEIGHT
    intrinsics.fx, intrinsics.fy, intrinsics.ppx, intrinsics.ppy = (
        geometry.fx,
        geometry.fy,
        geometry.ppx,
        geometry.ppy,
    )
    intrinsics.model, intrinsics.coeffs = rs.distortion.none, [0.0] * 5
    return intrinsics


def record(path: Path, colour_frames: list[np.ndarray], geometry: Geometry) -> None:
    """Write `colour_frames` (BGR, 640x480) with depth from `geometry` to a .db3 recording."""
    import pyrealsense2 as rs

    device = rs.software_device()
    device.register_info(rs.camera_info.name, "envkit synthetic D435")
    device.register_info(rs.camera_info.serial_number, "000000000001")
    depth_sensor, colour_sensor = device.add_sensor("Stereo Module"), device.add_sensor("RGB Camera")

    intrinsics = rs_intrinsics(geometry)

    def stream(kind, fmt, bpp: int, uid: int):
        video = rs.video_stream()
        video.type, video.index, video.uid = kind, 0, uid
        video.width, video.height, video.fps, video.bpp, video.fmt = WIDTH, HEIGHT, FPS, bpp, fmt
        video.intrinsics = intrinsics
        return video

    depth_profile = depth_sensor.add_video_stream(stream(rs.stream.depth, rs.format.z16, 2, 0))
    colour_profile = colour_sensor.add_video_stream(stream(rs.stream.color, rs.format.bgr8, 3, 1))
    depth_sensor.add_read_only_option(rs.option.depth_units, DEPTH_UNITS)
    identity = rs.extrinsics()
    identity.rotation, identity.translation = [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0]
    depth_profile.register_extrinsics_to(colour_profile, identity)

    recorder = rs.recorder(str(path), device)
    depth_sensor.open(depth_profile)
    colour_sensor.open(colour_profile)
    syncer = rs.syncer()
    depth_sensor.start(syncer)
    colour_sensor.start(syncer)
    keep = []  # librealsense reads the pixels after on_video_frame returns
    for number, colour in enumerate(colour_frames):
        for sensor, profile, pixels, bpp in (
            (depth_sensor, depth_profile, geometry.depth_image(number), 2),
            (colour_sensor, colour_profile, np.ascontiguousarray(colour), 3),
        ):
            frame = rs.software_video_frame()
            frame.pixels, frame.stride, frame.bpp = pixels, WIDTH * bpp, bpp
            frame.timestamp, frame.frame_number = number * 1000.0 / FPS, number
            frame.domain = rs.timestamp_domain.hardware_clock
            frame.profile = profile.as_video_stream_profile()
            keep.append(pixels)
            sensor.on_video_frame(frame)
        syncer.wait_for_frames(2000)
    for sensor in (depth_sensor, colour_sensor):
        sensor.stop()
        sensor.close()
    del recorder  # the file is complete when the recorder is destroyed
