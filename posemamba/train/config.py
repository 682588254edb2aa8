"""Training configs: the released YAML files, validated, and saved so they can be trained from again.

The released S/B/L configs (posemamba/configs/, byte copies of nankingjing/PoseMamba@2ec3737
configs/pose3d/PoseMamba_train_h36m_{S,B,L}.yaml) are read with yaml.safe_load. Every key must be one
of KEYS (an unknown key is an error naming the closest known one); a missing key takes the released
S value. Settings the original accepts but PoseMamba never uses (2D pretraining, masking, noise, the
angle losses, ...) must keep their released values: anything else is refused rather than silently
ignored. `name` is the file's stem unless the file sets it (the original's get_config adds it,
tools.py:46-54).

Three keys are ours, with the original's behaviour as default: `seed` (the original's --seed, 0),
`limb_gradient` ("exact" autograd gradient; "original" reproduces the original's wrong backward of
the pose-limb sum), `drop_path_rate` (the original hard-codes 0.2, PoseMamba.py:38).

`save_config` writes plain YAML (the original dumps an EasyDict that its own loader cannot read back,
fragile point 6); load_config(save_config(c)) == c.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from posemamba.errors import ConfigError
from posemamba.files import atomic_write

RELEASED = ("S", "B", "L")
_SUPPORTED = "PoseMamba's 3D training on Human3.6M"


def released_config_path(variant: str) -> Path:
    """The released config file of variant S, B or L (shipped inside the posemamba package)."""
    return Path(str(resources.files("posemamba") / "configs" / f"PoseMamba_train_h36m_{variant}.yaml"))


@dataclass(frozen=True)
class Key:
    """One config key: its type(s), its default (the released S value) and, when only some values
    are supported, the check."""

    types: tuple[type, ...]
    default: Any
    only: tuple[Any, ...] | None = None  # the values this implementation supports
    why: str = ""


def _only(value: Any, why: str, types: tuple[type, ...] = (bool,)) -> Key:
    return Key(types, value, (value,), why)


# In the released files' order (configs/pose3d/PoseMamba_train_h36m_S.yaml), then ours.
KEYS: dict[str, Key] = {
    "train_2d": _only(False, "2D pretraining (MotionBERT) is not part of " + _SUPPORTED),
    "no_eval": Key((bool,), False),
    "finetune": _only(False, "fine-tuning from a pretrained backbone is not part of " + _SUPPORTED),
    "partial_train": Key((type(None),), None, (None,), "partial training is not part of " + _SUPPORTED),
    "epochs": Key((int,), 120),
    "checkpoint_frequency": Key((int,), 30),
    "batch_size": Key((int,), 4),
    "dropout": Key((int, float), 0.0),  # read by nothing in the original (learning.py:83-84)
    "learning_rate": Key((int, float), 0.0002),
    "weight_decay": Key((int, float), 0.01),
    "lr_decay": Key((int, float), 0.99),
    "backbone": Key((str,), "PoseMamba", ("PoseMamba",), "only the PoseMamba backbone is implemented"),
    "maxlen": Key((int,), 243),
    "dim_feat": Key((int,), 64),
    "mlp_ratio": Key((int, float), 2),
    "depth": Key((int,), 10),
    "att_fuse": Key((bool,), True),  # read by nothing in the original
    "data_root": Key((str,), "data/motion3d/MB3D_f243s81/"),
    "subset_list": Key((list,), ["H36M-SH"]),
    "dt_file": Key((str,), "h36m_sh_conf_cam_source_final.pkl"),
    "clip_len": Key((int,), 243),
    "data_stride": Key((int,), 81),
    "rootrel": _only(True, "the targets are root-relative in " + _SUPPORTED),
    "sample_stride": Key((int,), 1, (1,), "the released configs use every frame"),
    "num_joints": Key((int,), 17, (17,), "the model has 17 joints"),
    "no_conf": _only(True, "the released model takes 2 channels (x, y); the confidence is dropped"),
    "gt_2d": _only(False, "training from ground-truth 2D is not implemented"),
    "lambda_3d_velocity": Key((int, float), 20.0),
    "lambda_scale": Key((int, float), 0.5),
    "lambda_lv": Key((int, float), 0.0),
    "lambda_lg": Key((int, float), 0.0),
    "lambda_a": Key((int, float), 0.0, (0, 0.0), "the bone-angle losses are not implemented"),
    "lambda_av": Key((int, float), 0.0, (0, 0.0), "the bone-angle losses are not implemented"),
    "lambda_3dw": Key((int, float), 0.0),
    "lambda_3d": Key((int, float), 1.0),
    "lambda_diff": Key((int, float), 0.5),
    "synthetic": _only(False, "synthetic 2D data (MotionBERT's Augmenter2D) is not part of " + _SUPPORTED),
    "flip": Key((bool,), True),
    "mask_ratio": Key(
        (int, float), 0.0, (0, 0.0), "masking needs MotionBERT's Augmenter2D (not implemented)"
    ),
    "mask_T_ratio": Key(
        (int, float), 0.0, (0, 0.0), "masking needs MotionBERT's Augmenter2D (not implemented)"
    ),
    "noise": _only(False, "2D noise needs MotionBERT's Augmenter2D (not implemented)"),
    "name": Key((str,), "PoseMamba_train_h36m_S"),
    "seed": Key((int,), 0),
    "limb_gradient": Key((str,), "exact", ("exact", "original"), "limb_gradient is exact or original"),
    "drop_path_rate": Key((int, float), 0.2),
}
POSITIVE = (
    "epochs",
    "checkpoint_frequency",
    "batch_size",
    "maxlen",
    "dim_feat",
    "depth",
    "clip_len",
    "data_stride",
)


class Config(dict):
    """A validated config: a dict of every key in KEYS, also readable as attributes (config.epochs)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def _fix(source: str) -> str:
    return f"edit {source} (the released configs are in posemamba/configs/)"


