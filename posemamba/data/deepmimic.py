"""DeepMimic's motion-capture clips as pybullet ships them, read and resampled to a camera's frame rate.

Source: the PyPI wheel `pybullet==3.2.7` (zlib licence) ships DeepMimic's retargeted mocap clips as
`pybullet_data/data/motions/humanoid3d_*.txt` (15 clips) and `.../motions/walker/*.txt` (5 walking and
turning clips), with the humanoid they were retargeted to (`pybullet_data/humanoid/humanoid.urdf`).
DeepMimic's repository is MIT; where the original capture came from is not stated by either project
(shared/research/posemamba-training.md section 8).

A file is JSON `{"Loop": "wrap" | "none", "Frames": [[44 floats], ...]}`; a frame is (DeepMimic README,
"Mocap Data"; pybullet_envs/deep_mimic/env/humanoid_pose_interpolator.py, `Slerp`):

    [0] duration of the frame in s   [1:4] root position, m (world, y up)   [4:8] root quaternion w,x,y,z
    then per joint of JOINT_LAYOUT: a quaternion (w,x,y,z) for a spherical joint, an angle (rad) for
    a revolute one (knees, elbows).

Resampling interpolates between key frames the way pybullet's DeepMimic player does: positions and
angles linearly, quaternions by slerp (humanoid_pose_interpolator.py `Slerp`). Clips are never looped:
the "wrap" clips' last frames do not meet their first ones (joint quaternions differ by up to 0.8), so
a loop would add a pose jump that no camera ever saw.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posemamba.errors import MotionDataError

PYBULLET = "pybullet==3.2.7"
# (joint, degrees of freedom) in the order the frame stores them, after the root.
JOINT_LAYOUT = (
    ("chest", 4), ("neck", 4), ("right_hip", 4), ("right_knee", 1), ("right_ankle", 4),
    ("right_shoulder", 4), ("right_elbow", 1), ("left_hip", 4), ("left_knee", 1), ("left_ankle", 4),
    ("left_shoulder", 4), ("left_elbow", 1),
)  # fmt: skip
FRAME_VALUES = 1 + 3 + 4 + sum(dof for _, dof in JOINT_LAYOUT)  # 44


def _joint_slices() -> dict[str, slice]:
    slices, start = {}, 8
    for name, dof in JOINT_LAYOUT:
        slices[name] = slice(start, start + dof)
        start += dof
    return slices


JOINT_SLICES = _joint_slices()


@dataclass(frozen=True)
class Motion:
    """One clip: `name` (file stem, walker clips prefixed `walker/`), key frames and their times."""

    name: str
    loop: str
    frames: np.ndarray  # (N, 44) as in the file, quaternions normalised and sign-continuous
    times: np.ndarray  # (N,) seconds of each key frame from the first

    @property
    def duration(self) -> float:
        return float(self.times[-1])


def pybullet_data_dir() -> Path:
    """The installed `pybullet_data` folder (found without importing pybullet itself)."""
    spec = importlib.util.find_spec("pybullet_data")
    if spec is None or not spec.submodule_search_locations:
        raise MotionDataError(
            "the DeepMimic motion clips need the pybullet wheel, which is not installed",
            fix=f"pip install {PYBULLET} (or `pip install 'envkit[demo]'`)",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def motion_files(data_dir: Path | None = None) -> dict[str, Path]:
    """name -> file of every humanoid clip: `walk`, ..., `walker/turn_left0`, sorted by name."""
    motions = (data_dir or pybullet_data_dir()) / "data" / "motions"
    files = {p.stem.removeprefix("humanoid3d_"): p for p in motions.glob("humanoid3d_*.txt")}
    files.update({f"walker/{p.stem}": p for p in (motions / "walker").glob("*.txt")})
    if not files:
        raise MotionDataError(
            f"no humanoid motion clips under {motions}", fix=f"reinstall the wheel: pip install {PYBULLET}"
        )
    return dict(sorted(files.items()))


def read_motion(path: Path, name: str | None = None) -> Motion:
    """Parse one clip file; a file that is not a DeepMimic humanoid clip raises MotionDataError."""
    try:
        data = json.loads(Path(path).read_text())
        frames = np.asarray(data["Frames"], dtype=np.float64)
        loop = str(data.get("Loop", "none"))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MotionDataError(
            f"{path} is not a DeepMimic motion file ({type(error).__name__}: {error})",
            fix=f"pass a humanoid clip from pybullet_data/data/motions ({PYBULLET})",
        ) from None
    if frames.ndim != 2 or frames.shape[1] != FRAME_VALUES or len(frames) < 2:
        raise MotionDataError(
            f"{path} holds frames of shape {frames.shape}, a humanoid clip has (N >= 2, {FRAME_VALUES})",
            fix="pass a humanoid3d_*.txt or walker/*.txt clip, not another robot's",
        )
    frames = _continuous_quaternions(frames)
    # A frame's duration is the time to the next key frame; the last one's is not used.
    times = np.concatenate([[0.0], np.cumsum(frames[:-1, 0])])
    return Motion(name or Path(path).stem, loop, frames, times)


def load_motions(names: list[str] | None = None, data_dir: Path | None = None) -> dict[str, Motion]:
    """The named clips (all of them by default), read from the installed pybullet wheel."""
    files = motion_files(data_dir)
    unknown = sorted(set(names or ()) - set(files))
    if unknown:
        raise MotionDataError(
            f"unknown motion clip(s) {', '.join(unknown)}", fix=f"use some of {', '.join(files)}"
        )
    return {name: read_motion(files[name], name) for name in (names or files)}


def _quaternion_slices() -> list[slice]:
    return [slice(4, 8)] + [JOINT_SLICES[name] for name, dof in JOINT_LAYOUT if dof == 4]


def _continuous_quaternions(frames: np.ndarray) -> np.ndarray:
    """Unit quaternions whose sign never flips between neighbouring frames (q and -q are one rotation),
    so that interpolation takes the short way."""
    out = frames.copy()
    for part in _quaternion_slices():
        q = out[:, part] / np.linalg.norm(out[:, part], axis=1, keepdims=True)
        flips = np.cumprod(np.where(np.sum(q[1:] * q[:-1], axis=1) < 0, -1.0, 1.0))
        q[1:] *= flips[:, None]
        out[:, part] = q
    return out


def slerp(q0: np.ndarray, q1: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Spherical interpolation of unit quaternions (..., 4) by `fraction` (...,), the short way."""
    dot = np.sum(q0 * q1, axis=-1)
    q1 = np.where(dot[..., None] < 0, -q1, q1)
    dot = np.clip(np.abs(dot), -1.0, 1.0)
    angle = np.arccos(dot)
    small = angle < 1e-6
    sin = np.where(small, 1.0, np.sin(angle))
    w0 = np.where(small, 1 - fraction, np.sin((1 - fraction) * angle) / sin)
    w1 = np.where(small, fraction, np.sin(fraction * angle) / sin)
    out = w0[..., None] * q0 + w1[..., None] * q1
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def sample(motion: Motion, times: np.ndarray) -> np.ndarray:
    """Frames (len(times), 44) at `times` (s, within the clip): lerp and slerp between key frames."""
    times = np.asarray(times, dtype=np.float64)
    if times.size and (times.min() < -1e-9 or times.max() > motion.duration + 1e-9):
        raise MotionDataError(
            f"times {times.min():.3f}..{times.max():.3f} s fall outside clip {motion.name} "
            f"(0..{motion.duration:.3f} s)",
            fix="sample within the clip's duration",
        )
    index = np.clip(np.searchsorted(motion.times, times, side="right") - 1, 0, len(motion.times) - 2)
    span = motion.times[index + 1] - motion.times[index]
    fraction = np.clip((times - motion.times[index]) / span, 0.0, 1.0)
    a, b = motion.frames[index], motion.frames[index + 1]
    out = a + fraction[:, None] * (b - a)  # root position, angles (quaternions replaced below)
    for part in _quaternion_slices():
        out[:, part] = slerp(a[:, part], b[:, part], fraction)
    steps = np.diff(times)
    out[:, 0] = np.append(steps, steps[-1]) if steps.size else 0.0  # each frame's duration, as in a file
    return out


def resample(motion: Motion, fps: float) -> np.ndarray:
    """The clip as a camera running at `fps` would see it: frames at 0, 1/fps, ... <= duration."""
    if not fps > 0:
        raise MotionDataError(f"frame rate {fps} must be positive", fix="pass a rate such as 30")
    count = int(np.floor(motion.duration * fps + 1e-9)) + 1
    return sample(motion, np.arange(count) / fps)
