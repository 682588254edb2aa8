"""Forward kinematics of DeepMimic's humanoid (pybullet_data/humanoid/humanoid.urdf) in numpy.

The URDF is read with the standard library; its lengths are in DeepMimic's units, which pybullet's
DeepMimic environment scales by 0.25 to metres (`loadURDF("humanoid/humanoid.urdf", ...,
globalScaling=0.25)`, pybullet_envs/deep_mimic/env/humanoid_stable_pd.py:30-33). The clips' root
positions are already in metres (the root stands 0.85 m high in `walk`).

A link's frame sits at its joint: world pose of a child = parent pose * translation(joint origin) *
rotation(joint), with a spherical joint's rotation its quaternion and a revolute joint's an angle about
its axis. The root link's frame is the base's (a fixed joint with a zero origin), placed at the clip's
root position and quaternion. Link axes when the quaternions are identity: x forward (the feet point
that way), y up, z to the humanoid's right. tests/data check this against pybullet's own
`getLinkState` in DIRECT mode.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from posemamba.data.deepmimic import JOINT_SLICES, pybullet_data_dir
from posemamba.errors import MotionDataError

URDF = Path("humanoid") / "humanoid.urdf"
SCALE = 0.25  # DeepMimic units -> metres (humanoid_stable_pd.py:32)


@dataclass(frozen=True)
class Joint:
    """A URDF joint: its child link, parent link, origin (metres, in the parent frame), type, axis."""

    link: str
    parent: str
    origin: tuple[float, float, float]
    kind: str
    axis: tuple[float, float, float]


@dataclass(frozen=True)
class Skeleton:
    """Joints in an order where each parent comes before its children; head sphere of the neck link."""

    joints: tuple[Joint, ...]
    head_centre: tuple[float, float, float]  # in the neck link's frame, metres
    head_radius: float

    @property
    def links(self) -> tuple[str, ...]:
        return ("root", *(joint.link for joint in self.joints))


def _floats(text: str | None, count: int = 3) -> tuple[float, ...]:
    values = tuple(float(v) for v in (text or "0 0 0").split())
    if len(values) != count:
        raise ValueError(f"expected {count} numbers, got {text!r}")
    return values


def read_urdf(path: Path) -> Skeleton:
    """The humanoid's joints (scaled to metres) from its URDF; MotionDataError if it is not that URDF."""
    try:
        # The wheel's file ends in a NUL byte after </robot>, which XML parsers reject.
        robot = ET.fromstring(Path(path).read_bytes().rstrip(b"\0\r\n\t "))
        joints = {}
        for element in robot.iter("joint"):
            child = element.find("child").get("link")
            origin = element.find("origin")
            axis = element.find("axis")
            joints[child] = Joint(
                link=child,
                parent=element.find("parent").get("link"),
                origin=tuple(SCALE * v for v in _floats(origin.get("xyz") if origin is not None else None)),
                kind=element.get("type"),
                axis=_floats(axis.get("xyz")) if axis is not None else (0.0, 0.0, 1.0),
            )
        neck = next(link for link in robot.iter("link") if link.get("name") == "neck")
        collision = neck.find("collision")
        centre = tuple(SCALE * v for v in _floats(collision.find("origin").get("xyz")))
        radius = SCALE * float(collision.find("geometry").find("sphere").get("radius"))
    except (OSError, ET.ParseError, AttributeError, StopIteration, ValueError, TypeError) as error:
        raise MotionDataError(
            f"{path} is not DeepMimic's humanoid URDF ({type(error).__name__}: {error})",
            fix="reinstall the pybullet wheel (pybullet_data/humanoid/humanoid.urdf)",
        ) from None
    missing = sorted(set(JOINT_SLICES) - set(joints))
    if missing:
        raise MotionDataError(f"{path} lacks joints {', '.join(missing)}", fix="use humanoid/humanoid.urdf")
    ordered, placed = [], {"root"}
    while len(ordered) < len(joints) - 1:  # every joint except base -> root
        progress = False
        for joint in joints.values():
            if joint.link not in placed and joint.parent in placed:
                ordered.append(joint)
                placed.add(joint.link)
                progress = True
        if not progress:
            raise MotionDataError(f"{path} has joints not connected to the root", fix="use humanoid.urdf")
    return Skeleton(tuple(ordered), centre, radius)


@cache
def humanoid(data_dir: Path | None = None) -> Skeleton:
    """The installed wheel's humanoid (read once)."""
    return read_urdf((data_dir or pybullet_data_dir()) / URDF)


def quaternion_matrices(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of unit quaternions (..., 4) given as w, x, y, z."""
    w, x, y, z = np.moveaxis(q / np.linalg.norm(q, axis=-1, keepdims=True), -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def axis_angle_matrices(axis: tuple[float, float, float], angle: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) about a fixed unit `axis` by `angle` (...) radians."""
    half = np.asarray(angle)[..., None] / 2
    q = np.concatenate([np.cos(half), np.sin(half) * np.asarray(axis, dtype=np.float64)], axis=-1)
    return quaternion_matrices(q)


def forward_kinematics(frames: np.ndarray, skeleton: Skeleton | None = None) -> dict[str, tuple]:
    """link -> (world positions (N, 3), world rotations (N, 3, 3)) for frames (N, 44), metres, y up."""
    skeleton = skeleton or humanoid()
    frames = np.asarray(frames, dtype=np.float64)
    poses = {"root": (frames[:, 1:4], quaternion_matrices(frames[:, 4:8]))}
    for joint in skeleton.joints:
        position, rotation = poses[joint.parent]
        position = position + rotation @ np.asarray(joint.origin)
        if joint.kind == "spherical":
            rotation = rotation @ quaternion_matrices(frames[:, JOINT_SLICES[joint.link]])
        elif joint.kind == "revolute":
            angle = frames[:, JOINT_SLICES[joint.link]][:, 0]
            rotation = rotation @ axis_angle_matrices(joint.axis, angle)
        poses[joint.link] = (position, rotation)
    return poses


def points(poses: dict[str, tuple], link: str, offset: np.ndarray) -> np.ndarray:
    """World positions (N, 3) of a point fixed at `offset` (3,) metres in `link`'s frame."""
    position, rotation = poses[link]
    return position + rotation @ np.asarray(offset, dtype=np.float64)
