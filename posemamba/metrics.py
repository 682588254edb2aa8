"""Human3.6M metrics as the original reports them (MotionBERT train.py:56-153, lib/model/loss.py:8-51).

Per test clip (not in the skipped sequences): the prediction, root set to zero, is taken to pixels
with the clip's first-frame camera, multiplied by the per-frame 2.5D factor (to millimetres), and made
root-relative, as is the ground truth `joints_2.5d_image`. Per frame: MPJPE over the 17 joints (root
included, its error 0) and P-MPJPE after a per-frame similarity (Procrustes) alignment. Frame errors
are accumulated per frame (a frame in two clips gets their mean) and only frames with a non-zero MPJPE
count, which leaves out the skipped sequences and the uncovered tails of the videos. Per action: the
mean over its frames; P1 and P2: the unweighted mean over the actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Three corrupted S9 sequences, all cameras (MotionBERT train.py:121-127): a clip is skipped when its
# first frame's `source` without the camera suffix `_ca_XX` is one of these.
SKIPPED_SEQUENCES = ("s_09_act_05_subact_02", "s_09_act_10_subact_02", "s_09_act_13_subact_01")


def mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(T, J, 3) x2 -> (T,) mean Euclidean distance over the joints."""
    return np.linalg.norm(pred - gt, axis=-1).mean(axis=-1)


def p_mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(T, J, 3) x2 -> (T,) MPJPE after aligning each frame of `pred` to `gt` by rotation, scale, shift.

    The original's closed form (loss.py:16-51): centre, normalise by the Frobenius norm, SVD of
    X0^T Y0, R = V U^T with the last column of V and the last singular value negated if det(R) < 0,
    scale = (sum of singular values) * |X0| / |Y0|.
    """
    mu_gt, mu_pred = gt.mean(axis=1, keepdims=True), pred.mean(axis=1, keepdims=True)
    x0, y0 = gt - mu_gt, pred - mu_pred
    norm_x = np.sqrt((x0**2).sum(axis=(1, 2), keepdims=True))
    norm_y = np.sqrt((y0**2).sum(axis=(1, 2), keepdims=True))
    x0, y0 = x0 / norm_x, y0 / norm_y
    u, s, vt = np.linalg.svd(np.matmul(x0.transpose(0, 2, 1), y0))
    v = vt.transpose(0, 2, 1)
    sign = np.sign(np.linalg.det(np.matmul(v, u.transpose(0, 2, 1))))[:, None]
    v[:, :, -1] *= sign
    s[:, -1] *= sign[:, 0]
    rotation = np.matmul(v, u.transpose(0, 2, 1))
    scale = s.sum(axis=1)[:, None, None] * norm_x / norm_y
    aligned = scale * np.matmul(pred, rotation) + (mu_gt - scale * np.matmul(mu_pred, rotation))
    return mpjpe(aligned, gt)


def to_millimetres(pred: np.ndarray, width: float, factors: np.ndarray) -> np.ndarray:
    """Root-relative millimetres of a normalised prediction (T, 17, 3) with its root already at zero.

    Denormalising (x, y: (p + [1, h/w]) * w/2, z: p * w/2) and subtracting the root leave
    (p_j - p_0) * w/2 whatever h; times the per-frame 2.5D factor that is millimetres.
    """
    pixels = pred.astype(np.float64) * (width / 2)
    pixels = pixels - pixels[:, :1]
    return pixels * np.asarray(factors, dtype=np.float64)[:, None, None]


class FrameErrors:
    """Per-frame sums of MPJPE and P-MPJPE and how many clips covered each frame, for one test split."""

    def __init__(self, frames: int) -> None:
        self.sums = np.zeros((3, frames), dtype=np.float64)  # MPJPE, P-MPJPE, count

    def add(self, rows: np.ndarray, pred_mm: np.ndarray, gt_mm: np.ndarray) -> None:
        """One clip: its frame indices `rows` (T,), root-relative prediction and truth (T, 17, 3) in mm.

        `sums[rows] += values` as the original (train.py:140-143): in a stretched clip a repeated frame
        counts once, with the error of its last copy (numpy's buffered fancy-index add), not their mean.
        """
        gt_mm = gt_mm.astype(np.float64) - gt_mm[:, :1].astype(np.float64)
        self.sums[0][rows] += mpjpe(pred_mm, gt_mm)
        self.sums[1][rows] += p_mpjpe(pred_mm, gt_mm)
        self.sums[2][rows] += 1.0


@dataclass(frozen=True)
class Result:
    """P1 (MPJPE) and P2 (P-MPJPE) in millimetres, per action and their unweighted mean."""

    p1: float
    p2: float
    per_action: dict[str, tuple[float, float, int]]  # action -> (P1, P2, frames counted)
    frames: int

    def as_dict(self) -> dict:
        return {
            "p1_mm": self.p1,
            "p2_mm": self.p2,
            "frames": self.frames,
            "per_action": {
                name: {"p1_mm": p1, "p2_mm": p2, "frames": n} for name, (p1, p2, n) in self.per_action.items()
            },
        }


def summarise(sums: np.ndarray, actions: np.ndarray, action_names: list[str]) -> Result:
    """Result from FrameErrors.sums (3, frames) and each frame's action code (train.py:140-163)."""
    used = sums[0] > 0
    p1 = sums[0, used] / sums[2, used]
    p2 = sums[1, used] / sums[2, used]
    codes = np.asarray(actions)[used]
    per_action = {}
    for code, name in enumerate(action_names):
        mine = codes == code
        # An action with no counted frame gives NaN, as np.mean([]) does in the original.
        mean = (float(p1[mine].mean()), float(p2[mine].mean())) if mine.any() else (float("nan"),) * 2
        per_action[name] = (*mean, int(mine.sum()))
    return Result(
        p1=float(np.mean([v[0] for v in per_action.values()])),
        p2=float(np.mean([v[1] for v in per_action.values()])),
        per_action=per_action,
        frames=int(used.sum()),
    )
