"""posemamba.files: a file is whole or absent, whatever stops the write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posemamba import files


def test_save_npz_round_trips(tmp_path: Path) -> None:
    arrays = {"poses3d": np.arange(51, dtype=np.float32).reshape(1, 17, 3), "variant": np.asarray("S")}
    files.save_npz(tmp_path / "out.npz", arrays)
    with np.load(tmp_path / "out.npz", allow_pickle=False) as loaded:
        assert set(loaded.files) == set(arrays)
        np.testing.assert_array_equal(loaded["poses3d"], arrays["poses3d"])
        assert loaded["variant"].item() == "S"


def test_an_interrupted_write_leaves_the_previous_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    output = tmp_path / "poses.npz"
    output.write_bytes(b"previous result")
    real_write_array = np.lib.format.write_array
    calls = []

    def ctrl_c_on_the_second_array(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C while the file is being written
        return real_write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", ctrl_c_on_the_second_array)
    with pytest.raises(KeyboardInterrupt):
        files.save_npz(output, {"a": np.zeros(3), "b": np.ones(3)})
    assert output.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["poses.npz"]


def test_object_arrays_are_refused_and_nothing_is_left(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="allow_pickle"):
        files.save_npz(tmp_path / "x.npz", {"objects": np.array([object()], dtype=object)})
    assert list(tmp_path.iterdir()) == []
