"""Run checks in worker processes: shared per environment, parallel lanes, isolation on failure.

Checks that depend on each other share a lane (one worker process, so `import torch` is paid once);
independent lanes run in parallel. A check whose worker dies or hangs fails by itself: it is retried
once alone if its shared worker crashed (another check may have left it broken), and the lane's
remaining checks each get a fresh process from then on. A check whose dependency failed or was
skipped is skipped with that reason.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from envkit.doctor.registry import CheckSpec
from envkit.doctor.worker import Worker, WorkerLost

BLOCKING = ("fail", "skip")
STATUSES = ("ok", "warn", "fail", "skip", "info")  # what checks/_worker.py may answer


@dataclass
class CheckResult:
    """One check's verdict (docs/interfaces.md, "Doctor")."""

    id: str
    title: str
    scope: str
    status: str
    summary: str
    details: str = ""
    fix: str = ""
    seconds: float = 0.0
    where: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def lanes(specs: list[CheckSpec], max_lanes: int) -> list[list[CheckSpec]]:
    """Split checks into at most `max_lanes` lists; connected checks (by `depends`) stay together."""
    by_id = {spec.id: spec for spec in specs}
    parent = {spec.id: spec.id for spec in specs}

    def root(check_id: str) -> str:
        while parent[check_id] != check_id:
            check_id = parent[check_id]
        return check_id

    for spec in specs:
        for dep in spec.depends:
            if dep in by_id:
                parent[root(spec.id)] = root(dep)
    groups: dict[str, list[CheckSpec]] = {}
    for spec in specs:
        groups.setdefault(root(spec.id), []).append(spec)
    result: list[list[CheckSpec]] = [[] for _ in range(max(1, min(max_lanes, len(groups))))]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(result, key=len).extend(group)
    return [_topological(lane) for lane in result if lane]


def _topological(lane: list[CheckSpec]) -> list[CheckSpec]:
    ordered, done = [], set()
    pending = list(lane)
    while pending:
        for spec in pending:
            if all(dep in done or dep not in {s.id for s in pending} for dep in spec.depends):
                ordered.append(spec)
                done.add(spec.id)
                pending.remove(spec)
                break
        else:  # a cycle: keep the file order rather than loop forever
            ordered.extend(pending)
            break
    return ordered


class Run:
    """Shared state of one doctor run: results so far, and an event per check to wait on."""

    def __init__(self, specs: list[CheckSpec], skipped: set[str], timeout: float | None) -> None:
        self.specs = {spec.id: spec for spec in specs}
        self.skipped = skipped
        self.timeout = timeout
        self.results: dict[str, CheckResult] = {}
        self.done = {spec.id: threading.Event() for spec in specs}
        self.lock = threading.Lock()
        # where -> why no worker starts there: found once, then every check there fails at once with it
        self.dead: dict[str, str] = {}

    def record(self, result: CheckResult) -> None:
        with self.lock:
            self.results[result.id] = result
        self.done[result.id].set()

    def blocked_by(self, spec: CheckSpec) -> str | None:
        """Why `spec` cannot run (a dependency failed, was skipped or was left out), or None."""
        for dep in spec.depends:
            if dep in self.skipped:
                return f"skipped: depends on {dep}, left out by --skip"
            if dep not in self.done:
                continue
            self.done[dep].wait()
            outcome = self.results[dep]
            if outcome.status in BLOCKING:
                verb = "failed" if outcome.status == "fail" else "was skipped"
                return f"skipped: {dep} {verb} ({outcome.summary})"
        return None


def _seconds(value: Any) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


def _result(spec: CheckSpec, raw: dict[str, Any], where: str) -> CheckResult:
    """The worker's answer as a CheckResult; an unknown status is a failure that says so."""
    status = raw.get("status")
    text = {key: str(raw.get(key) or "") for key in ("summary", "details", "fix")}
    if status not in STATUSES:
        text["details"] = f"the worker answered status {str(status)[:40]!r}; {text['summary']}"
        text["summary"], status = f"{spec.id}: the worker's answer has no known status", "fail"
    return CheckResult(
        id=spec.id,
        title=spec.title,
        scope=spec.scope,
        status=status,
        summary=text["summary"],
        details=text["details"],
        fix=text["fix"],
        seconds=_seconds(raw.get("seconds", 0.0)),
        where=where,
    )


