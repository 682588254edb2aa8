"""MediaPipe's 2D errors on the demo video: the figures behind posemamba.data.detector_noise.DEFAULT.

Runs the live pipeline's MediaPipe estimator (BlazePose Full, COCO-17 as the live pipeline converts
it) on every frame of Sports2D's demo.mp4, cuts the track where MediaPipe jumps to another person,
and prints per joint: the jitter of the track (posemamba.data.detector_noise.jitter_sigma, torso
lengths), the same figure for clean DeepMimic walking clips projected at the video's frame rate through random
cameras (the part a smooth motion explains), the noise left after subtracting that in quadrature, and
the fraction of frames scored below 0.5; then the left/right swaps. Usage:

    python bench/detector_noise.py [--video PATH] [--frames N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import time

import cv2
import numpy as np

from posemamba.data import cameras, deepmimic, detector_noise, mocap
from posemamba.keypoints import COCO_JOINTS


def mediapipe_track(video: str, frames: int | None) -> tuple[np.ndarray, np.ndarray, float]:
    """(pixels (T, 17, 2), scores (T, 17), fps) of MediaPipe's one person; NaN where none was found."""
    from posemamba.live.estimators.mediapipe_pose import MediaPipePose
    from posemamba.live.types import Frame

    capture = cv2.VideoCapture(video)
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    estimator = MediaPipePose()
    points, scores = [], []
    index = 0
    while frames is None or index < frames:
        ok, image = capture.read()
        if not ok:
            break
        people = estimator.estimate(Frame(index, index / fps, image))
        points.append(people[0].keypoints if people else np.full((17, 2), np.nan))
        scores.append(people[0].scores if people else np.zeros(17))
        index += 1
    estimator.close()
    capture.release()
    return np.asarray(points, np.float64), np.asarray(scores, np.float64), fps


def segments(points: np.ndarray, jump: float = 1.0, shortest: int = 30) -> list[slice]:
    """Runs of frames with a person and no jump of the hips' midpoint over `jump` torso lengths."""
    hips = points[:, 11:13].mean(axis=1)
    torso = detector_noise.torso_length(points)
    found = np.isfinite(hips).all(axis=1)
    cut = np.zeros(len(points), dtype=bool)
    cut[1:] = ~found[1:] | ~found[:-1] | (np.linalg.norm(hips[1:] - hips[:-1], axis=1) > jump * torso[1:])
    cut[0] = True
    starts = [*np.flatnonzero(cut), len(points)]
    runs = [slice(a, b) for a, b in itertools.pairwise(starts) if found[a]]
    return [run for run in runs if run.stop - run.start >= shortest]


def mocap_jitter(fps: float, cameras_per_clip: int = 8) -> np.ndarray:
    """(17,) jitter figure of clean walking and turning (no noise) seen by random cameras."""
    rng = np.random.default_rng(0)
    figures = []
    for name in ("walk", "walker/0walk_forward", "walker/turn_left0", "walker/turn_right0"):
        seq = mocap.sequence(deepmimic.load_motions([name])[name], fps)
        for _ in range(cameras_per_clip):
            camera = cameras.random_camera(seq.coco, rng)
            pixels = camera.project(camera.to_camera(seq.coco))
            figures.append(detector_noise.jitter_sigma(pixels))
    return np.sqrt(np.mean(np.square(figures), axis=0))


def main() -> int:
    from posemamba.live.demo import demo_video

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=None, help="video file (default: the demo video)")
    parser.add_argument("--frames", type=int, default=None, help="read at most this many frames")
    args = parser.parse_args()
    video = args.video or str(demo_video())
    started = time.perf_counter()
    points, scores, fps = mediapipe_track(video, args.frames)
    runs = segments(points)
    measured = [detector_noise.measure(points[run], scores[run]) for run in runs]
    used = sum(m.frames for m in measured)
    weights = np.array([m.frames for m in measured], dtype=np.float64)
    total = np.sqrt(np.average([np.square(m.jitter) for m in measured], axis=0, weights=weights))
    lost = np.average([m.lost_fraction for m in measured], axis=0, weights=weights)
    motion = mocap_jitter(fps)
    noise = detector_noise.quadrature(total, motion)
    print(f"video: {video} ({len(points)} frames at {fps:.0f} fps); tracks used: "
          + ", ".join(f"{r.start}-{r.stop - 1}" for r in runs) + f" ({used} frames)")  # fmt: skip
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs; {time.perf_counter() - started:.0f} s\n")
    print(f"| {'COCO joint':<15} | jitter | clean mocap | noise | scored < 0.5 |")
    print(f"|{'-' * 17}|--------|-------------|-------|--------------|")
    for j, name in enumerate(COCO_JOINTS):
        print(f"| {name:<15} | {total[j]:.4f} | {motion[j]:.4f}      | {noise[j]:.4f} | {lost[j]:12.3f} |")
    body = sum(m.body_jumps for m in measured)
    legs = sum(m.leg_jumps for m in measured)
    print(f"\njitter (noise column), median over joints: {np.median(noise):.4f} torso lengths")
    print(
        f"whole-body left/right swap jumps: {body} in {used} frames -> {body / 2 / used:.4f} swaps per frame"
    )
    print(
        f"legs-only left/right swap jumps: {legs} in {used} frames -> {legs / 2 / used:.4f} swaps per frame"
    )
    print(f"joint-frames scored < 0.5: {lost.mean():.3f}")
    print("(a swap is two jumps, on and off; posemamba.data.detector_noise.DEFAULT holds these figures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