def validate(values: dict[str, Any], source: str) -> Config:
    """A Config from `values` (missing keys take the defaults); ConfigError for the first problem."""
    for key in values:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{source}: unknown key '{key}'{hint}", fix=_fix(source))
    config = Config()
    for key, spec in KEYS.items():
        value = values.get(key, spec.default)
        # bool is an int in Python; a number key given true/false is still a mistake.
        wrong_bool = isinstance(value, bool) and bool not in spec.types
        if wrong_bool or not isinstance(value, spec.types):
            wanted = " or ".join(t.__name__ if t is not type(None) else "null" for t in spec.types)
            raise ConfigError(
                f"{source}: '{key}' is {value!r} ({type(value).__name__}), expected {wanted}",
                fix=_fix(source),
            )
        if spec.only is not None and value not in spec.only:
            raise ConfigError(f"{source}: '{key}: {value!r}' is not supported: {spec.why}", fix=_fix(source))
        if isinstance(value, list):
            value = list(value)  # never share the default's list
        elif float in spec.types and int in spec.types and key != "mlp_ratio":
            value = float(value)  # learning_rate: 1 and 1.0 are the same setting
        config[key] = value
    for key in POSITIVE:
        if config[key] < 1:
            raise ConfigError(f"{source}: '{key}' must be at least 1, got {config[key]}", fix=_fix(source))
    if config.clip_len > config.maxlen:
        raise ConfigError(
            f"{source}: clip_len {config.clip_len} is longer than the model's maxlen {config.maxlen}",
            fix=_fix(source),
        )
    return config


def load_config(path: str | Path) -> Config:
    """Read and validate a YAML config (ConfigError for a missing, unreadable or invalid file)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"config file {path} does not exist",
            fix=f"pass --config with a YAML file, e.g. {released_config_path('S')}",
        )
    try:
        values = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigError(f"{path} is not valid YAML ({first})", fix=_fix(str(path))) from None
    if not isinstance(values, dict):
        raise ConfigError(
            f"{path} holds a {type(values).__name__}, not a mapping of keys", fix=_fix(str(path))
        )
    values.setdefault("name", path.stem)
    return validate(values, str(path))


def config_text(config: Config) -> str:
    """Plain YAML of every key, in KEYS order."""
    return yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=None)


def save_config(config: Config, path: str | Path) -> Path:
    """Write `config` as plain YAML to `path` (atomically); load_config reads it back equal."""
    path = Path(path)
    atomic_write(path, lambda handle: handle.write(config_text(config).encode()))
    return path


def differences(a: Config, b: Config, ignore: tuple[str, ...] = ()) -> list[str]:
    """The keys whose values differ, as 'key: a -> b'."""
    return [f"{key}: {a[key]!r} -> {b[key]!r}" for key in KEYS if key not in ignore and a[key] != b[key]]
