"""A lifter's error on the held-out mocap clips, the way `envkit lift` and the live pipeline run it.

The held-out videos are bench/mocap_baseline.py's: every HELD_OUT motion through `cameras` random
cameras at EVAL_FPS from seed + 1, once with clean 2D and once with MediaPipe's measured noise
(detector_noise.DEFAULT, unscaled). Predictions per frame:

- `lift`: posemamba.lifting.lift_sequence, clips of the model's frames (what `envkit lift` does);
- `live W`: the last frame of the W frames ending at each frame, padded on the left with the first
  pose (what posemamba.live.lifter does with --window W);
- the trivial baselines of posemamba.data.mocap_baseline (`mean`, `flat`).

Errors per motion in mm (MPJPE, P-MPJPE), from mocap_baseline.evaluate.
"""

from __future__ import annotations

import numpy as np
import torch

from posemamba import keypoints as kp
from posemamba.data import mocap_baseline, mocap_dataset
from posemamba.data.mocap_baseline import Errors
from posemamba.data.mocap_dataset import MocapSplit
from posemamba.lifting import lift_sequence

NOISES = {"clean": None, "noise": mocap_dataset.DEFAULT}
LIVE_WINDOWS = (27, 81)


def _videos(split: MocapSplit) -> list[slice]:
    starts = np.flatnonzero(np.diff(split.videos, prepend=-1))
    stops = np.append(starts[1:], len(split.videos))
    return [slice(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def predict_lift(model, split: MocapSplit) -> np.ndarray:
    """(N, 17, 3) lift_sequence of every video."""
    return np.concatenate([lift_sequence(model, split.inputs[part]) for part in _videos(split)])


def predict_live(model, split: MocapSplit, window: int, batch: int = 256) -> np.ndarray:
    """(N, 17, 3) the last frame of the `window` frames ending at each frame of every video."""
    out = []
    with torch.inference_mode():
        for part in _videos(split):
            inputs = split.inputs[part]
            rows = kp.window_indices(np.arange(len(inputs)), window)
            for first in range(0, len(rows), batch):
                x = torch.from_numpy(np.ascontiguousarray(inputs[rows[first : first + batch]]))
                out.append(kp.root_zero(model(x)[:, -1].float()).numpy())
    return np.concatenate(out)


def held_out_errors(
    model, seed: int = 0, cameras: int = 16, train: MocapSplit | None = None
) -> dict[str, dict[str, list[Errors]]]:
    """{method: {"clean"|"noise": [Errors per held-out motion]}} for the model and the baselines
    (`train`: the split whose mean pose the `mean` baseline uses; rendered with 32 cameras if None)."""
    train = train if train is not None else mocap_dataset.render("train", 32, seed=seed)
    pose = mocap_baseline.mean_pose(train)
    methods = ["lift", *(f"live {w}" for w in LIVE_WINDOWS if w <= model.frames), "mean", "flat"]
    result: dict[str, dict[str, list[Errors]]] = {method: {} for method in methods}
    for noise_name, noise in NOISES.items():
        test = mocap_dataset.render(
            "test", cameras, seed=seed + 1, noise=noise, noise_scale=None, fps=mocap_dataset.EVAL_FPS
        )
        for method in methods:
            if method == "lift":
                pred = predict_lift(model, test)
            elif method.startswith("live"):
                pred = predict_live(model, test, int(method.split()[1]))
            elif method == "mean":
                pred = mocap_baseline.predict_mean_pose(pose, test.inputs)
            else:
                pred = mocap_baseline.predict_flat(test.inputs)
            result[method][noise_name] = mocap_baseline.evaluate(pred, test)
    return result


def mean_error(errors: list[Errors]) -> tuple[float, float]:
    """(MPJPE, P-MPJPE) averaged over the motions (each motion counts once)."""
    return float(np.mean([e.mpjpe for e in errors])), float(np.mean([e.p_mpjpe for e in errors]))


def table(result: dict[str, dict[str, list[Errors]]]) -> str:
    """A markdown table: method, clip, frames, clean and noisy MPJPE / P-MPJPE in mm."""
    lines = [
        "| lifter | held-out clip | frames | clean 2D: MPJPE / P-MPJPE | MediaPipe noise: MPJPE / P-MPJPE |",
        "|---|---|---|---|---|",
    ]
    for method, by_noise in result.items():
        for clean, noisy in zip(by_noise["clean"], by_noise["noise"], strict=True):
            lines.append(f"| {method} | {clean.motion} | {clean.frames} | {clean.mpjpe:.0f} / "
                         f"{clean.p_mpjpe:.0f} | {noisy.mpjpe:.0f} / {noisy.p_mpjpe:.0f} |")  # fmt: skip
        (c1, c2), (n1, n2) = mean_error(by_noise["clean"]), mean_error(by_noise["noise"])
        lines.append(f"| {method} | mean of clips | | **{c1:.0f} / {c2:.0f}** | **{n1:.0f} / {n2:.0f}** |")
    return "\n".join(lines)
