"""Build one plan and tell the user what happened: on failure the failing step, the diagnosis and the fix
first, then where the full log is; on success the tag, the cache hits and where the lock was written."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from envkit.builder import lock
from envkit.builder.display import BuildDisplay
from envkit.builder.execute import BuildResult, execute
from envkit.builder.plan import BuildPlan
from envkit.builder.steps import StepTracker, count_steps
from envkit.errors import FailedError


@dataclass
class Outcome:
    result: BuildResult
    lock_path: str | None = None
    drift: list[str] | None = None


def failure_lines(result: BuildResult) -> list[str]:
    """The failure report, most useful first (plain text; also what tests and smoke read)."""
    step = result.failing_step
    lines = [f"build failed after {result.seconds:.0f}s"]
    lines.append(f"failing step: {step.name if step else '(the builder itself, before or between steps)'}")
    if result.error:
        lines.append(f"error: {result.error}")
    if result.diagnoses:
        first, *others = result.diagnoses
        lines += [
            f"diagnosis: {first.signature.diagnosis}",
            f"fix: {first.signature.fix}",
            f"matched: {first.line}",
            f"source: {first.signature.source} (signature {first.signature.id})",
        ]
        for other in others:
            s = other.signature
            lines.append(f"also: {s.id}: {s.diagnosis} — fix: {s.fix}")
    else:
        lines.append("diagnosis: no known failure signature matches; the step's last lines:")
        tail = (step.lines if step else [])[-15:]
        lines += [f"  | {line}" for line in tail]
    lines.append(f"full log: {result.log_path}")
    return lines


def print_failure(console: Console, result: BuildResult) -> None:
    for index, line in enumerate(failure_lines(result)):
        key, sep, rest = line.partition(": ")
        if index == 0:
            console.print(f"[bold red]envkit: {escape(line)}[/]", highlight=False)
        elif sep and key in ("diagnosis", "fix", "failing step", "full log"):
            console.print(f"[bold]{escape(key)}:[/] {escape(rest)}", highlight=False)
        else:
            console.print(escape(line), highlight=False)


def build(plan: BuildPlan, console: Console, *, quiet: bool = False, write_lock: bool = True) -> Outcome:
    """Run the build with progress, print the result; the lock is written after a successful build."""
    console.print(
        f"building [bold]{escape(plan.tag)}[/] from recipe {escape(plan.recipe.name)} with "
        f"{escape(plan.engine.describe())}",
        highlight=False,
    )
    console.print(f"log: {plan.log_path}", highlight=False)
    if plan.lock is not None:
        pinned = len(plan.lock["pip"]["pins"]) - len(plan.lock_skipped)
        console.print(f"locked: {pinned} pip pins from {plan.locked_from}", highlight=False)
        if plan.lock_skipped:
            console.print(
                f"left out (outside the recipe's own constraints): {', '.join(plan.lock_skipped)}",
                highlight=False,
            )
    with BuildDisplay(console, quiet=quiet) as display:
        tracker = StepTracker(count_steps(plan.dockerfile), display.changed)
        display.attach(tracker)
        result = execute(plan, display.output, tracker)
    if not result.ok:
        print_failure(console, result)
        return Outcome(result)
    cached = len(result.tracker.cached)
    console.print(
        f"[green]built[/] {escape(plan.tag)} ({result.image_id or '?'}) in {result.seconds:.0f}s; "
        f"{cached} of {len(result.tracker.numbered_steps)} steps from cache",
        highlight=False,
    )
    outcome = Outcome(result)
    if write_lock and plan.lock_path is not None:
        try:
            document = lock.make_lock(plan.recipe, plan.tag, plan.base_images, locked_from=plan.locked_from)
        except FailedError as error:
            console.print(f"[yellow]warning:[/] no lock written: {escape(error.one_line())}", highlight=False)
            return outcome
        if plan.lock is not None:
            outcome.drift = lock.drift(plan.lock, document)
            for line in outcome.drift:
                console.print(f"[yellow]drift from the lock:[/] {escape(line)}", highlight=False)
            if not outcome.drift:
                console.print("the image holds exactly the lock's pip and apt versions", highlight=False)
            return outcome  # a locked build checks its lock; it never rewrites it
        target = plan.lock_path
        try:
            lock.write_lock(document, target)
        except OSError as error:
            console.print(
                f"[yellow]warning:[/] cannot write the lock {target}: {error.strerror}", highlight=False
            )
            return outcome
        outcome.lock_path = str(target)
        console.print(f"lock: {target}", highlight=False)
    return outcome
