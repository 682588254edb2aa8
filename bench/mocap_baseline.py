"""The mocap demo data and its trivial baselines: the figures a trained demo model is compared with.

Prints (1) the DeepMimic clips from the pybullet wheel (key frames, key-frame rate, seconds, frames at
30 fps, split), (2) MPJPE and P-MPJPE (mm) per held-out clip for the two baselines of
posemamba.data.mocap_baseline, on clean 2D and with MediaPipe's measured noise (detector_noise.DEFAULT),
the same cameras for both. Deterministic from the seeds. Usage:

    python bench/mocap_baseline.py [--train-cameras 32] [--test-cameras 16] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from posemamba.data import deepmimic, mocap_baseline, mocap_dataset


def clip_table() -> None:
    print("| clip | loop | key frames | key-frame rate | seconds | frames at 30 fps | split |")
    print("|---|---|---|---|---|---|---|")
    for name, motion in deepmimic.load_motions().items():
        rate = 1 / float(np.median(motion.frames[:-1, 0]))
        split = "test" if name in mocap_dataset.HELD_OUT else "train"
        frames = len(deepmimic.resample(motion, 30))
        print(f"| {name} | {motion.loop} | {len(motion.frames)} | {rate:.0f} Hz | {motion.duration:.2f} "
              f"| {frames} | {split} |")  # fmt: skip


def baseline_table(train_cameras: int, test_cameras: int, seed: int) -> None:
    train = mocap_dataset.render("train", train_cameras, seed=seed)
    pose = mocap_baseline.mean_pose(train)
    rows: dict[str, list[str]] = {}
    means: dict[str, list[str]] = {"mean": [], "flat": []}
    for noise in (None, mocap_dataset.DEFAULT):
        test = mocap_dataset.render(
            "test", test_cameras, seed=seed + 1, noise=noise, noise_scale=None, fps=mocap_dataset.EVAL_FPS
        )
        for baseline, pred in (
            ("mean", mocap_baseline.predict_mean_pose(pose, test.inputs)),
            ("flat", mocap_baseline.predict_flat(test.inputs)),
        ):
            errors = mocap_baseline.evaluate(pred, test)
            for e in errors:
                rows.setdefault(f"{baseline}|{e.motion}|{e.frames}", []).append(
                    f"{e.mpjpe:.0f} / {e.p_mpjpe:.0f}"
                )
            m = np.mean([e.mpjpe for e in errors]), np.mean([e.p_mpjpe for e in errors])
            means[baseline].append(f"**{m[0]:.0f} / {m[1]:.0f}**")
    print(f"\ntraining videos: {len(train.video_names)} ({len(train.inputs)} frames); held-out: "
          f"{test_cameras} cameras per clip at {mocap_dataset.EVAL_FPS:g} fps\n")  # fmt: skip
    print(
        "| baseline | held-out clip | frames | clean 2D: MPJPE / P-MPJPE | MediaPipe noise: MPJPE / P-MPJPE |"
    )
    print("|---|---|---|---|---|")
    for key, values in rows.items():
        baseline, motion, frames = key.split("|")
        print(f"| {baseline} | {motion} | {frames} | {values[0]} | {values[1]} |")
    for baseline, values in means.items():
        print(f"| {baseline} | mean of clips | | {values[0]} | {values[1]} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-cameras", type=int, default=32, help="cameras per training clip")
    parser.add_argument("--test-cameras", type=int, default=16, help="cameras per held-out clip")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    clip_table()
    baseline_table(args.train_cameras, args.test_cameras, args.seed)
    print(f"\n{platform.node()}, {os.cpu_count()} CPUs, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
