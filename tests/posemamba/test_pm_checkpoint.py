"""posemamba.load: the released layout (numpy 1.x and 2.x pickles), bare state dicts, safetensors,
and clear errors for files that are not PoseMamba checkpoints. Files are generated in tmp_path."""

from __future__ import annotations

import os
import pickletools
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from posemamba_golden import FIXTURES, assert_golden
from safetensors.torch import save_file

import posemamba
from posemamba.checkpoint import read_state_dict

TINY = FIXTURES / "tiny_f27_d32_l2_checkpoint.bin"


@pytest.fixture(scope="module")
def tiny_weights() -> OrderedDict[str, torch.Tensor]:
    """The tiny model's weights without the `module.` prefix."""
    return OrderedDict(read_state_dict(TINY))


@pytest.fixture(scope="module")
def tiny_io() -> dict[str, np.ndarray]:
    return dict(np.load(FIXTURES / "tiny_f27_d32_l2_io.npz"))


def _pickled_globals(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        data = archive.read(next(name for name in archive.namelist() if name.endswith("data.pkl")))
    found = set()
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            found.add(arg.replace(" ", "."))
    return found


def _assert_tiny_reproduces(path: Path, tiny_io: dict[str, np.ndarray]) -> None:
    model = posemamba.load(path)
    assert not model.training
    assert (model.frames, model.dim, model.depth) == (27, 32, 2)
    with torch.inference_mode():
        out = model(torch.from_numpy(tiny_io["model_input"]))
    assert_golden(out, tiny_io["output"], f"tiny loaded from {path.name}")


def _released_layout(weights, min_loss, with_optimizer_state: bool) -> dict:
    """What train.py's save_checkpoint writes, weights wrapped as nn.DataParallel names them."""
    model = posemamba.PoseMamba(frames=27, dim=32, depth=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
    if with_optimizer_state:  # real files carry the AdamW moments: one step creates them
        for parameter in model.parameters():
            parameter.grad = torch.full_like(parameter, 1e-3)
        optimizer.step()
    return {
        "epoch": 120,
        "lr": 4.2e-5,
        "optimizer": optimizer.state_dict(),
        "model_pos": OrderedDict(("module." + key, value) for key, value in weights.items()),
        "min_loss": min_loss,
    }


def test_numpy2_pickle_from_the_golden_data(tiny_io) -> None:
    """The golden checkpoints were written with numpy 2.x: numpy._core.multiarray.scalar."""
    assert "numpy._core.multiarray.scalar" in _pickled_globals(TINY)
    _assert_tiny_reproduces(TINY, tiny_io)


def test_numpy1_pickle_with_optimizer_state(tmp_path, tiny_weights, tiny_io) -> None:
    """Released files were written with numpy 1.x (numpy.core.multiarray.scalar) and carry AdamW state."""
    path = tmp_path / "best_epoch.bin"
    torch.save(_released_layout(tiny_weights, np.float64(41.8), with_optimizer_state=True), path)
    if np.__version__.startswith("1."):
        assert "numpy.core.multiarray.scalar" in _pickled_globals(path)
    _assert_tiny_reproduces(path, tiny_io)


def test_released_layout_before_the_first_evaluation(tmp_path, tiny_weights, tiny_io) -> None:
    """min_loss is the int 100000 until an evaluation has run."""
    path = tmp_path / "latest_epoch.bin"
    torch.save(_released_layout(tiny_weights, 100000, with_optimizer_state=False), path)
    _assert_tiny_reproduces(path, tiny_io)


@pytest.mark.parametrize("prefix", ["", "module."])
def test_bare_state_dict(tmp_path, tiny_weights, tiny_io, prefix: str) -> None:
    path = tmp_path / "weights.pth"
    torch.save({prefix + key: value for key, value in tiny_weights.items()}, path)
    _assert_tiny_reproduces(path, tiny_io)


def test_safetensors(tmp_path, tiny_weights, tiny_io) -> None:
    path = tmp_path / "tiny.safetensors"
    save_file({key: value.contiguous() for key, value in tiny_weights.items()}, path)
    _assert_tiny_reproduces(path, tiny_io)


def test_half_precision_weights_load_as_float32(tmp_path, tiny_weights) -> None:
    path = tmp_path / "half.pth"
    torch.save({key: value.half() for key, value in tiny_weights.items()}, path)
    model = posemamba.load(path)
    assert all(p.dtype == torch.float32 for p in model.parameters())


def _error(path: Path) -> str:
    with pytest.raises(posemamba.CheckpointError) as info:
        posemamba.load(path)
    message = str(info.value)
    assert "\n" not in message and "fix:" in message
    return message


def test_missing_file(tmp_path) -> None:
    assert "does not exist" in _error(tmp_path / "nope.bin")


def test_text_file(tmp_path) -> None:
    path = tmp_path / "notes.bin"
    path.write_text("these are not weights\n")
    assert "not a PyTorch checkpoint" in _error(path) or "cannot be read" in _error(path)


def test_truncated_file(tmp_path) -> None:
    path = tmp_path / "truncated.bin"
    path.write_bytes(TINY.read_bytes()[: TINY.stat().st_size // 2])
    assert "truncated" in _error(path)


def test_random_tensors(tmp_path) -> None:
    path = tmp_path / "random.pth"
    torch.save({"layer.weight": torch.randn(4, 4), "layer.bias": torch.randn(4)}, path)
    assert "no 'Temporal_pos_embed' weight" in _error(path)


def test_missing_key(tmp_path, tiny_weights) -> None:
    path = tmp_path / "missing.pth"
    torch.save({k: v for k, v in tiny_weights.items() if k != "TTEblocks.1.op.A_logs"}, path)
    assert "missing 1 weights (TTEblocks.1.op.A_logs)" in _error(path)


def test_unexpected_key(tmp_path, tiny_weights) -> None:
    path = tmp_path / "extra.pth"
    torch.save({**tiny_weights, "STEblocks.0.op.extra": torch.zeros(1)}, path)
    assert "1 unexpected weights ('STEblocks.0.op.extra')" in _error(path)


def test_wrong_shape(tmp_path, tiny_weights) -> None:
    path = tmp_path / "shape.pth"
    torch.save({**tiny_weights, "head.1.weight": torch.zeros(2, 32)}, path)
    assert "'head.1.weight' has shape (2, 32), expected (3, 32)" in _error(path)


def test_other_pickled_class_is_refused(tmp_path, tiny_weights) -> None:
    import argparse

    path = tmp_path / "with_config.bin"
    torch.save({"model_pos": dict(tiny_weights), "args": argparse.Namespace(depth=2)}, path)
    assert "argparse.Namespace" in _error(path)


def test_numpy_array_is_refused(tmp_path, tiny_weights) -> None:
    """The allowlist holds the float64 scalar's globals only, not numpy's array reconstructor."""
    path = tmp_path / "with_array.bin"
    torch.save({"model_pos": dict(tiny_weights), "min_loss": np.array([41.8])}, path)
    assert "multiarray._reconstruct" in _error(path)


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_code_execution_is_refused(tmp_path) -> None:
    """A pickle that would run a command when unpickled freely is refused and runs nothing."""
    marker = tmp_path / "ran"
    path = tmp_path / "evil.bin"
    torch.save({"model_pos": _RunsCode(marker)}, path)
    message = _error(path)
    assert "system" in message and "refusing" in message
    assert not marker.exists()


def test_not_a_dict(tmp_path) -> None:
    path = tmp_path / "list.pth"
    torch.save([torch.zeros(1)], path)
    assert "neither a 'model_pos' entry nor a state dict" in _error(path)


def test_bad_safetensors(tmp_path) -> None:
    path = tmp_path / "broken.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    assert "safetensors" in _error(path)
