"""Crafted checkpoints: bounds and consistency of the shapes a file implies, checked before any model is
built, one line from `envkit lift`, and a fuzzer over crafted state dicts and bytes (marker fuzz)."""

from __future__ import annotations

import io
import resource
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import posemamba
from posemamba.checkpoint import read_state_dict
from tests.conftest import FIXTURES
from tests.hostile.one_line import ENVKIT, assert_one_line, run

TINY = FIXTURES / "posemamba" / "tiny_f27_d32_l2_checkpoint.bin"
SMALL = {"frames": 3, "dim": 4, "depth": 1}  # the fuzzer's model: every weight a few bytes


@pytest.fixture(scope="module")
def tiny() -> dict[str, torch.Tensor]:
    return read_state_dict(TINY)


def _zero(*shape: int) -> torch.Tensor:
    return torch.zeros(shape)


def _claims(*shape: int) -> torch.Tensor:
    """A view that claims `shape` over 4 stored bytes (stride 0): what the 432 KB attack file held."""
    return torch.zeros(1).expand(*shape)


CASES = {
    "frames 0": ({"Temporal_pos_embed": _zero(1, 0, 32)}, "frames 0, outside 1..1024"),
    "frames 10**6": ({"Temporal_pos_embed": _claims(1, 10**6, 32)}, "frames 1,000,000"),
    "width 0": ({"Temporal_pos_embed": _zero(1, 27, 0)}, "dim 0, outside 1..1024"),
    "width 10**8 over 4 bytes": ({"Temporal_pos_embed": _claims(1, 27, 10**8)}, "dim 100,000,000"),
    "widths disagree": ({"Spatial_pos_embed": _zero(1, 17, 64)}, "'Spatial_pos_embed' has shape (1, 17, 64)"),
    "18 joints": ({"Spatial_pos_embed": _zero(1, 18, 32)}, "expected (1, 17, 32)"),
    "3 input channels": ({"Spatial_patch_to_embedding.weight": _zero(32, 3)}, "expected (32, 2)"),
    "d_state 8": ({"STEblocks.0.op.A_logs": _zero(256, 8)}, "expected (256, 16)"),
    "depth 10**11": ({"STEblocks.99999999999.norm.weight": _zero(32)}, "unexpected weights"),
    "depth 65": ({f"STEblocks.{i}.norm.weight": _zero(32) for i in range(2, 65)}, "depth 65, outside 1..64"),
    "a gap in the blocks": ({"STEblocks.5.norm.weight": _zero(32)}, "missing"),
    "stride-0 weight": ({"head.1.weight": _claims(3, 32)}, "claims shape (3, 32)"),
    "overlapping view": ({"head.1.weight": torch.zeros(34).as_strided((3, 32), (1, 1))}, "the file stores"),
    "NaN": ({"head.1.weight": torch.full((3, 32), float("nan"))}, "NaN or infinite"),
    "inf": ({"head.1.bias": torch.tensor([0.0, float("inf"), 0.0])}, "NaN or infinite"),
    "int weights": ({"head.1.weight": torch.zeros(3, 32, dtype=torch.int32)}, "dtype torch.int32"),
    "bool weights": ({"head.1.weight": torch.zeros(3, 32, dtype=torch.bool)}, "dtype torch.bool"),
    "complex weights": (
        {"head.1.weight": torch.zeros(3, 32, dtype=torch.complex64)},
        "dtype torch.complex64",
    ),
    "meta tensor": ({"head.1.weight": torch.zeros(3, 32, device="meta")}, "not a dense CPU tensor"),
    "sparse tensor": ({"head.1.weight": torch.zeros(3, 32).to_sparse()}, "not a dense CPU tensor"),
    "embedding 2-D": ({"Temporal_pos_embed": _zero(27, 32)}, "expected 3 dimensions"),
    # The fuzzer's find: the file's own key names are echoed, escaped (one line, one fix).
    "a key with a newline": (
        {"x\nTEblocks.0.norm.bias — y": _zero(32)},
        "'x\\nTEblocks.0.norm.bias \\u2014 y'",
    ),
    "a NaN under a 5,000-character key": ({"k" * 5000: torch.full((2,), float("nan"))}, "(5000 characters)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_crafted_state_dict_is_refused_before_a_model_is_built(tmp_path, tiny, case: str) -> None:
    change, needle = CASES[case]
    path = tmp_path / "crafted.pth"
    torch.save({**tiny, **change}, path)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(posemamba.CheckpointError) as info:
        posemamba.load(path)
    message = str(info.value)
    assert needle in message and "\n" not in message and message.count(" fix: ") == 1, message


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_protocols_load_or_refuse_without_warnings(tmp_path, tiny, protocol: int) -> None:
    path = tmp_path / f"protocol{protocol}.pth"
    torch.save(tiny, path, pickle_protocol=protocol)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            assert posemamba.load(path).frames == 27
        except posemamba.CheckpointError as error:
            assert "cannot be read" in str(error)
    assert caught == [], [str(w.message) for w in caught]


def _keypoints(tmp_path: Path) -> Path:
    path = tmp_path / "keypoints.npz"
    np.savez(path, keypoints=np.full((5, 17, 2), 100.0, np.float32), width=640, height=480, format="coco")
    return path


def _limit_memory() -> None:
    """The child may use 6 GB of address space: building the 10**8-wide model would need ~80 GB."""
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


@pytest.mark.slow
@pytest.mark.parametrize("case", ["width 10**8 over 4 bytes", "frames 0", "stride-0 weight", "NaN"])
def test_lift_refuses_a_crafted_checkpoint_in_one_line(tmp_path, tiny, case: str) -> None:
    import subprocess

    change, needle = CASES[case]
    checkpoint = tmp_path / "crafted.bin"
    torch.save(
        {**tiny, **change}, checkpoint, pickle_protocol=3
    )  # also: torch's protocol warning stays quiet
    output = tmp_path / "out.npz"
    done = subprocess.run(
        [*ENVKIT, "lift", str(_keypoints(tmp_path)), "-o", str(output), "--checkpoint", str(checkpoint)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_memory,
    )
    assert_one_line(done, 2, "crafted.bin", needle)
    assert not output.exists()


@pytest.mark.slow
def test_lift_on_a_bad_device_names_the_device(tmp_path) -> None:
    done = run([*ENVKIT, "lift", str(_keypoints(tmp_path)), "-o", str(tmp_path / "o.npz"), "--checkpoint",
                str(TINY), "--device", "potato"])  # fmt: skip
    assert_one_line(done, 2, "device 'potato'", "--device cpu")


def _small_state() -> dict[str, torch.Tensor]:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return posemamba.PoseMamba(**SMALL).state_dict()


SMALL_STATE = _small_state()
SMALL_KEYS = sorted(SMALL_STATE)


@st.composite
def crafted(draw: st.DrawFn) -> bytes:
    """A torch file: the small model's weights with a few keys replaced, dropped or added, or such a
    file's bytes cut or with bytes overwritten."""
    state = dict(SMALL_STATE)
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*SMALL_KEYS, "STEblocks.7.norm.weight", "extra"]))
        action = draw(st.sampled_from(["shape", "drop", "dtype", "nan", "expand", "scalar"]))
        if action == "drop":
            state.pop(key, None)
        elif action == "shape":
            shape = draw(st.lists(st.integers(0, 40), min_size=0, max_size=4))
            state[key] = torch.zeros(shape)
        elif action == "dtype":
            dtype = draw(
                st.sampled_from([torch.int64, torch.float16, torch.bfloat16, torch.uint8, torch.float64])
            )
            state[key] = SMALL_STATE.get(key, torch.zeros(2)).to(dtype)
        elif action == "nan":
            state[key] = SMALL_STATE.get(key, torch.zeros(2)).clone().fill_(float("nan"))
        elif action == "expand":
            sizes = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=3))
            state[key] = torch.zeros(1).expand(*sizes)
        else:
            state[key] = torch.tensor(draw(st.floats(allow_nan=True)))
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    if draw(st.booleans()):
        return data
    if draw(st.booleans()):
        return data[: draw(st.integers(0, len(data)))]
    damaged = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        damaged[draw(st.integers(0, len(damaged) - 1))] = draw(st.integers(0, 255))
    return bytes(damaged)


@pytest.mark.fuzz
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=crafted())
def test_fuzz_checkpoint_loader(tmp_path_factory, data: bytes) -> None:
    """posemamba.load returns a model no bigger than the file allows, or raises one-line CheckpointError."""
    path = tmp_path_factory.getbasetemp() / "fuzzed.pth"
    path.write_bytes(data)
    try:
        model = posemamba.load(path)
    except posemamba.CheckpointError as error:
        assert "\n" not in str(error) and str(error).count(" fix: ") == 1
        return
    stored = sum(p.numel() for p in model.parameters()) * 4
    assert stored <= 2 * len(data) + 4096, "a model larger than the file could hold"
