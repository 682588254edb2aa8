"""DeepMimic's humanoid as Human3.6M-17 (the 3D target) and COCO-17 (what a 2D detector marks), in metres.

How each joint is made from the humanoid's links (posemamba.data.humanoid; link frames: x forward,
y up, z right; every offset below is in metres in the named link's frame):

| H36M joint      | from the humanoid                                                             |
|-----------------|-------------------------------------------------------------------------------|
| pelvis          | the root link's origin: the midpoint of the two hip joints (URDF: +-8.5 cm)    |
| r/l hip, knee, ankle | those joints (the links' origins)                                        |
| spine           | the chest joint (23.6 cm above the pelvis; H36M's spine is 23.3 cm above)     |
| thorax          | the neck joint (the base of the neck, 2 cm below the shoulder joints)         |
| neck_nose       | a point in the neck link, forward and below the head sphere's centre (HEAD)    |
| head_top        | a point in the neck link above the head sphere's centre (HEAD)                 |
| shoulders, elbows | those joints                                                                |
| wrists          | the fixed wrist links' origins (the forearm's end)                            |

The humanoid's head is one collision sphere (centre 17.5 cm above the neck joint, radius 10.25 cm)
and it has no face: H36M's neck_nose and head_top are placed in the head's frame so that the two head
bones get H36M's lengths (121 and 115 mm, H36M_BONES_MM), and COCO's nose, eyes and ears where they
sit on an adult head (HEAD; eyes 64 mm apart, ears 150 mm apart: the mean interpupillary distance of
adults, Dodgson 2004, and head breadth, about 15 cm). COCO's shoulders, elbows, wrists, hips, knees
and ankles are the humanoid's joints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posemamba.data import deepmimic
from posemamba.data.humanoid import Skeleton, forward_kinematics, humanoid, points
from posemamba.keypoints import COCO_JOINTS, H36M_JOINTS

# Offsets from the head sphere's centre, neck link frame (x forward, y up, z right), metres.
HEAD = {
    "neck_nose": (0.05, -0.065, 0.0),
    "head_top": (0.02, 0.045, 0.0),
    "nose": (0.10, -0.015, 0.0),
    "left_eye": (0.085, 0.02, -0.032),
    "right_eye": (0.085, 0.02, 0.032),
    "left_ear": (0.0, 0.005, -0.075),
    "right_ear": (0.0, 0.005, 0.075),
}
# Joints that are a link's origin: joint name -> link.
LINK_JOINTS = {
    "pelvis": "root", "spine": "chest", "thorax": "neck",
    **{f"{side}_{part}": f"{side}_{link}" for side in ("left", "right")
       for part, link in (("hip", "hip"), ("knee", "knee"), ("ankle", "ankle"), ("shoulder", "shoulder"),
                          ("elbow", "elbow"), ("wrist", "wrist"))},
}  # fmt: skip

# Human3.6M's skeleton (millimetres): the bone lengths of the 32-joint H36M kinematic tree that
# Martinez et al. ship for H36M's expmap data (una-dinosauria/human-motion-prediction,
# src/forward_kinematics.py `_some_variables`, from Jain et al.'s exp2xyz.m), on the 17 joints used here.
H36M_BONES_MM = {
    ("pelvis", "right_hip"): 132.95, ("right_hip", "right_knee"): 442.89,
    ("right_knee", "right_ankle"): 454.21, ("pelvis", "left_hip"): 132.95,
    ("left_hip", "left_knee"): 442.89, ("left_knee", "left_ankle"): 454.21,
    ("pelvis", "spine"): 233.38, ("spine", "thorax"): 257.08, ("thorax", "neck_nose"): 121.13,
    ("neck_nose", "head_top"): 115.00, ("thorax", "left_shoulder"): 151.03,
    ("left_shoulder", "left_elbow"): 278.88, ("left_elbow", "left_wrist"): 251.73,
    ("thorax", "right_shoulder"): 151.03, ("right_shoulder", "right_elbow"): 278.88,
    ("right_elbow", "right_wrist"): 251.73,
}  # fmt: skip


def _point(poses: dict, skeleton: Skeleton, joint: str) -> np.ndarray:
    if joint in LINK_JOINTS:
        return poses[LINK_JOINTS[joint]][0]
    return points(poses, "neck", np.add(skeleton.head_centre, HEAD[joint]))


def joints(frames: np.ndarray, names: tuple[str, ...], skeleton: Skeleton | None = None) -> np.ndarray:
    """(N, len(names), 3) world positions in metres (y up) of the named joints for frames (N, 44)."""
    skeleton = skeleton or humanoid()
    poses = forward_kinematics(frames, skeleton)
    return np.stack([_point(poses, skeleton, name) for name in names], axis=1)


@dataclass(frozen=True)
class MocapSequence:
    """One clip at a camera's frame rate: H36M-17 and COCO-17 world positions in metres (y up)."""

    name: str
    fps: float
    h36m: np.ndarray  # (T, 17, 3)
    coco: np.ndarray  # (T, 17, 3)


def sequence(motion: deepmimic.Motion, fps: float, skeleton: Skeleton | None = None) -> MocapSequence:
    """`motion` resampled to `fps` and turned into both joint sets."""
    frames = deepmimic.resample(motion, fps)
    both = joints(frames, H36M_JOINTS + COCO_JOINTS, skeleton)
    return MocapSequence(motion.name, float(fps), both[:, :17], both[:, 17:])


def bone_lengths_mm(h36m: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """Per-frame length (mm) of each bone of H36M_BONES_MM in H36M-17 positions (..., 17, 3) in metres."""
    index = {name: i for i, name in enumerate(H36M_JOINTS)}
    return {
        (a, b): 1000 * np.linalg.norm(h36m[..., index[b], :] - h36m[..., index[a], :], axis=-1)
        for a, b in H36M_BONES_MM
    }
