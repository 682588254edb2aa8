"""`envkit doctor --image`: a container of any image with python3, the checks mounted read-only."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from envkit.containers.images import docker, remove_container
from envkit.containers.run import RunOptions, docker_run_argv
from envkit.doctor.environments import Environment
from envkit.errors import UsageError

MOUNT = "/opt/envkit-checks"
# Keeps the container alive for `docker exec` workers; needs nothing but the image's python3.
IDLE = "import signal; signal.pause()"


def open_image(image: str, checks: Path, expectations: dict[str, Any]) -> Environment:
    """Start one idle container of `image`; workers then run in it with `docker exec -i`."""
    if shutil.which("docker") is None:
        raise UsageError("--image needs the docker CLI, which is not installed", fix="install Docker Engine")
    found = docker("image", "inspect", "--format", "{{.Id}}", image, timeout=30)
    if found.returncode != 0:
        message = (found.stderr or found.stdout).strip().splitlines()
        raise UsageError(
            f"--image {image}: {message[-1] if message else 'not found'}",
            fix="build or pull it first (`docker image ls` lists local images); the doctor never pulls",
        )
    workdir = Path(tempfile.mkdtemp(prefix="envkit-doctor-"))
    options = RunOptions(
        image=image,
        command=("-c", IDLE),
        expectations=expectations,
        workdir=workdir,
        entrypoint="python3",
        mounts=(f"{checks}:{MOUNT}:ro",),
        detach=True,
    )
    argv = docker_run_argv(options)
    started = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if started.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        lines = (started.stderr or started.stdout).strip().splitlines()
        reason = next((line for line in lines if "docker run --help" not in line), "docker run failed")
        raise UsageError(
            f"cannot start a container of {image}: {reason.removeprefix('docker: ')}",
            fix="the image needs a python3 on its PATH (>= 3.8); see `docker run --rm IMAGE python3 -V`",
        )
    container = started.stdout.strip()

    def remove() -> None:
        remove_container(container)
        shutil.rmtree(workdir, ignore_errors=True)

    env = Environment(f"image {image}", ["docker", "exec", "-i", container, "python3", f"{MOUNT}/_worker.py"])
    env.closers.append(remove)
    return env
