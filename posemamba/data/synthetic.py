"""Write a file in the exact layout of h36m_sh_conf_cam_source_final.pkl, filled with made-up motion.

A FORMAT FIXTURE, not data: the keys, dtypes, shapes, camera names, `source` strings, action names and
the 2.5D relation (joints_2.5d_image = joint3d_image * 2.5d_factor per frame) are those of the real
file (posemamba.data.h36m); the motion is a procedural puppet (a fixed skeleton whose limbs swing
sinusoidally, turning and drifting, seen by a pinhole camera), so a model can learn 2D -> 3D on it, but
no number measured on it says anything about Human3.6M. Decided where the real file is UNKNOWN: every
numeric array is float32; `camera_name`, `source` and `action` are Python lists of str.

    python -m posemamba.data synthetic OUT.pkl [--frames-per-video 300] [--real-size]
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posemamba.data.h36m import CAMERA_RESOLUTION
from posemamba.files import atomic_write

TRAIN_SUBJECTS = (1, 5, 6, 7, 8)
TEST_SUBJECTS = (9, 11)
# Human3.6M action ids -> the names the file's `action` column holds (PoseMamba train.py:117 comment).
ACTIONS = {
    2: "Direction", 3: "Discuss", 4: "Eating", 5: "Greet", 6: "Phone", 7: "Pose", 8: "Purchase",
    9: "Sitting", 10: "SittingDown", 11: "Smoke", 12: "Photo", 13: "Wait", 14: "Walk", 15: "WalkDog",
    16: "WalkTwo",
}  # fmt: skip
CAMERAS = tuple(CAMERA_RESOLUTION)  # ca_01 .. ca_04
# Frame counts of the real file (datareader_h36m.py:103-104, train.py:97).
REAL_TRAIN_FRAMES = 1_559_752
REAL_TEST_FRAMES = 566_920
FOCAL = 1145.0  # pixels, about Human3.6M's cameras

# A standing skeleton in Human3.6M joint order, millimetres, y down (as image coordinates).
_SKELETON = np.array(
    [
        [0, 0, 0], [-130, 0, 0], [-130, 450, 0], [-130, 880, 0], [130, 0, 0], [130, 450, 0],
        [130, 880, 0], [0, -230, 0], [0, -480, 0], [0, -580, -30], [0, -690, 0], [170, -450, 0],
        [190, -180, 0], [200, 60, 0], [-170, -450, 0], [-190, -180, 0], [-200, 60, 0],
    ],
    dtype=np.float64,
)  # fmt: skip
_SWINGING = {2: 1.0, 3: 1.0, 5: -1.0, 6: -1.0, 12: -1.0, 13: -1.0, 15: 1.0, 16: 1.0}


@dataclass(frozen=True)
class Video:
    """One clip of the file: who, what, which camera, how many frames."""

    subject: int
    action: int
    subaction: int
    camera: int  # 0..3
    frames: int

    @property
    def source(self) -> str:
        return (
            f"s_{self.subject:02d}_act_{self.action:02d}_subact_{self.subaction:02d}_ca_{self.camera + 1:02d}"
        )


def videos_for(
    subjects: tuple[int, ...], actions: tuple[int, ...], frames: list[int], cameras: int = 4
) -> list[Video]:
    """Every (subject, action, subaction 1-2, camera) in file order; lengths cycle through `frames`."""
    combos = [(s, a, sub, cam) for s in subjects for a in actions for sub in (1, 2) for cam in range(cameras)]
    return [Video(*combo, frames[i % len(frames)]) for i, combo in enumerate(combos)]


def _motion(video: Video, rng: np.random.Generator) -> np.ndarray:
    """(T, 17, 3) joint positions in millimetres, camera coordinates (z away from the camera)."""
    t = np.arange(video.frames)[:, None]
    speed = 0.05 + 0.02 * (video.action % 5)
    phase = rng.uniform(0, 2 * np.pi)
    swing = 0.5 * np.sin(speed * t + phase)  # (T, 1) radians
    pose = np.repeat(_SKELETON[None], video.frames, axis=0)
    for joint, sign in _SWINGING.items():
        anchor = 0 if joint in (2, 3, 5, 6) else 8
        offset = _SKELETON[joint] - _SKELETON[anchor]
        angle = sign * swing[:, 0]
        pose[:, joint, 1] = _SKELETON[anchor, 1] + offset[1] * np.cos(angle)
        pose[:, joint, 2] = offset[1] * np.sin(angle)
    heading = rng.uniform(0, 2 * np.pi) + 0.003 * t[:, 0] * (video.subaction * 2 - 3)
    cos, sin = np.cos(heading)[:, None], np.sin(heading)[:, None]
    x, z = pose[..., 0] * cos + pose[..., 2] * sin, -pose[..., 0] * sin + pose[..., 2] * cos
    drift = 300 * np.sin(0.01 * t + phase)
    return np.stack([x + drift, pose[..., 1] + 100, z + 4500 + 500 * (video.camera % 2)], axis=-1)


def _video_arrays(video: Video, rng: np.random.Generator) -> dict[str, np.ndarray]:
    world = _motion(video, rng)
    width, height = CAMERA_RESOLUTION[CAMERAS[video.camera]]
    depth = world[..., 2]
    u = FOCAL * world[..., 0] / depth + width / 2
    v = FOCAL * world[..., 1] / depth + height / 2
    root_depth = depth[:, :1]
    factor = root_depth[:, 0] / FOCAL  # millimetres per pixel at the root's depth
    image = np.stack([u, v, (depth - root_depth) / factor[:, None]], axis=-1)
    detected = image[..., :2] + rng.normal(0, 2.0, size=image[..., :2].shape)
    return {
        "joint_2d": detected.astype(np.float32),
        "confidence": rng.uniform(0.5, 1.0, size=depth.shape).astype(np.float32),
        "joint3d_image": image.astype(np.float32),
        "joints_2.5d_image": (image * factor[:, None, None]).astype(np.float32),
        "2.5d_factor": factor.astype(np.float32),
    }


def make_split(videos: list[Video], test: bool, seed: int) -> dict[str, object]:
    """One split dict with the keys of the real file's split (test adds the 2.5D keys and `action`)."""
    rng = np.random.default_rng(seed)
    parts = [_video_arrays(video, rng) for video in videos]
    keys = ["joint_2d", "confidence", "joint3d_image"] + (
        ["joints_2.5d_image", "2.5d_factor"] if test else []
    )
    split: dict[str, object] = {key: np.concatenate([p[key] for p in parts]) for key in keys}
    split["camera_name"] = [CAMERAS[v.camera] for v in videos for _ in range(v.frames)]
    split["source"] = [v.source for v in videos for _ in range(v.frames)]
    if test:
        split["action"] = [ACTIONS[v.action] for v in videos for _ in range(v.frames)]
    # Key order of the real file (vicon-read c3d_to_MB.py:215-220).
    order = ["joint_2d", "confidence", "joint3d_image", "joints_2.5d_image", "2.5d_factor", "camera_name"]
    order += ["action", "source"]
    return {key: split[key] for key in order if key in split}


