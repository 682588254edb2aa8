"""Before a run: everything it needs is there, or a usage error with the doctor's diagnosis and fix."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from envkit.errors import UsageError
from posemamba.device import check_device
from posemamba.live.config import LiveConfig
from posemamba.live.sinks.recording import check_out
from posemamba.scan.choice import usable_backend

ESTIMATOR_PACKAGES = {
    "mediapipe": ("mediapipe", "pip install 'envkit[mediapipe]'"),
    "mmpose": ("mmpose", "use an envkit GPU image (envkit build), or see the README's MMPose CPU recipe"),
}


def doctor_verdict(check_id: str) -> tuple[str, str, str] | None:
    """(status, summary, fix) of one doctor check run here; None when the doctor cannot run it."""
    from envkit.doctor import run_checks

    try:
        results = run_checks(only=[check_id])
    except Exception:  # the doctor is a help here, never a reason to fail
        return None
    for result in results:
        if result.id == check_id:
            return result.status, result.summary, result.fix
    return None


def _fail_from_doctor(check_id: str, fallback: str, fix: str, bad=("fail", "warn")) -> None:
    verdict = doctor_verdict(check_id)
    if verdict is None:
        raise UsageError(fallback, fix=fix)
    status, summary, doctor_fix = verdict
    if status in bad:
        raise UsageError(f"{check_id}: {summary}", fix=doctor_fix or fix)


def check_display() -> None:
    """A window can open here (x11_display, then opencv_gui), else exit 2 pointing at --headless."""
    headless = "or pass --headless --out DIR to record without a window"
    if not os.environ.get("DISPLAY"):
        verdict = doctor_verdict("x11_display")
        summary = verdict[1] if verdict else "DISPLAY is not set: no window can open"
        raise UsageError(f"x11_display: {summary}", fix=f"{verdict[2] if verdict else 'export DISPLAY'}; "
                         f"{headless}")  # fmt: skip
    for check_id in ("x11_display", "opencv_gui"):
        verdict = doctor_verdict(check_id)
        if verdict and verdict[0] == "fail":
            raise UsageError(f"{check_id}: {verdict[1]}", fix=f"{verdict[2]}; {headless}")


def check_estimator(name: str) -> None:
    package, fix = ESTIMATOR_PACKAGES.get(name, (None, None))
    if package is None:
        raise UsageError(f"unknown estimator {name!r}", fix=f"use one of: {', '.join(ESTIMATOR_PACKAGES)}")
    if importlib.util.find_spec(package) is None:
        raise UsageError(f"the {name} estimator needs the {package} package, which is not installed", fix=fix)
    if name == "mmpose":
        _fail_from_doctor("mmcv_ext", "mmcv's compiled ops do not work", fix, bad=("fail",))


def check_checkpoint(path: Path | None) -> None:
    if path is None:
        return
    path = Path(path).expanduser()
    if not path.is_file():
        raise UsageError(
            f"PoseMamba checkpoint {path} does not exist",
            fix="pass --checkpoint PATH to a PoseMamba checkpoint (.bin/.pth, e.g. PoseMamba-S)",
        )


def check_realsense() -> None:
    """A RealSense camera is connected (the doctor's realsense_env says why not)."""
    _fail_from_doctor(
        "realsense_env",
        "no RealSense camera is connected",
        "plug the camera into USB 3, or use --source PATH / webcam:N",
    )


def check_mmpose_checkpoints(config: LiveConfig) -> None:
    """Both MMPose checkpoints are given (a path, or `random`) before anything heavy starts."""
    from posemamba.live.estimators.mmpose_topdown import _checkpoint

    _checkpoint(config.pose2d_checkpoint, "--pose2d-checkpoint")
    _checkpoint(config.det_checkpoint, "--det-checkpoint")


def check(config: LiveConfig) -> None:
    """Every preflight check the config needs, cheapest first."""
    check_device(config.device)
    check_checkpoint(config.checkpoint)
    if config.checkpoint is not None:
        usable_backend(config.device)  # a bogus $POSEMAMBA_SCAN_BACKEND, before any model loads
    if config.estimator == "mmpose":
        check_mmpose_checkpoints(config)
    check_estimator(config.estimator)
    if config.source == "realsense":
        check_realsense()
    if not config.headless:
        check_display()
    if config.headless and config.out is None:
        raise UsageError("--headless without --out would show and keep nothing", fix="add --out DIR")
    if config.out is not None:  # before any model loads: a recording never replaces or joins another
        check_out(config.out)
