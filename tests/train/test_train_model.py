"""What training adds to the model: drop-path, the limb-sum gradient options, per-sample randomness."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from posemamba import PoseMamba
from posemamba.scan import grid
from posemamba.train.randomness import augmentation
from tests.train.conftest import eval_cli


def test_drop_path_changes_neither_inference_nor_the_state_dict() -> None:
    torch.manual_seed(0)
    plain = PoseMamba(frames=9, dim=8, depth=3)
    torch.manual_seed(0)
    dropping = PoseMamba(frames=9, dim=8, depth=3, drop_path_rate=0.2)
    assert [b.drop_path.rate for b in dropping.STEblocks] == pytest.approx([0.0, 0.1, 0.2])
    assert [b.drop_path.rate for b in dropping.TTEblocks] == pytest.approx([0.0, 0.1, 0.2])
    assert list(plain.state_dict()) == list(dropping.state_dict())
    x = torch.randn(2, 9, 17, 2)
    with torch.no_grad():
        torch.testing.assert_close(dropping.eval()(x), plain.eval()(x), rtol=0, atol=0)
        dropping.train()
        plain.train()
        keep_all = torch.zeros(2, 3, 2, 2)  # every uniform below 1 - rate: nothing dropped...
        scaled = dropping(x, path_noise=keep_all)
        drop_all = torch.ones(2, 3, 2, 2)  # ...every uniform above: every branch with rate > 0 dropped
        dropped = dropping(x, path_noise=drop_all)
    assert not torch.allclose(scaled, plain(x).detach())  # kept branches are scaled by 1 / (1 - rate)
    assert not torch.allclose(scaled, dropped)
    one = dropping(x[:1], path_noise=drop_all[:1]).detach()
    torch.testing.assert_close(dropped[:1], one)  # the draw is per sample


def test_limb_sum_gradient_exact_and_original() -> None:
    from posemamba.ssm import POSE_LIMB_INDEX

    index = torch.tensor(POSE_LIMB_INDEX)
    v = torch.randn(1, 2, 17, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: grid.limb_sum(t, index, "exact"), (v,))
    assert not torch.autograd.gradcheck(
        lambda t: grid.limb_sum(t, index, "original"), (v,), raise_exception=False
    )
    upstream = torch.randn(1, 2, 17, 3, dtype=torch.float64)
    (grad,) = torch.autograd.grad(grid.limb_sum(v, index, "original"), v, upstream)
    torch.testing.assert_close(grad, upstream)  # the original's backward: as if G were V
    (exact,) = torch.autograd.grad(grid.limb_sum(v, index, "exact"), v, upstream)
    want = upstream.clone().index_add_(2, index, upstream)  # plus the scatter-add through the gather
    torch.testing.assert_close(exact, want)
    torch.testing.assert_close(grid.limb_sum(v, index, "original"), grid.limb_sum(v, index, "exact"))


def test_model_trains_with_either_limb_gradient() -> None:
    grads = {}
    for option in ("exact", "original"):
        torch.manual_seed(0)
        model = PoseMamba(frames=5, dim=8, depth=1).train()
        model.limb_gradient = option
        model(torch.randn(1, 5, 17, 2)).square().mean().backward()
        grads[option] = model.STEblocks[0].op.in_proj.weight.grad.clone()
    assert not torch.allclose(grads["exact"], grads["original"])
    with pytest.raises(ValueError, match="unknown limb gradient"):
        model.limb_gradient = "other"


def test_randomness_is_per_sample_whatever_the_batch_split() -> None:
    clips = [7, 3, 11, 0, 5, 9]
    flips, noise = augmentation(seed=1, epoch=4, clips=clips, depth=2, flip=True)
    first, second = augmentation(1, 4, clips[::2], 2, True), augmentation(1, 4, clips[1::2], 2, True)
    torch.testing.assert_close(noise[::2], first[1])
    torch.testing.assert_close(noise[1::2], second[1])
    assert flips[::2].tolist() == first[0].tolist() and flips[1::2].tolist() == second[0].tolist()
    other_epoch = augmentation(1, 5, clips, 2, True)[1]
    assert not torch.equal(noise, other_epoch)
    assert not augmentation(1, 4, clips, 2, flip=False)[0].any()
    many = augmentation(0, 0, list(range(2000)), 1, True)[0].float().mean().item()
    assert 0.45 < many < 0.55  # p = 0.5, as the original's random.random() > 0.5


def test_eval_refuses_a_checkpoint_of_another_model(
    tmp_path: Path, small_pkl: Path, cache_dir: Path, capsys
) -> None:
    other = tmp_path / "resnet_head.pth"
    torch.save({"model_pos": torch.nn.Linear(4, 2).state_dict(), "epoch": 3}, other)
    json_out = tmp_path / "r.json"
    args = ["--checkpoint", str(other), "--data", str(small_pkl), "--json-out", str(json_out), "--no-mlflow"]
    assert eval_cli(args, cache_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a PoseMamba checkpoint" in err[0] and " — fix: " in err[0], err
    assert not json_out.exists()
    assert eval_cli(["--checkpoint", str(tmp_path / "missing.bin"), "--data", str(small_pkl)], cache_dir) == 2
    assert "does not exist" in capsys.readouterr().err


def test_recomputed_blocks_give_the_same_gradients() -> None:
    torch.manual_seed(0)
    model = PoseMamba(frames=9, dim=8, depth=2, drop_path_rate=0.2).train()
    x, noise = torch.randn(2, 9, 17, 2), torch.rand(2, 2, 2, 2)
    grads = []
    for recompute in (False, True):
        model.zero_grad()
        model.checkpoint_blocks = recompute
        model(x, path_noise=noise).square().mean().backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for plain, recomputed in zip(*grads, strict=True):
        torch.testing.assert_close(recomputed, plain, rtol=0, atol=0)
