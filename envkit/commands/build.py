"""`envkit build [RECIPE]`: validate -> render -> build, with progress, a full log, diagnoses, a lock."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from envkit.builder.engines import engine_answers
from envkit.builder.plan import make_plan
from envkit.builder.report import build
from envkit.errors import FailedError
from envkit.recipes import choose
from envkit.resources import injected_facts


def chosen_recipe(recipe: str | None, console: Console) -> str:
    """The recipe named, or the one for this machine's GPU (printed with the reason)."""
    if recipe:
        return recipe
    gpus, source = choose.probe_gpus(injected_facts() or None)
    choice = choose.pick(gpus, source)
    console.print(f"recipe: [bold]{choice.recipe}[/] ({escape(choice.reason)})", highlight=False)
    return choice.recipe


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[dict[str, int]]:
    """SIGTERM cancels the build as Ctrl-C does (the builder runs in its own session and would outlive us);
    the dict says which signal stopped it."""
    stopped_by: dict[str, int] = {}

    def stop(signum: int, _frame) -> None:
        stopped_by["signal"] = signum
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield stopped_by
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield stopped_by
    finally:
        signal.signal(signal.SIGTERM, previous)


def build_command(
    recipe: Annotated[
        str | None,
        typer.Argument(help="A recipe name or a .toml path; default: the recipe for this machine's GPU."),
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", "-t", help="Image tag (default envkit/<recipe>:<hash>).")
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Build FROM this image (same family; the rules still apply).")
    ] = None,
    build_arg: Annotated[
        list[str] | None, typer.Option("--build-arg", help="KEY=VALUE, e.g. MAX_JOBS=8 (repeatable).")
    ] = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="Extra image label KEY=VALUE.")] = None,
    platform: Annotated[
        str | None, typer.Option("--platform", help="Target platform, e.g. linux/arm64.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Build every step again.")] = False,
    lock_file: Annotated[
        Path | None, typer.Option("--lock", help="Install exactly the pip versions of this lock file.")
    ] = None,
    locked: Annotated[
        bool, typer.Option("--locked", help="Use the recipe's own lock (recipes/locks/).")
    ] = False,
    lock_dir: Annotated[
        Path | None, typer.Option("--lock-dir", help="Write/read <recipe>.lock.json here instead.")
    ] = None,
    dockerfile: Annotated[
        Path | None,
        typer.Option("--dockerfile", help="Build this (edited) Dockerfile instead of rendering the recipe."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would run; build nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Also print a JSON summary on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No per-step progress lines.")] = False,
) -> None:
    """Build the image of a recipe. Exit 0 built, 1 the build failed (diagnosis printed), 2 bad usage."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    plan = make_plan(
        chosen_recipe(recipe, console),
        tag=tag,
        base=base,
        build_args=build_arg,
        labels=label,
        platform=platform,
        no_cache=no_cache,
        lock_file=lock_file,
        locked=locked,
        lock_dir=lock_dir,
        dockerfile=dockerfile,
    )
    if dry_run:
        print(f"# engine: {plan.engine.describe()}")
        print(f"# Dockerfile (not written in a dry run; `envkit render` prints it): {plan.dockerfile_path}")
        if plan.locked_from:
            print(f"# pip pins from the lock {plan.locked_from} are added to /opt/envkit/constraints.txt")
            if plan.lock_skipped:
                print(f"# left out (outside the recipe's own constraints): {', '.join(plan.lock_skipped)}")
        print(plan.shell_command())
        print(f"# log: {plan.log_path}")
        print(f"# lock: {'checked against ' + str(plan.locked_from) if plan.locked_from else plan.lock_path}")
        return
    reason = engine_answers()
    if reason:
        raise FailedError(
            f"no Docker engine answers: {reason}",
            fix="start Docker (sudo systemctl start docker); `envkit doctor --only docker_daemon` tells more",
        )
    try:
        with _sigterm_as_interrupt() as stopped_by:
            outcome = build(plan, console, quiet=quiet)
    except KeyboardInterrupt:
        # The builder was told to stop (SIGINT) and has exited; the log holds everything up to here.
        console.print(f"envkit: build interrupted; the log so far: {plan.log_path}", highlight=False)
        raise typer.Exit(128 + stopped_by.get("signal", signal.SIGINT)) from None
    if as_json:
        result = outcome.result
        print(
            json.dumps(
                plan.summary()
                | {
                    "ok": result.ok,
                    "image_id": result.image_id,
                    "seconds": round(result.seconds, 1),
                    "steps": len(result.tracker.numbered_steps),
                    "cached_steps": len(result.tracker.cached),
                    "failing_step": result.failing_step.name if result.failing_step else None,
                    "diagnoses": [d.as_dict() for d in result.diagnoses],
                    "lock_written": outcome.lock_path,
                    "drift": outcome.drift,
                },
                indent=2,
            )
        )
    raise typer.Exit(0 if outcome.result.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("build")(build_command)
