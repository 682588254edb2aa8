"""Follow a build's output line by line: which Dockerfile step runs, which finished or came from cache, which
failed, and each step's own output (what the failure signatures are matched against).

Two formats: BuildKit's `--progress=plain` (`#5 [runtime 2/9] RUN ...`, `#5 0.71 output`, `#5 DONE 3.7s`,
`#5 CACHED`, `#5 ERROR: ...`) and the legacy builder's stream (`Step 2/9 : RUN ...`, ` ---> Using cache`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_VERTEX = re.compile(r"^#(\d+) (.*)$")
_TIMED = re.compile(r"^\d+\.\d+ (.*)$")
_STEP_NAME = re.compile(r"\[(?:(?P<stage>[^\]\s]+)\s+)?(?P<k>\d+)/(?P<n>\d+)\]")
_LEGACY_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
# Instructions BuildKit turns into numbered steps (`[stage k/n]`); ENV, LABEL, ARG, USER... are metadata.
_COUNTED = {"FROM", "RUN", "COPY", "ADD", "WORKDIR"}


@dataclass
class Step:
    """One Dockerfile step as the builder reported it."""

    key: str
    name: str
    index: int | None = None  # k of `[stage k/n]` / `Step k/n`
    total: int | None = None
    stage: str | None = None
    status: str = "running"  # running | done | cached | error
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    lines: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def numbered(self) -> bool:
        return self.index is not None


def count_steps(dockerfile: str) -> int:
    """How many numbered steps BuildKit shows for this Dockerfile (FROM, RUN, COPY, ADD, WORKDIR)."""
    count = 0
    continued = False
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not continued and line and not line.startswith("#"):
            count += line.split(None, 1)[0].upper() in _COUNTED
        continued = line.endswith("\\")
    return count


class StepTracker:
    """Feed it output lines; it keeps the steps and calls `on_change(step)` when one starts or ends."""

    def __init__(self, expected_steps: int = 0, on_change: Callable[[Step], None] | None = None) -> None:
        self.steps: dict[str, Step] = {}
        self.expected = expected_steps
        self.on_change = on_change or (lambda step: None)
        self.errors: list[str] = []  # the builder's own error lines (outside any step)
        self._legacy_current: Step | None = None

    # -- progress -------------------------------------------------------------------------------------
    @property
    def numbered_steps(self) -> list[Step]:
        return [step for step in self.steps.values() if step.numbered]

    @property
    def finished(self) -> int:
        return sum(step.status in ("done", "cached") for step in self.numbered_steps)

    @property
    def total(self) -> int:
        """Known total: per-stage totals the builder reported, or the Dockerfile's count if larger."""
        per_stage = {(step.stage or ""): step.total or 0 for step in self.numbered_steps}
        return max(sum(per_stage.values()), self.expected, len(self.numbered_steps))

    @property
    def cached(self) -> list[Step]:
        return [step for step in self.numbered_steps if step.status == "cached"]

    @property
    def failed(self) -> Step | None:
        return next((step for step in self.steps.values() if step.status == "error"), None)

    @property
    def running(self) -> Step | None:
        running = [step for step in self.numbered_steps if step.status == "running"]
        return running[-1] if running else None

    # -- parsing --------------------------------------------------------------------------------------
    def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        vertex = _VERTEX.match(line)
        if vertex:
            self._buildkit(vertex.group(1), vertex.group(2))
            return
        legacy = _LEGACY_STEP.match(line)
        if legacy:
            self._legacy_start(int(legacy.group(1)), int(legacy.group(2)), legacy.group(3))
            return
        if self._legacy_current is not None:
            self._legacy_line(line)
        elif line.strip() and not line.startswith(("------", " > ")):
            self.errors.append(line)

    def legacy_error(self, message: str) -> None:
        """The legacy builder's final error (the SDK's errorDetail): the current step failed."""
        step = self._legacy_current
        if step is not None:
            self._end(step, "error")
            step.error = message
        self.errors.append(message)

    def legacy_done(self) -> None:
        if self._legacy_current is not None and self._legacy_current.status == "running":
            self._end(self._legacy_current, "done")

    def _buildkit(self, key: str, text: str) -> None:
        step = self.steps.get(key)
        if step is None:
            match = _STEP_NAME.search(text)
            step = Step(key, text)
            if match:
                step.index, step.total, step.stage = int(match["k"]), int(match["n"]), match["stage"]
            self.steps[key] = step
            self.on_change(step)
            return
        if text == step.name or text.startswith("sha256:"):
            return
        if text == "CACHED":
            self._end(step, "cached")
        elif text.startswith("DONE"):
            self._end(step, "done")
        elif text.startswith("ERROR"):
            step.error = text.removeprefix("ERROR:").strip()
            self._end(step, "error")
        else:
            timed = _TIMED.match(text)
            step.lines.append(timed.group(1) if timed else text)

    def _legacy_start(self, k: int, n: int, text: str) -> None:
        self.legacy_done()
        step = Step(f"legacy-{k}", f"[{k}/{n}] {text}", index=k, total=n)
        self.steps[step.key] = step
        self._legacy_current = step
        self.on_change(step)

    def _legacy_line(self, line: str) -> None:
        step = self._legacy_current
        assert step is not None
        if line.strip() == "---> Using cache":
            self._end(step, "cached")
        elif line.strip().startswith("--->"):
            return
        else:
            step.lines.append(line)

    def _end(self, step: Step, status: str) -> None:
        if step.status != "running":
            return
        step.status = status
        step.seconds = time.monotonic() - step.started
        self.on_change(step)
