"""Track ids across frames (greedy IoU or OKS matching) and a 243-frame ring buffer per track."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posemamba.keypoints import window_indices
from posemamba.live.types import Person2D

WINDOW = 243  # PoseMamba's clip length
# COCO keypoint sigmas (the COCO keypoint evaluation's per-joint falloff).
COCO_SIGMAS = np.array(
    [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107,
     0.087, 0.087, 0.089, 0.089]
)  # fmt: skip


class RingBuffer:
    """The last `size` COCO-17 poses (x, y, score) of one track, oldest first when read."""

    def __init__(self, size: int = WINDOW) -> None:
        self.size = size
        self._data = np.zeros((size, 17, 3), dtype=np.float32)
        self._frames = np.full(size, -1, dtype=np.int64)
        self.count = 0  # poses ever pushed

    def push(self, frame_index: int, keypoints: np.ndarray, scores: np.ndarray) -> None:
        slot = self.count % self.size
        self._data[slot, :, :2] = keypoints
        self._data[slot, :, 2] = scores
        self._frames[slot] = frame_index
        self.count += 1

    def window(self) -> tuple[np.ndarray, np.ndarray]:
        """(size, 17, 3) poses and (size,) frame indices, oldest first, the newest in the last row.

        Before `size` poses exist the window is padded on the left with the first one (the lifter's
        input length is fixed; mmpose pads the same way).
        """
        if self.count == 0:
            raise ValueError("empty buffer")
        if self.count >= self.size:
            order = (np.arange(self.size) + self.count) % self.size
            return self._data[order].copy(), self._frames[order].copy()
        index = window_indices(np.array([self.count - 1]), self.size)[0]
        return self._data[index].copy(), self._frames[index].copy()


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two x1, y1, x2, y2 boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def oks(a: Person2D, b: Person2D, min_score: float = 0.3) -> float:
    """Object keypoint similarity of two poses, with b's box area as the scale."""
    visible = (a.scores >= min_score) & (b.scores >= min_score)
    if not visible.any():
        return 0.0
    area = max(float((b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1])), 1.0)
    squared = ((a.keypoints - b.keypoints) ** 2).sum(axis=1)
    falloff = squared / (2 * area * (2 * COCO_SIGMAS) ** 2 + np.finfo(float).eps)
    return float(np.exp(-falloff)[visible].mean())


@dataclass
class Track:
    """One person over time."""

    track_id: int
    last: Person2D
    buffer: RingBuffer = field(default_factory=RingBuffer)
    missed: int = 0  # consecutive frames without a match


class Tracker:
    """Greedy matching of each frame's people to the previous frame's tracks.

    A person whose best similarity to a live track is at least `threshold` keeps that track's id;
    others start new tracks. A track unmatched for `max_missed` frames ends. Similarity is the IoU of
    the boxes ("iou"), the OKS of the keypoints ("oks"), or the larger of both ("iou+oks", default:
    a box drawn around the confident joints jumps when a limb's score drops, while OKS does not).
    """

    def __init__(self, method: str = "iou+oks", threshold: float = 0.3, max_missed: int = 30,
                 window: int = WINDOW) -> None:  # fmt: skip
        if method not in ("iou", "oks", "iou+oks"):
            raise ValueError(f"unknown matching method {method!r}")
        self.method, self.threshold, self.max_missed, self.window = method, threshold, max_missed, window
        self.tracks: dict[int, Track] = {}
        self._next_id = 0

    def _similarity(self, person: Person2D, track: Track) -> float:
        if self.method == "iou":
            return iou(person.bbox, track.last.bbox)
        if self.method == "oks":
            return oks(person, track.last)
        return max(iou(person.bbox, track.last.bbox), oks(person, track.last))

    def update(self, frame_index: int, people: list[Person2D]) -> list[tuple[Track, Person2D]]:
        """Assign ids to this frame's people and push their poses; returns (track, person) pairs."""
        live = list(self.tracks.values())
        pairs = sorted(
            (
                (self._similarity(person, track), p, t)
                for p, person in enumerate(people)
                for t, track in enumerate(live)
            ),
            key=lambda item: -item[0],
        )
        matched: dict[int, Track] = {}
        used: set[int] = set()
        for similarity, p, t in pairs:
            if similarity < self.threshold:
                break
            if p in matched or t in used:
                continue
            matched[p] = live[t]
            used.add(t)
        result = []
        for p, person in enumerate(people):
            track = matched.get(p)
            if track is None:
                track = Track(self._next_id, person, RingBuffer(self.window))
                self.tracks[track.track_id] = track
                self._next_id += 1
            track.last, track.missed = person, 0
            track.buffer.push(frame_index, person.keypoints, person.scores)
            result.append((track, person))
        for t, track in enumerate(live):
            if t not in used:
                track.missed += 1
                if track.missed > self.max_missed:
                    del self.tracks[track.track_id]
        return result
