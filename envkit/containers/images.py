"""Local images and containers through the docker CLI: inspect, exist, remove."""

from __future__ import annotations

import json
import subprocess
from typing import Any


def docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`docker ARGS`, output captured as text."""
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def image_id(ref: str) -> str | None:
    """The local image's ID (sha256:...), or None when there is no such image."""
    done = docker("image", "inspect", "--format", "{{.Id}}", ref, timeout=60)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def image_exists(ref: str) -> bool:
    return image_id(ref) is not None


def inspect_image(ref: str) -> dict[str, Any]:
    """{ref, id, digests} of a local image (digests are empty for an image no registry gave)."""
    done = docker("image", "inspect", "--format", "{{json .Id}}|{{json .RepoDigests}}", ref, timeout=60)
    if done.returncode != 0:
        return {"ref": ref, "id": None, "digests": []}
    found_id, digests = done.stdout.strip().split("|", 1)
    return {"ref": ref, "id": json.loads(found_id), "digests": json.loads(digests) or []}


def remove_container(name: str) -> None:
    """`docker rm -f NAME`, quietly (it may already be gone)."""
    docker("rm", "-f", name, timeout=60)
