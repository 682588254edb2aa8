"""The `docker run` command of `envkit run`: the doctor's container options (envkit.doctor.docker_args: GPU,
--shm-size, X11 socket + cookie file, /dev/bus/usb + device cgroup rules), the host user's uid:gid, an output
folder. Never --privileged, never `xhost +`."""

from __future__ import annotations

import os
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envkit.build.plan import cache_dir
from envkit.doctor import docker_args
from envkit.launch.targets import Target
from envkit.recipes import Recipe

CONTAINER_OUTPUT = "/out"
# The image's user is 10001; with the host uid instead (so files in /out are the user's), $HOME must be
# somewhere that uid may write.
CONTAINER_HOME = "/tmp/envkit-home"


@dataclass(frozen=True)
class Devices:
    """What the container gets; None = decide from this host (or from injected facts)."""

    gpus: bool | None = None
    display: bool | None = None
    camera: bool | None = None


def private_dir() -> Path:
    """A folder only this user can read, that outlives the container (the X cookie file lives here)."""
    folder = cache_dir() / f"run-{os.getuid()}"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def decide_gpus(recipe: Recipe, wanted: bool | None, facts: dict[str, Any]) -> bool | None:
    """--gpus/--no-gpus, else injected GPU facts, else None (docker_args asks nvidia-smi)."""
    if wanted is not None:
        return wanted
    if "gpus" in facts:
        return bool(facts["gpus"]) and recipe.cuda is not None
    return None


def decide_camera(recipe: Recipe, wanted: bool | None, facts: dict[str, Any]) -> bool:
    """--camera/--no-camera, else injected USB facts, else the recipe's realsense and /dev/bus/usb."""
    if wanted is not None:
        return wanted
    for key in ("realsense_devices", "usb_devices"):
        if key in facts:
            return bool(facts[key])
    return recipe.realsense and os.path.isdir("/dev/bus/usb")


def usb_args() -> list[str]:
    """RealSense over USB (docker_args.camera_args when /dev/bus/usb exists here, the same options else)."""
    found = docker_args.camera_args()
    if found:
        return found
    args = ["-v", "/dev/bus/usb:/dev/bus/usb"]
    for rule in docker_args.USB_RULES:
        args += ["--device-cgroup-rule", rule]
    return args


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
    """The full `docker run` argv. `extra_mounts`: more `-v` arguments; `output_at`: where the output
    folder is mounted (train/eval mount it at its host path, so the absolute artifact paths MLflow
    records there are valid on the host too)."""
    workdir = workdir or private_dir()
    camera = decide_camera(recipe, devices.camera, facts)
    args = docker_args.container_run_args(
        recipe.expectations(),
        workdir,
        gpus=decide_gpus(recipe, devices.gpus, facts),
        display=devices.display,
        camera=False,
        user=f"{os.getuid()}:{os.getgid()}",
    )
    if camera:
        args += usb_args()
    head = ["docker", "run", "--rm", "--init"]
    if target.interactive:
        head.append("-it" if tty else "-i")
    elif tty:
        head.append("-t")
    head += [
        "--name",
        f"envkit-{target.name}-{secrets.token_hex(3)}",
        "--label",
        f"org.envkit.run={target.name}",
        "--label",
        f"org.envkit.recipe={recipe.name}",
    ]
    mounts = [
        "-e",
        f"HOME={CONTAINER_HOME}",
        "-v",
        f"{output.resolve()}:{output_at}",
        *extra_mounts,
        "-w",
        output_at,
    ]
    return [*head, *args, *mounts, image, *target.command, *extra]


_VALUE_OPTIONS = {
    "--name",
    "--label",
    "--gpus",
    "--shm-size",
    "--user",
    "-v",
    "-e",
    "-w",
    "--device",
    "--device-cgroup-rule",
}


def shell_line(argv: list[str]) -> str:
    """`docker run` as a copy-pasteable shell command: one option per line, then the image and its command."""
    lines, index = [shlex.join(argv[:2])], 2
    while index < len(argv) and argv[index].startswith("-"):
        if argv[index] in _VALUE_OPTIONS and index + 1 < len(argv):
            lines.append(shlex.join(argv[index : index + 2]))
            index += 2
        else:
            lines.append(shlex.quote(argv[index]))
            index += 1
    lines.append(shlex.join(argv[index:]))
    return " \\\n  ".join(lines)
