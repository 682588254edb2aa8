"""The container of `envkit run TARGET`: the recipe's image with the doctor's device options
(envkit.containers), the host user's uid:gid and an output folder mounted at /out."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from envkit.containers.devices import Devices
from envkit.containers.run import CONTAINER_HOME, CONTAINER_OUTPUT, RunOptions, docker_run_argv
from envkit.doctor.context import recipe_expectations
from envkit.launch.targets import Target
from envkit.recipes import Recipe
from envkit.resources import cache_dir


def private_dir() -> Path:
    """A folder only this user can read, that outlives the container (the X cookie file lives here)."""
    folder = cache_dir() / f"run-{os.getuid()}"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def run_argv(
    recipe: Recipe,
    image: str,
    target: Target,
    extra: list[str],
    *,
    output: Path,
    devices: Devices,
    facts: dict[str, Any],
    tty: bool,
    workdir: Path | None = None,
    extra_mounts: tuple[str, ...] = (),
    output_at: str = CONTAINER_OUTPUT,
) -> list[str]:
    """The full `docker run` argv of TARGET in `image`. `extra_mounts`: more HOST:CONTAINER[:ro] mounts;
    `output_at`: where the output folder is mounted (train/eval mount it at its host path, so the
    absolute artifact paths MLflow records there are valid on the host too)."""
    options = RunOptions(
        image=image,
        command=(*target.command, *extra),
        expectations=recipe_expectations(recipe),
        devices=devices,
        facts=facts,
        workdir=workdir or private_dir(),
        name=f"envkit-{target.name}-{secrets.token_hex(3)}",
        labels={"org.envkit.run": target.name, "org.envkit.recipe": recipe.name},
        mounts=extra_mounts,
        output_at=output_at,
        user=f"{os.getuid()}:{os.getgid()}",
        home=CONTAINER_HOME,
        output=output,
        interactive=target.interactive,
        tty=tty,
    )
    return docker_run_argv(options)
