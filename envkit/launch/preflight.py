"""Host checks before a container starts: the doctor's host scope, judged against the recipe."""

from __future__ import annotations

from typing import Any

from envkit.doctor import CheckResult, run_checks
from envkit.errors import FailedError
from envkit.launch.targets import Target


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
