"""What a checkpoint's weights imply (frames, dim, depth), bounded and consistent, before a model exists.

A crafted file can claim any shape: torch keeps a view's sizes and strides, so a 4-byte storage
expanded with stride 0 loads as a (1, 27, 10**8) tensor, and a model built from that width would
allocate gigabytes. So, before `posemamba.load` builds anything:

1. every weight is a dense floating-point CPU tensor whose storage in the file really holds all of its
   elements (no stride-0 or overlapping views, no meta, sparse or quantized tensors) and whose values
   are finite: the model's memory is then bounded by the file's size (twice it for half precision);
2. frames, dim and depth are read from the weights' shapes and each lies within LIMITS;
3. every weight's shape equals what a PoseMamba of that (frames, dim, depth) has, compared against a
   model built on the `meta` device (shapes only, no memory), so the implied sizes agree with each
   other (the joints, the 2 input channels, d_state 16 and the derived widths included).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from posemamba.errors import CheckpointError, quoted

FIX = "pass a PoseMamba checkpoint (the released PoseMamba_{S,B,L} .bin files, a state dict or .safetensors)"
# Inclusive bounds on what a checkpoint may imply. The released variants (spec section 1) have 243
# frames, dim 64 or 128 and depth 10 or 20; the bounds leave room for other trained sizes (4x the
# frames, 8x the width, 3x the depth) and stop a file from asking for an absurd model.
LIMITS = {"frames": (1, 1024), "dim": (1, 1024), "depth": (1, 64)}
BLOCK_PREFIX = "STEblocks."


def check_tensor(key: str, tensor: torch.Tensor, path: Path) -> None:
    """Raise CheckpointError unless `tensor` is a dense, storage-backed, finite float CPU tensor."""
    if tensor.layout != torch.strided or tensor.device.type != "cpu" or tensor.is_quantized:
        kind = f"{tensor.layout}{', quantized' if tensor.is_quantized else ''}, on {tensor.device.type}"
        raise CheckpointError(f"{path}: {quoted(key, 80)} is not a dense CPU tensor ({kind})", fix=FIX)
    if not tensor.is_floating_point():
        raise CheckpointError(
            f"{path}: {quoted(key, 80)} has dtype {tensor.dtype}, expected a floating-point tensor", fix=FIX
        )
    needed = tensor.numel() * tensor.element_size()
    stored = tensor.untyped_storage().nbytes()
    if needed > stored:
        raise CheckpointError(
            f"{path}: {quoted(key, 80)} claims shape {tuple(tensor.shape)} ({needed:,} bytes) but the file "
            f"stores {stored:,} bytes for it (a repeated or overlapping view): refusing to expand it",
            fix=FIX,
        )
    if not bool(torch.isfinite(tensor).all()):
        raise CheckpointError(f"{path}: {quoted(key, 80)} holds NaN or infinite values", fix=FIX)


def _dims(state: Mapping[str, torch.Tensor], key: str, dims: int, path: Path) -> tuple[int, ...]:
    if key not in state:
        raise CheckpointError(f"{path} is not a PoseMamba checkpoint: it has no '{key}' weight", fix=FIX)
    shape = tuple(state[key].shape)
    if len(shape) != dims:
        raise CheckpointError(f"{path}: '{key}' has shape {shape}, expected {dims} dimensions", fix=FIX)
    return shape


def _depth(state: Mapping[str, torch.Tensor]) -> int:
    """1 + the highest spatial block index among the keys (gaps are caught by the shape comparison)."""
    indices = set()
    for key in state:
        if key.startswith(BLOCK_PREFIX):
            index = key[len(BLOCK_PREFIX) :].split(".", 1)[0]
            if index.isascii() and index.isdigit() and len(index) <= 6:
                indices.add(int(index))
    return max(indices) + 1 if indices else 0


def detect_config(state: Mapping[str, torch.Tensor], path: str | Path = "checkpoint") -> dict[str, int]:
    """frames, dim and depth of the model these weights belong to, from their shapes, within LIMITS."""
    path = Path(path)
    _, frames, dim = _dims(state, "Temporal_pos_embed", 3, path)
    _dims(state, "Spatial_pos_embed", 3, path)
    depth = _depth(state)
    if depth == 0:
        raise CheckpointError(
            f"{path} is not a PoseMamba checkpoint: it has no 'STEblocks.0.*' weights", fix=FIX
        )
    config = {"frames": frames, "dim": dim, "depth": depth}
    for name, value in config.items():
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise CheckpointError(
                f"{path} implies a PoseMamba with {name} {value:,}, outside {low}..{high} "
                "(read from the weights' shapes)",
                fix=FIX,
            )
    return config


def expected_shapes(config: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
    """Every weight's shape in a PoseMamba of `config`, from a model on the meta device (no memory)."""
    from posemamba.model import PoseMamba

    with torch.device("meta"):
        model = PoseMamba(**config)
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


def compare(expected: Mapping[str, tuple[int, ...]], state: Mapping[str, torch.Tensor], path: Path) -> None:
    """Raise CheckpointError naming the missing, unexpected and mismatched weights, if any."""
    problems = []
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing:
        listed = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
        problems.append(f"missing {len(missing)} weights ({listed})")
    if unexpected:
        # The file's own keys: any text, echoed escaped and cut (one line, one fix).
        listed = ", ".join(quoted(key, 60) for key in unexpected[:3])
        listed += ", ..." if len(unexpected) > 3 else ""
        problems.append(f"{len(unexpected)} unexpected weights ({listed})")
    for key, want in expected.items():
        got = state.get(key)
        if got is not None and tuple(got.shape) != want:
            problems.append(f"'{key}' has shape {tuple(got.shape)}, expected {want}")
        if len(problems) >= 5:
            break
    if problems:
        raise CheckpointError(f"{path} does not match PoseMamba: {'; '.join(problems)}", fix=FIX)


def validate(state: Mapping[str, torch.Tensor], path: str | Path = "checkpoint") -> dict[str, int]:
    """The (frames, dim, depth) config of `state` once every check above passed; CheckpointError if not."""
    path = Path(path)
    config = detect_config(state, path)
    compare(expected_shapes(config), state, path)
    for key, tensor in state.items():
        check_tensor(key, tensor, path)
    return config
