"""Which builder runs the build: BuildKit through the docker CLI when it has it, the Docker SDK otherwise.

Order (docker-feasibility.md section 2):
1. `docker buildx build` when the buildx plugin answers (BuildKit, cache mounts);
2. `DOCKER_BUILDKIT=1 docker build` with a docker CLI older than 23 found on PATH: those have BuildKit built
   in (Debian's docker.io 20.10 at /usr/bin/docker), while newer CLIs without buildx refuse it;
3. the Docker SDK's low-level build (the legacy builder: no cache mounts, which are then dropped; a
   Dockerfile with other `RUN --mount`s cannot build there and says so).
`ENVKIT_BUILDER=buildx|buildkit|sdk` picks one; a test or a user with several CLIs can pin it.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from envkit.errors import UsageError

BUILDER_ENV = "ENVKIT_BUILDER"
KINDS = ("buildx", "buildkit", "sdk")
_CACHE_MOUNT = re.compile(r"--mount=type=cache,\S+(?:\s*\\\n\s*|\s+)")


@dataclass(frozen=True)
class Engine:
    """A way to build: its kind, the docker CLI it runs (none for the SDK) and the environment it needs."""

    kind: str
    docker: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    why: str = ""

    @property
    def buildkit(self) -> bool:
        return self.kind != "sdk"

    def describe(self) -> str:
        names = {
            "buildx": "BuildKit (docker buildx)",
            "buildkit": "BuildKit (DOCKER_BUILDKIT=1 docker build)",
            "sdk": "the Docker SDK's legacy builder",
        }
        return f"{names[self.kind]}: {self.why}" if self.why else names[self.kind]


def _run(argv: list[str], timeout: float = 20) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None


def docker_clis() -> list[str]:
    """Every distinct `docker` executable on PATH, in PATH order."""
    found, seen = [], set()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder or ".") / "docker"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            real = candidate.resolve()
            if real not in seen:
                seen.add(real)
                found.append(str(candidate))
    return found


def client_major(docker: str) -> int | None:
    done = _run([docker, "version", "--format", "{{.Client.Version}}"])
    if done is None:
        return None
    match = re.match(r"(\d+)\.", done.stdout.strip())
    return int(match.group(1)) if match else None


def _buildx(docker: str) -> Engine | None:
    done = _run([docker, "buildx", "version"])
    if done is not None and done.returncode == 0:
        return Engine("buildx", docker, why=f"{docker} has the buildx plugin ({done.stdout.strip()})")
    return None


def _builtin_buildkit(docker: str) -> Engine | None:
    major = client_major(docker)
    if major is not None and major < 23:
        return Engine(
            "buildkit", docker, {"DOCKER_BUILDKIT": "1"}, f"{docker} is a {major}.x CLI with BuildKit inside"
        )
    return None


def _sdk(why: str) -> Engine:
    try:
        import docker  # noqa: F401  (a dependency; checked so the error is one line)
    except ImportError as error:
        raise UsageError(
            f"no docker CLI with BuildKit and no Docker SDK ({error})", fix="pip install docker"
        ) from None
    return Engine("sdk", why=why)


def detect(kind: str | None = None) -> Engine:
    """The engine to build with (see the module docstring); `kind` or $ENVKIT_BUILDER forces one."""
    return _detect(kind or os.environ.get(BUILDER_ENV) or None, os.environ.get("PATH", ""))


@functools.cache
def _detect(kind: str | None, path: str) -> Engine:
    if kind not in (None, *KINDS):
        raise UsageError(f"{BUILDER_ENV}={kind!r} is not a builder", fix=f"use one of {', '.join(KINDS)}")
    clis = docker_clis()
    if kind in (None, "buildx"):
        for docker in clis:
            engine = _buildx(docker)
            if engine:
                return engine
        if kind == "buildx":
            raise UsageError("no docker CLI on PATH has the buildx plugin", fix="install docker-buildx")
    if kind in (None, "buildkit"):
        for docker in clis:
            engine = _builtin_buildkit(docker)
            if engine:
                return engine
        if kind == "buildkit":
            raise UsageError(
                "no docker CLI on PATH has BuildKit built in (CLIs >= 23 need buildx)",
                fix="install docker-buildx, or Debian's docker.io (20.10)",
            )
    if not clis:
        return _sdk("no docker CLI on PATH")
    return _sdk("forced" if kind == "sdk" else "no docker CLI with BuildKit (no buildx, all CLIs >= 23)")


def for_legacy_builder(dockerfile: str) -> str:
    """The Dockerfile for the legacy builder: cache mounts dropped (they only speed up pip).

    Other mounts (a bind mount from the devel stage) carry files and have no legacy equivalent.
    """
    text = _CACHE_MOUNT.sub("", dockerfile)
    if "--mount=" in text:
        raise UsageError(
            "this Dockerfile needs BuildKit (RUN --mount of the devel stage's wheels); the Docker SDK builds "
            "with the legacy builder",
            fix="install docker-buildx, or use a docker CLI with BuildKit inside (Debian's docker.io 20.10)",
        )
    return text


def cli_command(engine: Engine, *, dockerfile: str, context: Path, tag: str, options: list[str]) -> list[str]:
    """The docker CLI argv for `engine` (buildx or built-in BuildKit)."""
    assert engine.docker is not None
    # --load: with a docker-container builder the image would otherwise stay in the builder's cache.
    head = (
        [engine.docker, "buildx", "build", "--load"] if engine.kind == "buildx" else [engine.docker, "build"]
    )
    return [*head, "--progress=plain", "-f", dockerfile, "-t", tag, *options, str(context)]


def engine_answers() -> str | None:
    """None when a Docker engine answers, else the reason (one line)."""
    docker = shutil.which("docker")
    if docker:
        done = _run([docker, "info", "--format", "{{.ServerVersion}}"], timeout=20)
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return None
        if done is not None:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return lines[-1] if lines else "docker info failed"
        return "docker info did not answer"
    try:
        import docker as sdk

        sdk.from_env(timeout=10).ping()
        return None
    except Exception as error:  # the SDK raises many kinds; the reason is what matters here
        return str(error).splitlines()[0]
