"""Load PoseMamba weights safely: released checkpoints, bare state dicts and safetensors files.

The released files (spec section 2) are `torch.save` dicts with `epoch`, `lr`, `optimizer`,
`model_pos` (weights, every key prefixed `module.` by nn.DataParallel) and `min_loss`, a numpy.float64.
They are read with `weights_only=True` and an allowlist of exactly the numpy globals such a file
pickles for that scalar; a file that references anything else is refused, never unpickled freely.
The variant (frames, dim, depth) is read from the weights' shapes: no config file is needed; those
shapes are bounded and checked against each other before a model is built (checkpoint_shapes.py).
"""

from __future__ import annotations

import pickle
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import torch

from posemamba import demo_model
from posemamba.checkpoint_shapes import FIX as _FIX
from posemamba.checkpoint_shapes import detect_config, validate
from posemamba.errors import CheckpointError
from posemamba.model import PoseMamba

WEIGHTS_KEY = "model_pos"
DATA_PARALLEL_PREFIX = "module."
SAFETENSORS_SUFFIX = ".safetensors"
__all__ = ["CheckpointError", "detect_config", "load", "numpy_safe_globals", "read_state_dict", "validate"]


def numpy_safe_globals() -> list:
    """The globals a released checkpoint pickles for `min_loss` (a numpy.float64), and nothing else.

    numpy.float64 pickles as `scalar(dtype('float64'), raw bytes)`: the scalar reconstructor (module
    path numpy.core.multiarray in files written by numpy 1.x, numpy._core.multiarray by numpy 2.x),
    the `numpy.dtype` constructor, and the float64 dtype class whose state the unpickler sets (found by
    loading such files: without it torch refuses to BUILD the dtype).
    """
    import numpy as np

    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 1.26 has no numpy._core
        from numpy.core.multiarray import scalar
    return [
        (scalar, "numpy.core.multiarray.scalar"),
        (scalar, "numpy._core.multiarray.scalar"),
        np.dtype,
        type(np.dtype(np.float64)),
    ]


def _torch_load(path: Path) -> object:
    try:
        # torch warns about pickle protocols other than 2 and TorchScript archives (refused below anyway):
        # noise on the user's terminal, not a verdict on the file, which is judged here.
        with warnings.catch_warnings(), torch.serialization.safe_globals(numpy_safe_globals()):
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        text = str(error)
        refused = re.search(r"GLOBAL ([\w.]+)", text)
        if refused and "Weights only load failed" in text:
            raise CheckpointError(
                f"{path} is not a PoseMamba checkpoint: it pickles {refused.group(1)}, which the released "
                "checkpoints do not contain; refusing to unpickle it (weights_only=True)",
                fix=_FIX,
            ) from None
        reason = text.split("WeightsUnpickler error:")[-1].strip().splitlines() or [type(error).__name__]
        raise CheckpointError(
            f"{path} cannot be read as a PyTorch checkpoint (truncated or another format: {reason[0]})",
            fix=_FIX,
        ) from None
    # torch.load fails on foreign bytes with many exception types (IndexError for a text file,
    # RuntimeError for a truncated zip, EOFError, ...): all mean "not a readable checkpoint".
    except Exception as error:
        text = str(error).strip()
        first_line = f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__
        raise CheckpointError(
            f"{path} cannot be read as a PyTorch checkpoint (truncated or another format: {first_line})",
            fix=_FIX,
        ) from None


def _safetensors_load(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(path, device="cpu")
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(f"{path} cannot be read as a safetensors file ({error})", fix=_FIX) from None


def _weights(obj: object, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(obj, Mapping) and WEIGHTS_KEY in obj:
        obj = obj[WEIGHTS_KEY]
    if not isinstance(obj, Mapping) or not obj:
        kind = (
            f"a dict with keys {sorted(map(str, obj))[:8]}"
            if isinstance(obj, Mapping)
            else type(obj).__name__
        )
        raise CheckpointError(
            f"{path} holds {kind}, neither a '{WEIGHTS_KEY}' entry nor a state dict of tensors", fix=_FIX
        )
    not_tensors = [str(key) for key, value in obj.items() if not isinstance(value, torch.Tensor)]
    if not_tensors:
        raise CheckpointError(
            f"{path} has no '{WEIGHTS_KEY}' entry and is not a state dict: {', '.join(not_tensors[:5])} "
            "are not tensors",
            fix=_FIX,
        )
    return {str(key).removeprefix(DATA_PARALLEL_PREFIX): value for key, value in obj.items()}


def read_checkpoint(path: str | Path) -> object:
    """The unpickled contents of a torch checkpoint (weights_only with the numpy allowlist), on the CPU."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist or is not a file", fix=_FIX)
    return _torch_load(path)


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The model weights in `path` on the CPU, `module.` prefixes removed (not yet checked)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist or is not a file", fix=_FIX)
    if path.suffix == SAFETENSORS_SUFFIX:
        return _weights(_safetensors_load(path), path)
    return _weights(read_checkpoint(path), path)


def load(path: str | Path, device: str | torch.device = "cpu") -> PoseMamba:
    """An eval-mode PoseMamba with the weights in `path` (variant detected from their shapes); "demo" is
    the demo model shipped in the package (posemamba.demo_model)."""
    path = demo_model.resolve(path)
    state = read_state_dict(path)
    config = validate(state, path)  # bounds, consistency and storage checked before anything is built
    model = PoseMamba(**config)
    # Half-precision copies load into the float32 model: the original forces float32 for the scan anyway.
    model.load_state_dict({key: value.float() for key, value in state.items()}, strict=True)
    return model.eval().to(device)
