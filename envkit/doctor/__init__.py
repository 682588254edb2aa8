"""envkit doctor: every known failure of the stack, detected, explained and fixed (checks/ + a runner).

`run_checks` is the API other parts use (envkit run calls it with scope="host" as its preflight).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from envkit.doctor import context, environments, registry
from envkit.doctor.registry import CheckSpec
from envkit.doctor.runner import CheckResult, Run, lanes, run_lane
from envkit.doctor.worker import Worker
from envkit.errors import UsageError

__all__ = ["CheckResult", "CheckSpec", "list_checks", "run_checks"]

LANES_ENV = "ENVKIT_DOCTOR_LANES"
# Two lanes per environment by default: the torch-dependent chain and everything else (2 cores in CI).
DEFAULT_LANES, MAX_LANES = 2, 64
# A worker (stdlib only) says it is ready in well under a second; the margin is for a loaded machine or
# `docker exec`. Past it the environment is dead: one verdict, not every check's own timeout.
READY_TIMEOUT_S = 20.0


def max_lanes() -> int:
    """Parallel lanes per environment: $ENVKIT_DOCTOR_LANES (1..64), read when the doctor runs."""
    value = os.environ.get(LANES_ENV, "").strip()
    if not value:
        return DEFAULT_LANES
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_LANES):
        raise UsageError(
            f"{LANES_ENV}={value[:40]!r} is not a whole number from 1 to {MAX_LANES}",
            fix=f"unset {LANES_ENV} (default {DEFAULT_LANES}) or set it to 1..{MAX_LANES}",
        )
    return int(value)


def list_checks(checks_dir: Path | None = None) -> list[CheckSpec]:
    """Every check's header (id, title, scope, depends)."""
    return registry.discover(checks_dir)


def run_checks(
    scope: str | None = None,
    recipe: str | None = None,
    image: str | None = None,
    python: str | None = None,
    only: list[str] | None = None,
    skip: list[str] | None = None,
    *,
    facts: dict[str, Any] | None = None,
    expectations: dict[str, Any] | None = None,
    checks_dir: Path | None = None,
    timeout: float | None = None,
) -> list[CheckResult]:
    """Run the selected checks and return their results in the checks' order.

    scope: "host", "env" or None (both). recipe: judge against its expectations (else the hardware).
    image / python: where env checks run (default: this interpreter); host checks always run here.
    facts: injected probe results (tests only: GPUs, driver, camera). expectations: a
    recipe_expectations() dict instead of `recipe`. checks_dir / timeout: another checks folder, seconds
    per check.
    """
    if scope not in (None, *registry.SCOPES):
        raise UsageError(f"unknown scope {scope!r}", fix="use 'host' or 'env'")
    if image and python:
        raise UsageError("--image and --python both say where env checks run", fix="give one of them")
    lane_count = max_lanes()
    folder = checks_dir or registry.checks_dir()
    specs = [spec for spec in registry.discover(folder) if scope in (None, spec.scope)]
    chosen, skipped = registry.select(specs, only=only, skip=skip)
    ctx = context.build(recipe, facts, expectations)
    run = Run(chosen, skipped, timeout)
    envs: dict[str, environments.Environment] = {}
    started: list[Worker] = []
    try:
        if any(spec.scope == "host" for spec in chosen):
            envs["host"] = environments.local(folder)
            envs["host"].name = "host"
        if any(spec.scope == "env" for spec in chosen):
            if image:
                from envkit.doctor.image import open_image

                envs["env"] = open_image(image, folder, ctx["expectations"])
            else:
                envs["env"] = environments.local(folder, python)
        threads = []
        for scope_name, env in envs.items():
            for lane in lanes([s for s in chosen if s.scope == scope_name], lane_count):
                thread = threading.Thread(
                    target=run_lane,
                    args=(lane, run, _starter(env.argv, started), {**ctx, "scope": scope_name}, env.name),
                    daemon=True,
                )
                thread.start()
                threads.append(thread)
        for thread in threads:
            thread.join()
    finally:
        for worker in started:  # after Ctrl-C: no worker (or what it started) outlives the doctor
            worker.kill()
        for env in envs.values():
            env.close()
    return [run.results[spec.id] for spec in chosen]


def _starter(argv: list[str], started: list[Worker]):
    def start() -> Worker:
        worker = Worker(argv, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"})
        started.append(worker)
        worker.wait_ready(READY_TIMEOUT_S)
        return worker

    return start


def exit_code(results: list[CheckResult]) -> int:
    """0 when nothing failed, 1 when something did (usage errors exit 2 before any check runs)."""
    return 1 if any(result.status == "fail" for result in results) else 0
