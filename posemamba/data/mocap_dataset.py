"""Training and evaluation data for a small PoseMamba from the DeepMimic clips in pybullet's wheel.

Each clip (posemamba.data.deepmimic) is resampled to a live camera's frame rate, turned into H36M-17
and COCO-17 joints (posemamba.data.mocap) and filmed by random cameras (posemamba.data.cameras). One
(clip, camera) pair is a "video". Per frame, as the live pipeline would see it:

    2D input:  COCO-17 pixels (+ a detector's noise, posemamba.data.detector_noise) -> coco_to_h36m
               ('demo', as posemamba.live.lifter.prepare) -> normalize_screen -> (17, 2)
    3D target: Human3.6M-style joint3d_image (cameras.image_frame) -> normalised, root-relative (17, 3)
    factor:    mm per pixel at the root (H36M's 2.5d_factor): error (model units) * w/2 * factor = mm

The arrays follow the layout of the Human3.6M reader's converted splits (the training code's
posemamba.data.cache, issue #15: inputs, labels, videos, factors, gt_mm), so a clip dataset can slice
windows that never cross a video.

Held-out motions (HELD_OUT): whole clips, never in training, chosen to be what a live camera mostly
sees while their kind of motion stays in training, as Human3.6M holds out subjects, not actions:
`walk` (the walker/ clips, a separate capture of walking and turning, stay in training), `punch` (an
upright upper-body motion; `kick` stays) and `dance_a` (`dance_b` stays).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import torch

from posemamba.data import cameras, deepmimic, mocap
from posemamba.data.cameras import Camera
from posemamba.data.detector_noise import DEFAULT, DetectorNoise
from posemamba.errors import MotionDataError
from posemamba.keypoints import coco_to_h36m, normalize_screen, window_indices

HELD_OUT = ("walk", "punch", "dance_a")
# Frame rates of live cameras and how often each is drawn for training: 30 fps is the default of
# webcams and RealSense colour, 15 fps webcams in low light and RealSense's lower modes, 25 fps PAL
# webcams, 60 fps fast webcams and RealSense at 848x480 and below. Evaluation uses EVAL_FPS.
FRAME_RATES = ((30.0, 0.65), (15.0, 0.1), (25.0, 0.1), (60.0, 0.15))
EVAL_FPS = 30.0
NOISE_SCALE = (0.0, 1.5)  # training: each video gets DEFAULT noise times a factor drawn from this


def split_names(split: str) -> list[str]:
    """Motion names of 'train' (all but HELD_OUT) or 'test' (HELD_OUT)."""
    names = list(deepmimic.motion_files())
    if split == "test":
        return [name for name in names if name in HELD_OUT]
    if split == "train":
        return [name for name in names if name not in HELD_OUT]
    raise MotionDataError(f"unknown split {split!r}", fix="use 'train' or 'test'")


@dataclass
class MocapSplit:
    """Per-frame arrays of all videos of a split, videos one after another."""

    inputs: np.ndarray  # (N, 17, 2) normalised H36M 2D
    labels: np.ndarray  # (N, 17, 3) normalised, root-relative 3D
    scores: np.ndarray  # (N, 17) detector scores mapped to H36M like the input (1 seen, 0.2 lost)
    videos: np.ndarray  # (N,) int32 codes into video_names
    factors: np.ndarray  # (N,) mm per pixel at the root
    widths: np.ndarray  # (N,) image width in pixels of the frame's camera
    video_names: list[str]  # "<motion>|<camera kind> <w>x<h>|<fps> fps|noise <scale>"
    motions: list[str]  # (videos,) motion of each video
    cameras: list[Camera]  # (videos,) the camera that filmed each video
    fps: list[float]  # (videos,) frame rate of each video

    @property
    def gt_mm(self) -> np.ndarray:
        """(N, 17, 3) root-relative target in millimetres (H36M's joints_2.5d_image, root zeroed)."""
        return self.labels * (self.widths / 2 * self.factors)[:, None, None]


def _video(seq: mocap.MocapSequence, rng: np.random.Generator, noise: DetectorNoise | None):
    camera = cameras.random_camera(seq.h36m, rng)
    coco = camera.project(camera.to_camera(seq.coco))
    if noise is not None:
        coco, scores = noise.apply(coco, rng)
    else:
        scores = np.ones(coco.shape[:2], dtype=np.float32)
    image_points, factors = cameras.image_frame(camera, seq.h36m)
    # x, y, score through the live pipeline's conversion (posemamba.live.lifter.prepare)
    detected = np.concatenate([coco, scores[..., None]], axis=-1).astype(np.float32)
    h36m_2d = normalize_screen(coco_to_h36m(detected, method="demo"), camera.width, camera.height)
    labels = cameras.normalise_3d(image_points, camera.width, camera.height)
    return camera, h36m_2d[..., :2], labels.astype(np.float32), h36m_2d[..., 2], factors


def render(
    split: str,
    cameras_per_motion: int,
    seed: int = 0,
    noise: DetectorNoise | None = DEFAULT,
    noise_scale: tuple[float, float] | None = NOISE_SCALE,
    fps: float | None = None,
) -> MocapSplit:
    """Film every motion of `split` with `cameras_per_motion` cameras, deterministically from `seed`.

    Each video's random numbers come from (seed, CRC-32 of the motion's name, camera number), so a
    video does not change
    when other motions or more cameras are added. `noise` None: clean 2D. `noise_scale` None: `noise`
    as given; else each video's noise is `noise` times a factor drawn from that range. `fps` None: a
    rate drawn from FRAME_RATES per video.
    """
    motions = deepmimic.load_motions(split_names(split))
    rates, weights = zip(*FRAME_RATES, strict=True)
    parts: dict[str, list] = {
        key: [] for key in ("inputs", "labels", "scores", "videos", "factors", "widths")
    }
    names, video_motions, video_cameras, video_fps, sequences = [], [], [], [], {}
    for name, motion in motions.items():
        for c in range(cameras_per_motion):
            rng = np.random.default_rng([seed, zlib.crc32(name.encode()), c])
            rate = float(fps or rng.choice(rates, p=weights))
            if (name, rate) not in sequences:
                sequences[name, rate] = mocap.sequence(motion, rate)
            scale = 1.0 if noise is None or noise_scale is None else float(rng.uniform(*noise_scale))
            video_noise = None if noise is None else noise.scaled(scale)
            camera, inputs, labels, scores, factors = _video(sequences[name, rate], rng, video_noise)
            parts["inputs"].append(inputs)
            parts["labels"].append(labels)
            parts["scores"].append(scores)
            parts["factors"].append(factors)
            parts["videos"].append(np.full(len(inputs), len(names), dtype=np.int32))
            parts["widths"].append(np.full(len(inputs), camera.width, dtype=np.float32))
            noise_text = "clean" if video_noise is None else f"noise {scale:.2f}"
            names.append(f"{name}|{camera.kind} {camera.width}x{camera.height}|{rate:g} fps|{noise_text}")
            video_motions.append(name)
            video_cameras.append(camera)
            video_fps.append(rate)
    arrays = {key: np.concatenate(value) for key, value in parts.items()}
    return MocapSplit(
        **arrays, video_names=names, motions=video_motions, cameras=video_cameras, fps=video_fps
    )


def window_ends(length: int, stride: int) -> np.ndarray:
    """Last frames of windows every `stride` frames, ending with the video's last frame."""
    return np.arange(length - 1, -1, -stride)[::-1]


class MocapWindows(torch.utils.data.Dataset):
    """Windows of `frames` consecutive frames of one video, the last frames every `stride` frames.

    Items are (2D input (frames, 17, 2), 3D target (frames, 17, 3), window number), like
    posemamba.data.dataset.ClipDataset; the live pipeline's windows of 27 and 81 both work.
    """

    def __init__(self, split: MocapSplit, frames: int, stride: int) -> None:
        if frames < 1 or stride < 1:
            raise MotionDataError(
                f"windows of {frames} frames every {stride} frames", fix="use frames and stride >= 1"
            )
        self.split, self.frames, self.stride = split, frames, stride
        starts = np.flatnonzero(np.diff(split.videos, prepend=-1))
        stops = np.append(starts[1:], len(split.videos))
        rows = [start + window_indices(window_ends(stop - start, stride), frames)
                for start, stop in zip(starts, stops, strict=True)]  # fmt: skip
        self.rows = np.concatenate(rows).astype(np.int64)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        rows = self.rows[index]
        return torch.from_numpy(self.split.inputs[rows]), torch.from_numpy(self.split.labels[rows]), index
