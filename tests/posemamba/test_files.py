"""posemamba.files: a file is whole or absent, whatever stops the write; a Ctrl-C waits for it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
import torch

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


class _CtrlCOnFirstWrite:
    """A file object that sends this process a real SIGINT during its first write, then keeps writing."""

    def __init__(self, stream) -> None:
        self._stream, self.signalled = stream, False

    def write(self, data) -> int:
        if not self.signalled:
            self.signalled = True
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)  # the handler runs here, inside a callback from torch's C++ writer
        return self._stream.write(data)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def test_ctrl_c_during_torch_save_waits_for_the_whole_file(tmp_path: Path) -> None:
    """Without the deferral the interrupted checkpoint is lost, and torch.save can turn the
    KeyboardInterrupt into "RuntimeError: unexpected pos" (CI saw training end with that traceback
    instead of exit 130)."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # tests/conftest.py sees to it
    content = {"weights": torch.arange(50_000, dtype=torch.float32)}
    output = tmp_path / "latest_epoch.bin"
    writers: list[_CtrlCOnFirstWrite] = []

    def save(handle) -> None:
        writers.append(_CtrlCOnFirstWrite(handle))
        torch.save(content, writers[-1])

    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(output, save)
    assert writers[0].signalled
    torch.testing.assert_close(torch.load(output, weights_only=True), content)  # whole, not cut
    assert [p.name for p in tmp_path.iterdir()] == ["latest_epoch.bin"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the handler is given back"
