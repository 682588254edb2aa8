"""Does a Docker daemon answer (through the Docker SDK, or the docker CLI when the SDK is absent)?"""

import os
import shutil

from _common import FAIL, OK, WARN, expectation, result, run_tool

CHECK = {"id": "docker_daemon", "title": "Docker daemon reachable", "scope": "host", "depends": []}

INSTALL = (
    "install Docker Engine (Debian/Ubuntu: `sudo apt-get install docker.io`; docs.docker.com/engine/install)"
)


def _ask_sdk():
    import docker  # heavy: imported only when the check runs

    try:
        client = docker.from_env(timeout=5)
        version = client.version()
        client.close()
        return version.get("Version", "?"), None
    except docker.errors.DockerException as error:
        return None, str(error)


def _ask_cli():
    code, out, err = run_tool(["docker", "version", "--format", "{{.Server.Version}}"], timeout=10)
    if code == 0 and out.strip():
        return out.strip(), None
    return None, (err or out).strip() or "docker version failed"


def run(ctx):
    target = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        version, error = _ask_sdk()
    except ImportError:
        if shutil.which("docker") is None:
            status = FAIL if expectation(ctx, "recipe") else WARN
            return result(status, "Docker is not installed (no docker CLI, no Docker SDK)", "", INSTALL)
        version, error = _ask_cli()
    if version:
        return result(OK, "Docker daemon %s answers at %s" % (version, target))
    if "ermission denied" in error or "PermissionError" in error:
        return result(
            FAIL,
            "permission denied while trying to connect to the Docker daemon socket at %s" % target,
            error,
            "sudo usermod -aG docker $USER, then log out and back in (see docker_socket)",
        )
    if (
        shutil.which("dockerd") is None
        and shutil.which("docker") is None
        and not os.environ.get("DOCKER_HOST")
    ):
        status = FAIL if expectation(ctx, "recipe") else WARN
        return result(status, "Docker is not installed", error, INSTALL)
    return result(
        FAIL,
        "no Docker daemon answers at %s" % target,
        error,
        "start it (`sudo systemctl start docker`), or point DOCKER_HOST at a running daemon",
    )