def small_layout(
    train_lengths: tuple[int, ...] = (60, 77, 20),
    test_lengths: tuple[int, ...] = (60, 77, 20),
    actions: tuple[int, ...] = (2, 5, 10, 13),
    cameras: int = 4,
    train_subjects: int = 2,
) -> tuple[list[Video], list[Video]]:
    """Train and test videos of a small file: the first train subjects, both test subjects, a few actions.

    Video lengths cycle through the given ones (a length shorter than the clips gives a stretched clip).
    The default actions include the three S9 sequences the evaluation skips (act 05/10/13); train takes
    the first two actions.
    """
    return (
        videos_for(TRAIN_SUBJECTS[:train_subjects], actions[:2], list(train_lengths), cameras),
        videos_for(TEST_SUBJECTS, actions, list(test_lengths), cameras),
    )


def real_size_layout() -> tuple[list[Video], list[Video]]:
    """Every subject, action, subaction and camera, with lengths that add up to the real frame counts."""
    layouts = []
    for subjects, total in ((TRAIN_SUBJECTS, REAL_TRAIN_FRAMES), (TEST_SUBJECTS, REAL_TEST_FRAMES)):
        count = len(subjects) * len(ACTIONS) * 2 * 4
        base, extra = divmod(total, count)
        videos = videos_for(subjects, tuple(ACTIONS), [base])
        layouts.append(
            [
                Video(v.subject, v.action, v.subaction, v.camera, base + (i < extra))
                for i, v in enumerate(videos)
            ]
        )
    return layouts[0], layouts[1]


def write(path: str | Path, train: list[Video], test: list[Video], seed: int = 0) -> Path:
    """Pickle {'train': ..., 'test': ...} for these videos to `path` (atomically)."""
    data = {
        "train": make_split(train, test=False, seed=seed),
        "test": make_split(test, test=True, seed=seed + 1),
    }
    path = Path(path)
    atomic_write(path, lambda handle: pickle.dump(data, handle, protocol=4))
    return path
