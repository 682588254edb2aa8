"""The doctor before a target starts: the host checks before a container (judged against the recipe),
and what this machine must provide before `live-pose --native` hands over to posemamba.live."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from envkit.doctor import CheckResult, run_checks
from envkit.errors import EnvkitError, FailedError, UsageError
from envkit.launch.targets import Target

if TYPE_CHECKING:
    from posemamba.live.config import LiveConfig


def preflight(
    recipe: str, target: Target, *, display: bool, camera: bool, facts: dict[str, Any] | None = None
) -> list[CheckResult]:
    """Run the target's host checks; FailedError with the first failing check's fix (exit 1)."""
    skip = [check for check, wanted in (("x11_display", display), ("realsense_usb", camera)) if not wanted]
    results = run_checks(
        scope="host",
        recipe=recipe,
        only=list(target.host_checks) if target.host_checks else None,
        skip=skip,
        facts=facts,
    )
    failed = [result for result in results if result.status == "fail"]
    if failed:
        first = failed[0]
        others = f" (and {len(failed) - 1} more: {', '.join(r.id for r in failed[1:])})" if failed[1:] else ""
        raise FailedError(
            f"preflight: {first.title}: {first.summary}{others}",
            fix=first.fix or f"see `envkit doctor --recipe {recipe}`",
        )
    return results


def _verdict(check_id: str) -> CheckResult | None:
    """One doctor check run here; None when the doctor could not run it (it is a help, not a gate)."""
    try:
        results = run_checks(only=[check_id])
    except EnvkitError:
        return None
    return next((result for result in results if result.id == check_id), None)


def _stop_on(check_id: str, bad: tuple[str, ...], fix: str) -> None:
    verdict = _verdict(check_id)
    if verdict is None:
        return
    if verdict.status in bad:
        raise UsageError(f"{check_id}: {verdict.summary}", fix=f"{verdict.fix or fix}")


def live_pose_environment(config: LiveConfig) -> None:
    """What this machine must provide for `live-pose --native`, judged by the doctor before the models
    load: mmcv's compiled ops for MMPose, a connected RealSense, a display a window can open on."""
    if config.estimator == "mmpose":
        _stop_on("mmcv_ext", ("fail",), "use an envkit GPU image (envkit build)")
    if config.source == "realsense":
        _stop_on("realsense_env", ("fail", "warn"), _NO_CAMERA)
    if not config.headless:
        for check_id in ("x11_display", "opencv_gui"):
            verdict = _verdict(check_id)
            if verdict is not None and (verdict.status == "fail" or not os.environ.get("DISPLAY")):
                raise UsageError(f"{check_id}: {verdict.summary}", fix=f"{verdict.fix}; {_HEADLESS}")


_NO_CAMERA = "plug the camera into USB 3, or use --source PATH / webcam:N"
_HEADLESS = "or pass --headless --out DIR to record without a window"
