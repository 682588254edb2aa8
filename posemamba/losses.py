"""PoseMamba's training loss (research posemamba-training.md 3.1), in torch, on (N, T, 17, 3) poses.

    L = lambda_3d * L_pos + lambda_scale * L_scale + lambda_3d_velocity * L_vel + lambda_diff * L_diff
        (+ lambda_3dw * L_3dw + lambda_lv * L_lv + lambda_lg * L_lg when those are not zero)

with the released weights 1.0, 0.5, 20.0, 0.5 (configs line 44-52). The terms are MotionBERT's
lib/model/loss.py (loss_mpjpe :56-63, n_mpjpe :81-90, loss_velocity :135-144, weighted_mpjpe :65-72,
loss_limb_var :116-125, loss_limb_gt :127-133) and PoseMamba's inline temporal-consistency term
(train.py:207-219). One difference: a term whose weight is 0 is not computed (the original computes
all of them; equal as long as they are finite, and 0 * NaN would be NaN there).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

# Per-joint weights of the weighted MPJPE and the temporal-consistency term (PoseMamba train.py:207).
JOINT_WEIGHTS = (1.0, 1.0, 2.5, 2.5, 1.0, 2.5, 2.5, 1.0, 1.0, 1.0, 1.5, 1.5, 4.0, 4.0, 1.5, 4.0, 4.0)
# Bones (parent, child) of the limb-length terms (MotionBERT loss.py get_limb_lens).
LIMBS = (
    (0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 6), (0, 7), (7, 8), (8, 9), (9, 10), (8, 11), (11, 12),
    (12, 13), (8, 14), (14, 15), (15, 16),
)  # fmt: skip
# Loss weight name in the config -> the term it weights.
TERMS = {
    "lambda_3d": "3d_pos",
    "lambda_scale": "3d_scale",
    "lambda_3d_velocity": "3d_velocity",
    "lambda_diff": "diff",
    "lambda_3dw": "3d_weighted",
    "lambda_lv": "limb_var",
    "lambda_lg": "limb_gt",
}


def mpjpe(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """Mean Euclidean distance over every sample, frame and joint."""
    return torch.linalg.vector_norm(pred - gt, dim=-1).mean()


def n_mpjpe(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """MPJPE after scaling each frame's prediction by s = mean_j <gt, pred> / mean_j |pred|^2."""
    norm_pred = (pred**2).sum(dim=-1, keepdim=True).mean(dim=-2, keepdim=True)
    norm_dot = (gt * pred).sum(dim=-1, keepdim=True).mean(dim=-2, keepdim=True)
    return mpjpe(norm_dot / norm_pred * pred, gt)


def velocity(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """MPJPE of the frame-to-frame differences (0 for a single frame)."""
    if pred.shape[1] <= 1:
        return pred.new_zeros(())
    return mpjpe(pred[:, 1:] - pred[:, :-1], gt[:, 1:] - gt[:, :-1])


def _weights(like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(JOINT_WEIGHTS, dtype=like.dtype, device=like.device)


def temporal_consistency(pred: torch.Tensor) -> torch.Tensor:
    """mean over (n, t, j, c) of w_j * (pred[t+1] - pred[t])^2: a smoothness penalty on the prediction."""
    diff = pred[:, 1:] - pred[:, :-1]
    return (_weights(pred)[:, None] * diff.square()).mean()


def weighted_mpjpe(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """mean over (n, t, j) of w_j * |pred - gt|."""
    return (_weights(pred) * torch.linalg.vector_norm(pred - gt, dim=-1)).mean()


def limb_lengths(pose: torch.Tensor) -> torch.Tensor:
    """(N, T, 16) bone lengths."""
    parents, children = zip(*LIMBS, strict=True)
    return torch.linalg.vector_norm(pose[:, :, list(parents)] - pose[:, :, list(children)], dim=-1)


def limb_variance(pred: torch.Tensor) -> torch.Tensor:
    """Mean over bones of the variance of each bone's length over time."""
    if pred.shape[1] <= 1:
        return pred.new_zeros(())
    return limb_lengths(pred).var(dim=1).mean()


def limb_gt(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """L1 between predicted and true bone lengths."""
    return (limb_lengths(pred) - limb_lengths(gt)).abs().mean()


def _term(name: str, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    if name == "3d_pos":
        return mpjpe(pred, gt)
    if name == "3d_scale":
        return n_mpjpe(pred, gt)
    if name == "3d_velocity":
        return velocity(pred, gt)
    if name == "diff":
        return temporal_consistency(pred)
    if name == "3d_weighted":
        return weighted_mpjpe(pred, gt)
    if name == "limb_var":
        return limb_variance(pred)
    return limb_gt(pred, gt)


def training_loss(
    pred: torch.Tensor, gt: torch.Tensor, weights: Mapping[str, float]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """(total, {term: value}) for root-relative targets `gt`; `weights` maps the config's lambda_* names.

    Computed in float32 whatever the autocast precision of `pred`.
    """
    pred, gt = pred.float(), gt.float()
    terms = {term: _term(term, pred, gt) for key, term in TERMS.items() if weights.get(key, 0.0) != 0.0}
    total = sum(weights[key] * terms[term] for key, term in TERMS.items() if term in terms)
    return total, terms
