"""The data file: the synthetic fixture's layout, the original's clip slicing, normalisation, the cache."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from posemamba.data import ClipDataset, open_data, synthetic
from posemamba.data.clips import split_clips
from posemamba.errors import DataFileError
from tests.train.conftest import train_cli

ACTION_NAMES = {"Direction", "Discuss", "Eating", "Greet", "Phone", "Photo", "Pose", "Purchase", "Sitting",
                "SittingDown", "Smoke", "Wait", "Walk", "WalkDog", "WalkTwo"}  # fmt: skip


def test_synthetic_file_has_the_real_files_layout(small_pkl: Path) -> None:
    with open(small_pkl, "rb") as handle:
        data = pickle.load(handle)
    assert list(data) == ["train", "test"]
    # The key lists printed from the real file (vicon-read c3d_to_MB.py:215-220).
    assert set(data["train"]) == {"joint_2d", "confidence", "joint3d_image", "camera_name", "source"}
    test_keys = {"joints_2.5d_image", "2.5d_factor", "action"}
    assert set(data["test"]) == set(data["train"]) | test_keys
    for split in data.values():
        n = len(split["source"])
        assert split["joint_2d"].shape == (n, 17, 2) and split["joint_2d"].dtype == np.float32
        assert split["confidence"].shape == (n, 17)
        assert split["joint3d_image"].shape == (n, 17, 3)
        assert set(split["camera_name"]) <= {"54138969", "55011271", "58860488", "60457274"}
        assert all(re.fullmatch(r"s_\d\d_act_\d\d_subact_0[12]_ca_0[1-4]", s) for s in split["source"])
    test = data["test"]
    assert set(test["action"]) <= ACTION_NAMES
    assert {s[:4] for s in test["source"]} == {"s_09", "s_11"}
    assert {s[:4] for s in data["train"]["source"]} <= {"s_01", "s_05", "s_06", "s_07", "s_08"}
    # The 2.5D relation of the real file: joints_2.5d_image = joint3d_image * 2.5d_factor.
    np.testing.assert_allclose(
        test["joints_2.5d_image"], test["joint3d_image"] * test["2.5d_factor"][:, None, None], rtol=1e-5
    )


def test_real_size_layout_has_the_real_frame_counts() -> None:
    train, test = synthetic.real_size_layout()
    assert sum(v.frames for v in train) == 1_559_752
    assert sum(v.frames for v in test) == 566_920
    assert len({v.source for v in train}) == len(train) == 5 * 15 * 2 * 4


def _windows_by_hand(videos: list[str], frames: int, stride: int) -> list[list[int]]:
    """The original's slicing described in the research, frame by frame: a window starts at a video's
    first frame and every `stride` frames after; it is emitted when `frames` frames of one video are in it."""
    out, start = [], 0
    for i in range(1, len(videos) + 1):
        if i - start == frames:
            out.append(list(range(start, i)))
            start += stride
        if i < len(videos) and videos[i] != videos[i - 1]:
            start = i
    return out


@pytest.mark.parametrize(("frames", "stride"), [(9, 3), (9, 9), (243, 81), (5, 7)])
def test_split_clips_matches_the_original_windows(frames: int, stride: int) -> None:
    rng = np.random.default_rng(frames * 100 + stride)
    lengths = rng.integers(frames, 4 * frames, size=12)  # no video shorter than a clip here
    names = [f"s_01_act_{i:02d}_subact_01_ca_01" for i in range(len(lengths))]
    videos = np.repeat(np.arange(len(lengths)), lengths)
    clips = split_clips(videos, names, frames, stride)
    assert clips.tolist() == _windows_by_hand([names[v] for v in videos], frames, stride)


def test_short_videos_get_one_stretched_clip_but_not_the_last() -> None:
    names = ["a", "b", "c", "d"]
    videos = np.repeat(np.arange(4), [12, 5, 20, 4])  # b and d are shorter than 9 frames
    clips = split_clips(videos, names, 9, 9)
    starts = [int(c[0]) for c in clips]
    assert starts == [0, 12, 17, 26]  # a, stretched b, then c twice; the last (d) gets nothing
    stretched = clips[1]
    assert np.all(np.diff(stretched) >= 0) and stretched.min() == 12 and stretched.max() <= 16
    # Seeded by the video's name: the same clip every time, whatever else is in the file.
    again = split_clips(np.repeat(np.arange(2), [5, 3]), ["b", "z"], 9, 9)
    assert again[0].tolist() == (stretched - 12).tolist()


def test_cache_normalises_by_camera_and_maps_the_arrays(small_pkl: Path, cache_dir: Path) -> None:
    data = open_data(small_pkl, cache=cache_dir)
    with open(small_pkl, "rb") as handle:
        raw = pickle.load(handle)["test"]
    inputs, labels = data.test.array("inputs"), data.test.array("labels")
    assert isinstance(inputs, np.memmap) and inputs.dtype == np.float32 and inputs.shape[1:] == (17, 2)
    for row in (0, len(inputs) - 1):
        width, height = {"54138969": (1000, 1002)}.get(raw["camera_name"][row], (1000, 1000))
        u, v = raw["joint_2d"][row, :, 0], raw["joint_2d"][row, :, 1]
        np.testing.assert_allclose(inputs[row, :, 0], u / width * 2 - 1, atol=1e-6)
        np.testing.assert_allclose(inputs[row, :, 1], v / width * 2 - height / width, atol=1e-6)
        np.testing.assert_allclose(labels[row, :, 2], raw["joint3d_image"][row, :, 2] / width * 2, atol=1e-6)
    # A pickled split (a spawned DataLoader worker) carries no array, only where to map them from.
    assert len(pickle.dumps(data.train)) < 20_000
    dataset = ClipDataset(data.train, 9, 9)
    inputs, labels, index = dataset[3]
    assert inputs.shape == (9, 17, 2) and labels.shape == (9, 17, 3) and index == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"\x80\x04truncated", "is not a Human3.6M data file"),
        (pickle.dumps({"train": np.zeros(1000)})[:200], "(pickle data was truncated)"),
        (pickle.dumps({"train": {}, "val": {}}), "not {'train': ..., 'test': ...}"),
        (
            pickle.dumps({"train": {"joint_2d": np.zeros((3, 17, 2))}, "test": {}}),
            "has no 'confidence' entry",
        ),
        (b"cos\nsystem\n(S'true'\ntR.", "refusing to unpickle os.system"),
    ],
)
def test_bad_data_files_are_one_line_with_the_fix(
    tmp_path: Path, tiny_config: Path, cache_dir: Path, capsys, content: bytes | None, message: str
) -> None:
    path = tmp_path / "h36m.pkl"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataFileError, match=re.escape(message)):
        open_data(path, cache=tmp_path / "cache")
    args = ["--config", str(tiny_config), "--data", str(path), "--out", str(tmp_path / "out"), "--no-mlflow"]
    assert train_cli(args, cache_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and " — fix: " in err[0], err
    assert not (tmp_path / "out").exists()  # nothing written for a run that cannot start
