"""Show a running build with rich: step k/n, the running step, elapsed time; plain lines off a terminal."""

from __future__ import annotations

import re
import time

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from envkit.builder.steps import Step, StepTracker

# BuildKit's `#12 3.456 text` output lines -> text.
_OUTPUT = re.compile(r"^#\d+ (?:\d+\.\d+ )?(.*)$")


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
        """A raw output line; the running step's own output is shown dimmed under the status line."""
        match = _OUTPUT.match(line.strip())
        text = match.group(1) if match else line.strip()
        if text and not text.startswith(("sha256:", "DONE", "CACHED", "[")):
            self.last_output = text

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
        total = max(self.tracker.total, 1)
        if running is None and self.tracker.finished >= total:
            head = Text(f"step {total}/{total} done, writing the image", style="bold")
        else:
            head = Text(f"step {min(self.tracker.finished + 1, total)}/{total} ", style="bold")
            head.append(_short(running.name) if running else "waiting for the builder")
        if running is not None:
            head.append(f"  step {_clock(time.monotonic() - running.started)}", style="cyan")
        head.append(f"  total {elapsed}", style="cyan")
        if self.last_output:
            head.append("\n  " + self.last_output[:160], style="dim")
        return head


def _short(name: str, width: int = 110) -> str:
    name = " ".join(name.split())
    return name if len(name) <= width else name[: width - 1] + "…"
