"""A 2D detector's errors on COCO-17 tracks: jitter, lost joints, left/right swaps; measured and made.

Measured (`measure`), on a detector's track of one person with no ground truth:
- jitter: from the second difference r_t = x_t - (x_{t-1} + x_{t+1}) / 2, which a smooth path keeps
  small. Independent noise of standard deviation s gives r a standard deviation of s * sqrt(3/2); the
  figure uses the median absolute r (1.4826 MAD, leaving out the frames next to a swap below, so the
  jumps do not inflate it), per joint, in torso lengths (shoulders' midpoint to hips' midpoint, per
  frame). The motion's own part is taken from clean mocap projected the same way and subtracted in
  quadrature (bench/detector_noise.py).
- swaps: frames where a left/right pair fits the previous frame at least twice as well exchanged (a
  jump of over 0.15 torso lengths). On MediaPipe's side-on walker the arms, shoulders and legs flip
  together (the whole body is labelled as facing the other way) for 1-6 frames, and the legs alone
  flip where they cross: `measure` counts body jumps (at least two of shoulders, elbows, wrists) and
  leg-only jumps. A swap stretch has two jumps (on and off).
- lost joints: the fraction of joint-frames scored below 0.5 (MediaPipe's visibility).

Made (`DetectorNoise.apply`): the same three on clean pixels (T, 17, 2). DEFAULT holds the figures
measured on the demo video (bench/detector_noise.py prints them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# COCO-17 left/right pairs (eyes, ears, shoulders, elbows, wrists, hips, knees, ankles).
COCO_PAIRS = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))
UPPER_PAIRS = ((5, 6), (7, 8), (9, 10))
LEG_PAIRS = ((13, 14), (15, 16))
LOST_SCORE = 0.5  # MediaPipe's own visibility threshold for drawing a landmark
SWAP_MOVE = 0.15  # torso lengths: smaller moves are not counted as swaps
MAD_TO_SIGMA = 1.4826  # median absolute deviation -> standard deviation for a Gaussian


def torso_length(coco: np.ndarray) -> np.ndarray:
    """(T,) distance from the shoulders' midpoint to the hips' midpoint of COCO pixels (T, 17, 2+)."""
    shoulders = coco[:, 5:7, :2].mean(axis=1)
    hips = coco[:, 11:13, :2].mean(axis=1)
    return np.linalg.norm(shoulders - hips, axis=-1)


def second_difference(coco: np.ndarray) -> np.ndarray:
    """(T-2, 17, 2) r_t = x_t - (x_{t-1} + x_{t+1}) / 2 in torso lengths of frame t."""
    r = coco[1:-1, :, :2] - (coco[:-2, :, :2] + coco[2:, :, :2]) / 2
    return r / torso_length(coco)[1:-1, None, None]


def jitter_sigma(coco: np.ndarray) -> np.ndarray:
    """(17,) per-joint standard deviation of independent noise that gives this track's second
    differences (both axes pooled), in torso lengths. Robust to jumps: the median absolute value,
    without the two differences next to each left/right swap jump of the joint's pair."""
    coco = np.asarray(coco, dtype=np.float64)
    r = np.abs(second_difference(coco))
    jumps = swap_frames(coco, COCO_PAIRS)  # (T-1, pairs): between frames k and k+1
    keep = np.ones(r.shape[:2], dtype=bool)  # r index i is frame i + 1
    for p, (left, right) in enumerate(COCO_PAIRS):
        k = np.flatnonzero(jumps[:, p])
        for i in np.concatenate([k - 1, k]):
            if 0 <= i < len(keep):
                keep[i, [left, right]] = False
    return np.array([MAD_TO_SIGMA * np.median(r[keep[:, j], j]) / np.sqrt(1.5) for j in range(r.shape[1])])