def _lost(spec: CheckSpec, lost: WorkerLost, seconds: float, where: str) -> CheckResult:
    hint = (
        "a hung call (CUDA init, a device, a lock)" if lost.timed_out else "a crash in a compiled extension"
    )
    return CheckResult(
        id=spec.id,
        title=spec.title,
        scope=spec.scope,
        status="fail",
        summary=f"{spec.id}: {lost.reason}",
        details=f"likely {hint}; the worker's last stderr lines:\n{lost.stderr_tail}",
        fix=f"run `envkit doctor --only {spec.id}` to reproduce; the details hold the process's last output",
        seconds=round(seconds, 3),
        where=where,
    )


def _dead(spec: CheckSpec, reason: str, where: str) -> CheckResult:
    return CheckResult(
        id=spec.id,
        title=spec.title,
        scope=spec.scope,
        status="fail",
        summary=f"{where} {reason}",
        fix=f"check that `{where.split(' ', 1)[-1]}` runs a python3 (>= 3.8); its stderr is in the details",
        where=where,
    )


class EnvironmentDead(Exception):
    """No worker starts in this environment (found once per run: Run.dead)."""


def _starter(run: Run, start_worker: Callable[[], Worker], where: str) -> Callable[[], Worker]:
    """start_worker, refusing at once where a worker already failed to start."""

    def start() -> Worker:
        if where in run.dead:
            raise EnvironmentDead(run.dead[where])
        try:
            return start_worker()
        except WorkerLost as lost:
            if not lost.startup:
                raise
            tail = f"; its last stderr lines: {lost.stderr_tail[-300:]}" if lost.stderr_tail else ""
            with run.lock:
                run.dead.setdefault(where, lost.reason + tail)
            raise EnvironmentDead(run.dead[where]) from None

    return start


def run_lane(
    lane: list[CheckSpec], run: Run, start_worker: Callable[[], Worker], ctx: dict[str, Any], where: str
) -> None:
    """Run one lane's checks in order in a shared worker; fall back to one worker per check.

    start_worker returns a worker that said it is ready (or raises WorkerLost with startup=True): when
    none starts, the environment is dead and every check left there fails at once with that reason.
    """
    start_worker = _starter(run, start_worker, where)
    shared: Worker | None = None
    isolated = False
    try:
        for spec in lane:
            if where in run.dead:
                run.record(_dead(spec, run.dead[where], where))
                continue
            if spec.id in run.skipped:
                run.record(
                    CheckResult(spec.id, spec.title, spec.scope, "skip", "left out by --skip", where=where)
                )
                continue
            reason = run.blocked_by(spec)
            if reason:
                run.record(CheckResult(spec.id, spec.title, spec.scope, "skip", reason, where=where))
                continue
            timeout = run.timeout or spec.timeout
            ctx_for_check = {**ctx, "check": spec.id}
            started = time.monotonic()
            if not isolated:
                try:
                    shared = shared or start_worker()
                    run.record(_result(spec, shared.run(spec.id, ctx_for_check, timeout), where))
                    continue
                except EnvironmentDead as dead:
                    run.record(_dead(spec, str(dead), where))
                    continue
                except WorkerLost as lost:
                    shared.kill()
                    shared, isolated = None, True
                    if lost.timed_out:
                        run.record(_lost(spec, lost, time.monotonic() - started, where))
                        continue
            # Alone in a fresh process: after a crash of the shared worker, and for the rest of the lane.
            started = time.monotonic()
            try:
                alone = start_worker()
            except EnvironmentDead as dead:
                run.record(_dead(spec, str(dead), where))
                continue
            try:
                run.record(_result(spec, alone.run(spec.id, ctx_for_check, timeout), where))
            except WorkerLost as lost:
                run.record(_lost(spec, lost, time.monotonic() - started, where))
            finally:
                alone.close()
    finally:
        if shared is not None:
            shared.close()
        for spec in lane:  # never leave a waiter hanging, whatever happened above
            if not run.done[spec.id].is_set():
                run.record(
                    CheckResult(
                        spec.id,
                        spec.title,
                        spec.scope,
                        "fail",
                        "the doctor stopped before this check",
                        where=where,
                    )
                )
