"""Our PoseMamba against the original's golden data: manifests, one block, the tiny model, scan calls."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from posemamba_golden import FIXTURES, assert_golden, backend_params

import posemamba
from posemamba import scan
from posemamba.keypoints import flip, flip_tta, root_zero
from posemamba.model import BiSTSSMBlock, PoseMamba


def _manifest(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}_manifest.json").read_text())


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("tiny_f27_d32_l2", {"frames": 27, "dim": 32, "depth": 2}),
        ("posemamba_s", {"frames": 243, "dim": 64, "depth": 10}),
        ("posemamba_b", {"frames": 243, "dim": 128, "depth": 10}),
        ("posemamba_l", {"frames": 243, "dim": 128, "depth": 20}),
    ],
)
def test_state_dict_equals_manifest(name: str, config: dict) -> None:
    """Keys (in order), shapes and dtypes of our state dict are exactly the released ones."""
    entries = _manifest(name)["state_dict"]
    ours = PoseMamba(**config).state_dict()
    assert list(ours) == [entry["model_key"] for entry in entries]
    for entry in entries:
        tensor = ours[entry["model_key"]]
        assert list(tensor.shape) == entry["shape"], entry["model_key"]
        assert str(tensor.dtype).removeprefix("torch.") == entry["dtype"], entry["model_key"]
        assert entry["key"] == "module." + entry["model_key"]


def test_released_variants_are_named() -> None:
    assert PoseMamba(**posemamba.VARIANTS["S"]).variant == "S"
    assert PoseMamba(frames=27, dim=32, depth=2).variant == "custom"


@pytest.mark.parametrize("backend", backend_params())
@pytest.mark.parametrize("case", [1, 2, 3])
def test_scan_cases(case: int, backend: str) -> None:
    data = np.load(FIXTURES / f"selective_scan_case{case}.npz")
    args = {key: torch.from_numpy(data[key]) for key in ("u", "delta", "A", "B", "C", "D", "delta_bias")}
    out = scan.selective_scan(**args, delta_softplus=bool(data["delta_softplus"]), backend=backend)
    assert_golden(out, data["out"], f"scan case {case} ({backend})")


@pytest.mark.parametrize("backend", backend_params())
def test_block(backend: str) -> None:
    data = np.load(FIXTURES / "block_h16_io.npz")
    block = BiSTSSMBlock(16)
    block.load_state_dict(torch.load(FIXTURES / "block_h16_state_dict.pt", weights_only=True), strict=True)
    block.eval()
    block.op.scan_backend = backend
    with torch.inference_mode():
        out = block(torch.from_numpy(data["input"]))
    assert_golden(out, data["output"], f"block ({backend})")
    # The fork's v3 (no pose-limb sum) is far outside the tolerance: the test can tell them apart.
    assert np.abs(out.numpy() - data["output_if_forward_type_v3"]).max() > 0.1


@pytest.fixture(scope="module")
def tiny() -> PoseMamba:
    return posemamba.load(FIXTURES / "tiny_f27_d32_l2_checkpoint.bin")


@pytest.mark.parametrize("backend", backend_params(slow_unless_default=True))
def test_tiny_model(tiny: PoseMamba, backend: str) -> None:
    io = np.load(FIXTURES / "tiny_f27_d32_l2_io.npz")
    tiny.scan_backend = backend
    try:
        with torch.inference_mode():
            out = tiny(torch.from_numpy(io["model_input"]))
            batch2 = tiny(torch.from_numpy(io["batch2_model_input"]))
            flipped = tiny(torch.from_numpy(io["flipped_model_input"]))
            raw = tiny(torch.from_numpy(io["input_raw_xyconf"]))  # the confidence channel is dropped
            tta = flip_tta(tiny, torch.from_numpy(io["model_input"]))
    finally:
        tiny.scan_backend = None
    assert_golden(out, io["output"], f"tiny output ({backend})")
    assert_golden(batch2, io["batch2_output"], f"tiny batch2 ({backend})")
    assert_golden(flipped, io["output_on_flipped_input"], f"tiny flipped ({backend})")
    assert_golden(raw, io["output"], f"tiny xyconf input ({backend})")
    assert_golden(flip(torch.from_numpy(io["model_input"])), io["flipped_model_input"], "our flip")
    assert_golden(tta, io["output_flip_tta"], f"tiny flip-TTA ({backend})")
    assert_golden(root_zero(tta), io["output_pipeline_rootzeroed"], f"tiny root-zeroed ({backend})")


def test_tiny_takes_shorter_clips(tiny: PoseMamba) -> None:
    """T < frames uses the first T rows of the temporal embedding; the output has T frames."""
    io = np.load(FIXTURES / "tiny_f27_d32_l2_io.npz")
    with torch.inference_mode():
        out = tiny(torch.from_numpy(io["model_input"][:, :5]))
    assert out.shape == (1, 5, 17, 3)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize(
    "shape", [(1, 28, 17, 2), (1, 0, 17, 2), (1, 27, 16, 2), (1, 27, 17, 4), (27, 17, 2)]
)
def test_model_rejects_bad_shapes(tiny: PoseMamba, shape: tuple[int, ...]) -> None:
    with pytest.raises(posemamba.InputShapeError, match="fix:"):
        tiny(torch.zeros(shape))


def test_gradients_reach_every_parameter() -> None:
    """The model trains: a backward pass gives finite, non-zero gradients for every parameter."""
    model = PoseMamba(frames=27, dim=32, depth=2)
    model(torch.randn(2, 9, 17, 2)).square().mean().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().sum() > 0, name