def swap_frames(coco: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    """(T-1, len(pairs)) whether each pair jumps to the other side between frames t and t+1."""
    scale = torso_length(coco)[1:]
    jumps = []
    for left, right in pairs:
        a0, b0, a1, b1 = coco[:-1, left, :2], coco[:-1, right, :2], coco[1:, left, :2], coco[1:, right, :2]
        keep = (np.linalg.norm(a1 - a0, axis=-1) + np.linalg.norm(b1 - b0, axis=-1)) / scale
        swap = (np.linalg.norm(a1 - b0, axis=-1) + np.linalg.norm(b1 - a0, axis=-1)) / scale
        jumps.append((keep > SWAP_MOVE) & (swap < keep / 2))
    return np.stack(jumps, axis=1)


@dataclass(frozen=True)
class Measurement:
    """What `measure` finds on one track."""

    frames: int
    jitter: np.ndarray  # (17,) torso lengths
    lost_fraction: np.ndarray  # (17,) fraction of frames scored below LOST_SCORE
    body_jumps: int  # frames where at least two of shoulders, elbows, wrists jump sides
    leg_jumps: int  # frames where knees or ankles jump sides and the body does not


def measure(coco: np.ndarray, scores: np.ndarray | None = None) -> Measurement:
    """Figures of one person's track: pixels (T, 17, 2) and optional scores (T, 17)."""
    coco = np.asarray(coco, dtype=np.float64)
    lost = np.zeros(17) if scores is None else np.mean(np.asarray(scores) < LOST_SCORE, axis=0)
    body = swap_frames(coco, UPPER_PAIRS).sum(axis=1) >= 2
    legs = swap_frames(coco, LEG_PAIRS).any(axis=1) & ~body
    return Measurement(len(coco), jitter_sigma(coco), lost, int(body.sum()), int(legs.sum()))


def quadrature(total: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """The noise part of a jitter figure: sqrt(max(total^2 - motion^2, 0))."""
    return np.sqrt(np.maximum(np.square(total) - np.square(motion), 0.0))


@dataclass(frozen=True)
class DetectorNoise:
    """Noise for clean COCO pixels; sizes in torso lengths, rates per frame.

    jitter: (17,) standard deviation of independent Gaussian noise per joint, frame and axis.
    body_swap_rate / leg_swap_rate: chance per frame that every left/right pair (body) or the knees
    and ankles (legs) are exchanged for 1..swap_frames frames.
    lost_fraction: share of each joint's frames that are lost, in stretches of 1..lost_frames frames:
    a lost joint scores 0.2 and stays where it was last seen (plus its jitter), as a tracker holds a
    joint it cannot see. Seen joints score 1.
    """

    jitter: tuple[float, ...]
    body_swap_rate: float
    leg_swap_rate: float
    swap_frames: int
    lost_fraction: tuple[float, ...]
    lost_frames: int

    def scaled(self, factor: float) -> DetectorNoise:
        """The same noise with every size and rate times `factor` (0: clean)."""
        return DetectorNoise(
            tuple(factor * j for j in self.jitter), factor * self.body_swap_rate,
            factor * self.leg_swap_rate, self.swap_frames,
            tuple(min(factor * f, 0.9) for f in self.lost_fraction), self.lost_frames,
        )  # fmt: skip

    def apply(self, coco: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(noisy pixels (T, 17, 2), scores (T, 17)) for clean pixels (T, 17, 2)."""
        clean = np.asarray(coco, dtype=np.float64)[..., :2]
        frames = len(clean)
        scale = torso_length(clean)[:, None, None]
        jitter = rng.normal(size=clean.shape) * np.asarray(self.jitter)[None, :, None] * scale
        noisy = clean.copy()
        scores = np.ones((frames, 17))
        lost_mean = (1 + self.lost_frames) / 2
        for joint in range(17):
            rate = self.lost_fraction[joint] / lost_mean
            for start, stop in _stretches(rng, frames, rate, 1, self.lost_frames):
                noisy[start:stop, joint] = clean[max(start - 1, 0), joint]
                scores[start:stop, joint] = 0.2
        noisy += jitter
        body = [j for pair in COCO_PAIRS for j in pair]
        legs = [j for pair in LEG_PAIRS for j in pair]
        for rate, joints in ((self.body_swap_rate, body), (self.leg_swap_rate, legs)):
            swapped = [j + 1 if j % 2 else j - 1 for j in joints]  # COCO pairs are (odd, even)
            for start, stop in _stretches(rng, frames, rate, 1, self.swap_frames):
                noisy[start:stop, joints] = noisy[start:stop, swapped]
                scores[start:stop, joints] = scores[start:stop, swapped]
        return noisy.astype(np.float32), scores.astype(np.float32)


def _stretches(
    rng: np.random.Generator, frames: int, rate: float, shortest: int, longest: int
) -> list[tuple[int, int]]:
    """[start, stop) stretches starting at each frame with chance `rate`, shortest..longest frames."""
    if rate <= 0 or frames == 0:
        return []
    starts = np.flatnonzero(rng.random(frames) < rate)
    lengths = rng.integers(shortest, longest + 1, size=len(starts))
    return [(int(s), int(min(s + n, frames))) for s, n in zip(starts, lengths, strict=True)]


# MediaPipe BlazePose Full (mediapipe 0.10.21, the live pipeline's estimator) on Sports2D's demo.mp4
# (1768x994, 30 fps, a man walking side-on; 194 frames of track after cutting where MediaPipe moves to
# the other walker), measured by `python bench/detector_noise.py`: jitter after subtracting the clean
# mocap's own part, left and right averaged (the video shows one side), torso lengths (about 112 px
# there, so 1 px is 0.009); swaps per frame = jumps / 2 / frames (whole body 9 jumps, legs only 8);
# lost = scored < 0.5, left and right averaged (left elbow 0.37, right 0.08, ...).
MEDIAPIPE_JITTER = (0.0068, 0.0071, 0.0071, 0.0072, 0.0072, 0.0076, 0.0076, 0.0119, 0.0119, 0.0174,
                    0.0174, 0.0085, 0.0085, 0.0111, 0.0111, 0.0109, 0.0109)  # fmt: skip
# The jitter figure reads high where motion and swaps mix in: on this model's own noise it finds
# 1.10-1.16 times the jitter put in (tests/mocap/test_mocap_noise.py), so the model's jitter is the
# measured figure over 1.13, and measuring the model's output gives MediaPipe's figure back.
MEASUREMENT_BIAS = 1.13
# Not measurable without ground truth: where a lost joint really is. Its jitter there is the same as a
# seen joint's (bench: 1.5-1.9% against 1.0-2.2% of the torso), so the error is modelled as a hold of
# the last seen position for up to 15 frames (0.5 s at 30 fps; MediaPipe's lost stretches here last
# 30-66 frames).
DEFAULT = DetectorNoise(
    jitter=tuple(round(j / MEASUREMENT_BIAS, 5) for j in MEDIAPIPE_JITTER),
    body_swap_rate=0.023,
    leg_swap_rate=0.021,
    swap_frames=6,
    lost_fraction=(0, 0, 0, 0, 0, 0, 0, 0.224, 0.224, 0.209, 0.209, 0, 0, 0.121, 0.121, 0.085, 0.085),
    lost_frames=15,
)  # fmt: skip
