"""The one place that builds `docker run` argv: `envkit run`, `envkit smoke` and `envkit doctor --image`
describe their container with RunOptions, and `docker_run_argv` turns it into the command."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envkit.containers.devices import Devices, device_args

# The image's user is 10001; with the host uid instead (so files in the output folder are the user's),
# $HOME must be somewhere that uid may write.
CONTAINER_HOME = "/tmp/envkit-home"
CONTAINER_OUTPUT = "/out"


@dataclass(frozen=True)
class RunOptions:
    """One container: the image and command, what it gets from the host, and how it runs."""

    image: str
    command: tuple[str, ...] = ()
    expectations: dict[str, Any] = field(default_factory=dict)  # the recipe's (doctor.context)
    devices: Devices = field(default_factory=Devices)
    facts: dict[str, Any] = field(default_factory=dict)  # injected host facts (tests)
    workdir: Path | None = None  # a private host folder for the X cookie file (no display without it)
    name: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    user: str | None = None  # "uid:gid" (the host user's, so files in the output folder are theirs)
    home: str | None = None  # $HOME in the container (CONTAINER_HOME for a host uid the image lacks)
    network: str | None = None
    output: Path | None = None  # mounted read-write at `output_at`, the working directory
    output_at: str = CONTAINER_OUTPUT
    mounts: tuple[str, ...] = ()  # extra -v HOST:CONTAINER[:ro]
    entrypoint: str | None = None
    detach: bool = False
    interactive: bool = False
    tty: bool = False


def docker_run_argv(options: RunOptions) -> list[str]:
    """The full `docker run` command for `options` (always --rm; --init unless detached)."""
    argv = ["docker", "run", "--rm"]
    argv.append("-d" if options.detach else "--init")
    if options.interactive:
        argv.append("-it" if options.tty else "-i")
    elif options.tty:
        argv.append("-t")
    if options.name:
        argv += ["--name", options.name]
    for key, value in options.labels.items():
        argv += ["--label", f"{key}={value}"]
    if options.entrypoint:
        argv += ["--entrypoint", options.entrypoint]
    devices = options.devices
    if options.workdir is None:
        devices = Devices(devices.gpus, False, devices.camera)
    argv += device_args(options.expectations, devices, options.workdir or Path("."), options.facts)
    if options.network:
        argv += ["--network", options.network]
    if options.user:
        argv += ["--user", options.user]
    if options.home:
        argv += ["-e", f"HOME={options.home}"]
    if options.output is not None:
        argv += ["-v", f"{options.output.resolve()}:{options.output_at}", "-w", options.output_at]
    for mount in options.mounts:
        argv += ["-v", mount]
    return [*argv, options.image, *options.command]


_VALUE_OPTIONS = {
    "--name",
    "--label",
    "--gpus",
    "--shm-size",
    "--user",
    "--entrypoint",
    "--network",
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
