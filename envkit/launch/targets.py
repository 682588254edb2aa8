"""What `envkit run TARGET` runs: the command in the container, the host checks it needs first."""

from __future__ import annotations

from dataclasses import dataclass

from envkit.errors import UsageError


@dataclass(frozen=True)
class Target:
    name: str
    summary: str
    command: tuple[str, ...]  # in the container; extra arguments are appended
    host_checks: tuple[str, ...] | None  # doctor host checks that must not fail (None: every host check)
    available: bool = True
    interactive: bool = False


# Host checks a container needs at all; the GPU ones judge against the recipe (skipped for CPU recipes).
_CONTAINER_CHECKS = ("docker_daemon", "docker_socket", "nvidia_runtime", "driver_cuda", "gpu_arch")

TARGETS: dict[str, Target] = {
    "live-pose": Target(
        "live-pose",
        "camera -> 2D pose -> PoseMamba 3D -> window (posemamba.live)",
        ("envkit", "run", "live-pose", "--native"),
        None,
    ),
    "shell": Target(
        "shell", "an interactive shell in the image", ("bash",), _CONTAINER_CHECKS, interactive=True
    ),
    # posemamba's own command lines; `envkit run train|eval --native` calls the same apps here.
    "train": Target(
        "train",
        "PoseMamba training on Human3.6M (posemamba.train; checkpoints and mlflow.db in the output folder)",
        ("python3", "-m", "posemamba.train"),
        # DataLoader workers share batches through /dev/shm: too small a one kills them (the seed).
        (*_CONTAINER_CHECKS, "host_shm"),
    ),
    "eval": Target(
        "eval",
        "PoseMamba evaluation on Human3.6M (posemamba.eval: P1/P2 per action)",
        ("python3", "-m", "posemamba.eval"),
        _CONTAINER_CHECKS,
    ),
}


def target(name: str) -> Target:
    found = TARGETS.get(name)
    if found is None:
        raise UsageError(f"unknown target {name!r}", fix=f"use one of: {', '.join(TARGETS)}")
    if not found.available:
        raise UsageError(f"target {name!r} is not available yet", fix=f"use one of: {', '.join(TARGETS)}")
    return found
