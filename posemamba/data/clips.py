"""Clip slicing of the original (MotionBERT lib/utils/utils_data.py:68-112, `split_clips` and `resample`).

Windows of `frames` consecutive frames of one video, starting at the video's first frame and every
`stride` frames after it; frames at the end of a video that do not fill a window are dropped, and no
window crosses into the next video. A video too short for any window gets one clip stretched to
`frames` by repeating frames, except the last video of the split (the original's loop ends before
it checks that one, utils_data.py:104-105). As in the original, "has a clip already" is judged by the
video's name, so a name met again later in the list gets no stretched clip.

One difference, on purpose: the original picks each stretched frame index as the floor or the ceiling
of an even spacing at random from numpy's global generator, so its test clips depend on what else drew
random numbers before. Here the coin flips come from a generator seeded with the CRC-32 of the video's
name: the same clips in every run, every process and every order of reading.
"""

from __future__ import annotations

import zlib

import numpy as np


def resample(length: int, frames: int, video_name: str) -> np.ndarray:
    """`frames` indices into a video of `length` < `frames` frames (utils_data.py:68-89, randomness=True).

    Each index is the floor or the ceiling of linspace(0, length, frames, endpoint=False), chosen by a
    coin flip seeded by `video_name`, then sorted and clipped to [0, length - 1].
    """
    even = np.linspace(0, length, num=frames, endpoint=False)
    coins = np.random.default_rng(zlib.crc32(video_name.encode())).integers(2, size=frames)
    chosen = np.sort(coins * np.floor(even) + (1 - coins) * np.ceil(even))
    return np.clip(chosen, 0, length - 1).astype(np.int64)


def video_runs(videos: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of equal consecutive video codes, in order."""
    if len(videos) == 0:
        return []
    changes = np.flatnonzero(videos[1:] != videos[:-1]) + 1
    starts = np.concatenate([[0], changes])
    stops = np.concatenate([changes, [len(videos)]])
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def split_clips(videos: np.ndarray, video_names: list[str], frames: int, stride: int) -> np.ndarray:
    """Frame indices (clips, frames) int64 of every clip, in the original's order.

    `videos` (N,) are per-frame codes into `video_names` (the file's `source` column).
    """
    runs = video_runs(np.asarray(videos))
    clips: list[np.ndarray] = []
    offsets = np.arange(frames)
    saved: set[int] = set()
    for number, (start, stop) in enumerate(runs):
        code = int(videos[start])
        firsts = np.arange(start, stop - frames + 1, stride)
        if len(firsts):
            clips.extend(first + offsets for first in firsts)
            saved.add(code)
        elif code not in saved and number < len(runs) - 1:
            clips.append(start + resample(stop - start, frames, video_names[code]))
            saved.add(code)
    if not clips:
        return np.empty((0, frames), dtype=np.int64)
    return np.stack(clips).astype(np.int64)
