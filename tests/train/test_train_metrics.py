"""Metrics and losses: P-MPJPE's alignment, per-action averaging, repeated frames, the loss terms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from posemamba import losses
from posemamba.metrics import FrameErrors, mpjpe, p_mpjpe, summarise


def _poses(frames: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 300, size=(frames, 17, 3))


def test_p_mpjpe_of_a_rotated_scaled_shifted_pose_is_zero() -> None:
    gt = _poses(5)
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(5, 3, 3)))
    rotations = q * np.sign(np.linalg.det(q))[:, None, None]  # proper rotations (det +1)
    pred = 0.7 * np.einsum("tij,tkj->tki", rotations, gt) + np.array([100.0, -40.0, 2000.0])
    assert mpjpe(pred, gt).min() > 100  # far apart before alignment
    np.testing.assert_allclose(p_mpjpe(pred, gt), 0.0, atol=1e-9)


def test_p_mpjpe_does_not_use_a_reflection() -> None:
    gt = _poses(3, seed=2)
    mirrored = gt * np.array([-1.0, 1.0, 1.0])  # a reflection is no rotation: the error stays
    assert (p_mpjpe(mirrored, gt) > 1.0).all()


def test_mpjpe_is_the_mean_joint_distance() -> None:
    gt = np.zeros((1, 17, 3))
    pred = np.zeros((1, 17, 3))
    pred[0, 1:, 0] = 3.0
    pred[0, 1:, 1] = 4.0  # 16 joints 5 mm off, the root exact
    assert mpjpe(pred, gt)[0] == pytest.approx(16 * 5 / 17)


def test_the_mean_is_over_actions_not_frames() -> None:
    errors = FrameErrors(6)
    errors.sums[0] = [10, 10, 10, 10, 40, 0]  # action 0: frames 0-3 at 10 mm; action 1: frame 4 at 40
    errors.sums[1] = errors.sums[0] / 2
    errors.sums[2] = [1, 1, 1, 1, 1, 0]  # frame 5 never covered (0 error): not counted
    result = summarise(errors.sums, np.array([0, 0, 0, 0, 1, 1]), ["Direction", "Walk"])
    assert result.per_action == {"Direction": (10.0, 5.0, 4), "Walk": (40.0, 20.0, 1)}
    assert result.p1 == 25.0  # (10 + 40) / 2, while the mean over frames would be 16
    assert result.p2 == 12.5
    assert result.frames == 5


def test_a_repeated_frame_counts_once_with_its_last_error() -> None:
    errors = FrameErrors(3)
    gt = _poses(4, seed=3)
    gt -= gt[:, :1]  # root-relative, as the clips are
    pred = gt.copy()
    pred[:, 1:, 0] += np.array([1.0, 2.0, 3.0, 4.0])[:, None]
    errors.add(np.array([0, 1, 1, 2]), pred, gt)  # a stretched clip repeats frame 1
    np.testing.assert_allclose(errors.sums[0], np.array([1.0, 3.0, 4.0]) * 16 / 17)
    np.testing.assert_array_equal(errors.sums[2], [1, 1, 1])


def test_loss_terms_and_their_weights() -> None:
    torch.manual_seed(0)
    pred, gt = torch.randn(2, 5, 17, 3), torch.randn(2, 5, 17, 3)
    weights = {"lambda_3d": 1.0, "lambda_scale": 0.5, "lambda_3d_velocity": 20.0, "lambda_diff": 0.5}
    total, terms = losses.training_loss(pred, gt, weights)
    assert set(terms) == {"3d_pos", "3d_scale", "3d_velocity", "diff"}
    assert terms["3d_pos"] == pytest.approx((pred - gt).norm(dim=-1).mean().item())
    # N-MPJPE: the per-frame scale that best fits the prediction to the truth.
    scale = (gt * pred).sum(-1).mean(-1) / (pred * pred).sum(-1).mean(-1)
    want = (scale[..., None, None] * pred - gt).norm(dim=-1).mean()
    assert terms["3d_scale"] == pytest.approx(want.item())
    velocity = ((pred[:, 1:] - pred[:, :-1]) - (gt[:, 1:] - gt[:, :-1])).norm(dim=-1).mean()
    assert terms["3d_velocity"] == pytest.approx(velocity.item())
    w = torch.tensor(losses.JOINT_WEIGHTS)[None, None, :, None]
    assert terms["diff"] == pytest.approx((w * (pred[:, 1:] - pred[:, :-1]) ** 2).mean().item())
    assert total.item() == pytest.approx(
        terms["3d_pos"] + 0.5 * terms["3d_scale"] + 20 * terms["3d_velocity"] + 0.5 * terms["diff"]
    )
    # A non-zero weight of an optional term brings it in.
    _, more = losses.training_loss(pred, gt, {**weights, "lambda_lv": 1.0, "lambda_3dw": 1.0})
    assert {"limb_var", "3d_weighted"} <= set(more)
