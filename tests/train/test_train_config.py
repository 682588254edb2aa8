"""Configs: the released files, validation, the round-trip, and the command line's one-line errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from posemamba.errors import ConfigError
from posemamba.train.config import KEYS, load_config, released_config_path, save_config, validate
from tests.train.conftest import train_cli

# sha256 of nankingjing/PoseMamba@2ec3737 configs/pose3d/PoseMamba_train_h36m_{S,B,L}.yaml.
RELEASED_SHA256 = {
    "S": "61d11ed9c0899cc7fde6c924ab88b518c19aa441cf9ef53a5b345d2f450c46c9",
    "B": "65c387a9abfd561f25f14b82280787e48e82b0b72c8a5d76399475969b5d6c41",
    "L": "a7d5e4fb90a7445245f1d7a53d5c202ed9a5fe8eb24b72b378af807b67fc09f4",
}


@pytest.mark.parametrize("variant", ["S", "B", "L"])
def test_released_configs_are_the_originals_and_load(variant: str) -> None:
    path = released_config_path(variant)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == RELEASED_SHA256[variant]
    config = load_config(path)
    assert (config.dim_feat, config.depth) == {"S": (64, 10), "B": (128, 10), "L": (128, 20)}[variant]
    assert (config.epochs, config.batch_size, config.learning_rate) == (120, 4, 0.0002)
    assert (config.weight_decay, config.lr_decay, config.checkpoint_frequency) == (0.01, 0.99, 30)
    assert (config.lambda_3d, config.lambda_scale, config.lambda_3d_velocity, config.lambda_diff) == (
        1,
        0.5,
        20,
        0.5,
    )
    assert (config.clip_len, config.data_stride, config.maxlen) == (243, 81, 243)
    assert config.name == f"PoseMamba_train_h36m_{variant}"
    # Ours, at the original's behaviour: the correct limb gradient is the one deliberate difference.
    assert (config.seed, config.drop_path_rate, config.limb_gradient) == (0, 0.2, "exact")


def test_saved_config_reads_back_equal(tmp_path: Path) -> None:
    config = load_config(released_config_path("B"))
    saved = save_config(
        validate({**config, "limb_gradient": "original", "epochs": 3}, "test"), tmp_path / "c.yaml"
    )
    again = load_config(saved)
    assert again == {**config, "limb_gradient": "original", "epochs": 3}
    assert list(again) == list(KEYS)
    assert load_config(save_config(again, tmp_path / "d.yaml")) == again


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lerning_rate: 0.1\n", "unknown key 'lerning_rate' (did you mean 'learning_rate'?)"),
        ("epochs: ten\n", "'epochs' is 'ten' (str), expected int"),
        ("flip: 1\n", "'flip' is 1 (int), expected bool"),
        ("train_2d: true\n", "'train_2d: True' is not supported"),
        ("lambda_a: 0.1\n", "the bone-angle losses are not implemented"),
        ("clip_len: 300\n", "clip_len 300 is longer than the model's maxlen 243"),
        ("[1, 2]\n", "holds a list, not a mapping"),
        ("epochs: [\n", "is not valid YAML"),
    ],
)
def test_bad_configs_are_one_line_with_the_fix(
    tmp_path: Path, small_pkl: Path, cache_dir: Path, capsys, text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_config(path)
    args = ["--config", str(path), "--data", str(small_pkl), "--out", str(tmp_path / "out"), "--no-mlflow"]
    assert train_cli(args, cache_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and " — fix: " in err[0], err
    assert not (tmp_path / "out").exists()
