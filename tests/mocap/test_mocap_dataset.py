"""Mocap training/evaluation data: the live pipeline's 2D conventions, seeds, held-out motions,
windows of 27 and 81 frames, and the trivial baselines' metrics."""

from __future__ import annotations

import numpy as np
import pytest

from posemamba import metrics
from posemamba.data import deepmimic, mocap, mocap_baseline, mocap_dataset
from posemamba.data.mocap_dataset import HELD_OUT, MocapWindows, render, split_names


@pytest.fixture(scope="module")
def train() -> mocap_dataset.MocapSplit:
    return render("train", 2, seed=0)


@pytest.fixture(scope="module")
def test_clean() -> mocap_dataset.MocapSplit:
    return render("test", 3, seed=1, noise=None, fps=mocap_dataset.EVAL_FPS)


def test_held_out_motions_are_whole_clips_never_in_training(train, test_clean):
    assert set(split_names("test")) == set(HELD_OUT)
    assert not set(split_names("train")) & set(HELD_OUT)
    assert set(split_names("train")) | set(HELD_OUT) == set(deepmimic.motion_files())
    assert not set(train.motions) & set(test_clean.motions)
    assert set(test_clean.motions) == set(HELD_OUT)
    # and no training frame is a held-out clip's frame seen another way: every video's motion is known
    assert {name.split("|")[0] for name in train.video_names} == set(split_names("train"))


def test_the_2d_input_is_what_the_live_pipeline_feeds_the_model(test_clean):
    from posemamba.live.lifter import prepare

    video = 4
    camera, fps, motion = test_clean.cameras[video], test_clean.fps[video], test_clean.motions[video]
    seq = mocap.sequence(deepmimic.load_motions([motion])[motion], fps)
    coco = camera.project(camera.to_camera(seq.coco))
    with_scores = np.concatenate([coco, np.ones_like(coco[..., :1])], axis=-1)[None].astype(np.float32)
    live = prepare(with_scores, (camera.width, camera.height)).numpy()[0]
    np.testing.assert_allclose(test_clean.inputs[test_clean.videos == video], live, atol=1e-5)


def test_same_seed_same_data_and_each_video_independent_of_the_others():
    a = render("test", 2, seed=3)
    b = render("test", 2, seed=3)
    for key in ("inputs", "labels", "scores", "factors"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert a.video_names == b.video_names
    other = render("test", 2, seed=4)
    assert not np.array_equal(a.labels[: len(other.labels)], other.labels[: len(a.labels)])
    more = render("test", 3, seed=3)  # a third camera per motion leaves the first two unchanged
    for name in a.video_names:
        np.testing.assert_array_equal(
            a.inputs[a.videos == a.video_names.index(name)],
            more.inputs[more.videos == more.video_names.index(name)],
        )


def test_training_videos_use_live_frame_rates_and_varied_noise(train):
    assert set(train.fps) <= {rate for rate, _ in mocap_dataset.FRAME_RATES}
    assert 30.0 in train.fps and len(set(train.fps)) >= 2
    noise = [float(name.rsplit("noise ", 1)[1]) for name in train.video_names]
    assert min(noise) >= 0 and max(noise) <= mocap_dataset.NOISE_SCALE[1] and np.ptp(noise) > 0.5
    assert (train.scores < 1).any()  # lost joints are marked
    assert np.isfinite(train.inputs).all() and np.isfinite(train.labels).all()
    assert np.abs(train.labels[:, 0]).max() == 0  # root-relative


@pytest.mark.parametrize("frames", [27, 81])
def test_windows_of_the_live_sizes_stay_in_one_video_and_pad_like_the_ring_buffer(train, frames):
    windows = MocapWindows(train, frames, stride=5)
    assert len(windows) > 0
    x, y, index = windows[len(windows) // 2]
    assert (
        tuple(x.shape) == (frames, 17, 2) and tuple(y.shape) == (frames, 17, 3) and index == len(windows) // 2
    )
    video_of_rows = train.videos[windows.rows]
    assert (video_of_rows == video_of_rows[:, :1]).all()
    # the first window of the first video ends within its first 5 frames and repeats frame 0 before them
    end = int(windows.rows[0, -1])
    assert end < 5 and (windows.rows[0, : frames - 1 - end] == 0).all()
    np.testing.assert_array_equal(windows.rows[0, frames - 1 - end :], np.arange(end + 1))
    # every video's last frame ends a window
    last = np.flatnonzero(np.diff(train.videos, append=-1))
    assert set(last) <= set(windows.rows[:, -1])


def test_metrics_zero_on_the_target_and_procrustes_removes_rotation_and_scale(test_clean):
    per_motion = mocap_baseline.evaluate(test_clean.labels, test_clean)
    assert [e.motion for e in per_motion] == sorted(HELD_OUT)
    assert all(e.mpjpe == 0 and e.p_mpjpe < 1e-6 for e in per_motion)
    gt = test_clean.gt_mm[:50]
    angle = 0.4
    rotation = np.array([[np.cos(angle), 0, np.sin(angle)], [0, 1, 0], [-np.sin(angle), 0, np.cos(angle)]])
    moved = 1.3 * gt @ rotation.T + 5.0
    assert metrics.mpjpe(moved, gt).min() > 10
    np.testing.assert_allclose(metrics.p_mpjpe(moved, gt), 0, atol=1e-6)


def test_baselines_order_and_noise_costs(train, test_clean):
    pose = mocap_baseline.mean_pose(train)
    mean_err = mocap_baseline.evaluate(mocap_baseline.predict_mean_pose(pose, test_clean.inputs), test_clean)
    flat_err = mocap_baseline.evaluate(mocap_baseline.predict_flat(test_clean.inputs), test_clean)
    noisy = render(
        "test", 3, seed=1, noise=mocap_dataset.DEFAULT, noise_scale=None, fps=mocap_dataset.EVAL_FPS
    )
    flat_noisy = mocap_baseline.evaluate(mocap_baseline.predict_flat(noisy.inputs), noisy)
    for m, f, fn in zip(mean_err, flat_err, flat_noisy, strict=True):
        assert 50 < f.mpjpe < m.mpjpe < 500, (m, f)
        assert fn.mpjpe > f.mpjpe  # the same cameras with MediaPipe's noise
    np.testing.assert_array_equal(noisy.labels, test_clean.labels)  # noise touches the 2D only


@pytest.mark.parametrize("frames", [27, 81])
def test_a_batch_of_windows_goes_through_posemamba(train, frames):
    import torch

    import posemamba

    torch.manual_seed(0)
    model = posemamba.PoseMamba(frames=frames, dim=16, depth=1).eval()
    loader = torch.utils.data.DataLoader(MocapWindows(train, frames, stride=7), batch_size=3, shuffle=False)
    x, y, index = next(iter(loader))
    assert x.dtype == torch.float32 and y.dtype == torch.float32 and index.tolist() == [0, 1, 2]
    with torch.no_grad():
        out = model(x)
    assert out.shape == y.shape == (3, frames, 17, 3)
    assert torch.isfinite(out).all()


def test_bad_split_or_window_settings_say_what_to_use(train):
    from posemamba.errors import MotionDataError

    with pytest.raises(MotionDataError, match="use 'train' or 'test'"):
        split_names("validation")
    with pytest.raises(MotionDataError, match="frames and stride >= 1"):
        MocapWindows(train, 0, 1)
