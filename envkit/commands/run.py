"""`envkit run TARGET`: host preflight, then the recipe's image in a container with the GPU, shm, camera and
display it needs (never --privileged, never `xhost +`); `--print` shows that `docker run`; `--native` runs
the target here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from envkit.builder.plan import default_tag
from envkit.commands.build import chosen_recipe
from envkit.containers.devices import Devices, wants_camera
from envkit.containers.images import image_exists
from envkit.containers.run import shell_line
from envkit.doctor.context import recipe_expectations
from envkit.errors import UsageError
from envkit.launch import container, native, watch
from envkit.launch.data_mounts import data_mounts
from envkit.launch.preflight import preflight
from envkit.launch.targets import TARGETS, target
from envkit.recipes import load_recipe
from envkit.resources import injected_facts


def run_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="TARGET", help=f"One of: {', '.join(TARGETS)}.")],
    recipe: Annotated[
        str | None, typer.Option("--recipe", "-r", help="Recipe (default: the one for this machine's GPU).")
    ] = None,
    image: Annotated[
        str | None,
        typer.Option("--image", help="Image to run (default: the recipe's envkit/<recipe>:<hash>)."),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Host folder mounted at /out (created, owned by you).")
    ] = Path("out"),
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the docker run command; run nothing (no preflight).")
    ] = False,
    native_flag: Annotated[
        bool, typer.Option("--native", help="Run the target in this environment.")
    ] = False,
    gpus: Annotated[
        bool | None, typer.Option("--gpus/--no-gpus", help="Give the GPU (default: if any).")
    ] = None,
    display: Annotated[
        bool | None, typer.Option("--display/--no-display", help="Forward X11 (default: the recipe's).")
    ] = None,
    camera: Annotated[
        bool | None,
        typer.Option("--camera/--no-camera", help="Pass USB for RealSense (default: if present)."),
    ] = None,
    skip_preflight: Annotated[
        bool, typer.Option("--no-preflight", help="Start without host checks.")
    ] = False,
) -> None:
    """Run TARGET (live-pose, train, eval, shell) in the recipe's image. Arguments after `--` go to the
    target (its own options: `envkit run train --native -- --help`)."""
    chosen = target(name)
    extra = list(ctx.args)
    if native_flag:
        if print_only:
            raise UsageError("--print shows a container command; --native runs here", fix="give one of them")
        raise typer.Exit(native.NATIVE[chosen.name](extra))
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    loaded = load_recipe(chosen_recipe(recipe, console))
    image = image or default_tag(loaded)
    facts = injected_facts()
    devices = Devices(gpus=gpus, display=display, camera=camera)
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    placement: dict = {}
    if chosen.name in ("train", "eval"):  # host data read-only; output at its host path (MLflow's paths)
        extra, mounts = data_mounts(extra)
        placement = {"extra_mounts": mounts, "output_at": str(output.resolve())}
    if print_only:
        argv = container.run_argv(
            loaded, image, chosen, extra, output=output, devices=devices, facts=facts, tty=chosen.interactive,
            **placement,
        )  # fmt: skip
        print(shell_line(argv))
        return
    if not skip_preflight:
        wants_display = display if display is not None else loaded.display
        wants_camera_here = wants_camera(recipe_expectations(loaded), camera, facts)
        preflight(
            loaded.name if recipe is None else recipe, chosen, display=wants_display, camera=wants_camera_here
        )
    if not image_exists(image):
        raise UsageError(
            f"image {image} is not built", fix=f"envkit build {recipe or loaded.name} (or give --image)"
        )
    output.mkdir(parents=True, exist_ok=True)  # made by us, so it is ours and not root's
    argv = container.run_argv(
        loaded, image, chosen, extra, output=output, devices=devices, facts=facts, tty=tty, **placement
    )
    console.print(f"running {chosen.name} in {image}; output folder {output.resolve()}", highlight=False)
    finished = watch.run_watched(argv)
    for line in watch.explain(finished):
        console.print(line, highlight=False, markup=False)
    raise typer.Exit(finished.returncode)


def register(app: typer.Typer) -> None:
    app.command(
        "run",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(run_command)
