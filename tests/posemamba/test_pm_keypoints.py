"""posemamba.keypoints and posemamba.lifting: conventions checked against the spec's formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from posemamba_golden import FIXTURES

import posemamba
from posemamba import keypoints as kp
from posemamba.lifting import lift_sequence

RNG = np.random.default_rng(7)


def _coco_skeleton() -> np.ndarray:
    """A hand-made upright COCO-17 person in pixels (x right, y down), with confidences."""
    points = {
        0: (500, 200), 1: (510, 190), 2: (490, 190), 3: (520, 195), 4: (480, 195),
        5: (540, 260), 6: (460, 260), 7: (560, 330), 8: (440, 330), 9: (570, 400), 10: (430, 400),
        11: (525, 420), 12: (475, 420), 13: (530, 520), 14: (470, 520), 15: (532, 620), 16: (468, 620),
    }  # fmt: skip
    out = np.zeros((17, 3), dtype=np.float32)
    for joint, (x, y) in points.items():
        out[joint] = (x, y, 0.5 + joint / 40)
    return out


def test_demo_mapping_follows_the_spec_formulas() -> None:
    coco = _coco_skeleton()
    h = kp.coco_to_h36m(coco, method="demo")
    c = coco.astype(np.float64)
    # Direct copies (spec 6.3): H36M [9, 11, 14, 12, 15, 13, 16, 4, 1, 5, 2, 6, 3] <- COCO [0, 5, ..., 16].
    for h36m, coco_joint in zip(
        [11, 14, 12, 15, 13, 16, 4, 1, 5, 2, 6, 3], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], strict=True
    ):
        np.testing.assert_allclose(h[h36m, :2], c[coco_joint, :2])
    shoulder_mid = (c[5, :2] + c[6, :2]) / 2  # (500, 260)
    # Head: x = mean of eyes and ears, y = y1 + y2 - y0.
    np.testing.assert_allclose(h[10, :2], [(510 + 490 + 520 + 480) / 4, 190 + 190 - 200])
    # Pelvis: hip midpoint.
    np.testing.assert_allclose(h[0, :2], [500, 420])
    # Neck/nose: the nose moved a quarter of the way to the shoulder midpoint.
    np.testing.assert_allclose(h[9, :2], c[0, :2] - (c[0, :2] - shoulder_mid) / 4)
    # Spine: mean of shoulders and hips, then x pushed away from mean(pelvis.x, thorax.x) by 2x.
    spine = (c[5, :2] + c[6, :2] + c[11, :2] + c[12, :2]) / 4
    thorax = shoulder_mid + (c[0, :2] - shoulder_mid) / 3
    spine_x = spine[0] + 2 * (spine[0] - (500 + thorax[0]) / 2)
    np.testing.assert_allclose(h[7, :2], [spine_x, spine[1]], rtol=1e-6)
    # Thorax: a third of the way to the nose, then y moved by 2/3 of (mean eye y - nose y).
    np.testing.assert_allclose(h[8, :2], [thorax[0], thorax[1] - (190 - 200) * 2 / 3], rtol=1e-6)
    # Scores.
    np.testing.assert_allclose(h[0, 2], (c[11, 2] + c[12, 2]) / 2, rtol=1e-6)
    np.testing.assert_allclose(h[8, 2], (c[5, 2] + c[6, 2]) / 2, rtol=1e-6)
    np.testing.assert_allclose(h[7, 2], (h[0, 2] + h[8, 2]) / 2, rtol=1e-6)
    np.testing.assert_allclose(h[10, 2], c[1:5, 2].mean(), rtol=1e-6)
    np.testing.assert_allclose(h[9, 2], c[0, 2])


def test_mmpose_mapping() -> None:
    coco = _coco_skeleton()
    h = kp.coco_to_h36m(coco, method="mmpose")
    np.testing.assert_allclose(h[0], (coco[11] + coco[12]) / 2)
    np.testing.assert_allclose(h[8], (coco[5] + coco[6]) / 2)
    np.testing.assert_allclose(h[7], (h[0] + h[8]) / 2)
    np.testing.assert_allclose(h[10], (coco[1] + coco[2]) / 2)
    np.testing.assert_allclose(h[9], coco[0])
    np.testing.assert_allclose(h[[1, 2, 3, 4, 5, 6]], coco[[12, 14, 16, 11, 13, 15]])
    np.testing.assert_allclose(h[[11, 12, 13, 14, 15, 16]], coco[[5, 7, 9, 6, 8, 10]])


def test_mappings_take_sequences_and_two_channels() -> None:
    sequence = np.stack([_coco_skeleton()[:, :2]] * 5)
    for method in kp.MAPPINGS:
        out = kp.coco_to_h36m(sequence, method=method)
        assert out.shape == (5, 17, 2)
        np.testing.assert_allclose(out[3], kp.coco_to_h36m(_coco_skeleton(), method=method)[:, :2])


def test_unknown_mapping_and_bad_shape() -> None:
    with pytest.raises(posemamba.InputShapeError, match="unknown COCO->H36M mapping"):
        kp.coco_to_h36m(_coco_skeleton(), method="midpoints")
    with pytest.raises(posemamba.InputShapeError, match=r"\(\.\.\., 17, 2 or 3\)"):
        kp.coco_to_h36m(np.zeros((5, 18, 2)))


def test_normalize_screen_values_and_round_trip() -> None:
    w, h = 1000, 1002
    pixels = np.array([[0, 0, 0.9], [w, h, 0.8], [w / 2, h / 2, 0.7]], dtype=np.float32)
    norm = kp.normalize_screen(pixels, w, h)
    np.testing.assert_allclose(norm[:, :2], [[-1, -h / w], [1, h / w], [0, 0]], atol=1e-6)
    np.testing.assert_allclose(norm[:, 2], pixels[:, 2])  # confidence passed through
    points = RNG.uniform(0, 1000, size=(30, 17, 2)).astype(np.float32)
    np.testing.assert_allclose(
        kp.denormalize_screen(kp.normalize_screen(points, 1920, 1080), 1920, 1080), points, atol=1e-3
    )
    with pytest.raises(posemamba.InputShapeError, match="image size must be positive"):
        kp.normalize_screen(points, 0, 1080)


@pytest.mark.parametrize("as_torch", [False, True])
def test_flip(as_torch: bool) -> None:
    pose = RNG.normal(size=(2, 4, 17, 3)).astype(np.float32)
    x = torch.from_numpy(pose) if as_torch else pose
    flipped = kp.flip(x)
    got = flipped.numpy() if as_torch else flipped
    for left, right in kp.FLIP_PAIRS:
        np.testing.assert_array_equal(got[..., left, 0], -pose[..., right, 0])
        np.testing.assert_array_equal(got[..., left, 1:], pose[..., right, 1:])
        np.testing.assert_array_equal(got[..., right, 1:], pose[..., left, 1:])
    for joint in (0, 7, 8, 9, 10):
        np.testing.assert_array_equal(got[..., joint, 0], -pose[..., joint, 0])
    twice = kp.flip(flipped)
    np.testing.assert_array_equal(twice.numpy() if as_torch else twice, pose)
    np.testing.assert_array_equal(x.numpy() if as_torch else x, pose)  # the input is untouched


def test_root_zero() -> None:
    pose = RNG.normal(size=(3, 17, 3)).astype(np.float32)
    zeroed = kp.root_zero(pose)
    assert (zeroed[:, 0] == 0).all()
    np.testing.assert_array_equal(zeroed[:, 1:], pose[:, 1:])
    assert (pose[:, 0] != 0).all()


@pytest.mark.parametrize("length", [1, 10, 100, 242, 243])
def test_resample_clip(length: int) -> None:
    indices = kp.resample_indices(length)
    assert indices.shape == (243,) and indices[0] == 0 and indices[-1] == length - 1
    assert (np.diff(indices) >= 0).all() and set(indices) == set(range(length))
    np.testing.assert_array_equal(indices, np.floor(np.arange(243) * length / 243))
    frames = np.arange(length)[:, None] * np.ones((1, 3))
    clip, keep = kp.resample_clip(frames)
    assert clip.shape == (243, 3)
    np.testing.assert_array_equal(clip[keep], frames)


@pytest.mark.parametrize("overlap", [True, False])
@pytest.mark.parametrize("length", [1, 10, 242, 243, 244, 300, 486, 487, 729, 1000])
def test_split_clips_tile_the_sequence(length: int, overlap: bool) -> None:
    clips = kp.split_clips(length, 243, overlap=overlap)
    kept = np.concatenate([np.arange(c.keep_start, c.keep_stop) for c in clips])
    np.testing.assert_array_equal(kept, np.arange(length))  # every frame exactly once, in order
    for clip in clips:
        assert 0 <= clip.start <= clip.keep_start < clip.keep_stop <= clip.stop <= length
        assert clip.stop - clip.start <= 243
        if overlap and length >= 243:
            assert clip.stop - clip.start == 243  # real frames only, no resampling
    if not overlap:
        assert len(clips) == -(-length // 243)  # the demo's tiling, also for multiples of 243


def test_overlap_frames_go_to_the_clip_where_they_are_further_from_the_border() -> None:
    first, last = kp.split_clips(300, 243)
    assert (first.start, first.stop, last.start, last.stop) == (0, 243, 57, 300)
    for frame in range(57, 243):
        in_first, in_last = 242 - frame, frame - 57
        chosen_first = first.keep_start <= frame < first.keep_stop
        assert chosen_first == (in_first >= in_last)


@pytest.fixture(scope="module")
def tiny() -> posemamba.PoseMamba:
    return posemamba.load(FIXTURES / "tiny_f27_d32_l2_checkpoint.bin")


def test_lift_sequence_matches_direct_forwards(tiny: posemamba.PoseMamba) -> None:
    io = np.load(FIXTURES / "tiny_f27_d32_l2_io.npz")
    clip = io["input_raw_xyconf"][0]  # (27, 17, 3)
    with torch.inference_mode():
        full = tiny(torch.from_numpy(clip[None]))[0].numpy()
        short = tiny(torch.from_numpy(kp.resample_clip(clip[:10], 27)[0][None]))[0].numpy()
    # A full clip: the model output, root set to zero.
    np.testing.assert_allclose(lift_sequence(tiny, clip), kp.root_zero(full), atol=1e-5)
    # 10 frames: resampled to 27, then the first occurrence of each frame.
    np.testing.assert_allclose(
        lift_sequence(tiny, clip[:10]), kp.root_zero(short[kp.resample_clip(clip[:10], 27)[1]]), atol=1e-5
    )
    # 40 frames: clips [0, 27) and [13, 40), split in the middle of the overlap.
    sequence = np.concatenate([clip, clip[:13]])
    lifted = lift_sequence(tiny, sequence)
    with torch.inference_mode():
        second = tiny(torch.from_numpy(sequence[13:][None]))[0].numpy()
    middle = kp.split_clips(40, 27)[1].keep_start
    np.testing.assert_allclose(lifted[:middle], kp.root_zero(full)[:middle], atol=1e-5)
    np.testing.assert_allclose(lifted[middle:], kp.root_zero(second)[middle - 13 :], atol=1e-5)
    assert lift_sequence(tiny, clip[:1]).shape == (1, 17, 3)


def test_lift_sequence_flip_tta(tiny: posemamba.PoseMamba) -> None:
    io = np.load(FIXTURES / "tiny_f27_d32_l2_io.npz")
    lifted = lift_sequence(tiny, io["model_input"][0], flip_tta=True)
    np.testing.assert_allclose(lifted, io["output_pipeline_rootzeroed"][0], atol=2e-5)


def test_lift_sequence_rejects_nan(tiny: posemamba.PoseMamba) -> None:
    sequence = np.zeros((5, 17, 2), dtype=np.float32)
    sequence[2, 3, 0] = np.nan
    with pytest.raises(posemamba.InputShapeError, match="NaN"):
        lift_sequence(tiny, sequence)
