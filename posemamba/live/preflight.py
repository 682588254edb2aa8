"""Before a run: the run's own inputs (settings, files, packages, the output folder) are usable, or a
PoseMambaError with the fix. What the environment must provide (a working display, a camera, mmcv's ops)
is the caller's to check: envkit runs its doctor on them (envkit.launch.preflight)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from posemamba.device import check_device
from posemamba.errors import PoseMambaError
from posemamba.live.config import LiveConfig
from posemamba.live.sinks.recording import check_out
from posemamba.scan.choice import usable_backend

ESTIMATOR_PACKAGES = {
    "mediapipe": ("mediapipe", "pip install 'envkit[mediapipe]'"),
    "mmpose": ("mmpose", "use an envkit GPU image (envkit build), or see the README's MMPose CPU recipe"),
}


def check_display(config: LiveConfig) -> None:
    """A window needs an X display; without one, say how to record instead."""
    if not config.headless and not os.environ.get("DISPLAY"):
        raise PoseMambaError(
            "DISPLAY is not set: no window can open",
            fix="run it on a desktop (or export DISPLAY), or pass --headless --out DIR to record instead",
        )


def check_estimator(name: str) -> None:
    package, fix = ESTIMATOR_PACKAGES.get(name, (None, None))
    if package is None:
        raise PoseMambaError(
            f"unknown estimator {name!r}", fix=f"use one of: {', '.join(ESTIMATOR_PACKAGES)}"
        )
    if importlib.util.find_spec(package) is None:
        raise PoseMambaError(
            f"the {name} estimator needs the {package} package, which is not installed", fix=fix
        )


def check_checkpoint(path: Path | None, window: int | None = None) -> None:
    """The checkpoint exists, and a fixed --window fits the frames its model takes (read from the
    weights' shapes, before any model is built)."""
    if path is None:
        return
    path = Path(path).expanduser()
    if not path.is_file():
        raise PoseMambaError(
            f"PoseMamba checkpoint {path} does not exist",
            fix="pass --checkpoint PATH to a PoseMamba checkpoint (.bin/.pth, e.g. PoseMamba-S)",
        )
    if window is not None:
        from posemamba.checkpoint import read_state_dict
        from posemamba.checkpoint_shapes import validate

        frames = validate(read_state_dict(path), path)["frames"]
        if window > frames:
            raise PoseMambaError(
                f"--window {window} is longer than the checkpoint's model takes ({frames} frames)",
                fix=f"use --window auto or 1..{frames}",
            )


def check_mmpose_checkpoints(config: LiveConfig) -> None:
    """Both MMPose checkpoints are given (a path, or `random`) before anything heavy starts."""
    from posemamba.live.estimators.mmpose_topdown import _checkpoint

    _checkpoint(config.pose2d_checkpoint, "--pose2d-checkpoint")
    _checkpoint(config.det_checkpoint, "--det-checkpoint")


def check(config: LiveConfig) -> None:
    """Every check of the run's own inputs, cheapest first."""
    check_device(config.device)
    check_checkpoint(config.checkpoint, config.window)
    if config.checkpoint is not None:
        usable_backend(config.device)  # a bogus $POSEMAMBA_SCAN_BACKEND, before any model loads
    if config.estimator == "mmpose":
        check_mmpose_checkpoints(config)
    check_estimator(config.estimator)
    if config.headless and config.out is None:
        raise PoseMambaError("--headless without --out would show and keep nothing", fix="add --out DIR")
    if config.out is not None:  # before any model loads: a recording never replaces or joins another
        check_out(config.out)
