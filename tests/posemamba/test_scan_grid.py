"""The model's four-direction scan (posemamba.scan.grid): fused compiled route vs the packed route."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from scan_problems import assert_close, float32_atol

from posemamba import scan
from posemamba.scan import grid

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "posemamba"
LIMBS = torch.tensor([0, 0, 1, 2, 3, 0, 4, 5, 6, 8, 11, 12, 13, 8, 14, 15, 16])


def weights(d_inner: int, rank: int, dstate: int = 16, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(4, rank + 2 * dstate, d_inner, generator=g) * d_inner**-0.5,
        torch.randn(4, d_inner, rank, generator=g) * rank**-0.5,
        torch.randn(4, d_inner, generator=g) - 2.0,
        -torch.exp(torch.randn(4 * d_inner, dstate, generator=g) * 0.3),
        torch.randn(4 * d_inner, generator=g),
    )


def cpu_or_skip() -> None:
    ok, why = scan._backend_available("cpu")
    if not ok:
        pytest.skip(f"the compiled CPU scan is unavailable here: {why}")


@pytest.mark.parametrize(("frames", "d_inner", "rank"), [(9, 24, 2), (30, 40, 3), (1, 16, 1)])
def test_fused_matches_packed_reference(frames: int, d_inner: int, rank: int) -> None:
    cpu_or_skip()
    v = torch.randn(2, frames, 17, d_inner, generator=torch.Generator().manual_seed(1))
    w = weights(d_inner, rank)
    with torch.no_grad():
        assert grid.uses_fused(v, None, w)
        fused = grid.four_direction_scan(v, LIMBS, *w)
        packed = grid.four_direction_scan(v.double(), LIMBS, *[t.double() for t in w], backend="ref")
    assert_close(
        fused, packed, f"fused grid scan F={frames} Di={d_inner} R={rank}", atol=float32_atol(packed)
    )


@pytest.mark.parametrize("backend", ["cpu", "torch"])
def test_block_fixture_merge(backend: str) -> None:
    """The golden block's own conv output -> its recorded merged scan output (spec 4.4 steps 3-6)."""
    if backend == "cpu":
        cpu_or_skip()
    data = np.load(FIXTURES / "block_h16_io.npz")
    state = torch.load(FIXTURES / "block_h16_state_dict.pt", map_location="cpu", weights_only=True)
    v = torch.nn.functional.silu(torch.from_numpy(data["conv_out_pre_act"])).permute(0, 2, 3, 1)
    w = (
        state["op.x_proj_weight"],
        state["op.dt_projs_weight"],
        state["op.dt_projs_bias"],
        -torch.exp(state["op.A_logs"]),
        state["op.Ds"],
    )
    bt, frames, joints, d_inner = v.shape
    want = torch.from_numpy(data["merged_y"]).view(bt, d_inner, frames, joints).permute(0, 2, 3, 1)
    with torch.no_grad():
        got = grid.four_direction_scan(v, LIMBS, *w, backend=backend)
    assert_close(got, want, f"block merge ({backend})")


def test_gradients_take_the_packed_route() -> None:
    v = torch.randn(1, 3, 17, 16, requires_grad=True)
    w = weights(16, 1)
    assert not grid.uses_fused(v, None, w)
    grid.four_direction_scan(v, LIMBS, *w).sum().backward()
    assert v.grad is not None and torch.isfinite(v.grad).all()


def test_temporal_order_visits_joint_major() -> None:
    order = grid.temporal_order(3, 17)
    # step l = j*F + f visits grid position f*J + j
    assert order[0].item() == 0 and order[1].item() == 17 and order[3].item() == 1
    assert sorted(order.tolist()) == list(range(51))


def test_model_trains_through_the_scan() -> None:
    """A training step on a small model: gradients reach the scan parameters of every block."""
    from posemamba.model import PoseMamba

    model = PoseMamba(frames=9, dim=16, depth=1).train()
    model(torch.randn(2, 9, 17, 2)).square().mean().backward()
    op = model.STEblocks[0].op
    for name in ("x_proj_weight", "dt_projs_weight", "dt_projs_bias", "A_logs", "Ds"):
        grad = getattr(op, name).grad
        assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0, name


def test_available_names_the_reason() -> None:
    assert scan.available("ref") == (True, "sequential reference loop")
    with pytest.raises(scan.UnknownBackendError):
        scan.available("nope")
