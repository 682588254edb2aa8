"""Live pose on a real video: per-stage latency, loop FPS, lifter throughput and age of the shown 3D pose.

Runs `posemamba.live.run` in this process on Sports2D's demo.mp4 (the demo video; see
posemamba/live/demo.py) with MediaPipe 2D and a PoseMamba checkpoint, headless with the recorder on
(the recorder draws and encodes the same picture the window shows, so the loop does the window's
work). One run per --runs entry; prints one table per run plus a summary. Usage:

    python bench/live_pipeline.py --checkpoint tests/fixtures/posemamba/posemamba_s_checkpoint.bin \
        [--runs 4:auto 4:243 4:81 8:27] [--frames 230] [--device cpu] [--flip-tta]

Each run is STRIDE:WINDOW (lift every STRIDE frames on the last WINDOW frames of each track; auto:
the live default, the largest window whose timed lift fits the 0.5 s 3D-age budget). "ready s" is the
lifter's warm-up lift and window timing, done before the first frame.

Targets: on a 2-core CPU, loop >= 20 FPS with 3D poses no older than 0.5 s; with a GPU, >= 30 FPS at
stride 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

FPS_TARGET_CPU, AGE_TARGET_S = 20.0, 0.5


def lifter_alone(
    checkpoint: Path, device: str, flip_tta: bool, window: int, repeat: int = 5
) -> tuple[float, float]:
    """(median ms, windows/s) of one forward pass outside the loop (1 thread, as in the loop)."""
    import torch

    import posemamba
    from posemamba import keypoints

    torch.set_num_threads(1)
    model = posemamba.load(str(checkpoint), device)
    x = torch.randn(1, window, 17, 2, device=device) * 0.3
    samples = []
    with torch.inference_mode():
        for i in range(repeat + 2):
            start = time.perf_counter()
            _ = keypoints.flip_tta(model, x) if flip_tta else model(x)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            if i >= 2:
                samples.append(time.perf_counter() - start)
    median = float(np.median(samples))
    return median * 1e3, 1.0 / median


def verdict(summary) -> str:
    met = summary.display_fps >= FPS_TARGET_CPU and summary.pose3d_age_ms[1] <= AGE_TARGET_S * 1e3
    return "met" if met else "not met"


def main() -> int:
    from posemamba.live import LiveConfig, run
    from posemamba.live.demo import demo_video

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--source", default=None, help="a video (default: the demo video)")
    parser.add_argument(
        "--runs", nargs="+", default=["4:auto", "4:243", "4:81", "8:27"], help="STRIDE:WINDOW|auto"
    )
    parser.add_argument("--frames", type=int, default=230)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--flip-tta", action="store_true")
    args = parser.parse_args()
    source = args.source or str(demo_video())
    load_before = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"load average before {load_before[0]:.1f}")  # fmt: skip
    runs = [(int(stride), None if window == "auto" else int(window))
            for stride, window in (run.split(":") for run in args.runs)]  # fmt: skip
    for window in sorted({window for _, window in runs if window is not None}, reverse=True):
        lift_ms, lift_rate = lifter_alone(args.checkpoint, args.device, args.flip_tta, window)
        print(f"lifter alone (PoseMamba, 1x{window}x17, {args.device}, 1 thread): {lift_ms:.0f} ms median, "
              f"{lift_rate:.2f} windows/s")  # fmt: skip
    rows = []
    for stride, window in runs:
        with tempfile.TemporaryDirectory() as out:
            config = LiveConfig(
                source=source,
                estimator="mediapipe",
                checkpoint=args.checkpoint,
                stride=stride,
                window=window,
                flip_tta=args.flip_tta,
                headless=True,
                out=Path(out),
                max_frames=args.frames,
                device=args.device,
            )
            summary = run(config)
        rows.append((f"{stride}:{window or 'auto'}", summary, os.getloadavg()[0]))
        print(f"\nstride {stride}, window {summary.window_reason}: {summary.frames} frames in "
              f"{summary.seconds:.1f} s, loop {summary.display_fps:.1f} FPS")  # fmt: skip
        print("| stage | p50 ms | p95 ms |")
        print("|---|---|---|")
        for name, (p50, p95) in summary.stages_ms.items():
            print(f"| {name} | {p50:.1f} | {p95:.1f} |")
    print("\n| stride:window | window used | ready s | loop FPS | lifter runs | lifter ms p50/p95 "
          "| 3D age ms p50/p95 | frames with 3D | load | target |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run_name, s, load in rows:
        lift, age = s.lifter_ms, s.pose3d_age_ms
        print(f"| {run_name} | {s.window} | {s.lifter_warmup_s:.1f} | {s.display_fps:.1f} | {s.lifter_runs} "
              f"| {lift[0]:.0f} / {lift[1]:.0f} | {age[0]:.0f} / {age[1]:.0f} "
              f"| {s.frames_with_3d}/{s.frames} | {load:.1f} | {verdict(s)} |")  # fmt: skip
    defaults = [row for row in rows if row[0].endswith(":auto")]
    name, summary, _ = defaults[0] if defaults else max(rows, key=lambda row: row[1].display_fps)
    print(f"\ntarget (>= {FPS_TARGET_CPU:.0f} FPS, 3D age p95 <= {AGE_TARGET_S * 1e3:.0f} ms) with "
          f"{name}{' (the default window)' if defaults else ''}: {verdict(summary)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
