"""Run a BuildPlan: stream the builder's output into the log file, the step tracker and the display; on
failure, match the failing step's output against the known signatures."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from envkit.builder import engines
from envkit.builder.plan import BuildPlan
from envkit.builder.steps import Step, StepTracker, count_steps
from envkit.containers import images
from envkit.failures.match import Diagnosis, diagnose

# How much of a log is searched when no step failed (the builder itself failed: a FROM, the frontend).
_TAIL = 80


@dataclass
class BuildResult:
    ok: bool
    tag: str
    log_path: Path
    seconds: float
    tracker: StepTracker
    image_id: str | None = None
    error: str | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    returncode: int | None = None

    @property
    def failing_step(self) -> Step | None:
        return self.tracker.failed


def _header(plan: BuildPlan) -> list[str]:
    return [
        f"# envkit build {plan.recipe.name} (recipe hash {plan.recipe.hash}) "
        f"{datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
        f"# engine: {plan.engine.describe()}",
        f"# command: {plan.shell_command()}",
        f"# Dockerfile: {plan.dockerfile_path}",
        "",
    ]


class _Cli:
    """The docker CLI as a subprocess: its merged output line by line, then its exit status."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.env = env
        self.returncode: int | None = None

    def lines(self) -> Iterator[str]:
        process = subprocess.Popen(
            self.argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            bufsize=1,
            env={**os.environ, **self.env},
            start_new_session=True,  # Ctrl-C reaches only us; we forward it once
        )
        try:
            assert process.stdout is not None
            yield from process.stdout
            process.wait()
        except BaseException:
            # Ctrl-C or an error: stop the build (the CLI cancels BuildKit's solve on SIGINT); the log stays.
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            raise
        finally:
            self.returncode = process.returncode


def _sdk_lines(
    plan: BuildPlan, tracker: StepTracker, image_id: list[str], errors: list[str]
) -> Iterator[str]:
    import docker

    client = docker.from_env(timeout=None)
    stream = client.api.build(
        path=str(plan.context),
        dockerfile=str(plan.dockerfile_path),
        tag=plan.tag,
        buildargs=plan.build_args or None,
        labels=plan.labels or None,
        nocache=plan.no_cache,
        platform=plan.platform,
        rm=True,
        forcerm=True,  # a failed step leaves no container behind (docker-feasibility.md section 1)
        decode=True,
    )
    for chunk in stream:
        if "stream" in chunk:
            yield from chunk["stream"].splitlines(keepends=True)
        elif "errorDetail" in chunk or "error" in chunk:
            message = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error", "")
            tracker.legacy_error(message)
            errors.append(message)
            yield f"ERROR: {message}\n"
        elif "aux" in chunk and "ID" in chunk["aux"]:
            image_id.append(chunk["aux"]["ID"])
        elif "status" in chunk:
            yield chunk["status"] + "\n"
    tracker.legacy_done()


def _diagnose(tracker: StepTracker, log_lines: list[str]) -> tuple[str | None, list[Diagnosis]]:
    step = tracker.failed
    if step is not None:
        found = diagnose([*step.lines, step.error or ""])
        return step.error, found or diagnose(log_lines[-_TAIL:])
    tail = log_lines[-_TAIL:]
    return (tracker.errors[-1] if tracker.errors else None), diagnose(tail)


def execute(
    plan: BuildPlan, on_line: Callable[[str], None] | None = None, tracker: StepTracker | None = None
) -> BuildResult:
    """Build `plan`; the log file is complete whether the build succeeds, fails or is interrupted."""
    plan.log_path.parent.mkdir(parents=True, exist_ok=True)
    text = plan.dockerfile if plan.engine.buildkit else engines.for_legacy_builder(plan.dockerfile)
    plan.dockerfile_path.write_text(text, encoding="utf-8")
    tracker = tracker or StepTracker(count_steps(text))
    on_line = on_line or (lambda line: None)
    started = time.monotonic()
    image_id: list[str] = []
    sdk_errors: list[str] = []
    log_lines: list[str] = []
    returncode: int | None
    with open(plan.log_path, "w", encoding="utf-8") as log:
        _write(log, "\n".join(_header(plan)) + "\n")
        argv = plan.command()
        cli = _Cli(argv, plan.engine.env) if argv else None
        lines = cli.lines() if cli else _sdk_lines(plan, tracker, image_id, sdk_errors)
        try:
            for line in lines:
                _write(log, line)
                log_lines.append(line.rstrip("\n"))
                tracker.feed(line)
                on_line(line)
        except KeyboardInterrupt:
            lines.close()  # the CLI gets SIGINT and cancels the build; we wait for it to exit
            _write(log, "\n# interrupted (Ctrl-C): the build was cancelled\n")
            raise
        except Exception as error:  # the SDK's APIError (engine gone, bad platform): part of the result
            message = str(error).splitlines()[0]
            _write(log, f"ERROR: {message}\n")
            log_lines.append(f"ERROR: {message}")
            tracker.errors.append(message)
            sdk_errors.append(message)
        returncode = cli.returncode if cli is not None else int(bool(sdk_errors))
    seconds = time.monotonic() - started
    ok = returncode == 0 and tracker.failed is None
    if ok:
        found_id = image_id[-1] if image_id else images.image_id(plan.tag)
        return BuildResult(True, plan.tag, plan.log_path, seconds, tracker, found_id, returncode=returncode)
    error, diagnoses = _diagnose(tracker, log_lines)
    return BuildResult(False, plan.tag, plan.log_path, seconds, tracker, None, error, diagnoses, returncode)


def _write(log: IO[str], text: str) -> None:
    log.write(text)
    log.flush()
