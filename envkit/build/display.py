"""Show a running build with rich: step k/n, the running step, elapsed time; plain lines off a terminal."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from envkit.build.steps import Step, StepTracker


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes:02d}:{seconds:02d}"


class BuildDisplay:
    """A live status line on a terminal; one line per finished step otherwise (CI logs stay readable)."""

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.started = time.monotonic()
        self.tracker: StepTracker | None = None
        self.last_output = ""
        self._live: Live | None = None

    def __enter__(self) -> BuildDisplay:
        if self.console.is_terminal and not self.quiet:
            self._live = Live(
                console=self.console, refresh_per_second=4, transient=True, get_renderable=self._render
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def attach(self, tracker: StepTracker) -> None:
        self.tracker = tracker

    def output(self, line: str) -> None:
        """A raw output line (shown dimmed under the status on a terminal)."""
        if line.strip():
            self.last_output = line.strip()

    def changed(self, step: Step) -> None:
        """A step started or ended."""
        if self.quiet or self.tracker is None or not step.numbered:
            return
        if step.status != "running":
            mark = {"done": "[green]done[/]", "cached": "[cyan]CACHED[/]", "error": "[bold red]FAILED[/]"}
            seconds = f" {step.seconds:.1f}s" if step.seconds is not None and step.status != "cached" else ""
            self.console.print(
                f"  step {self.tracker.finished}/{self.tracker.total} {mark[step.status]}{seconds} "
                f"{escape(_short(step.name))}",
                highlight=False,
            )

    def _render(self) -> Text:
        elapsed = _clock(time.monotonic() - self.started)
        if self.tracker is None:
            return Text(f"starting the build ... {elapsed}")
        running = self.tracker.running
        head = Text(f"step {self.tracker.finished + 1}/{max(self.tracker.total, 1)} ", style="bold")
        head.append(_short(running.name) if running else "waiting for the builder")
        head.append(f"  {elapsed}", style="cyan")
        if self.last_output:
            head.append("\n  " + self.last_output[:160], style="dim")
        return head


def _short(name: str, width: int = 110) -> str:
    name = " ".join(name.split())
    return name if len(name) <= width else name[: width - 1] + "…"
