"""The torch device a command was asked to run on, checked before any model is loaded."""

from __future__ import annotations

from posemamba.errors import PoseMambaError


def check_device(device: str) -> None:
    """PoseMambaError unless `device` is "cpu", or "cuda"/"cuda:N" with that GPU present."""
    import torch

    if device == "cpu":
        return
    if device.startswith("cuda") and torch.cuda.is_available():
        index = device.partition(":")[2]
        present = index.isascii() and index.isdigit() and int(index) < torch.cuda.device_count()
        if device == "cuda" or present:
            return
    raise PoseMambaError(
        f"device {device[:40]!r} is not available here", "use --device cpu (or cuda when a GPU is)"
    )
